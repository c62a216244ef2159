package main

import (
	"errors"
	"math/big"
	"reflect"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	big20, _ := new(big.Int).SetString("12345678901234567890", 10)
	tests := []struct {
		text    string
		want    any
		wantCol int    // for an error: its column (0: none)
		reason  string // for an error: its reason
	}{
		{text: "1", want: int64(1)},
		{text: "-9223372036854775808", want: int64(-9223372036854775808)},
		{text: "12345678901234567890", want: big20},
		{text: "1.0", want: 1.0},
		{text: "1e3", want: 1000.0},
		{text: `[1, {"a": 12345678901234567890}]`, want: []any{int64(1), map[string]any{"a": big20}}},
		{text: "1e400", reason: "the number 1e400 is beyond a float's range (about ±1.8e308): write an integer's digits for an exact integer, or quote it for a string"},
		{text: "[1, -1e400]", reason: "the number -1e400 is beyond a float's range (about ±1.8e308): write an integer's digits for an exact integer, or quote it for a string"},
		{text: "{oops", wantCol: 2, reason: "unexpected 'o' where a key was expected (keys are strings in double quotes)"},
		{text: "nul", wantCol: 1, reason: `"nul" is not a JSON value (strings are in double quotes; true, false and null are lower case)`},
		{text: `[1, "a`, wantCol: 7, reason: "it ends too early (a bracket, brace or quote is not closed)"},
		{text: "[1, nope]", wantCol: 5, reason: `"nope" is not a JSON value (strings are in double quotes; true, false and null are lower case)`},
		{text: `{"a" 1}`, wantCol: 6, reason: "unexpected '1' after a key (a ':' was expected)"},
		{text: `{"a": 1 "b": 2}`, wantCol: 9, reason: `unexpected '"' after a value in an object (a ',' or a '}' was expected)`},
		{text: `[1 2]`, wantCol: 4, reason: "unexpected '2' after a value in an array (a ',' or a ']' was expected)"},
		{text: `"é" x`, wantCol: 5, reason: "unexpected 'x' after the value (one value only; a string with spaces is quoted)"},
		{text: "\"a\tb\"", wantCol: 3, reason: "unexpected '\\t' inside a string (control characters must be escaped, as \\n or \\t)"},
		{text: `01`, wantCol: 2, reason: "unexpected '1' after the value (one value only; a string with spaces is quoted)"},
		{text: `"\x"`, wantCol: 3, reason: "unexpected 'x' in an escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"},
		{text: `-.5`, wantCol: 2, reason: "unexpected '.' in a number"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			v, err := decodeJSON("argument 1", tt.text)
			if tt.reason == "" {
				if err != nil || !reflect.DeepEqual(v, tt.want) {
					t.Fatalf("decodeJSON(%q) = %#v, %v; want %#v", tt.text, v, err, tt.want)
				}
				return
			}
			var je *JSONError
			if !errors.As(err, &je) || !errors.Is(err, ErrBadJSON) {
				t.Fatalf("decodeJSON(%q) = %#v, %v; want a *JSONError", tt.text, v, err)
			}
			if je.Where != "argument 1" || je.Column != tt.wantCol || je.Reason != tt.reason || je.Text != tt.text {
				t.Fatalf("decodeJSON(%q): column %d, reason %q; want %d, %q", tt.text, je.Column, je.Reason, tt.wantCol, tt.reason)
			}
		})
	}
}

// BenchmarkDecodeJSON is the cost of reading one `taipan run` input line.
func BenchmarkDecodeJSON(b *testing.B) {
	line := `{"id": 12345, "name": "a line of input", "values": [1.5, 2, 3, 12345678901234567890]}`
	for b.Loop() {
		if _, err := decodeJSON("line 1", line); err != nil {
			b.Fatal(err)
		}
	}
}
