package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/taipan-go/taipan/snakes"
)

// callArgs are the positional and keyword arguments of a call, read from
// the command line.
type callArgs struct {
	args   []any
	kwargs snakes.Kwargs
}

// list is what Call takes: the positional arguments, then the keywords.
func (c callArgs) list() []any {
	if len(c.kwargs) == 0 {
		return c.args
	}
	return append(c.args[:len(c.args):len(c.args)], c.kwargs)
}

// parseCallArgs reads the command line's arguments:
//
//   - NAME=VALUE, NAME a Python identifier, is a keyword argument (so is
//     each -kw NAME=VALUE); VALUE is read as below;
//   - a value that starts like JSON ({ [ "), like a number (a digit, or -
//     and a digit) or is true, false or null must be valid JSON: integers
//     stay exact, and a mistake is an error, never a silent string;
//   - anything else (a bare word) is a string.
//
// With raw, every argument (and -kw VALUE) is a string as given, and
// NAME=VALUE is a positional string too.
func parseCallArgs(pos, kw []string, raw bool) (callArgs, error) {
	var c callArgs
	addKw := func(name, value string) error {
		v, err := argValue("keyword "+name, value, raw)
		if err != nil {
			return err
		}
		if _, dup := c.kwargs[name]; dup {
			return usageError{fmt.Sprintf("keyword %s given twice", name)}
		}
		if c.kwargs == nil {
			c.kwargs = snakes.Kwargs{}
		}
		c.kwargs[name] = v
		return nil
	}
	for _, s := range kw {
		name, value, ok := keyword(s)
		if !ok {
			return c, usageError{fmt.Sprintf("-kw %q: want NAME=VALUE, NAME a Python identifier", s)}
		}
		if err := addKw(name, value); err != nil {
			return c, err
		}
	}
	for i, s := range pos {
		if name, value, ok := keyword(s); ok && !raw {
			if err := addKw(name, value); err != nil {
				return c, err
			}
			continue
		}
		v, err := argValue("argument "+strconv.Itoa(i+1), s, raw)
		if err != nil {
			return c, err
		}
		c.args = append(c.args, v)
	}
	return c, nil
}

// keyword splits NAME=VALUE when NAME is a Python identifier.
func keyword(s string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(s, "=")
	return name, value, ok && isIdentifier(name)
}

// argValue reads one value: a string as given with raw, else JSON when it
// looks like JSON, else a string.
func argValue(where, s string, raw bool) (any, error) {
	if raw || !looksLikeJSON(s) {
		return s, nil
	}
	v, err := decodeJSON(where, s)
	if err != nil {
		return nil, withHint(err, fmt.Sprintf("to pass %s as a string, quote it as JSON (%s) or use -raw", where, shellQuote(strconv.Quote(s))))
	}
	return v, nil
}

// looksLikeJSON tells whether s starts like a JSON value other than a
// bare word: an object, an array, a string, a number, true, false or null.
func looksLikeJSON(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" {
		return false
	}
	switch t[0] {
	case '{', '[', '"':
		return true
	}
	if t[0] >= '0' && t[0] <= '9' || isNegativeNumber(t) {
		return true
	}
	return t == "true" || t == "false" || t == "null"
}

// isIdentifier tells whether s is a Python identifier (a keyword's name,
// a part of a dotted name).
func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// shellQuote quotes s for a POSIX shell, for advice the user can paste.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
