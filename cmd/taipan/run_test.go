package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// slowPy sleeps longer for earlier inputs, so that unordered results come
// back out of order and ordered ones must be held back.
const slowPy = `
import time

def slow(n):
    time.sleep(0.02 * (5 - n))
    return n

def fail_on_three(n):
    if n == 3:
        raise ValueError("three")
    return n * 10
`

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slowmod.py"), []byte(slowPy), 0o644); err != nil {
		t.Fatal(err)
	}
	inputFile := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(inputFile, []byte("1\n4\n9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		stdin     string
		wantOut   string // stdout exactly; "" to skip
		sortedOut string // stdout's lines sorted, for -unordered
		wantErr   string // "" for success
		wantUsage bool
		wantLog   []string // substrings of stderr
	}{
		{name: "stdin in order", args: []string{"operator.neg"}, stdin: "1\n2\n3\n", wantOut: "-1\n-2\n-3\n",
			wantLog: []string{"3 calls, 0 errors"}},
		{name: "file argument", args: []string{"math.isqrt", inputFile}, wantOut: "1\n2\n3\n"},
		{name: "blank lines skipped", args: []string{"str.upper"}, stdin: "\"a\"\n\n  \n\"b\"", wantOut: "\"A\"\n\"B\"\n"},
		{name: "objects and lists as one argument", args: []string{"len"}, stdin: "{\"a\":1,\"b\":2}\n[1,2,3]\n", wantOut: "2\n3\n"},
		{name: "spread", args: []string{"-spread", "operator.add"}, stdin: "[1,2]\n[\"a\",\"b\"]\n", wantOut: "3\n\"ab\"\n"},
		{name: "order kept under concurrency", args: []string{"-n", "2", "-pipeline", "4", "slowmod.slow"}, stdin: "1\n2\n3\n4\n", wantOut: "1\n2\n3\n4\n"},
		{name: "unordered", args: []string{"-n", "2", "-unordered", "slowmod.slow"}, stdin: "1\n2\n3\n4\n", sortedOut: "1\n2\n3\n4\n"},
		{name: "python error in place", args: []string{"slowmod.fail_on_three"}, stdin: "1\n3\n5\n",
			wantOut: "10\n{\"error\":{\"line\":2,\"message\":\"three\",\"type\":\"builtins.ValueError\"}}\n50\n",
			wantErr: "1 of 3 calls failed", wantLog: []string{"line 2: ValueError: three", "3 calls, 1 errors"}},
		{name: "bad JSON reported with its line number", args: []string{"operator.neg"}, stdin: "1\n{oops\n3\n",
			wantOut: "-1\n{\"error\":{\"column\":2,\"line\":2,\"message\":\"line 2 is not valid JSON: unexpected 'o' where a key was expected (keys are strings in double quotes) at column 2\",\"type\":\"json\"}}\n-3\n",
			wantErr: "1 of 3 calls failed", wantLog: []string{"line 2 is not valid JSON: unexpected 'o' where a key was expected"}},
		{name: "bad literal in plain words", args: []string{"operator.neg"}, stdin: "nope\n", wantErr: "1 of 1 calls failed",
			wantLog: []string{`line 1 is not valid JSON: "nope" is not a JSON value (strings are in double quotes; true, false and null are lower case) at column 1`}},
		{name: "two values on a line", args: []string{"operator.neg"}, stdin: "1 2\n", wantErr: "1 of 1 calls failed", wantLog: []string{"unexpected '2' after the value (one value only"}},
		{name: "big integers stay exact", args: []string{"operator.neg"}, stdin: "12345678901234567890\n", wantOut: "-12345678901234567890\n"},
		{name: "a number beyond a float", args: []string{"operator.neg"}, stdin: "1e400\n", wantErr: "1 of 1 calls failed",
			wantOut: "{\"error\":{\"line\":1,\"message\":\"line 1: the number 1e400 is beyond a float's range (about ±1.8e308): write an integer's digits for an exact integer, or quote it for a string\",\"type\":\"json\"}}\n"},
		{name: "raw lines are strings", args: []string{"-raw", "str.upper"}, stdin: "{not json\nplain\n", wantOut: "\"{NOT JSON\"\n\"PLAIN\"\n"},
		{name: "raw and spread", args: []string{"-raw", "-spread", "str.upper"}, wantErr: "exclude each other", wantUsage: true},
		{name: "keyword arguments", args: []string{"-kw", "base=16", "int"}, stdin: "\"ff\"\n\"10\"\n", wantOut: "255\n16\n"},
		{name: "flags after the target", args: []string{"int", "-kw", "base=2", "-progress", "none"}, stdin: "\"101\"\n", wantOut: "5\n"},
		{name: "builtin type method", args: []string{"bytes.fromhex"}, stdin: "\"ff00\"\n", wantOut: "{\"$bytes\":\"/wA=\"}\n"},
		{name: "no HTML escapes", args: []string{"-spread", "operator.lt"}, stdin: "[\"<&>\", \"b\"]\n[1, \"b\"]\n", wantErr: "1 of 2 calls failed",
			wantOut: "true\n{\"error\":{\"line\":2,\"message\":\"'<' not supported between instances of 'int' and 'str'\",\"type\":\"builtins.TypeError\"}}\n"},
		{name: "attribute path", args: []string{"-spread", "datetime.date.fromordinal"}, stdin: "[1]\n", wantOut: "{\"$python\":\"datetime.date(1, 1, 1)\"}\n"},
		{name: "spread needs an array", args: []string{"-spread", "operator.neg"}, stdin: "5\n", wantErr: "1 of 1 calls failed", wantLog: []string{"wants a JSON array"}},
		// -timeout bounds the target's resolution too (a call to the
		// worker before the input is read): long enough for that round
		// trip on a loaded machine, where 50 ms was not, short beside the
		// sleep it abandons.
		{name: "call timeout", args: []string{"-timeout", "2s", "time.sleep"}, stdin: "600\n", wantErr: "1 of 1 calls failed",
			wantOut: "{\"error\":{\"line\":1,\"message\":\"snakes: call timed out: worker abandoned\",\"type\":\"timeout\"}}\n"},
		{name: "empty input", args: []string{"operator.neg"}, stdin: "", wantOut: "", wantLog: []string{"0 calls, 0 errors"}},
		{name: "missing file", args: []string{"operator.neg", filepath.Join(dir, "nope")}, wantErr: "no such file"},
		{name: "missing target", args: nil, wantErr: "needs a TARGET", wantUsage: true},
		{name: "bad target", args: []string{"no-dot"}, wantErr: "not a Python name", wantUsage: true},
		{name: "missing module fails once", args: []string{"nosuchmod_xyz.f"}, stdin: "1\n2\n3\n",
			wantErr: "ModuleNotFoundError: No module named 'nosuchmod_xyz'"},
		{name: "missing function fails once", args: []string{"slowmod.nope"}, stdin: "1\n2\n3\n",
			wantErr: "AttributeError: module 'slowmod' has no attribute 'nope'"},
		{name: "bad progress", args: []string{"-progress", "fancy", "operator.neg"}, wantErr: "-progress", wantUsage: true},
		{name: "bad size", args: []string{"-n", "0", "operator.neg"}, wantErr: "must be positive", wantUsage: true},
		{name: "progress lines keep stdout clean", args: []string{"-progress", "lines", "operator.neg"}, stdin: "1\n2\n", wantOut: "-1\n-2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"run", "-path", dir}, tt.args...)
			err := run(testkit.Context(t), args, strings.NewReader(tt.stdin), &out, &errOut)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("run(%q): %v\nstderr: %s", args, err, errOut.String())
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) error = %v, want one containing %q\nstderr: %s", args, err, tt.wantErr, errOut.String())
			}
			var u usageError
			if isUsage := errors.As(err, &u); isUsage != tt.wantUsage {
				t.Fatalf("usage error = %v, want %v", isUsage, tt.wantUsage)
			}
			if tt.wantOut != "" || (tt.sortedOut == "" && tt.wantErr == "") {
				if out.String() != tt.wantOut {
					t.Fatalf("stdout = %q, want %q", out.String(), tt.wantOut)
				}
			}
			if tt.sortedOut != "" {
				lines := strings.SplitAfter(out.String(), "\n")
				slices.Sort(lines)
				if got := strings.Join(lines, ""); got != tt.sortedOut {
					t.Fatalf("stdout lines = %q, want %q in any order", out.String(), tt.sortedOut)
				}
			}
			for _, s := range tt.wantLog {
				if !strings.Contains(errOut.String(), s) {
					t.Fatalf("stderr = %q, want it to contain %q", errOut.String(), s)
				}
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name                 string
		calls, errors, total int
		bar                  bool
		want                 string
	}{
		{name: "bar half way", calls: 50, errors: 1, total: 100, bar: true, want: "[===============               ]  50% 50/100 calls, 1 errors, 50 calls/s"},
		{name: "bar done", calls: 100, total: 100, bar: true, want: "[==============================] 100% 100/100 calls, 0 errors, 100 calls/s"},
		{name: "unknown total", calls: 7, total: -1, bar: true, want: "7 calls, 0 errors, 7 calls/s"},
		{name: "lines", calls: 20000, total: 40000, want: "20000/40000 calls, 0 errors, 20.0k calls/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressLine(tt.calls, tt.errors, tt.total, time.Second, tt.bar); got != tt.want {
				t.Fatalf("progressLine = %q, want %q", got, tt.want)
			}
		})
	}
}

// failingWriter is a stdout whose reader went away.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestRunStopsWhenStdoutFails: once the results cannot be printed, run
// stops reading and calling instead of making every call of its input.
func TestRunStopsWhenStdoutFails(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	py := "def count(n, path):\n    with open(path, 'a') as f:\n        f.write('.')\n    return n\n"
	if err := os.WriteFile(filepath.Join(dir, "countmod.py"), []byte(py), 0o644); err != nil {
		t.Fatal(err)
	}
	const lines = 2000
	input := strings.Repeat("1\n", lines)
	var errOut bytes.Buffer
	args := []string{"run", "-path", dir, "-n", "1", "-kw", "path=" + calls, "countmod.count"}
	err := run(testkit.Context(t), args, strings.NewReader(input), failingWriter{}, &errOut)
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("run = %v, want the write error\nstderr: %s", err, errOut.String())
	}
	made, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) >= lines/2 {
		t.Fatalf("%d calls made for %d lines after stdout failed at the first result", len(made), lines)
	}
	if n := strings.Count(errOut.String(), "context canceled"); n > 0 {
		t.Fatalf("stderr has %d lines for cancelled calls:\n%s", n, errOut.String())
	}
}
