package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// taipan runs the real command (this test binary as `taipan`, see
// TestMain) and returns its stdout, stderr and exit status.
func taipan(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "TAIPAN_TEST_MAIN=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		status = exit.ExitCode()
	case err != nil:
		t.Fatalf("taipan %q: %v", args, err)
	}
	return out.String(), errOut.String(), status
}

// TestHelp: `taipan help CMD`, `taipan CMD -h` and `-help` print the same
// usage on stdout and exit 0, for every command, in one style.
func TestHelp(t *testing.T) {
	for _, c := range commands() {
		if c.name == "help" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var first string
			for _, argv := range [][]string{{"help", c.name}, {c.name, "-h"}, {c.name, "-help"}, {c.name, "--help"}} {
				out, errOut, status := taipan(t, argv...)
				if status != 0 || errOut != "" {
					t.Fatalf("taipan %q: status %d, stderr %q: want 0 and nothing", argv, status, errOut)
				}
				if !strings.HasPrefix(out, "usage: taipan "+c.name) {
					t.Fatalf("taipan %q printed %q, want the usage of %s", argv, out, c.name)
				}
				if first == "" {
					first = out
				} else if out != first {
					t.Fatalf("taipan %q printed another usage than taipan help %s:\n%s\n---\n%s", argv, c.name, out, first)
				}
			}
			if c.synopsis != "" && strings.Contains(c.synopsis, "[flags]") && !strings.Contains(first, "\nflags:\n") {
				t.Fatalf("usage of %s lists no flags:\n%s", c.name, first)
			}
		})
	}
	out, _, status := taipan(t, "help")
	if status != 0 || !strings.Contains(out, "usage: taipan COMMAND") || !strings.Contains(out, "TAIPAN_PYTHON") {
		t.Fatalf("taipan help: status %d, %q", status, out)
	}
}

// TestCommandLine runs the real command for what only a process shows: the
// exit status, and what goes to stdout and to stderr.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		status    int
		stdout    string   // exactly
		stderr    []string // substrings
		stderrNot []string
	}{
		{name: "bad flag", args: []string{"call", "-nope", "len"}, status: 2,
			stderr: []string{"flag provided but not defined: -nope", "usage: taipan call"}},
		{name: "bad flag of doctor", args: []string{"doctor", "-nope"}, status: 2,
			stderr: []string{"flag provided but not defined: -nope", "usage: taipan doctor"}},
		{name: "unknown help", args: []string{"help", "nope"}, status: 2, stderr: []string{`no command "nope"`}},
		{name: "print on stderr", args: []string{"call", "builtins.print", "hi"}, stdout: "null\n", stderr: []string{"hi\n"}},
		{name: "flag after the arguments", args: []string{"call", "builtins.print", "hi", "-q"}, stdout: "null\n", stderrNot: []string{"hi"}},
		{name: "module not found", args: []string{"call", "nosuchmod_xyz.f"}, status: 1,
			stderr:    []string{"taipan: ModuleNotFoundError: No module named 'nosuchmod_xyz'\nhint: nosuchmod_xyz is neither in the module path (-path)", "-python", "TAIPAN_PYTHON"},
			stderrNot: []string{"Traceback"}},
		{name: "missing -path", args: []string{"call", "-path", "/nonexistent/taipan", "len", "x"}, status: 2,
			stderr: []string{"-path /nonexistent/taipan", "want a directory"}},
		{name: "missing interpreter", args: []string{"call", "-python", "/nonexistent/python3", "len", "x"}, status: 1,
			stderr: []string{"/nonexistent/python3", "hint: choose the interpreter with -python /path/to/python3, or set TAIPAN_PYTHON"}},
		{name: "bad JSON argument", args: []string{"call", "len", "{bad"}, status: 1,
			stderr: []string{"taipan: argument 1 is not valid JSON", "column 2", "hint: to pass argument 1 as a string"}},
		{name: "run fails once", args: []string{"run", "nosuchmod_xyz.f", "/dev/null"}, status: 1,
			stderr: []string{"taipan: ModuleNotFoundError"}, stderrNot: []string{"calls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := taipan(t, tt.args...)
			if status != tt.status || out != tt.stdout {
				t.Fatalf("taipan %q: status %d, stdout %q; want %d, %q\nstderr: %s", tt.args, status, out, tt.status, tt.stdout, errOut)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errOut, s) {
					t.Fatalf("stderr = %q, want it to contain %q", errOut, s)
				}
			}
			for _, s := range tt.stderrNot {
				if strings.Contains(errOut, s) {
					t.Fatalf("stderr = %q, want it without %q", errOut, s)
				}
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantV   bool
		wantErr bool
	}{
		{name: "flags first", args: []string{"-v", "a", "b"}, wantPos: []string{"a", "b"}, wantV: true},
		{name: "flags last", args: []string{"a", "b", "-v"}, wantPos: []string{"a", "b"}, wantV: true},
		{name: "flags between", args: []string{"a", "-v", "b"}, wantPos: []string{"a", "b"}, wantV: true},
		{name: "double dash", args: []string{"a", "--", "-v", "b"}, wantPos: []string{"a", "-v", "b"}},
		{name: "negative numbers", args: []string{"-1", "-2.5", "-.5", "-v"}, wantPos: []string{"-1", "-2.5", "-.5"}, wantV: true},
		{name: "dash alone", args: []string{"-", "-v"}, wantPos: []string{"-"}, wantV: true},
		{name: "unknown flag", args: []string{"a", "-x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFlagSet("call")
			v := fs.Bool("v", false, "")
			var out, errOut bytes.Buffer
			pos, err := parseFlags(fs, tt.args, &out, &errOut)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v", tt.args, err)
			}
			if tt.wantErr {
				return
			}
			if strings.Join(pos, "|") != strings.Join(tt.wantPos, "|") || *v != tt.wantV {
				t.Fatalf("parseFlags(%q) = %q, -v %v; want %q, %v", tt.args, pos, *v, tt.wantPos, tt.wantV)
			}
		})
	}
}

func TestPyFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {-0.5, "-0.5"}, {0, "0.0"}, {1e16, "1e+16"}, {123456789012345.0, "123456789012345.0"},
		{1.5e-5, "1.5e-05"}, {0.0001, "0.0001"}, {0.30000000000000004, "0.30000000000000004"},
	}
	for _, tt := range tests {
		b, err := pyFloat(tt.f).MarshalJSON()
		if err != nil || string(b) != tt.want {
			t.Errorf("pyFloat(%v) = %s, %v; want %s (Python's repr)", tt.f, b, err, tt.want)
		}
	}
}

// TestUnsafeCacheNoInterpreterHint: a cache others could write is refused
// with its own fix, not with advice to choose another interpreter.
func TestUnsafeCacheNoInterpreterHint(t *testing.T) {
	xdg := t.TempDir()
	dir := filepath.Join(xdg, "taipan")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o775); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", xdg)
	for _, cmd := range []string{"call", "run"} {
		_, errOut, status := taipan(t, cmd, "len", "/dev/null")
		if status != 1 || !strings.Contains(errOut, "runtime cache is not safe") || !strings.Contains(errOut, "chmod go-w "+dir) ||
			strings.Contains(errOut, "hint: choose the interpreter") {
			t.Fatalf("taipan %s with a group-writable cache: status %d, stderr %q; want the cache's error and fix, no interpreter hint", cmd, status, errOut)
		}
	}
}
