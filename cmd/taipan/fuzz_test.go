package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseCallArgs feeds the command line's argument parser (and so
// decodeJSON and its error wording) anything: it must never panic, a
// refusal must be a *JSONError or a usageError, and JSON is read as such
// exactly when encoding/json accepts it (but for a float beyond range).
func FuzzParseCallArgs(f *testing.F) {
	for _, s := range []string{"1", "-1", "12345678901234567890", "1e400", "-1e400", "[1, {\"a\": 2}]",
		"{bad", "nul", "[1, \"a", "\"a\tb\"", "01", "\"é\" x", "a=1", "sep=,", "a=[1", "é=\"x\"",
		"-.5", " 1", "", "\"\\u12\"", "[[[[", "{\"a\" 1}", "1 2", "\xff", "tru", "-"} {
		f.Add(s, false)
	}
	f.Add("a=b", true)
	f.Fuzz(func(t *testing.T, s string, raw bool) {
		c, err := parseCallArgs([]string{s}, nil, raw)
		if err != nil {
			var je *JSONError
			var ue usageError
			switch {
			case errors.As(err, &je):
				if !errors.Is(err, ErrBadJSON) || je.Text == "" || je.Reason == "" || je.Column < 0 {
					t.Fatalf("parseCallArgs(%q): %#v", s, je)
				}
				if json.Valid([]byte(je.Text)) && !strings.Contains(je.Reason, "beyond a float's range") {
					t.Fatalf("parseCallArgs(%q) refused the JSON %q: %v", s, je.Text, err)
				}
				_ = err.Error()
			case errors.As(err, &ue):
			default:
				t.Fatalf("parseCallArgs(%q) = %v (%T), want a *JSONError or a usageError", s, err, err)
			}
			return
		}
		if raw {
			if len(c.args) != 1 || c.args[0] != s || c.kwargs != nil {
				t.Fatalf("parseCallArgs(%q, raw) = %#v, want the string as given", s, c)
			}
			return
		}
		text := s
		if name, value, ok := keyword(s); ok {
			if len(c.kwargs) != 1 || c.kwargs[name] == nil && value != "null" {
				t.Fatalf("parseCallArgs(%q) = %#v, want keyword %s", s, c, name)
			}
			text = value
		}
		if looksLikeJSON(text) && !json.Valid([]byte(text)) {
			t.Fatalf("parseCallArgs(%q) accepted %q, which is not JSON", s, text)
		}
		if !looksLikeJSON(text) && strings.TrimSpace(text) != "" && json.Valid([]byte(text)) {
			t.Fatalf("parseCallArgs(%q) took the JSON %q for a bare word", s, text)
		}
	})
}
