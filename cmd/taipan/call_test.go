package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// callPy is a module of the user's for the call tests.
const callPy = `
import logging

def echo(*args, **kwargs):
    return [list(args), kwargs]

def types(*args):
    return ["list" if isinstance(a, list) else type(a).__name__ for a in args]

def shout(x):
    print("shouting", x)
    logging.getLogger("callmod").warning("careful with %s", x)
    logging.getLogger("callmod").info("not shown")
    return x.upper()

def fail(x):
    return _inner(x)

def _inner(x):
    raise ValueError("bad %s" % x)

def dollar():
    return {"$python": "not a marker"}

def date_keys():
    import datetime
    return {datetime.date(2024, 1, 2): 1}
`

// callDir writes callmod.py (and usesdep.py, whose import fails) into a
// temporary directory.
func callDir(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{"callmod.py": callPy, "usesdep.py": "import no_such_dependency_xyz\n"}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCall runs `taipan call` on real workers: arguments, targets, output
// and errors.
func TestCall(t *testing.T) {
	dir := callDir(t)
	tests := []struct {
		name      string
		args      []string
		wantOut   string   // stdout exactly, "" when an error is wanted
		wantErr   string   // substring of the error
		wantIs    error    // errors.Is target
		wantLog   []string // substrings of stderr
		noLog     []string // substrings stderr must not hold
		wantUsage bool
	}{
		// arguments
		{name: "big integer exact", args: []string{"operator.add", "12345678901234567890", "1"}, wantOut: "12345678901234567891\n"},
		{name: "big integer arrives as int", args: []string{"builtins.repr", "12345678901234567890"}, wantOut: "\"12345678901234567890\"\n"},
		{name: "negative big integer", args: []string{"operator.neg", "-98765432109876543210"}, wantOut: "98765432109876543210\n"},
		{name: "types", args: []string{"callmod.types", "1", "1.0", "1e3", "12345678901234567890", "x", "true", "null", "[1]", `{"a":1}`, `"2"`},
			wantOut: `["int","float","float","int","str","bool","NoneType","list","dict","str"]` + "\n"},
		{name: "number beyond a float", args: []string{"builtins.repr", "1e400"}, wantIs: ErrBadJSON, wantErr: "the number 1e400 is beyond a float's range"},
		{name: "malformed object", args: []string{"len", "{bad json"}, wantIs: ErrBadJSON,
			wantErr: "argument 1 is not valid JSON: unexpected 'b' where a key was expected (keys are strings in double quotes) at column 2"},
		{name: "malformed array", args: []string{"len", "[1,2"}, wantIs: ErrBadJSON, wantErr: "argument 1 is not valid JSON: it ends too early"},
		{name: "number-like word", args: []string{"str", "2024-01-02"}, wantIs: ErrBadJSON, wantErr: "argument 1 is not valid JSON: unexpected '-' after the value"},
		{name: "quoted number-like word", args: []string{"str", `"2024-01-02"`}, wantOut: "\"2024-01-02\"\n"},
		{name: "bare word", args: []string{"str.upper", "hello"}, wantOut: "\"HELLO\"\n"},
		{name: "raw", args: []string{"-raw", "callmod.echo", "{bad", "12", "a=b"}, wantOut: `[["{bad","12","a=b"],{}]` + "\n"},
		{name: "keyword arguments", args: []string{"callmod.echo", "1", "sep=,", "n=2", "--kw", "flag=true"}, wantOut: `[[1],{"flag":true,"n":2,"sep":","}]` + "\n"},
		{name: "keyword with a JSON string", args: []string{"json.dumps", `{"a":[1,2]}`, `separators=[",",":"]`}, wantOut: `"{\"a\":[1,2]}"` + "\n"},
		{name: "equals in a quoted string", args: []string{"callmod.echo", `"a=b"`}, wantOut: `[["a=b"],{}]` + "\n"},
		{name: "keyword given twice", args: []string{"callmod.echo", "a=1", "a=2"}, wantErr: "keyword a given twice", wantUsage: true},
		{name: "bad -kw", args: []string{"-kw", "1x=2", "callmod.echo"}, wantErr: "want NAME=VALUE", wantUsage: true},
		{name: "keyword with bad JSON", args: []string{"callmod.echo", "a=[1"}, wantIs: ErrBadJSON, wantErr: "keyword a is not valid JSON"},
		// flags anywhere
		{name: "flags after the arguments", args: []string{"operator.add", "1", "2", "-timeout", "20s", "-q"}, wantOut: "3\n"},
		{name: "negative numbers are arguments", args: []string{"operator.add", "-1", "-2.5"}, wantOut: "-3.5\n"},
		{name: "-- ends the flags", args: []string{"str.upper", "--", "-v"}, wantOut: "\"-V\"\n"},
		// targets
		{name: "builtin function", args: []string{"len", "[1,2,3]"}, wantOut: "3\n"},
		{name: "builtin type method", args: []string{"bytes.fromhex", "ff00"}, wantOut: `{"$bytes":"/wA="}` + "\n"},
		{name: "builtins explicitly", args: []string{"builtins.bytes.fromhex", "ff00"}, wantOut: `{"$bytes":"/wA="}` + "\n"},
		{name: "submodule", args: []string{"os.path.join", "a", "b"}, wantOut: "\"a/b\"\n"},
		{name: "class method through a module", args: []string{"datetime.date.fromisoformat", `"2024-01-02"`}, wantOut: `{"$python":"datetime.date(2024, 1, 2)"}` + "\n"},
		{name: "user module on -path", args: []string{"callmod.shout", "hi"}, wantOut: "\"HI\"\n"},
		{name: "not callable", args: []string{"math.pi"}, wantErr: "TypeError: math.pi is not callable"},
		{name: "through a module refused", args: []string{"callmod.logging.getLogger"}, wantErr: "AttributeError: callmod.logging is a module"},
		// output
		{name: "float stays float", args: []string{"float", "1"}, wantOut: "1.0\n"},
		{name: "big float", args: []string{"float", "1e20"}, wantOut: "1e+20\n"},
		{name: "infinity", args: []string{"float", "--", "-inf"}, wantOut: `{"$float":"-inf"}` + "\n"},
		{name: "tuple as array", args: []string{"divmod", "7", "2"}, wantOut: "[3,1]\n"},
		{name: "int keys", args: []string{"collections.Counter", "[1,1,2]"}, wantOut: `{"$map":[[1,2],[2,1]]}` + "\n"},
		{name: "set", args: []string{"set", "[3]"}, wantOut: `{"$python":"{3}"}` + "\n"},
		{name: "object keys", args: []string{"callmod.date_keys"}, wantOut: `{"$map":[[{"$python":"datetime.date(2024, 1, 2)"},1]]}` + "\n"},
		{name: "a dict that looks like a marker", args: []string{"callmod.dollar"}, wantOut: `{"$map":[["$python","not a marker"]]}` + "\n"},
		{name: "bytes are lossless", args: []string{"bytes", "[255,0,65]"}, wantOut: `{"$bytes":"/wBB"}` + "\n"},
		{name: "no HTML escapes", args: []string{"type", "1"}, wantOut: `{"$python":"<class 'int'>"}` + "\n"},
		// errors
		{name: "traceback frames", args: []string{"callmod.fail", "x"}, wantErr: "ValueError: bad x",
			wantLog: []string{"Traceback (most recent call last):\n  File ", "callmod.py\", line 17, in fail\n    return _inner(x)\n", "in _inner\n    raise ValueError(\"bad %s\" % x)\n"}},
		{name: "no empty traceback", args: []string{"operator.addd"}, wantErr: "AttributeError: module 'operator' has no attribute 'addd'", noLog: []string{"Traceback"}},
		{name: "mistyped function", args: []string{"math.sqr", "4"}, wantErr: "AttributeError: module 'math' has no attribute 'sqr'; did you mean math.sqrt or math.isqrt?"},
		{name: "mistyped builtin", args: []string{"lne", "[1]"}, wantErr: "NameError: 'lne' is not a builtin (did you mean len?)"},
		{name: "module not found", args: []string{"nosuchmod_xyz.f"}, wantErr: "ModuleNotFoundError: No module named 'nosuchmod_xyz'", noLog: []string{"Traceback"}},
		{name: "import inside the module", args: []string{"usesdep.f"}, wantErr: "No module named 'no_such_dependency_xyz'",
			wantLog: []string{"usesdep.py\", line 1, in <module>"}},
		{name: "missing -path", args: []string{"-path", filepath.Join(dir, "nope"), "len", "x"}, wantIs: ErrBadPath, wantErr: "want a directory"},
		{name: "-path is a file", args: []string{"-path", filepath.Join(dir, "callmod.py"), "len", "x"}, wantIs: ErrBadPath, wantErr: "a file"},
		// print() and logging
		{name: "print shown on stderr", args: []string{"callmod.shout", "hi"}, wantOut: "\"HI\"\n",
			wantLog: []string{"shouting hi\n", "careful with hi\n"}, noLog: []string{"not shown", "worker exited"}},
		{name: "print hidden with -q", args: []string{"-q", "callmod.shout", "hi"}, wantOut: "\"HI\"\n", noLog: []string{"shouting", "careful"}},
		{name: "print in -v logs", args: []string{"-v", "callmod.shout", "hi"}, wantOut: "\"HI\"\n", wantLog: []string{"shouting hi", "[DEBUG]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"call", "-path", dir}, tt.args...)
			err := run(testkit.Context(t), args, strings.NewReader(""), &out, &errOut)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("run(%q): %v\nstderr: %s", args, err, errOut.String())
				}
				if out.String() != tt.wantOut {
					t.Fatalf("stdout = %q, want %q\nstderr: %s", out.String(), tt.wantOut, errOut.String())
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) error = %v, want one containing %q\nstderr: %s", args, err, tt.wantErr, errOut.String())
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("error %v does not match %v", err, tt.wantIs)
			}
			var u usageError
			if isUsage := errors.As(err, &u); isUsage != tt.wantUsage {
				t.Fatalf("usage error = %v, want %v (%v)", isUsage, tt.wantUsage, err)
			}
			for _, s := range tt.wantLog {
				if !strings.Contains(errOut.String(), s) {
					t.Fatalf("stderr = %q, want it to contain %q", errOut.String(), s)
				}
			}
			for _, s := range tt.noLog {
				if strings.Contains(errOut.String(), s) {
					t.Fatalf("stderr = %q, want it without %q", errOut.String(), s)
				}
			}
		})
	}
}

// TestCallErrorDetails checks the typed errors: where a JSON argument is
// wrong, and the hint of a module not found.
func TestCallErrorDetails(t *testing.T) {
	dir := callDir(t)
	var out, errOut bytes.Buffer
	err := run(testkit.Context(t), []string{"call", "len", "1", `[1, "x" 2]`}, strings.NewReader(""), &out, &errOut)
	var je *JSONError
	if !errors.As(err, &je) || je.Where != "argument 2" || je.Column != 9 {
		t.Fatalf("error = %#v, want a *JSONError at argument 2, column 9", err)
	}
	var h *hintedError
	if !errors.As(err, &h) || !strings.Contains(h.hint, "quote it as JSON") || !strings.Contains(h.hint, "-raw") {
		t.Fatalf("hint of %v: want quoting and -raw advice", err)
	}

	err = run(testkit.Context(t), []string{"call", "-path", dir, "nosuchmod_xyz.f"}, strings.NewReader(""), &out, &errOut)
	var pe *snakes.PythonError
	if !errors.As(err, &pe) || pe.Type != "builtins.ModuleNotFoundError" {
		t.Fatalf("error = %v, want a *snakes.PythonError ModuleNotFoundError", err)
	}
	if !errors.As(err, &h) {
		t.Fatalf("error %v has no hint", err)
	}
	for _, s := range []string{"nosuchmod_xyz is neither in the module path (-path) " + dir, "-path DIR", "-python", "TAIPAN_PYTHON"} {
		if !strings.Contains(h.hint, s) {
			t.Fatalf("hint %q: want it to name %q", h.hint, s)
		}
	}
}

// countingReader counts the reads of an input.
type countingReader struct {
	r     *strings.Reader
	reads atomic.Int32
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.r.Read(p)
}

// TestRunFailsFast: a module or function that does not exist fails once,
// before the input is read, and prints nothing on stdout.
func TestRunFailsFast(t *testing.T) {
	for _, target := range []string{"nosuchmod_xyz.f", "operator.nope"} {
		t.Run(target, func(t *testing.T) {
			in := &countingReader{r: strings.NewReader(strings.Repeat("1\n", 300))}
			var out, errOut bytes.Buffer
			err := run(testkit.Context(t), []string{"run", "-n", "1", target}, in, &out, &errOut)
			var pe *snakes.PythonError
			if !errors.As(err, &pe) {
				t.Fatalf("run %s = %v, want the Python error", target, err)
			}
			if n := in.reads.Load(); n != 0 {
				t.Fatalf("the input was read %d times before the target was found missing", n)
			}
			if out.Len() != 0 || strings.Count(errOut.String(), "Error") > 0 {
				t.Fatalf("stdout %q, stderr %q: want nothing (the error is returned once)", out.String(), errOut.String())
			}
		})
	}
}
