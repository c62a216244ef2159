package snakes

import (
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

// openFds lists the test process's open descriptors and what they are.
func openFds(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fds = append(fds, e.Name()+" -> "+target)
	}
	return fds
}

// waitGoroutines waits for the goroutine count to come back to n (a
// goroutine past its last statement may take a moment to be gone).
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(promptly)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// A failed start, whatever the reason, leaves no descriptor and no
// goroutine behind.
func TestFailedStartsLeakNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts func(t *testing.T) Options
	}{
		{"init raises", func(t *testing.T) Options {
			return Options{Init: &InitCall{Module: "fixtures", Function: "fail", Args: []any{"no"}}}
		}},
		{"start timeout", func(t *testing.T) Options {
			return Options{StartTimeout: 200 * time.Millisecond,
				Init: &InitCall{Module: "fixtures", Function: "sleep", Args: []any{30}}}
		}},
		{"erlport init raises", func(t *testing.T) Options { // the relay too (--packet 2)
			return Options{Profile: ProfileErlPort, Command: erlportCommand(t, 2, false),
				Init: &InitCall{Module: "builtins", Function: "int", Args: []any{"not a number"}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts(t)
			opts.Interpreter = interp(t)
			opts.Paths = []string{fixturesDir(t)}
			fds, goroutines := openFds(t), runtime.NumGoroutine()
			for range 20 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*promptly)
				w, err := Start(ctx, opts)
				cancel()
				if !errors.Is(err, ErrStartFailed) {
					if w != nil {
						w.Stop(context.Background())
					}
					t.Fatalf("Start: %v, want ErrStartFailed", err)
				}
			}
			if after := openFds(t); !slices.Equal(after, fds) {
				t.Fatalf("descriptors before:\n%v\nafter 20 failed starts:\n%v", fds, after)
			}
			waitGoroutines(t, goroutines)
		})
	}
}
