package snakes

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/python"
)

// Interpreter is a Python interpreter resolved once to its real executable,
// with taipan's runtime installed, checked and compiled for it. Resolving
// costs a Python start and a compile of the runtime (and a pyenv shim
// ~250 ms); a caller resolves once and passes the value to every Start.
// It is immutable and safe to share.
type Interpreter struct {
	// Path is the real executable (sys.executable), not a shim.
	Path string
	// Version is sys.version_info as "3.11.7".
	Version string
	// RuntimeDir is the installed runtime, put on PYTHONPATH.
	RuntimeDir string
	// Restored lists what ResolveInterpreter found wrong in the runtime
	// cache and restored from the embedded runtime (a source changed, a
	// file added, a compiled file that differed from a fresh compile);
	// empty when the cache was intact. Something wrote into the cache:
	// docs/security.md, "The runtime cache".
	Restored []python.Damage
}

// InterpreterOptions tunes ResolveInterpreter.
type InterpreterOptions struct {
	// Python is the interpreter to run: a name looked up in PATH or a
	// path. Default: the environment variable TAIPAN_PYTHON (EnvPython)
	// when set, else "python3" (DefaultPython).
	Python string
	// CacheDir is where the runtime is installed (python.Install's
	// default when empty). It must belong to the current user and be
	// closed to group and others, as must its parents (owned by the user
	// or root, or sticky): ResolveInterpreter refuses it otherwise
	// (python.ErrCacheUnsafe).
	CacheDir string
	// Logger hears what the check of the cache restored, at warn; default
	// a null logger (Interpreter.Restored says it too).
	Logger hclog.Logger
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
// $TAIPAN_PYTHON, else python3), installs the runtime (refusing
// a cache directory others could write into, restoring sources that do
// not match the embedded runtime), then runs the interpreter once to ask
// for its real executable and version and to compile the runtime for it,
// replacing any compiled file that differs from that compile
// (python.InstallChecked, python.Check). A runtime that was tampered with
// is restored, said at warn and in Interpreter.Restored; a cache that is
// not safe is refused with a *python.CacheError. An interpreter that
// cannot be found or run is an *InterpreterError (ErrNoInterpreter) that
// names it and where it was chosen.
func ResolveInterpreter(ctx context.Context, opts InterpreterOptions) (*Interpreter, error) {
	name, from := pythonName(opts.Python)
	fail := func(err error) error { return &InterpreterError{Python: name, From: from, Err: err} }
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fail(err)
	}
	inst, err := python.InstallChecked(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	checked, err := python.Check(ctx, inst.Dir, path)
	if err != nil {
		return nil, fail(fmt.Errorf("asking %s for its executable: %w", path, err))
	}
	exe := checked.Executable
	if !filepath.IsAbs(exe) {
		exe = path
	}
	restored := append(inst.Restored, checked.Replaced...)
	if len(restored) > 0 {
		names := make([]string, len(restored))
		for i, d := range restored {
			names[i] = d.String()
		}
		log.Warn("runtime cache: files that did not match the embedded runtime were restored; something wrote into the cache",
			"dir", inst.Dir, "files", names)
	}
	return &Interpreter{Path: exe, Version: checked.Version, RuntimeDir: inst.Dir, Restored: restored}, nil
}
