package snakes

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/taipan-go/taipan/python"
)

// Interpreter is a Python interpreter resolved once to its real executable,
// with taipan's runtime installed and compiled for it. Resolving costs a
// Python start (and a pyenv shim ~250 ms); a caller resolves once and
// passes the value to every Start. It is immutable and safe to share.
type Interpreter struct {
	// Path is the real executable (sys.executable), not a shim.
	Path string
	// Version is sys.version_info as "3.11.7".
	Version string
	// RuntimeDir is the installed runtime, put on PYTHONPATH.
	RuntimeDir string
}

// InterpreterOptions tunes ResolveInterpreter.
type InterpreterOptions struct {
	// Python is the interpreter to run: a name looked up in PATH or a
	// path. Default: the environment variable TAIPAN_PYTHON (EnvPython)
	// when set, else "python3" (DefaultPython).
	Python string
	// CacheDir is where the runtime is installed (python.Install's
	// default when empty).
	CacheDir string
}

// pythonName is the interpreter to run and where that choice came from:
// opts' Python, else $TAIPAN_PYTHON, else python3. It is the one place
// the choice is made, so that every entry point (taipan.Start, NewPool,
// Start, the pets, the CLI, the examples) agrees.
func pythonName(python string) (name, from string) {
	switch {
	case python != "":
		return python, "InterpreterOptions.Python"
	case os.Getenv(EnvPython) != "":
		return os.Getenv(EnvPython), "$" + EnvPython
	}
	return DefaultPython, "the default"
}

// ResolveInterpreter finds the interpreter (opts.Python, else
// $TAIPAN_PYTHON, else python3), asks it for its real executable and
// version, installs the runtime and precompiles it for that interpreter.
// An interpreter that cannot be found or run is an *InterpreterError
// (ErrNoInterpreter) that names it and where it was chosen.
func ResolveInterpreter(ctx context.Context, opts InterpreterOptions) (*Interpreter, error) {
	name, from := pythonName(opts.Python)
	fail := func(err error) error { return &InterpreterError{Python: name, From: from, Err: err} }
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fail(err)
	}
	out, err := exec.CommandContext(ctx, path, "-I", "-S", "-c",
		"import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])").Output()
	if err != nil {
		return nil, fail(fmt.Errorf("asking %s for its executable: %w", path, err))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || lines[0] == "" {
		return nil, fail(fmt.Errorf("%s gave an unexpected answer %q", path, out))
	}
	exe := lines[0]
	if !filepath.IsAbs(exe) {
		exe = path
	}
	dir, err := python.Install(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	if err := python.Compile(ctx, dir, exe); err != nil {
		return nil, err
	}
	return &Interpreter{Path: exe, Version: lines[1], RuntimeDir: dir}, nil
}
