// Command quickstart starts taipan — a supervised pool of Python workers —
// calls a few functions and stops it:
//
//	go run ./examples/quickstart
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/quickstart   # another interpreter
//
// It calls a builtin, a function of its own Python module (greet.py, next
// to this file: taipan's default module path is the calling program's
// directory) with keyword arguments, decodes a dict into a Go struct, and
// shows a Python exception as a *snakes.PythonError with its traceback.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/taipan-go/taipan"
	"github.com/taipan-go/taipan/snakes"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// python3 from PATH, or $TAIPAN_PYTHON (resolved once to its real
	// executable), this program's directory as the module path, a
	// "default" pool sized to the CPUs (and an "io" pool, not needed here).
	sys, err := taipan.Start(ctx, taipan.Options{NoIO: true})
	if err != nil {
		return err
	}
	defer sys.Stop(context.Background())
	version, err := sys.Call(ctx, "platform", "python_version")
	if err != nil {
		return err
	}
	st := sys.Stats().Pools["default"]
	fmt.Printf("started Python %s, pool \"default\" of %d workers\n", version, st.Workers)
	fmt.Printf("interpreter: %s (another: TAIPAN_PYTHON=/path/to/python3)\n", sys.Interpreter().Path)

	// 1. A builtin: any importable module works, dotted functions too.
	p, err := sys.Call(ctx, "builtins", "pow", 2, 10)
	if err != nil {
		return err
	}
	fmt.Printf("builtins.pow(2, 10) = %v (%T)\n", p, p)
	if p != int64(1024) {
		return fmt.Errorf("pow(2, 10) = %v, want 1024", p)
	}
	var up string
	if err := sys.CallInto(ctx, &up, "builtins", "str.upper", "taipan"); err != nil {
		return err
	}
	fmt.Printf("builtins.str.upper(\"taipan\") = %q\n", up)

	// 2. Our own module, with keyword arguments (a trailing snakes.Kwargs).
	var hello string
	if err := sys.CallInto(ctx, &hello, "greet", "greet", "Gopher",
		snakes.Kwargs{"greeting": "Welcome", "punctuation": "!!"}); err != nil {
		return err
	}
	fmt.Printf("greet.greet(\"Gopher\", greeting=\"Welcome\", punctuation=\"!!\") = %q\n", hello)
	if hello != "Welcome, Gopher!!" {
		return fmt.Errorf("greet returned %q", hello)
	}

	// 3. A dict decoded into a struct (erl tags name the keys).
	var s struct {
		Count int     `erl:"count"`
		Total int     `erl:"total"`
		Mean  float64 `erl:"mean"`
	}
	if err := sys.CallInto(ctx, &s, "greet", "summary", []int{3, 5, 8, 13}); err != nil {
		return err
	}
	fmt.Printf("greet.summary([3, 5, 8, 13]) = %+v\n", s)
	if s.Count != 4 || s.Total != 29 || s.Mean != 7.25 {
		return fmt.Errorf("summary returned %+v", s)
	}

	// 4. A Python exception is a *snakes.PythonError; the pool keeps serving.
	_, err = sys.Call(ctx, "greet", "ratio", 1, 0)
	var pyErr *snakes.PythonError
	if !errors.As(err, &pyErr) {
		return fmt.Errorf("ratio(1, 0): want a *snakes.PythonError, got %v", err)
	}
	fmt.Printf("greet.ratio(1, 0) failed: %s\n", pyErr.Type)
	fmt.Println(pyErr.FormatTraceback())
	r, err := sys.Call(ctx, "greet", "ratio", 1, 4)
	if err != nil {
		return err
	}
	fmt.Printf("greet.ratio(1, 4) = %v: the pool is still serving\n", r)

	if err := sys.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("stopped: no Python process left")
	return nil
}
