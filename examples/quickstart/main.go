// Command quickstart starts one Python worker, calls a few functions and
// stops it:
//
//	go run ./examples/quickstart
//
// It calls a builtin, a function of its own Python module (greet.py, next
// to this file) with keyword arguments, decodes a dict into a Go struct,
// and shows a Python exception as a *snakes.PythonError with its traceback.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

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

	// Resolve python3 once: its real executable, taipan's runtime installed
	// in the user's cache. Pass the result to every Start.
	interp, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{})
	if err != nil {
		return err
	}
	dir, err := exampleDir("greet.py")
	if err != nil {
		return err
	}
	w, err := snakes.Start(ctx, snakes.Options{Interpreter: interp, Paths: []string{dir}})
	if err != nil {
		return err
	}
	defer w.Stop(context.Background())
	fmt.Printf("started Python %s, worker pid %d\n", interp.Version, w.Pid())

	// 1. A builtin: any importable module works, dotted functions too.
	p, err := w.Call(ctx, "builtins", "pow", 2, 10)
	if err != nil {
		return err
	}
	fmt.Printf("builtins.pow(2, 10) = %v (%T)\n", p, p)
	if p != int64(1024) {
		return fmt.Errorf("pow(2, 10) = %v, want 1024", p)
	}
	var up string
	if err := w.CallInto(ctx, &up, "builtins", "str.upper", "taipan"); err != nil {
		return err
	}
	fmt.Printf("builtins.str.upper(\"taipan\") = %q\n", up)

	// 2. Our own module, with keyword arguments (a trailing snakes.Kwargs).
	var hello string
	if err := w.CallInto(ctx, &hello, "greet", "greet", "Gopher",
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
	if err := w.CallInto(ctx, &s, "greet", "summary", []int{3, 5, 8, 13}); err != nil {
		return err
	}
	fmt.Printf("greet.summary([3, 5, 8, 13]) = %+v\n", s)
	if s.Count != 4 || s.Total != 29 || s.Mean != 7.25 {
		return fmt.Errorf("summary returned %+v", s)
	}

	// 4. A Python exception is a *snakes.PythonError; the worker keeps serving.
	_, err = w.Call(ctx, "greet", "ratio", 1, 0)
	var pyErr *snakes.PythonError
	if !errors.As(err, &pyErr) {
		return fmt.Errorf("ratio(1, 0): want a *snakes.PythonError, got %v", err)
	}
	fmt.Printf("greet.ratio(1, 0) failed: %s\n", pyErr.Type)
	fmt.Println(pyErr.FormatTraceback())
	r, err := w.Call(ctx, "greet", "ratio", 1, 4)
	if err != nil {
		return err
	}
	fmt.Printf("greet.ratio(1, 4) = %v: the worker is still serving\n", r)

	if err := w.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("worker stopped")
	return nil
}

// exampleDir finds the directory holding this example's Python module: the
// directory of this source file (known when built from source, as with go
// run or go test), else ./examples/quickstart or . under the working
// directory.
func exampleDir(module string) (string, error) {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Dir(file))
	}
	candidates = append(candidates, filepath.Join("examples", "quickstart"), ".")
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, module)); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", fmt.Errorf("cannot find %s (run from the repository root)", module)
}
