package snakes

import (
	"context"
	"fmt"
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
	// path. Default "python3".
	Python string
	// CacheDir is where the runtime is installed (python.Install's
	// default when empty).
	CacheDir string
}

// ResolveInterpreter finds the interpreter, asks it for its real
// executable and version, installs the runtime and precompiles it for that
// interpreter.
func ResolveInterpreter(ctx context.Context, opts InterpreterOptions) (*Interpreter, error) {
	name := opts.Python
	if name == "" {
		name = "python3"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("snakes: finding the Python interpreter: %w", err)
	}
	out, err := exec.CommandContext(ctx, path, "-I", "-S", "-c",
		"import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])").Output()
	if err != nil {
		return nil, fmt.Errorf("snakes: asking %s for its executable: %w", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || lines[0] == "" {
		return nil, fmt.Errorf("snakes: %s gave an unexpected answer %q", path, out)
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
