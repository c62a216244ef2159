package snakes

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/supervisor"
)

// TestManagerChaos: 16 callers make 20,000 calls (2,000 with -short) on a
// pool of 4 while a goroutine SIGKILLs a random worker every 100 ms. Every
// call returns its correct result or a typed error, no caller hangs, the
// pool is back at full size afterwards, and no Python process remains
// after Stop.
func TestManagerChaos(t *testing.T) {
	tests := []struct {
		name     string
		pipeline int
		total    int
	}{
		{"one call per worker", 1, 20_000},
		// Calls queued behind the running one on a killed worker never
		// ran: they are re-dispatched, not lost.
		{"pipeline 4", 4, 40_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := tt.total
			if testing.Short() {
				total /= 10
			}
			chaos(t, tt.pipeline, total)
		})
	}
}

// chaos makes total calls from 16 goroutines on a pool of 4 while a
// worker is SIGKILLed every 100 ms.
func chaos(t *testing.T, pipeline, total int) {
	const callers = 16
	// Kills many a second: the pool must not give up. A call that never
	// ran may meet a killed worker again where it is sent next; a budget of
	// 2 (the default) would, rarely, end one as ErrRedispatchBudget, which
	// TestManagerRedispatchBudget covers. Here every such call must be sent
	// on until it runs.
	p, marker := startPoolMarked(t, PoolOptions{Size: 4, Pipeline: pipeline, MaxRedispatch: 1000,
		Intensity: supervisor.Intensity{MaxRestarts: supervisor.UnlimitedRestarts}})

	stopKiller := make(chan struct{})
	var kills atomic.Int64
	var killerDone sync.WaitGroup
	killerDone.Add(1)
	go func() {
		defer killerDone.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopKiller:
				return
			case <-tick.C:
			}
			if list := p.List(); len(list) > 0 {
				if syscall.Kill(list[rand.IntN(len(list))].Pid, syscall.SIGKILL) == nil {
					kills.Add(1)
				}
			}
		}
	}()

	var ok, lost atomic.Int64
	var wg sync.WaitGroup
	per := total / callers
	start := time.Now()
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				v, err := p.Call(ctx, "operator", "add", g*1_000_000, i)
				cancel()
				switch {
				case err == nil:
					if v != int64(g*1_000_000+i) {
						t.Errorf("add(%d, %d) = %v", g*1_000_000, i, v)
						return
					}
					ok.Add(1)
				case errors.Is(err, ErrWorkerExited) && !errors.Is(err, ErrNotRun):
					// Its worker died with the call running: typed, and
					// not re-dispatched (it may have run).
					var ee *ExitError
					if !errors.As(err, &ee) {
						t.Errorf("untyped exit error: %v", err)
						return
					}
					lost.Add(1)
				default:
					t.Errorf("call %d/%d: %v", g, i, err) // includes a hang (ErrTimeout)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stopKiller)
	killerDone.Wait()
	elapsed := time.Since(start)

	testkit.Eventually(t, "the pool back at full size", func() bool {
		st := p.Stats()
		return st.Workers == 4 && st.Starting == 0 && st.Idle == 4
	})
	for i := range 8 {
		if v, err := p.Call(context.Background(), "operator", "add", i, 1); err != nil || v != int64(i+1) {
			t.Fatalf("after the chaos: %v, %v", v, err)
		}
	}
	st := p.Stats()
	t.Logf("%d calls in %v: %d ok, %d lost with their worker; %d kills; %+v",
		ok.Load()+lost.Load(), elapsed.Round(time.Millisecond), ok.Load(), lost.Load(), kills.Load(), st)
	if ok.Load()+lost.Load() != int64(per*callers) {
		t.Fatalf("%d calls accounted for, want %d", ok.Load()+lost.Load(), per*callers)
	}
	// A worker runs one call at a time: a kill takes at most that one
	// with it, whatever the pipeline; the others are sent again.
	if lost.Load() > kills.Load() {
		t.Fatalf("%d calls lost to %d kills: calls that never ran were not re-dispatched", lost.Load(), kills.Load())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if left := pythonsWithMarker(marker); len(left) > 0 {
		t.Fatalf("Python processes left after Stop: %v", left)
	}
}
