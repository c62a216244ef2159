package snakes

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// testInterp resolves the interpreter once for the whole test binary (a
// test-only cache; the package itself keeps no state).
var testInterp = sync.OnceValues(func() (*Interpreter, error) {
	dir, err := os.MkdirTemp("", "taipan-test-cache-")
	if err != nil {
		return nil, err
	}
	return ResolveInterpreter(context.Background(), InterpreterOptions{CacheDir: dir})
})

func interp(t testing.TB) *Interpreter {
	t.Helper()
	in, err := testInterp()
	if err != nil {
		t.Fatalf("resolving python: %v", err)
	}
	return in
}

func fixturesDir(t testing.TB) string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startWorker starts a worker on the fixtures, stopped at the end of the test.
func startWorker(t testing.TB, opts Options) *Worker {
	t.Helper()
	opts.Interpreter = interp(t)
	opts.Paths = append(opts.Paths, fixturesDir(t))
	return mustStart(t, opts)
}

// mustStart starts a worker with opts as they are and stops it when the
// test ends.
func mustStart(t testing.TB, opts Options) *Worker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return w
}

// runtimeGosched yields the processor while a test waits for state it
// cannot be signalled about (another goroutine's progress).
func runtimeGosched() { runtime.Gosched() }
