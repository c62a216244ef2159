package snakes

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/supervisor"
)

// killAll SIGKILLs every worker of p and waits until the pool has
// replaced them (or failed).
func killAll(t *testing.T, p *Pool) {
	t.Helper()
	before := pidsOf(p)
	for _, pid := range before {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	eventually(t, "the pool to replace its killed workers or fail", func() bool {
		if p.Err() != nil {
			return true
		}
		now := pidsOf(p)
		return len(now) == p.opts.Size && !slices.ContainsFunc(now, func(pid int) bool { return slices.Contains(before, pid) })
	})
}

// A pool's intensity is a supervisor.Intensity whose zero fields are the
// pool defaults; no limit is said explicitly.
func TestManagerIntensityDefaults(t *testing.T) {
	for _, tc := range []struct {
		in, want supervisor.Intensity
	}{
		{supervisor.Intensity{}, supervisor.Intensity{MaxRestarts: DefaultPoolMaxRestarts, Period: DefaultPoolPeriod}},
		{supervisor.Intensity{MaxRestarts: 2}, supervisor.Intensity{MaxRestarts: 2, Period: DefaultPoolPeriod}},
		{supervisor.Intensity{Period: time.Minute}, supervisor.Intensity{MaxRestarts: DefaultPoolMaxRestarts, Period: time.Minute}},
		{supervisor.Intensity{MaxRestarts: -1}, supervisor.Intensity{MaxRestarts: -1, Period: DefaultPoolPeriod}},
		{supervisor.Intensity{MaxRestarts: supervisor.UnlimitedRestarts}, supervisor.Intensity{MaxRestarts: supervisor.UnlimitedRestarts, Period: DefaultPoolPeriod}},
	} {
		if got := (PoolOptions{Intensity: tc.in}).withDefaults().Intensity; got != tc.want {
			t.Errorf("%+v: %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestManagerIntensityExceeded(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 2, Intensity: supervisor.Intensity{MaxRestarts: 3, Period: time.Minute}})
	ctx := context.Background()
	killAll(t, p) // 2 crashes: within the intensity
	if err := p.Err(); err != nil {
		t.Fatalf("failed after 2 crashes of 3 allowed: %v", err)
	}
	if v, err := p.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("call after 2 crashes: %v %v", v, err)
	}
	killAll(t, p) // 4 crashes: beyond
	var pf *PoolFailedError
	if err := p.Err(); !errors.As(err, &pf) || pf.Restarts != 4 || pf.Pool != PoolDefault {
		t.Fatalf("Err after 4 crashes = %v, want a *PoolFailedError with 4 restarts", err)
	}
	_, err := p.Call(ctx, "operator", "add", 1, 2)
	if !errors.Is(err, ErrPoolFailed) || !errors.As(err, new(*ExitError)) {
		t.Fatalf("call on a failed pool: %v, want ErrPoolFailed wrapping the last exit", err)
	}
	if _, err := p.TryAcquire(ctx); !errors.Is(err, ErrPoolFailed) {
		t.Fatalf("TryAcquire on a failed pool: %v", err)
	}
	eventually(t, "the failed pool to have no worker", func() bool {
		st := p.Stats()
		return st.Workers == 0 && st.Starting == 0 && len(p.List()) == 0
	})
}

// supervisedBy starts a supervisor with spec on sys.
func supervisedBy(t *testing.T, sys *actor.ActorSystem, spec supervisor.Spec) (*supervisor.Supervisor, chan supervisor.Event) {
	t.Helper()
	events := make(chan supervisor.Event, 256)
	spec.OnEvent = func(e supervisor.Event) { events <- e }
	spec.Backoff = supervisor.Backoff{Initial: time.Millisecond, Max: time.Millisecond}
	s, err := supervisor.Start(context.Background(), sys.Root, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s, events
}

func testSystem(t *testing.T) *actor.ActorSystem {
	sys := quietSystem()
	t.Cleanup(sys.Shutdown)
	return sys
}

// waitEvent waits for an event that match accepts.
func waitEvent(t *testing.T, events chan supervisor.Event, what string, match func(supervisor.Event) bool) supervisor.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-events:
			if match(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// superviseAs puts a pool with opts under a supervisor with spec, as its
// first child "pool": a Supervised pool (the child is its manager actor)
// or a standalone one (the child stands in for it).
func superviseAs(t *testing.T, sys *actor.ActorSystem, supervised bool, spec supervisor.Spec, opts PoolOptions) (*Pool, *supervisor.Supervisor, chan supervisor.Event) {
	t.Helper()
	opts.ActorSystem, opts.Supervised = sys, supervised
	p := startPool(t, opts)
	if supervised { // nothing runs until its supervisor starts its actor
		if n := len(p.List()); n != 0 {
			t.Fatalf("a supervised pool has %d workers before its supervisor started it", n)
		}
		if err := p.Slay(context.Background(), "x-1", SlayBrutal); !errors.Is(err, ErrPoolNotStarted) {
			t.Fatalf("Slay before the start: %v, want ErrPoolNotStarted", err)
		}
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		if err := p.Ready(ended); !errors.Is(err, ErrStartFailed) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Ready before the start: %v, want ErrStartFailed and the context's error", err)
		}
	}
	spec.Children = append([]supervisor.ChildSpec{{ID: "pool", Props: func() *actor.Props { return PoolProps(p) }}}, spec.Children...)
	s, events := supervisedBy(t, sys, spec)
	if err := p.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	return p, s, events
}

var supervisedOrNot = []struct {
	name       string
	supervised bool
}{{"standalone", false}, {"supervised", true}}

func TestManagerUnderSupervisor(t *testing.T) {
	tests := []struct {
		name      string
		intensity supervisor.Intensity // the supervisor's own
		revived   bool
	}{
		{"restarted: the pool is revived in place", supervisor.Intensity{MaxRestarts: 5, Period: time.Minute}, true},
		{"the supervisor gives up: the pool stays down", supervisor.Intensity{MaxRestarts: -1}, false},
	}
	for _, layout := range supervisedOrNot {
		for _, tc := range tests {
			t.Run(layout.name+"/"+tc.name, func(t *testing.T) {
				testUnderSupervisor(t, layout.supervised, tc.intensity, tc.revived)
			})
		}
	}
}

func testUnderSupervisor(t *testing.T, supervised bool, intensity supervisor.Intensity, revived bool) {
	p, s, events := superviseAs(t, testSystem(t), supervised, supervisor.Spec{Name: "app", Intensity: intensity},
		PoolOptions{Size: 2, Intensity: supervisor.Intensity{MaxRestarts: 1, Period: time.Minute}})
	ctx := context.Background()
	old := pidsOf(p)
	killAll(t, p) // 2 crashes, 1 allowed: the pool fails
	ex := waitEvent(t, events, "the pool's exit", func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildExited)
		return ok && x.Child == "pool"
	}).(supervisor.ChildExited)
	if !errors.Is(ex.Reason, ErrPoolFailed) {
		t.Fatalf("exit reason %v, want ErrPoolFailed", ex.Reason)
	}
	if !revived {
		<-s.Done()
		var ie *supervisor.IntensityError
		if !errors.As(s.Err(), &ie) {
			t.Fatalf("supervisor Err = %v, want an *IntensityError", s.Err())
		}
		if _, err := p.Call(ctx, "operator", "add", 1, 2); !errors.Is(err, ErrPoolFailed) {
			t.Fatalf("call on a pool whose supervisor gave up: %v", err)
		}
		return
	}
	waitEvent(t, events, "the pool's restart", func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildRestarted)
		return ok && x.Child == "pool"
	})
	eventually(t, "the revived pool to have 2 workers", func() bool { return len(pidsOf(p)) == 2 })
	if v, err := p.Call(ctx, "operator", "add", 2, 3); err != nil || v != int64(5) {
		t.Fatalf("call on the revived pool: %v %v", v, err)
	}
	for _, pid := range pidsOf(p) {
		if slices.Contains(old, pid) {
			t.Fatalf("a killed worker (pid %d) is back in the pool", pid)
		}
	}
	if p.Err() != nil {
		t.Fatalf("revived pool Err = %v", p.Err())
	}
}

// A sibling's failure under one_for_all restarts the pool: every worker is
// replaced, and the pool serves again.
func TestManagerOneForAll(t *testing.T) {
	for _, layout := range supervisedOrNot {
		t.Run(layout.name, func(t *testing.T) { testOneForAll(t, layout.supervised) })
	}
}

func testOneForAll(t *testing.T, supervised bool) {
	sys := testSystem(t)
	p, s, events := superviseAs(t, sys, supervised, supervisor.Spec{
		Name:     "app",
		Strategy: supervisor.OneForAll,
		Children: []supervisor.ChildSpec{
			{ID: "crasher", Props: func() *actor.Props {
				return actor.PropsFromFunc(func(c actor.Context) {
					if _, ok := c.Message().(string); ok {
						panic("told to crash")
					}
				})
			}},
		},
	}, PoolOptions{Size: 2})
	old := pidsOf(p)
	children, err := s.Children(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range children {
		if c.ID == "crasher" {
			sys.Root.Send(c.PID, "crash")
		}
	}
	waitEvent(t, events, "the pool's restart", func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildRestarted)
		return ok && x.Child == "pool"
	})
	eventually(t, "2 fresh workers", func() bool {
		now := pidsOf(p)
		return len(now) == 2 && !slices.ContainsFunc(now, func(pid int) bool { return slices.Contains(old, pid) })
	})
	if v, err := p.Call(context.Background(), "operator", "add", 2, 3); err != nil || v != int64(5) {
		t.Fatalf("call after the one_for_all restart: %v %v", v, err)
	}
}
