package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/taipan-go/taipan/python"
	"github.com/taipan-go/taipan/snakes"
)

// Minimums below which doctor warns. Each worker holds a handful of file
// descriptors (two pipes, its stdout and stderr) and one process.
const (
	minOpenFiles = 4096
	minProcesses = 512
	minPython    = "3.9"
)

// check is one line of doctor's report.
type check struct {
	name   string
	ok     bool
	detail string
	advice string // what to do when !ok
}

// doctorEnv is what doctor inspects, injectable for tests.
type doctorEnv struct {
	python    string
	lookPath  func(string) (string, error)
	rlimit    func(resource int) (uint64, error)
	resolve   func(ctx context.Context, python string) (*snakes.Interpreter, error)
	cacheRoot func() (string, error)
}

func realDoctorEnv(python string) doctorEnv {
	return doctorEnv{
		python:   python,
		lookPath: exec.LookPath,
		rlimit: func(resource int) (uint64, error) {
			var l syscall.Rlimit
			err := syscall.Getrlimit(resource, &l)
			return l.Cur, err
		},
		resolve: func(ctx context.Context, py string) (*snakes.Interpreter, error) {
			return snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{Python: py})
		},
		cacheRoot: os.UserCacheDir,
	}
}

// rlimitNproc is RLIMIT_NPROC on Linux (syscall does not name it).
const rlimitNproc = 6

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("doctor")
	py := fs.String("python", "", "the Python interpreter to check (default: $TAIPAN_PYTHON, else python3)")
	if _, err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if *py == "" {
		*py = cmp.Or(os.Getenv(snakes.EnvPython), snakes.DefaultPython) // the library's default
	}
	checks := diagnose(ctx, realDoctorEnv(*py))
	return report(stdout, checks)
}

// diagnose runs every check; none stops the others.
func diagnose(ctx context.Context, env doctorEnv) []check {
	var checks []check
	path, err := env.lookPath(env.python)
	if err != nil {
		where := "not found on PATH"
		if strings.ContainsRune(env.python, '/') {
			where = "not found or not executable"
		}
		checks = append(checks, check{name: "interpreter", detail: fmt.Sprintf("%q %s", env.python, where),
			advice: "install Python 3 (Debian: apt-get install python3) or pass -python /path/to/python3"})
	} else {
		checks = append(checks, check{name: "interpreter", ok: true, detail: path})
		interp, err := env.resolve(ctx, env.python)
		switch {
		case errors.Is(err, python.ErrCacheUnsafe):
			// The cache directory's line says what and how to fix it.
		case err != nil:
			checks = append(checks, check{name: "runtime", detail: err.Error(),
				advice: "check that the interpreter runs and that the cache directory is writable"})
		default:
			checks = append(checks, check{name: "real executable", ok: true, detail: interp.Path + " (resolved once; shims such as pyenv's cost ~250 ms per start)"})
			checks = append(checks, versionCheck(interp.Version))
			checks = append(checks, check{name: "runtime cache", ok: true, detail: interp.RuntimeDir})
			checks = append(checks, integrityCheck(interp))
		}
	}
	checks = append(checks, cacheDirCheck(env))
	checks = append(checks, limitCheck(env, "open files", syscall.RLIMIT_NOFILE, minOpenFiles, "ulimit -n "+strconv.Itoa(minOpenFiles*4)+" (or LimitNOFILE= in a systemd unit)"))
	checks = append(checks, limitCheck(env, "processes", rlimitNproc, minProcesses, "ulimit -u "+strconv.Itoa(minProcesses*8)+" (or LimitNPROC= in a systemd unit)"))
	return checks
}

// cacheDirCheck reports whether the cache directory is safe to run code
// from: the user's, closed to group and others, and so are its parents
// (python.CheckCacheDir).
func cacheDirCheck(env doctorEnv) check {
	root, err := env.cacheRoot()
	if err != nil {
		return check{name: "cache directory", detail: err.Error(), advice: "set HOME or XDG_CACHE_HOME"}
	}
	dir := filepath.Join(root, "taipan")
	version, _ := python.Version()
	err = python.CheckCacheDir(dir)
	var unsafe *python.CacheError
	switch {
	case errors.As(err, &unsafe):
		return check{name: "cache directory", detail: unsafe.Path + " is " + unsafe.Reason + ": taipan refuses to run code from it", advice: unsafe.Fix}
	case errors.Is(err, fs.ErrNotExist):
		return check{name: "cache directory", ok: true, detail: dir + " (created on first use, runtime " + version + ")"}
	case err != nil:
		return check{name: "cache directory", detail: err.Error(), advice: "set XDG_CACHE_HOME to a directory of yours"}
	}
	return check{name: "cache directory", ok: true, detail: dir + " (yours, closed to group and others, as are its parents; runtime " + version + ")"}
}

// integrityCheck reports what resolving found wrong in the runtime cache
// and restored: something wrote into it.
func integrityCheck(interp *snakes.Interpreter) check {
	if len(interp.Restored) == 0 {
		return check{name: "cache integrity", ok: true, detail: "sources match the embedded runtime, compiled files a fresh compile of them"}
	}
	names := make([]string, len(interp.Restored))
	for i, d := range interp.Restored {
		names[i] = d.String()
	}
	return check{name: "cache integrity", detail: "tampered with, now restored: " + strings.Join(names, "; "),
		advice: "taipan put the embedded runtime back; find out what wrote into " + interp.RuntimeDir +
			" (a program running as you, a worker given untrusted input): docs/security.md, \"The runtime cache\""}
}

func versionCheck(v string) check {
	if versionAtLeast(v, minPython) {
		return check{name: "python version", ok: true, detail: v}
	}
	return check{name: "python version", detail: v + " is older than " + minPython, advice: "use Python " + minPython + " or newer"}
}

// versionAtLeast compares dotted versions numerically.
func versionAtLeast(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := range b {
		if i >= len(a) {
			return false
		}
		x, _ := strconv.Atoi(a[i])
		y, _ := strconv.Atoi(b[i])
		if x != y {
			return x > y
		}
	}
	return true
}

func limitCheck(env doctorEnv, name string, resource int, min uint64, advice string) check {
	cur, err := env.rlimit(resource)
	if err != nil {
		return check{name: name, detail: err.Error(), advice: advice}
	}
	detail := strconv.FormatUint(cur, 10)
	if cur == ^uint64(0) {
		detail = "unlimited"
	}
	if cur < min {
		return check{name: name, detail: detail + " (below " + strconv.FormatUint(min, 10) + ": each worker holds pipes, output streams and a process)", advice: advice}
	}
	return check{name: name, ok: true, detail: detail}
}

// report prints the checks and returns an error when one failed.
func report(w io.Writer, checks []check) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	failed := 0
	for _, c := range checks {
		mark := "ok"
		if !c.ok {
			mark = "FIX"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, c.name, c.detail)
		if !c.ok && c.advice != "" {
			fmt.Fprintf(tw, "\t\t→ %s\n", c.advice)
		}
	}
	tw.Flush()
	if failed > 0 {
		return fmt.Errorf("doctor: %d problem(s) to fix", failed)
	}
	return nil
}
