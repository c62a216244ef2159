package python

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// checkScript compiles the runtime and replaces what differs; it is passed
// with -c, never imported from the cache it checks.
//
//go:embed cachecheck.py
var checkScript string

// Checked is what Check learned from the interpreter.
type Checked struct {
	// Executable is sys.executable: the real interpreter, not a shim.
	Executable string
	// Version is sys.version_info as "3.11.7".
	Version string
	// CacheTag is sys.implementation.cache_tag ("cpython-311"), the tag in
	// the names of its compiled files; empty for an interpreter that
	// writes none (nothing was compiled then).
	CacheTag string
	// Replaced are the compiled files that differed from a fresh compile
	// of the verified source, now replaced by it.
	Replaced []Damage
}

// Check runs the interpreter pythonExe once on the runtime in dir (which
// InstallChecked verified): it reports the interpreter's executable,
// version and cache tag, compiles every source of the runtime, and writes
// each compiled file that the worker could load — __pycache__/NAME.TAG.pyc
// always, the .opt-N one too when the host's PYTHONOPTIMIZE (which workers
// inherit) asks for level N, the other .opt ones where they exist — unless
// the file there already holds exactly those bytes (a worker that found
// one missing would write its own, unlike this compile's). A file that existed and
// differed is named in Replaced. Existing compiled files are only read and
// compared, never loaded (unmarshalling is not safe against crafted data).
//
// The interpreter runs without site (-S, -s) and with every PYTHON*
// variable dropped but PYTHONHASHSEED=0, which, with the compile order
// fixed, makes its output the same from one run to the next (Pythons before
// 3.11 write frozensets in hash order). The check costs one Python start
// and a compile of the runtime (~20–40 ms), once per ResolveInterpreter.
// Safe to run concurrently: Python replaces compiled files atomically.
func Check(ctx context.Context, dir, pythonExe string) (*Checked, error) {
	files, err := sources()
	if err != nil {
		return nil, fmt.Errorf("python: reading the embedded runtime: %w", err)
	}
	args := []string{"-s", "-S", "-c", checkScript, dir, strconv.Itoa(optimizeLevel(os.Getenv("PYTHONOPTIMIZE")))}
	for _, f := range files {
		args = append(args, f.name)
	}
	cmd := exec.CommandContext(ctx, pythonExe, args...)
	cmd.Dir = dir // sys.path[0] for -c: the verified runtime, nothing else
	cmd.Env = checkEnv(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("python: checking the runtime in %s with %s: %w: %s", dir, pythonExe, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" || lines[1] == "" {
		return nil, fmt.Errorf("python: %s gave an unexpected answer %q", pythonExe, stdout.String())
	}
	c := &Checked{Executable: lines[0], Version: lines[1], CacheTag: lines[2]}
	for _, l := range lines[3:] {
		name, ok := strings.CutPrefix(l, "replaced ")
		if !ok {
			return nil, fmt.Errorf("python: %s gave an unexpected answer %q", pythonExe, stdout.String())
		}
		c.Replaced = append(c.Replaced, Damage{Name: name, Reason: "differed from a fresh compile of the embedded source"})
	}
	return c, nil
}

// optimizeLevel is the level PYTHONOPTIMIZE gives a worker: an integer
// (2 at most: Python has no higher level), or 1 for any other non-empty
// value.
func optimizeLevel(v string) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 1
	}
	return max(0, min(n, 2))
}

// checkEnv is the host's environment without the PYTHON* variables, which
// could move the compiled files (PYTHONPYCACHEPREFIX), change the compile
// (PYTHONOPTIMIZE) or run code at start (PYTHONSTARTUP, PYTHONPATH), and
// with a fixed hash seed. Other variables stay: an interpreter may need
// its LD_LIBRARY_PATH, a pyenv shim its PYENV_VERSION.
func checkEnv(base []string) []string {
	env := make([]string, 0, len(base)+1)
	for _, kv := range base {
		if !strings.HasPrefix(kv, "PYTHON") {
			env = append(env, kv)
		}
	}
	return append(env, "PYTHONHASHSEED=0")
}

// Compile is Check without its findings: it compiles the runtime in dir
// for the interpreter, replacing compiled files that differ from a fresh
// compile.
func Compile(ctx context.Context, dir, pythonExe string) error {
	_, err := Check(ctx, dir, pythonExe)
	return err
}
