package main

import (
	"errors"
	"fmt"
)

// Sentinel errors of the command line, for errors.Is.
var (
	// ErrBadJSON: an argument or an input line that starts like JSON (or
	// reads like a number) is not valid JSON; the error is a *JSONError.
	ErrBadJSON = errors.New("not valid JSON")
	// ErrBadTarget: TARGET is not a dotted Python name.
	ErrBadTarget = errors.New("not a Python name")
	// ErrBadPath: a -path entry is not a directory; the error is a
	// *PathError.
	ErrBadPath = errors.New("not a directory")
)

// JSONError is a JSON value that does not parse, or that parses to a
// number no Python value can hold exactly enough (1e400). It matches
// ErrBadJSON.
type JSONError struct {
	// Where names the value: "argument 2", "keyword sep", "line 7".
	Where string
	// Column is where the problem is, in characters from 1 (0 when the
	// value as a whole is the problem).
	Column int
	// Reason says what is wrong, in plain words.
	Reason string
	// Text is the value as given.
	Text string
}

func (e *JSONError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s is not valid JSON: %s at column %d", e.Where, e.Reason, e.Column)
	}
	return fmt.Sprintf("%s: %s", e.Where, e.Reason)
}

// Unwrap returns ErrBadJSON.
func (e *JSONError) Unwrap() error { return ErrBadJSON }

// hintedError is an error with advice for the user, printed on lines of
// their own after the error.
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() }
func (e *hintedError) Unwrap() error { return e.err }

// withHint adds advice to err (none when hint is empty).
func withHint(err error, hint string) error {
	if hint == "" {
		return err
	}
	return &hintedError{err: err, hint: hint}
}

// PathError is a -path entry that is not a directory. It matches
// ErrBadPath; the command exits 2, as for any mistake in the command line.
type PathError struct {
	Path string // as given
	Err  error  // why: os.Stat's error, or "a file"
}

func (e *PathError) Error() string {
	return fmt.Sprintf("-path %s: %v (want a directory of Python modules)", e.Path, e.Err)
}

// Unwrap returns ErrBadPath and the cause.
func (e *PathError) Unwrap() []error { return []error{ErrBadPath, e.Err} }
