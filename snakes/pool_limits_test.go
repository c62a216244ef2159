package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes/internal/poolstate"
	"github.com/taipan-go/taipan/supervisor"
)

// MaxCalls is exact: under concurrent callers, with and without
// pipelining, no worker serves more than MaxCalls calls, every worker
// that left served exactly MaxCalls, and each of them counts as one
// recycle.
func TestManagerMaxCallsExact(t *testing.T) {
	const size, maxCalls, callers, perCaller = 2, 40, 8, 100
	for _, pipeline := range []int{1, 4} {
		t.Run(fmt.Sprint("pipeline ", pipeline), func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: size, Pipeline: pipeline, MaxCalls: maxCalls})
			var mu sync.Mutex
			served := map[int]int{} // calls per worker pid
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for range perCaller {
						ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
						var pid int
						err := p.CallInto(ctx, &pid, "os", "getpid")
						cancel()
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						served[pid]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			testkit.Eventually(t, "the last replacements", func() bool { return p.Stats().Starting == 0 })

			live := map[int]bool{}
			for _, w := range p.List() {
				live[w.Pid] = true
			}
			full := 0
			for pid, n := range served {
				switch {
				case n > maxCalls:
					t.Errorf("worker %d served %d calls, MaxCalls %d", pid, n, maxCalls)
				case n == maxCalls:
					full++
				case !live[pid]:
					t.Errorf("worker %d left after %d calls, MaxCalls %d", pid, n, maxCalls)
				}
			}
			st := p.Stats()
			if st.Recycled != uint64(full) || st.Spawned != uint64(size+full) {
				t.Errorf("%d workers served MaxCalls; %+v", full, st)
			}
			if least := (callers*perCaller - size*(maxCalls-1)) / maxCalls; full < least {
				t.Errorf("%d recycles for %d calls, want at least %d", full, callers*perCaller, least)
			}
			t.Logf("%d workers served %d calls: %v", len(served), callers*perCaller, served)
		})
	}
}

// Fail-fast (MaxWaiters < 0) means only "do not queue for a busy worker":
// a caller that finds no free worker still gets an overflow worker, and
// TryAcquire starts one or fails with ErrPoolFull, never ErrOverloaded.
func TestManagerFailFast(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1, MaxOverflow: 2, MaxWaiters: -1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	held, err := p.Acquire(ctx) // 1 of 3 busy
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	if v, err := p.Call(ctx, "fixtures", "echo", 1); err != nil || v != int64(1) {
		t.Fatalf("a call with 1 of 3 busy: %v, %v; want an overflow worker started for it", v, err)
	}
	if st := p.Stats(); st.Spawned != 2 {
		t.Fatalf("after the call: %+v", st)
	}
	l2, err := p.TryAcquire(ctx) // the idle overflow worker
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Release()
	l3, err := p.TryAcquire(ctx) // one started for it
	if err != nil {
		t.Fatalf("TryAcquire with 2 of 3 busy: %v, want a worker started", err)
	}
	defer l3.Release()
	if st := p.Stats(); st.Spawned != 3 || st.Leased != 3 {
		t.Fatalf("after TryAcquire: %+v", st)
	}

	// All three busy: nothing can be started, and nobody queues.
	start := time.Now()
	if _, err := p.Call(ctx, "fixtures", "echo", 1); !errors.Is(err, ErrOverloaded) {
		t.Errorf("Call, pool full: %v, want ErrOverloaded", err)
	}
	if _, err := p.Acquire(ctx); !errors.Is(err, ErrOverloaded) {
		t.Errorf("Acquire, pool full: %v, want ErrOverloaded", err)
	}
	if _, err := p.TryAcquire(ctx); !errors.Is(err, ErrPoolFull) {
		t.Errorf("TryAcquire, pool full: %v, want ErrPoolFull", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing fast took %v", d)
	}
	if st := p.Stats(); st.Waiting != 0 || st.Spawned != 3 {
		t.Errorf("after failing fast: %+v", st)
	}
}

// Who may wait for a worker is the machine's decision (poolstate's
// TestMachineAdmission); its verdicts are these errors.
func TestManagerVerdictErrors(t *testing.T) {
	p := &Pool{mach: poolstate.New[*Worker, chan grant](poolstate.Config{})}
	for v, want := range map[poolstate.Verdict]error{
		poolstate.Granted: nil, poolstate.Full: ErrPoolFull, poolstate.Overloaded: ErrOverloaded, poolstate.Closed: ErrPoolStopped,
	} {
		if got := p.verdictError(v); got != want {
			t.Errorf("%v: %v, want %v", v, got, want)
		}
	}
}

// A call that never runs on any worker it reaches (here: queued behind a
// call whose worker is killed, three times over) fails after
// MaxRedispatch re-dispatches with its last error and
// ErrRedispatchBudget, and the pool stays up.
func TestManagerRedispatchBudget(t *testing.T) {
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := PoolOptions{Size: 3, Pipeline: 2, Intensity: supervisor.Intensity{MaxRestarts: 3, Period: time.Minute}}
	opts.Worker.Init = &InitCall{Module: "fixtures", Function: "wait_for_file", Args: []any{gate}}
	opts.Worker.StartTimeout = 2 * time.Minute
	p := startPool(t, opts)
	// Replacements now wait at the gate: the call can reach only the
	// workers the test kills.
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Each worker runs a long call; the call under test queues behind one.
	running := make(chan error, 3)
	for i := range 3 {
		marker, started := beacon(t, fmt.Sprint("running-", i))
		go func() {
			_, err := p.Call(ctx, "fixtures", "sleep_marked", marker, 60)
			running <- err
		}()
		testkit.Receive(t, "a long call to run", started)
	}
	res := make(chan error, 1)
	go func() {
		_, err := p.Call(ctx, "fixtures", "echo", 1)
		res <- err
	}()
	killed := map[int]bool{}
	for range 3 {
		var victim *Worker
		testkit.Eventually(t, "the call written behind a long one", func() bool {
			victim = queuedOn(p, killed)
			return victim != nil
		})
		killed[victim.Pid()] = true
		syscall.Kill(victim.Pid(), syscall.SIGKILL)
	}

	err := <-res
	var re *RedispatchError
	if !errors.As(err, &re) || re.Tries != 3 || !errors.Is(err, ErrRedispatchBudget) ||
		!errors.Is(err, ErrNotRun) || !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("the call: %v, want a *RedispatchError (3 tries) matching ErrRedispatchBudget, ErrNotRun and ErrWorkerExited", err)
	}
	for range 3 {
		if err := <-running; !errors.Is(err, ErrWorkerExited) || errors.Is(err, ErrNotRun) {
			t.Errorf("a long call on a killed worker: %v, want ErrWorkerExited (it ran)", err)
		}
	}
	if err := p.Err(); err != nil {
		t.Fatalf("the pool failed: %v", err)
	}
	if st := p.Stats(); st.Redispatched != 2 || st.Crashes != 3 {
		t.Errorf("%+v, want 2 re-dispatches and 3 crashes", st)
	}

	// The gate opens: the pool refills and serves.
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := p.Call(ctx, "fixtures", "echo", 2); err != nil || v != int64(2) {
		t.Fatalf("after: %v, %v", v, err)
	}
}

// queuedOn returns the live worker of p, not in skip, with two requests
// written to its pipe and nothing left to write, or nil.
func queuedOn(p *Pool, skip map[int]bool) *Worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.mach.Members() {
		w := m.Worker
		if !m.Live() || skip[w.Pid()] || workerDown(w) != nil {
			continue
		}
		w.mu.Lock()
		n := len(w.order)
		w.mu.Unlock()
		w.wmu.Lock()
		written := !w.writing && len(w.wbuf) == 0
		w.wmu.Unlock()
		if n >= 2 && written {
			return w
		}
	}
	return nil
}

// TestPoolRequestTooLarge: an argument over the workers' max frame (here
// the default 64 MiB) fails with ErrTooLarge before anything is sent; no
// worker dies, nothing is re-dispatched, and the pool keeps serving. It
// used to kill every worker in turn until the pool failed.
func TestPoolRequestTooLarge(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	big := make([]byte, 70<<20)
	for range 3 {
		_, err := p.Call(ctx, "fixtures", "length", big)
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Limit != DefaultMaxFrame {
			t.Fatalf("70 MiB argument: %v, want a *TooLargeError over %d", err, DefaultMaxFrame)
		}
	}
	if v, err := p.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("the pool after the refusals: %v, %v", v, err)
	}
	if st := p.Stats(); st.Crashes != 0 || st.Redispatched != 0 || st.Spawned != 2 {
		t.Fatalf("stats %+v: want no crash, no re-dispatch, the 2 first workers only", st)
	}
}
