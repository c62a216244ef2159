package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// startPool starts a pool on the fixtures, stopped at the end of the test,
// and checks then that none of its Python processes remains.
func startPool(t testing.TB, opts PoolOptions) *Pool {
	t.Helper()
	p, _ := startPoolMarked(t, opts)
	return p
}

// startPoolMarked is startPool that also returns the marker in its
// workers' environment (see pythonsWithMarker).
func startPoolMarked(t testing.TB, opts PoolOptions) (*Pool, string) {
	t.Helper()
	marker := markedFixtures(t, &opts.Worker, "pool")
	if opts.Size == 0 {
		opts.Size = 2
	}
	p, err := NewPool(testkit.Context(t), opts)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	stopAndCheck(t, marker, p.Stop)
	return p, marker
}

// markedFixtures points a worker template at the fixtures and marks its
// processes' environment with a fresh marker (see pythonsWithMarker),
// which it returns.
func markedFixtures(t testing.TB, w *Options, kind string) string {
	t.Helper()
	w.Interpreter = interp(t)
	w.Paths = append(w.Paths, fixturesDir(t))
	marker := fmt.Sprintf("%s-%d-%d", kind, os.Getpid(), time.Now().UnixNano())
	w.Env = append(w.Env, "SNAKES_MARKER="+marker)
	return marker
}

// stopAndCheck stops with stop at the end of the test, then checks that no
// Python process with the marker remains.
func stopAndCheck(t testing.TB, marker string, stop func(context.Context) error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
		defer cancel()
		stop(ctx)
		if left := pythonsWithMarker(marker); len(left) > 0 {
			t.Errorf("Python processes left after Stop: %v", left)
		}
	})
}

func pidsOf(p *Pool) []int {
	var pids []int
	for _, w := range p.List() {
		pids = append(pids, w.Pid)
	}
	slices.Sort(pids)
	return pids
}

func TestManagerCalls(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 2})
	ctx := context.Background()
	if st := p.Stats(); st.Workers != 2 || st.Idle != 2 || st.Spawned != 2 {
		t.Fatalf("after start: %+v", st)
	}
	v, err := p.Call(ctx, "operator", "add", 1, 2)
	if err != nil || v != int64(3) {
		t.Fatalf("Call = %v, %v", v, err)
	}
	var s []int
	if err := p.CallInto(ctx, &s, "fixtures", "kw", 1, Kwargs{"c": 5}); err != nil || !slices.Equal(s, []int{1, 2, 5}) {
		t.Fatalf("CallInto = %v, %v", s, err)
	}
	var items []any
	for v, err := range p.Stream(ctx, "fixtures", "count", 5) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
	if len(items) != 5 {
		t.Fatalf("Stream gave %v", items)
	}
	if err := p.Cast(ctx, "fixtures", "echo", 1); err != nil {
		t.Fatal(err)
	}
	var pe *PythonError
	if _, err := p.Call(ctx, "fixtures", "fail", "boom"); !errors.As(err, &pe) || pe.Message != "boom" {
		t.Fatalf("fail: %v", err)
	}
	if st := p.Stats(); st.Workers != 2 || st.Busy != 0 || st.Leased != 0 {
		t.Fatalf("after calls: %+v", st)
	}
	var calls uint64
	for _, w := range p.List() {
		calls += w.Calls
		if w.State != StateIdle {
			t.Fatalf("worker %s is %s", w.ID, w.State)
		}
	}
	if calls != 5 {
		t.Fatalf("calls served %d, want 5", calls)
	}
}

func TestManagerConcurrentPipelined(t *testing.T) {
	for _, pipeline := range []int{1, 4} {
		t.Run(fmt.Sprint("pipeline", pipeline), func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 2, Pipeline: pipeline})
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 200 {
						v, err := p.Call(context.Background(), "operator", "add", g, i)
						if err != nil || v != int64(g+i) {
							t.Errorf("add(%d, %d) = %v, %v", g, i, v, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if st := p.Stats(); st.Workers != 2 || st.Spawned != 2 || st.Idle != 2 {
				t.Fatalf("%+v", st)
			}
		})
	}
}

func TestManagerTryAcquireFull(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1, MaxOverflow: 1})
	ctx := context.Background()
	a, err := p.TryAcquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.TryAcquire(ctx) // spawns the overflow worker
	if err != nil {
		t.Fatal(err)
	}
	if a.Worker().Pid() == b.Worker().Pid() {
		t.Fatal("two leases share a worker")
	}
	// No worker will come free: a TryAcquire that waited for one would
	// end with its context (after Patience), never with ErrPoolFull. (It
	// used to be timed, under 100 ms, which a loaded machine can take to
	// schedule anything.)
	if _, err := p.TryAcquire(testkit.Context(t)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("third TryAcquire: %v, want ErrPoolFull", err)
	}
	if st := p.Stats(); st.Leased != 2 || st.Workers != 2 || st.Waiting != 0 {
		t.Fatalf("%+v", st)
	}
	a.Release()
	b.Release()
	if st := p.Stats(); st.Idle != 2 {
		t.Fatalf("%+v", st)
	}
}

func TestManagerFIFOWaiters(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1})
	ctx := context.Background()
	l, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := p.Acquire(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			l.Release()
		}()
		testkit.Eventually(t, "the waiter to queue", func() bool { return p.Stats().Waiting == i+1 })
	}
	l.Release()
	wg.Wait()
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("waiters served in order %v", order)
	}
}

func TestManagerWaiterGivesUp(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1})
	l, err := p.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx); !errors.Is(err, ErrTimeout) {
		t.Fatalf("waiter: %v, want ErrTimeout", err)
	}
	if _, err := p.Call(ctx, "fixtures", "echo", 1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("call waiting: %v, want ErrTimeout", err)
	}
	l.Release()
	if st := p.Stats(); st.Idle != 1 || st.Waiting != 0 {
		t.Fatalf("after release: %+v", st)
	}

	// Waiters giving up while workers are handed out: none is lost. A
	// context may end as its lease is released; Release returns once the
	// pool has the worker either way (TestHoldEndWaitsForTheWorker), and a
	// waiter granted as it gives up gives the worker back before it
	// returns (TestManagerWaiterGrantedAsItGivesUp): Stats is read after
	// every release completed.
	p2 := startPool(t, PoolOptions{Size: 2})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration((g+i)%7)*100*time.Microsecond)
				l, err := p2.Acquire(ctx)
				if err == nil {
					l.Release()
				} else if !errors.Is(err, ErrTimeout) {
					t.Error(err)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	if st := p2.Stats(); st.Idle != 2 || st.Workers != 2 || st.Waiting != 0 || st.Spawned != 2 {
		t.Fatalf("after the storm: %+v", st)
	}
}

// A waiter whose context ends as a worker is granted to it gives the
// worker back before it returns: the grant is sent under the pool's mutex
// once the machine took the waiter off the queue, so a waiter that finds
// itself off the queue owns it, and no worker is lost. The interleaving
// is forced: the waiter has seen its context end and waits for the pool's
// mutex, which the test holds while it gives back the only worker (the
// machine grants it to that waiter).
func TestManagerWaiterGrantedAsItGivesUp(t *testing.T) {
	waiters := []struct {
		name string
		wait func(context.Context, *Pool) error
	}{
		{"Acquire", func(ctx context.Context, p *Pool) error {
			l, err := p.Acquire(ctx)
			if err == nil {
				l.Release()
			}
			return err
		}},
		{"Call", func(ctx context.Context, p *Pool) error {
			_, err := p.Call(ctx, "fixtures", "echo", 1)
			return err
		}},
		{"Session", func(ctx context.Context, p *Pool) error {
			s, err := p.Session(ctx)
			if err == nil {
				s.Close()
			}
			return err
		}},
	}
	for _, tc := range waiters {
		t.Run(tc.name, func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 1})
			m, err := p.acquire(context.Background(), poolstate.Exclusive, true)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- tc.wait(ctx, p) }()
			testkit.Eventually(t, "the waiter to queue", func() bool { return p.Stats().Waiting == 1 })
			p.mu.Lock()
			cancel()
			testkit.Eventually(t, "the waiter to give up and wait for the pool's mutex", func() bool {
				return parkedIn("sync.Mutex.Lock", "snakes.(*Pool).acquire(")
			})
			p.exec(p.mach.Release(m, 0, poolstate.Whole, p.clock.Now()))
			granted := p.mach.Waiting() == 0 && m.State() != poolstate.Idle
			p.mu.Unlock()
			if !granted {
				t.Fatal("giving the worker back did not grant it to the waiter")
			}
			if err := testkit.Receive(t, "the waiter", done); !errors.Is(err, ErrCancelled) {
				t.Fatalf("the waiter: %v, want ErrCancelled", err)
			}
			if st := p.Stats(); st.Idle != 1 || st.Leased != 0 || st.Busy != 0 || st.Waiting != 0 || st.Workers != 1 {
				t.Fatalf("after the waiter returned: %+v", st)
			}
		})
	}
}

func TestManagerOverloaded(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1, MaxWaiters: 1})
	l, err := p.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Call(context.Background(), "fixtures", "echo", 1)
		done <- err
	}()
	testkit.Eventually(t, "one waiter", func() bool { return p.Stats().Waiting == 1 })
	if _, err := p.Call(context.Background(), "fixtures", "echo", 2); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("second waiter: %v, want ErrOverloaded", err)
	}
	l.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestManagerWith(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1})
	ctx := context.Background()
	var pid int
	err := p.With(ctx, func(l *Lease) error {
		pid = l.Worker().Pid()
		_, err := l.Call(ctx, "fixtures", "echo", 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := pidsOf(p); !slices.Equal(got, []int{pid}) {
		t.Fatalf("after With: %v, want [%d]", got, pid)
	}

	// A panic releases the lease as broken: the worker is replaced.
	func() {
		defer func() { recover() }()
		p.With(ctx, func(l *Lease) error { panic("oops") })
	}()
	testkit.Eventually(t, "a replacement", func() bool {
		got := pidsOf(p)
		return len(got) == 1 && got[0] != pid
	})

	// The holder's context ends while it holds the lease, no call in
	// flight: the worker goes back whole (TestHoldContextEnds has the rest).
	pid = pidsOf(p)[0]
	hctx, cancel := context.WithCancel(ctx)
	l, err := p.Acquire(hctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	testkit.Eventually(t, "the release", func() bool { return p.Stats().Idle == 1 })
	if got := pidsOf(p); !slices.Equal(got, []int{pid}) {
		t.Fatalf("after the holder's context ended: %v, want [%d]", got, pid)
	}
	if _, err := l.Call(ctx, "fixtures", "echo", 1); !errors.Is(err, ErrLeaseReleased) {
		t.Fatalf("call on a released lease: %v", err)
	}
	l.Release() // a no-op now
	if st := p.Stats(); st.Workers != 1 || st.Leased != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestManagerIdleOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		order    IdleOrder
		distinct int
	}{{"LIFO", LIFO, 1}, {"FIFO", FIFO, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 3, Order: tc.order})
			seen := map[int]bool{}
			for range 6 {
				l, err := p.Acquire(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				seen[l.Worker().Pid()] = true
				l.Release()
			}
			if len(seen) != tc.distinct {
				t.Fatalf("%d distinct workers, want %d", len(seen), tc.distinct)
			}
		})
	}
}

func TestManagerCallTimeout(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1, CallTimeout: 200 * time.Millisecond})
	pid := pidsOf(p)[0]
	_, err := p.Call(context.Background(), "fixtures", "sleep", 5)
	var ae *AbandonError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &ae) {
		t.Fatalf("sleep: %v, want an AbandonError with ErrTimeout", err)
	}
	// The next call waits for the replacement to start: give it a
	// deadline of its own (CallTimeout bounds only calls without one), as
	// a start may take longer than 200 ms on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := p.Call(ctx, "fixtures", "echo", 7)
	if err != nil || v != int64(7) {
		t.Fatalf("next call: %v, %v", v, err)
	}
	if got := pidsOf(p); len(got) != 1 || got[0] == pid {
		t.Fatalf("workers %v: the timed-out one (%d) must be replaced", got, pid)
	}
	if st := p.Stats(); st.Timeouts != 1 || st.Crashes != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestManagerKillOnException(t *testing.T) {
	for _, kill := range []bool{false, true} {
		t.Run(fmt.Sprint(kill), func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 1, KillOnException: kill})
			pid := pidsOf(p)[0]
			var pe *PythonError
			if _, err := p.Call(context.Background(), "fixtures", "fail", "x"); !errors.As(err, &pe) {
				t.Fatalf("fail: %v", err)
			}
			if _, err := p.Call(context.Background(), "fixtures", "echo", 1); err != nil {
				t.Fatal(err)
			}
			replaced := pidsOf(p)[0] != pid
			if replaced != kill {
				t.Fatalf("replaced=%v with KillOnException=%v", replaced, kill)
			}
			if st := p.Stats(); (st.ExceptionKills == 1) != kill {
				t.Fatalf("%+v", st)
			}
		})
	}
}

func TestManagerCrashRefill(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 2})
	before := pidsOf(p)
	syscall.Kill(before[0], syscall.SIGKILL)
	// A call made right away may be handed to the dying worker before the
	// host knows (its request written to the pipe): it then fails with the
	// ExitError. One that finds the worker known dead is re-dispatched.
	for i := range 20 {
		v, err := p.Call(context.Background(), "fixtures", "echo", i)
		if err != nil && !errors.Is(err, ErrWorkerExited) || err == nil && v != int64(i) {
			t.Fatalf("echo(%d) = %v, %v", i, v, err)
		}
	}
	testkit.Eventually(t, "the pool to refill", func() bool {
		got := pidsOf(p)
		return len(got) == 2 && !slices.Contains(got, before[0])
	})
	if st := p.Stats(); st.Crashes != 1 || st.Spawned != 3 {
		t.Fatalf("%+v", st)
	}
}

func TestManagerRedispatch(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 2, Order: FIFO})
	// Break the next idle worker behind the pool's back: the call that
	// takes it never reaches it and goes to the other one.
	p.mu.Lock()
	p.mach.Members()[0].Worker.setRefuse(ErrStopped) // the first idle (FIFO)
	p.mu.Unlock()
	if v, err := p.Call(context.Background(), "fixtures", "echo", 1); err != nil || v != int64(1) {
		t.Fatalf("echo = %v, %v", v, err)
	}
	if st := p.Stats(); st.Redispatched != 1 {
		t.Fatalf("%+v", st)
	}
	testkit.Eventually(t, "a replacement", func() bool { return p.Stats().Spawned == 3 && p.Stats().Workers == 2 })
}

func TestManagerExitInFlight(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1})
	_, err := p.Call(context.Background(), "fixtures", "exit_now", 0.05, 3)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("exit_now: %v, want an ExitError with status 3 (not re-dispatched: it ran)", err)
	}
	if v, err := p.Call(context.Background(), "fixtures", "echo", 2); err != nil || v != int64(2) {
		t.Fatalf("next call: %v, %v", v, err)
	}
	if st := p.Stats(); st.Crashes != 1 || st.Redispatched != 0 {
		t.Fatalf("%+v", st)
	}
}

// newFakeClock is a clock that moves only when a test advances it.
func newFakeClock() *testkit.Clock { return testkit.NewClock(time.Unix(1_000_000, 0)) }

func TestManagerReap(t *testing.T) {
	clock := newFakeClock()
	p := startPool(t, PoolOptions{Size: 2, MaxOverflow: 2, IdleTTL: time.Minute, CleanInterval: time.Hour, Clock: clock})
	ctx := context.Background()
	var leases []*Lease
	for range 4 {
		l, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		leases = append(leases, l)
	}
	// Given back one at a time: leases[2] is the most recently used idle
	// one; leases[3] stays leased (never reaped).
	for _, l := range leases[:3] {
		l.Release()
		clock.Advance(10 * time.Second)
	}
	if n, err := p.Clean(ctx); err != nil || n != 0 {
		t.Fatalf("Clean before the TTL reaped %d, %v", n, err)
	}
	clock.Advance(2 * time.Minute)
	n, err := p.Clean(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Clean reaped %d (%v), want 2 (down to Size)", n, err)
	}
	ids := map[string]bool{}
	for _, w := range p.List() {
		if w.State != StateRetiring {
			ids[w.ID] = true
		}
	}
	if len(ids) != 2 || !ids[leases[3].ID()] || !ids[leases[2].ID()] {
		t.Fatalf("left %v, want %s and %s", ids, leases[3].ID(), leases[2].ID())
	}
	leases[3].Release()

	// An overflow worker again, reaped by the cleaner's round on the
	// pool's Clock.
	var more []*Lease
	for range 3 {
		l, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		more = append(more, l)
	}
	for _, l := range more {
		l.Release()
	}
	clock.Advance(time.Hour)
	testkit.Eventually(t, "the cleaner", func() bool { return p.Stats().Workers == 2 })
	if st := p.Stats(); st.Reaped != 3 || st.Crashes != 0 || st.Spawned != 5 {
		t.Fatalf("%+v", st)
	}
}

// TestManagerSlay: each style of the one SlayStyle on a busy pool
// worker: drain lets its call finish, polite ends it by SIGTERM (or by
// SIGKILL after StopGrace when Python ignores SIGTERM), brutal by
// SIGKILL. The worker is replaced, and its exit is no crash.
func TestManagerSlay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		style  SlayStyle
		init   *InitCall
		signal syscall.Signal // that ended the call in flight; 0: it finished
	}{
		{"drain", SlayDrain, nil, 0},
		{"polite", SlayPolite, nil, syscall.SIGTERM},
		{"polite, SIGTERM ignored", SlayPolite, &InitCall{Module: "fixtures", Function: "ignore_sigterm"}, syscall.SIGKILL},
		{"brutal", SlayBrutal, nil, syscall.SIGKILL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 1, Worker: Options{Init: tc.init, StopGrace: 300 * time.Millisecond}})
			ctx := context.Background()
			victim := p.List()[0]
			marker, running := beacon(t, "running")
			// The call ends by itself in 1 s when drained; a signal must
			// find it running, however long the slay takes to send it
			// (SIGKILL comes StopGrace after SIGTERM): it used to sleep
			// 1 s too, and a slow slay found it done.
			seconds := 1.0
			if tc.signal != 0 {
				seconds = testkit.Patience.Seconds()
			}
			done := make(chan error, 1)
			go func() {
				_, err := p.Call(ctx, "fixtures", "sleep_marked", marker, seconds)
				done <- err
			}()
			testkit.Receive(t, "the call to run", running)
			if err := p.Slay(ctx, victim.ID, tc.style); err != nil {
				t.Fatal(err)
			}
			err := <-done
			var ee *ExitError
			switch {
			case tc.signal == 0 && err != nil:
				t.Fatalf("the call in flight: %v (drain lets it finish)", err)
			case tc.signal != 0 && (!errors.As(err, &ee) || ee.Signal != tc.signal):
				t.Fatalf("the call in flight: %v, want an *ExitError by %v", err, tc.signal)
			}
			testkit.Eventually(t, "a replacement", func() bool {
				l := p.List()
				return len(l) == 1 && l[0].ID != victim.ID && l[0].State == StateIdle
			})
			if err := p.Slay(ctx, victim.ID, tc.style); !errors.Is(err, ErrNoSuchWorker) {
				t.Fatalf("slaying twice: %v", err)
			}
			if st := p.Stats(); st.Crashes != 0 {
				t.Fatalf("a slain worker counted as a crash: %+v", st)
			}
		})
	}
	p := startPool(t, PoolOptions{Size: 1})
	if err := p.Slay(context.Background(), p.List()[0].ID, SlayStyle(9)); !errors.Is(err, ErrInvalidSlayStyle) {
		t.Fatalf("an unknown style: %v", err)
	}
}

func TestManagerRecycle(t *testing.T) {
	t.Run("max calls", func(t *testing.T) {
		p := startPool(t, PoolOptions{Size: 1, MaxCalls: 3})
		pids := map[int]bool{}
		for i := range 10 {
			if v, err := p.Call(context.Background(), "fixtures", "echo", i); err != nil || v != int64(i) {
				t.Fatalf("echo(%d) = %v, %v", i, v, err)
			}
			for _, w := range p.List() {
				pids[w.Pid] = true
			}
			testkit.Eventually(t, "the replacement", func() bool { return p.Stats().Starting == 0 })
		}
		if st := p.Stats(); st.Recycled != 3 || len(pids) != 4 {
			t.Fatalf("%d workers served 10 calls, want 4; %+v", len(pids), st)
		}
		for _, w := range p.List() {
			if w.Calls > 3 {
				t.Fatalf("worker %s served %d calls", w.ID, w.Calls)
			}
		}
	})
	t.Run("max age", func(t *testing.T) {
		clock := newFakeClock()
		p := startPool(t, PoolOptions{Size: 1, MaxAge: time.Hour, Clock: clock})
		old := p.List()[0]
		l, err := p.Acquire(context.Background()) // busy while its replacement starts
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		if _, err := p.Clean(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The replacement is ready before the old worker retires.
		testkit.Eventually(t, "the replacement", func() bool { return p.Stats().Recycled == 1 })
		list := p.List()
		if len(list) != 2 || list[0].ID != old.ID || list[0].State != StateRetiring || list[1].State != StateIdle {
			t.Fatalf("after recycling: %+v", list)
		}
		if _, err := l.Call(context.Background(), "fixtures", "echo", 1); err != nil {
			t.Fatalf("the retiring worker's holder: %v", err)
		}
		l.Release()
		testkit.Eventually(t, "the old worker to go", func() bool { return len(p.List()) == 1 && p.List()[0].ID != old.ID })
	})
	t.Run("max rss", func(t *testing.T) {
		p := startPool(t, PoolOptions{Size: 1, MaxRSS: 1 << 20})
		old := p.List()[0]
		if _, err := p.Clean(context.Background()); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "recycling", func() bool {
			l := p.List()
			return p.Stats().Recycled == 1 && len(l) == 1 && l[0].ID != old.ID
		})
	})
}

func TestManagerStop(t *testing.T) {
	t.Run("graceful", func(t *testing.T) {
		p := startPool(t, PoolOptions{Size: 2})
		pids := pidsOf(p)
		marker, running := beacon(t, "running")
		done := make(chan error, 1)
		go func() {
			_, err := p.Call(context.Background(), "fixtures", "sleep_marked", marker, 0.3)
			done <- err
		}()
		testkit.Receive(t, "the call to run", running)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("the call in flight: %v", err)
		}
		if _, err := p.Call(context.Background(), "fixtures", "echo", 1); !errors.Is(err, ErrPoolStopped) {
			t.Fatalf("after Stop: %v", err)
		}
		if _, err := p.Acquire(context.Background()); !errors.Is(err, ErrPoolStopped) {
			t.Fatalf("after Stop: %v", err)
		}
		for _, pid := range pids {
			if testkit.Alive(pid) {
				t.Fatalf("process %d left", pid)
			}
		}
	})
	t.Run("deadline", func(t *testing.T) {
		p := startPool(t, PoolOptions{Size: 1})
		marker, running := beacon(t, "running")
		done := make(chan error, 1)
		go func() {
			_, err := p.Call(context.Background(), "fixtures", "ignore_sigint", 30, marker)
			done <- err
		}()
		testkit.Receive(t, "the call to run", running)
		waiter := make(chan error, 1)
		go func() {
			_, err := p.Call(context.Background(), "fixtures", "echo", 1)
			waiter <- err
		}()
		testkit.Eventually(t, "a waiter", func() bool { return p.Stats().Waiting == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := p.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Stop: %v, want a deadline error", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Stop took %v", d)
		}
		if err := <-waiter; !errors.Is(err, ErrPoolStopped) {
			t.Fatalf("the waiter: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrWorkerExited) {
			t.Fatalf("the call cut short: %v", err)
		}
	})
}

func TestManagerStartFails(t *testing.T) {
	_, err := NewPool(context.Background(), PoolOptions{Size: 2, Worker: Options{
		Interpreter: interp(t), Init: &InitCall{Module: "no_such_module_x", Function: "f"},
	}})
	if !errors.Is(err, ErrStartFailed) {
		t.Fatalf("NewPool: %v, want ErrStartFailed", err)
	}
}
