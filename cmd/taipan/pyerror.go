package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/taipan-go/taipan/snakes"
)

// pythonError is a Python exception as the command reports it: Python's
// own last line ("ValueError: deep", builtins unnamed), the traceback's
// frames printed before it.
type pythonError struct{ pe *snakes.PythonError }

func (e *pythonError) Error() string {
	return strings.TrimPrefix(e.pe.Type, "builtins.") + ": " + e.pe.Message
}

// Unwrap returns the *snakes.PythonError.
func (e *pythonError) Unwrap() error { return e.pe }

// hintContext is what a hint may name.
type hintContext struct {
	paths  []string            // the module path given with -path
	interp *snakes.Interpreter // the interpreter the workers run
}

// explain prints a Python error's traceback frames on stderr (nothing when
// there are none: an import or lookup error has no frames of the user's)
// and returns the error to report, with a hint for the common mistakes.
// Other errors are returned as they are.
func explain(err error, stderr io.Writer, h hintContext) error {
	var pe *snakes.PythonError
	if !errors.As(err, &pe) {
		return err
	}
	if len(pe.Traceback) > 0 {
		fmt.Fprintln(stderr, "Traceback (most recent call last):")
		for _, f := range pe.Traceback {
			fmt.Fprintf(stderr, "  File %q, line %d, in %s\n", f.File, f.Line, f.Function)
			if f.Text != "" {
				fmt.Fprintf(stderr, "    %s\n", f.Text)
			}
		}
	}
	return withHint(&pythonError{pe: pe}, hint(pe, h))
}

var noModule = regexp.MustCompile(`^No module named '([^']+)'`)

// hint is advice for the common mistakes: a module not found.
func hint(pe *snakes.PythonError, h hintContext) string {
	if pe.Type != "builtins.ModuleNotFoundError" {
		return ""
	}
	m := noModule.FindStringSubmatch(pe.Message)
	if m == nil {
		return ""
	}
	top, _, _ := strings.Cut(m[1], ".")
	where := "no -path directory"
	if len(h.paths) > 0 {
		where = "the module path (-path) " + strings.Join(h.paths, ":")
	}
	python := "the interpreter"
	if h.interp != nil {
		python = fmt.Sprintf("%s (Python %s)", h.interp.Path, h.interp.Version)
	}
	return fmt.Sprintf("%s is neither in %s nor installed for %s.\n"+
		"A module of yours: add the directory that holds %s.py (or the package %s/) with -path DIR (several: DIR1:DIR2).\n"+
		"An installed package: choose the interpreter that has it with -python /path/to/python, or set TAIPAN_PYTHON.",
		top, where, python, top, top)
}
