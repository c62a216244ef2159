package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/taipan-go/taipan/snakes"
)

func TestCommands(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantOut   string // substring of stdout
		wantErr   string // substring of the error, "" for success
		wantUsage bool
	}{
		{name: "no command", args: nil, wantErr: "no command", wantUsage: true},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: "unknown command", wantUsage: true},
		{name: "version", args: []string{"version"}, wantOut: "taipan "},
		{name: "call add", args: []string{"call", "operator.add", "1", "2"}, wantOut: "3\n"},
		{name: "call with a bare string", args: []string{"call", "str.upper", "hello"}, wantOut: `"HELLO"`},
		{name: "call with JSON", args: []string{"call", "json.dumps", `{"a":[1,2]}`}, wantOut: `"{\"a\": [1, 2]}"`},
		{name: "big integer stays exact", args: []string{"call", "math.factorial", "25"}, wantOut: "15511210043330985984000000\n"},
		{name: "Python error", args: []string{"call", "operator.truediv", "1", "0"}, wantErr: "ZeroDivisionError"},
		{name: "bad target", args: []string{"call", "no-dash"}, wantErr: "not a Python name", wantUsage: true},
		{name: "not a builtin", args: []string{"call", "nodot"}, wantErr: "NameError: 'nodot' is not a builtin"},
		{name: "missing target", args: []string{"call"}, wantErr: "needs a TARGET", wantUsage: true},
		{name: "help", args: []string{"help"}, wantOut: "usage: taipan COMMAND"},
		{name: "help for a command", args: []string{"help", "call"}, wantOut: "usage: taipan call [flags] TARGET"},
		{name: "help for no command", args: []string{"help", "frobnicate"}, wantErr: "no command", wantUsage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("run(%q): %v\nstderr: %s", tt.args, err, errOut.String())
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			}
			var usage usageError
			if got := errors.As(err, &usage); got != tt.wantUsage {
				t.Fatalf("run(%q) usage error = %v, want %v", tt.args, got, tt.wantUsage)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("run(%q) stdout = %q, want it to contain %q", tt.args, out.String(), tt.wantOut)
			}
		})
	}
}

// fakeEnv is a machine for doctor where everything is fine, to be spoiled
// one thing at a time.
func fakeEnv() doctorEnv {
	return doctorEnv{
		python:   "python3",
		lookPath: func(string) (string, error) { return "/usr/bin/python3", nil },
		rlimit:   func(int) (uint64, error) { return 1 << 20, nil },
		resolve: func(context.Context, string) (*snakes.Interpreter, error) {
			return &snakes.Interpreter{Path: "/usr/bin/python3.11", Version: "3.11.2", RuntimeDir: "/tmp/rt"}, nil
		},
		cacheRoot: func() (string, error) { return "/tmp/cache", nil },
	}
}

func TestDoctor(t *testing.T) {
	tests := []struct {
		name       string
		spoil      func(*doctorEnv)
		wantFix    string // the check that must fail, "" for none
		wantAdvice string
	}{
		{name: "healthy", spoil: func(*doctorEnv) {}},
		{name: "missing interpreter", spoil: func(e *doctorEnv) {
			e.lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
		}, wantFix: "interpreter", wantAdvice: "install Python 3"},
		{name: "old python", spoil: func(e *doctorEnv) {
			e.resolve = func(context.Context, string) (*snakes.Interpreter, error) {
				return &snakes.Interpreter{Path: "/usr/bin/python3.7", Version: "3.7.3"}, nil
			}
		}, wantFix: "python version", wantAdvice: "Python 3.9 or newer"},
		{name: "fd limit too low", spoil: func(e *doctorEnv) {
			e.rlimit = func(r int) (uint64, error) {
				if r == syscall.RLIMIT_NOFILE {
					return 256, nil
				}
				return 1 << 20, nil
			}
		}, wantFix: "open files", wantAdvice: "ulimit -n"},
		{name: "process limit too low", spoil: func(e *doctorEnv) {
			e.rlimit = func(r int) (uint64, error) {
				if r == rlimitNproc {
					return 64, nil
				}
				return 1 << 20, nil
			}
		}, wantFix: "processes", wantAdvice: "ulimit -u"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := fakeEnv()
			tt.spoil(&env)
			var out bytes.Buffer
			err := report(&out, diagnose(context.Background(), env))
			if tt.wantFix == "" {
				if err != nil || strings.Contains(out.String(), "FIX") {
					t.Fatalf("healthy machine reported problems: %v\n%s", err, out.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("doctor found nothing wrong, want %q flagged:\n%s", tt.wantFix, out.String())
			}
			var fixLine bool
			for _, line := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(line, "FIX") && strings.Contains(line, tt.wantFix) {
					fixLine = true
				}
			}
			if !fixLine || !strings.Contains(out.String(), tt.wantAdvice) {
				t.Fatalf("want a FIX line for %q with advice %q:\n%s", tt.wantFix, tt.wantAdvice, out.String())
			}
		})
	}
}

func TestDoctorOnThisMachine(t *testing.T) {
	var out bytes.Buffer
	checks := diagnose(context.Background(), realDoctorEnv("python3"))
	report(&out, checks)
	if !strings.Contains(out.String(), "real executable") {
		t.Fatalf("doctor did not resolve python3 on a machine that has it:\n%s", out.String())
	}
}
