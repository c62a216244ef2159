package snakes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
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
	w, err := Start(testkit.Context(t), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
		defer cancel()
		if err := w.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return w
}

// beacon returns a fresh path for a fixture to write as its marker file
// once its call runs, and the channel closed then (a testkit.Beacon).
func beacon(t testing.TB, name string) (string, <-chan struct{}) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	return path, testkit.Beacon(t, path)
}

// gate returns a fresh path for a fixture to wait at (gate_marked,
// wait_for_file) and the function that opens it (makes the file). It is
// opened when the test ends, before the workers stop, if not before.
func gate(t testing.TB, name string) (string, func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	var once sync.Once
	open := func() {
		once.Do(func() {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Errorf("opening the gate %s: %v", path, err)
			}
		})
	}
	t.Cleanup(open)
	return path, open
}

// expiringContext is a context whose deadline passes when the test calls
// expire: Done closes and Err is context.DeadlineExceeded, as at a real
// deadline. A test makes a call's deadline pass once the call is known to
// run in Python; a short real deadline could pass before Python has read
// the request (on a loaded machine), and the abandonment would take
// another path than the one under test.
type expiringContext struct {
	done chan struct{}
	once sync.Once
}

func newExpiringContext() *expiringContext {
	return &expiringContext{done: make(chan struct{})}
}

func (c *expiringContext) expire() { c.once.Do(func() { close(c.done) }) }

func (c *expiringContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *expiringContext) Done() <-chan struct{}       { return c.done }
func (c *expiringContext) Value(any) any               { return nil }
func (c *expiringContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// waitWritten waits until w has written n requests to its process (the
// run order records each): nothing announces a write, so it polls.
func waitWritten(t testing.TB, w *Worker, n int) {
	t.Helper()
	testkit.Eventually(t, fmt.Sprintf("%d requests written", n), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.order) >= n
	})
}

// eventually is testkit.Eventually, for the tests that still call it by
// this name.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, what, cond)
}

// parkedIn reports whether a goroutine is parked with frame in its stack:
// in state (a stack header's, as "sync.Mutex.Lock"), or in any state but
// running and runnable when state is "". Tests force an interleaving with
// it: a goroutine parked on what the test holds has reached that point.
func parkedIn(state, frame string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if !strings.Contains(g, frame) {
			continue
		}
		if state != "" && strings.Contains(header, "["+state) ||
			state == "" && !strings.Contains(header, "[running") && !strings.Contains(header, "[runnable") {
			return true
		}
	}
	return false
}
