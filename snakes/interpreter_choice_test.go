package snakes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestInterpreterFromEnvironment: with InterpreterOptions.Python empty,
// $TAIPAN_PYTHON chooses the interpreter; Python, when set, beats it.
func TestInterpreterFromEnvironment(t *testing.T) {
	link := filepath.Join(t.TempDir(), "my-python")
	if err := os.Symlink(interp(t).Path, link); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	for _, tc := range []struct {
		name, env, python string
	}{
		{"from $TAIPAN_PYTHON", link, ""},
		{"Python beats $TAIPAN_PYTHON", "/nonexistent/python3", link},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvPython, tc.env)
			in, err := ResolveInterpreter(testkit.Context(t), InterpreterOptions{Python: tc.python, CacheDir: cache})
			if err != nil {
				t.Fatalf("ResolveInterpreter: %v", err)
			}
			// sys.executable is the path the interpreter was started by:
			// the link, whose name only $TAIPAN_PYTHON or Python gave.
			if in.Path != link {
				t.Fatalf("Path = %q, want the link %q", in.Path, link)
			}
		})
	}
}

// TestInterpreterErrors: an interpreter that cannot be found or run is an
// *InterpreterError that says which one and where it was chosen.
func TestInterpreterErrors(t *testing.T) {
	notPython := filepath.Join(t.TempDir(), "not-python")
	if err := os.WriteFile(notPython, []byte("#!/bin/sh\necho nope >&2; exit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, env, python, from string
		cause                   error
	}{
		{"$TAIPAN_PYTHON not found", "/nonexistent/python3", "", "$TAIPAN_PYTHON", os.ErrNotExist},
		{"$TAIPAN_PYTHON not on PATH", "no-such-python-here", "", "$TAIPAN_PYTHON", nil},
		{"$TAIPAN_PYTHON not a Python", notPython, "", "$TAIPAN_PYTHON", nil},
		{"Python not found", "", "/nonexistent/python3", "InterpreterOptions.Python", os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvPython, tc.env)
			in, err := ResolveInterpreter(testkit.Context(t), InterpreterOptions{Python: tc.python, CacheDir: t.TempDir()})
			var ie *InterpreterError
			if !errors.Is(err, ErrNoInterpreter) || !errors.As(err, &ie) {
				t.Fatalf("ResolveInterpreter = %v, %v; want an *InterpreterError", in, err)
			}
			want := tc.env + tc.python
			if ie.Python != want || ie.From != tc.from {
				t.Fatalf("Python %q From %q, want %q from %q", ie.Python, ie.From, want, tc.from)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Fatalf("%v: want it to match %v", err, tc.cause)
			}
			if msg := err.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, EnvPython) {
				t.Fatalf("message %q names neither %q nor %s", msg, want, EnvPython)
			}
		})
	}
}
