package snakes

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/supervisor"
)

// TestSoakNoLeaks: calls on a pool of 4 from 8 callers, with a worker
// SIGKILLed every 20 ms until enough kills have been made, then failed
// starts, half raising in Init and half past StartTimeout. After Stop the
// process's fds, goroutines and zombie children are back where they were
// before. Its full size (100,000 calls, 300 kills, 100 failed starts: a
// few minutes under -race on 2 cores) runs with TAIPAN_SOAK=1, as .ci/run
// does; the test command runs a tenth of it.
func TestSoakNoLeaks(t *testing.T) {
	calls, kills, failed := 10_000, 30, 10
	if os.Getenv("TAIPAN_SOAK") == "1" {
		calls, kills, failed = 100_000, 300, 100
	}
	interp(t) // resolve the interpreter (and its cache) before the baseline
	base := testkit.TakeCensus()

	p, marker := startPoolMarked(t, PoolOptions{Size: 4, Intensity: supervisor.Intensity{MaxRestarts: supervisor.UnlimitedRestarts}}) // a kill every 20 ms: the pool must not give up
	var done atomic.Int64
	var killed atomic.Int64
	stopKiller := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a kill every 20 ms, and on until enough were made
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for killed.Load() < int64(kills) {
			select {
			case <-stopKiller:
				return
			case <-tick.C:
			}
			if list := p.List(); len(list) > 0 {
				if syscall.Kill(list[rand.IntN(len(list))].Pid, syscall.SIGKILL) == nil {
					killed.Add(1)
				}
			}
		}
	}()
	const callers = 8
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Add(1) <= int64(calls) || killed.Load() < int64(kills) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				v, err := p.Call(ctx, "operator", "add", g, 1)
				cancel()
				if err == nil && v != int64(g+1) {
					t.Errorf("add(%d, 1) = %v", g, v)
					break
				}
				if err != nil && !errors.Is(err, ErrWorkerExited) {
					t.Errorf("call: %v", err)
					break
				}
			}
		}()
	}
	waitGroupOrFail(t, &wg, 10*time.Minute, stopKiller)

	// Failed starts: Init raising, and a start past StartTimeout.
	for i := range failed {
		opts := Options{Interpreter: interp(t), Paths: []string{fixturesDir(t)}, Env: []string{"SNAKES_MARKER=" + marker}}
		if i%2 == 0 {
			opts.Init = &InitCall{Module: "fixtures", Function: "fail", Args: []any{"no"}}
		} else {
			opts.Init = &InitCall{Module: "fixtures", Function: "sleep", Args: []any{30}}
			opts.StartTimeout = 50 * time.Millisecond
		}
		w, err := Start(context.Background(), opts)
		if !errors.Is(err, ErrStartFailed) {
			if w != nil {
				w.Stop(context.Background())
			}
			t.Fatalf("start %d: %v, want ErrStartFailed", i, err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d calls, %d kills, %d failed starts; %+v", min(done.Load(), int64(calls)), killed.Load(), failed, p.Stats())
	if left := pythonsWithMarker(marker); len(left) > 0 {
		t.Fatalf("Python processes left after Stop: %v", left)
	}
	testkit.NoLeaks(t, base)
}

// waitGroupOrFail waits for wg, failing the test (after closing stop) if
// that takes longer than limit: a hang.
func waitGroupOrFail(t *testing.T, wg *sync.WaitGroup, limit time.Duration, stop chan struct{}) {
	t.Helper()
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(limit):
		close(stop)
		t.Fatal("the soak did not finish: a hang")
	}
}
