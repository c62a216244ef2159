package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeJSON reads text as one JSON value, the way Python's json.loads
// does: an integer literal stays an exact integer (int64, or *big.Int
// beyond it), any other number is a float64, and a number no float64 can
// hold (1e400) is an error rather than an infinity, which no term can
// carry. where names the value in errors ("argument 2", "line 7").
func decodeJSON(where, text string) (any, error) {
	// One pass when the text is one JSON value and nothing else (a run's
	// every line): the decoder keeps the numbers. Anything else is read
	// again by Unmarshal, whose errors' offsets count from the start and
	// which sees a value after the value as the mistake it is.
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || strings.TrimLeft(text[dec.InputOffset():], jsonSpace) != "" {
		var raw json.RawMessage
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return nil, jsonSyntaxError(where, text, err)
		}
		// Unmarshal took what the decoder did not: never seen, but an
		// error all the same rather than a value half read.
		return nil, &JSONError{Where: where, Text: text, Reason: "not one JSON value"}
	}
	return fromJSON(where, text, v)
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

// fromJSON turns json.Numbers into int64, *big.Int or float64.
func fromJSON(where, text string, v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		return number(where, text, string(x))
	case []any:
		for i := range x {
			var err error
			if x[i], err = fromJSON(where, text, x[i]); err != nil {
				return nil, err
			}
		}
		return x, nil
	case map[string]any:
		for k := range x {
			var err error
			if x[k], err = fromJSON(where, text, x[k]); err != nil {
				return nil, err
			}
		}
		return x, nil
	}
	return v, nil
}

// number reads a JSON number literal (already checked by the decoder).
func number(where, text, s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		b, _ := new(big.Int).SetString(s, 10) // the decoder checked the digits
		return b, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil { // only ErrRange: the syntax is JSON's
		return nil, &JSONError{Where: where, Text: text,
			Reason: fmt.Sprintf("the number %s is beyond a float's range (about ±1.8e308): write an integer's digits for an exact integer, or quote it for a string", s)}
	}
	return f, nil
}

// jsonSyntaxError says in plain words what is wrong with text, and where.
func jsonSyntaxError(where, text string, err error) error {
	var se *json.SyntaxError
	switch {
	case strings.Contains(err.Error(), "unexpected end of JSON input"), errors.Is(err, io.ErrUnexpectedEOF):
		return &JSONError{Where: where, Text: text, Column: column(text, len(text)+1),
			Reason: "it ends too early (a bracket, brace or quote is not closed)"}
	case errors.As(err, &se):
		off := int(se.Offset) // the bad character is the last one read
		if start, word := wordAt(text, off-1); word != "" && (strings.Contains(se.Error(), "in literal") ||
			strings.Contains(se.Error(), "looking for beginning of value")) {
			return &JSONError{Where: where, Text: text, Column: column(text, start+1),
				Reason: fmt.Sprintf("%q is not a JSON value (strings are in double quotes; true, false and null are lower case)", word)}
		}
		return &JSONError{Where: where, Text: text, Column: column(text, off), Reason: plainJSONReason(se.Error(), text, off)}
	}
	return &JSONError{Where: where, Text: text, Reason: err.Error()}
}

// plainJSONReason rewords encoding/json's syntax messages ("invalid
// character 'o' in literal null (expecting 'u')"): the character at off and
// what is wrong with it, from the first entry whose phrase the message
// holds (so "after object key:value pair" comes before "after object key").
func plainJSONReason(msg, text string, off int) string {
	reasons := [...]struct{ phrase, says string }{
		{"looking for beginning of object key string", " where a key was expected (keys are strings in double quotes)"},
		{"in literal", " where a value was expected (strings are in double quotes; true, false and null are lower case)"},
		{"looking for beginning of value", " where a value was expected (strings are in double quotes; true, false and null are lower case)"},
		{"after object key:value pair", " after a value in an object (a ',' or a '}' was expected)"},
		{"after object key", " after a key (a ':' was expected)"},
		{"after array element", " after a value in an array (a ',' or a ']' was expected)"},
		{"in string escape code", " in an escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"},
		{"in string literal", " inside a string (control characters must be escaped, as \\n or \\t)"},
		{"in numeric literal", " in a number"},
		{"after top-level value", " after the value (one value only; a string with spaces is quoted)"},
	}
	what := "an unexpected character"
	if off >= 1 && off <= len(text) {
		r, _ := utf8.DecodeRuneInString(text[off-1:])
		what = fmt.Sprintf("unexpected %q", r)
	}
	for _, r := range reasons {
		if strings.Contains(msg, r.phrase) {
			return what + r.says
		}
	}
	return what
}

// column is the character (not byte) position of byte offset off, from 1.
func column(text string, off int) int {
	if off <= 0 {
		return 1
	}
	if off > len(text) {
		return utf8.RuneCountInString(text) + off - len(text)
	}
	return utf8.RuneCountInString(text[:off-1]) + 1
}

// wordAt is the run of letters, digits and underscores around byte i, and
// where it starts ("" when text[i] is none of them).
func wordAt(text string, i int) (int, string) {
	isWord := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	if i < 0 || i >= len(text) || !isWord(text[i]) {
		return 0, ""
	}
	start, end := i, i
	for start > 0 && isWord(text[start-1]) {
		start--
	}
	for end < len(text) && isWord(text[end]) {
		end++
	}
	return start, text[start:end]
}
