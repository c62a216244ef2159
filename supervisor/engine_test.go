package supervisor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/internal/testkit"
)

// TestMain fails the run if goroutines of ours or of protoactor's
// mailboxes outlive the tests.
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// newSystem returns an actor system stopped at the end of the test.
func newSystem(t *testing.T) *actors.System {
	t.Helper()
	sys := actors.NewSystem(actors.Options{Logger: testLogger()})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sys.Stop(ctx); err != nil {
			t.Errorf("stopping the actor system: %v", err)
		}
	})
	return sys
}

// newRecorder returns a recorder of a supervisor's events, for Next (the
// next event that matches, after the last one Next returned) and None.
func newRecorder() *testkit.Recorder[Event] { return &testkit.Recorder[Event]{} }

func restarted(id string) func(Event) bool {
	return func(e Event) bool { r, ok := e.(ChildRestarted); return ok && r.Child == id }
}

func exited(id string) func(Event) bool {
	return func(e Event) bool { r, ok := e.(ChildExited); return ok && r.Child == id }
}

// probe is a test child: it logs "start <id>" and "stop <id>", panics on
// "boom", stops itself on "quit", and, with block set, does not return
// from Stopping until block is closed (a child that ignores stop).
type probe struct {
	log   chan string
	block chan struct{}
	fail  map[string]bool // ids that panic in Started
	mu    sync.Mutex
}

func newProbe() *probe { return &probe{log: make(chan string, 1000), fail: map[string]bool{}} }

func (p *probe) child(id string, r Restart) ChildSpec {
	return ChildSpec{ID: id, Restart: r, Props: p.props(id)}
}

func (p *probe) props(id string) func() *actor.Props {
	return func() *actor.Props {
		return actor.PropsFromFunc(func(c actor.Context) {
			switch m := c.Message().(type) {
			case *actor.Started:
				p.mu.Lock()
				fail := p.fail[id]
				p.mu.Unlock()
				if fail {
					panic(fmt.Errorf("%s cannot start", id))
				}
				p.log <- "start " + id
			case *actor.Stopping:
				p.log <- "stop " + id
				if p.block != nil && strings.HasPrefix(id, "stuck") {
					<-p.block
				}
			case string:
				switch m {
				case "boom":
					panic(errCrash)
				case "quit":
					c.Stop(c.Self())
				}
			}
		})
	}
}

// next returns the next n log lines.
func (p *probe) next(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		out = append(out, testkit.Receive(t, fmt.Sprintf("log line %d of %d after %v", len(out)+1, n, out), p.log))
	}
	return out
}

func pidOf(t *testing.T, s *Supervisor, id string) *actor.PID {
	t.Helper()
	ch, err := s.Children(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ch {
		if c.ID == id {
			return c.PID
		}
	}
	t.Fatalf("no child %s in %v", id, ch)
	return nil
}

func start(t *testing.T, sys *actors.System, spec Spec) *Supervisor {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Start(ctx, sys.Root, spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEngineRestartsAPanickingChild(t *testing.T) {
	sys, p, rec := newSystem(t), newProbe(), newRecorder()
	s := start(t, sys, Spec{Name: "sup", Children: []ChildSpec{p.child("a", Permanent)}, OnEvent: rec.Record})
	p.next(t, 1)
	old := pidOf(t, s, "a")
	sys.Root.Send(old, "boom")
	ex := rec.Next(t, "exit", exited("a")).(ChildExited)
	if !errors.Is(ex.Reason, errCrash) || ex.Normal() {
		t.Fatalf("exit reason %v", ex.Reason)
	}
	r := rec.Next(t, "restart", restarted("a")).(ChildRestarted)
	if r.PID.Equal(old) || !pidOf(t, s, "a").Equal(r.PID) {
		t.Fatalf("restarted as %v, was %v", r.PID, old)
	}
	if got := p.next(t, 2); !slices.Equal(got, []string{"stop a", "start a"}) {
		t.Fatalf("log %v", got)
	}
}

func TestEngineRestartTypes(t *testing.T) {
	for _, tc := range []struct {
		r        Restart
		msg      string
		restarts bool
	}{
		{Permanent, "quit", true},
		{Permanent, "boom", true},
		{Transient, "quit", false},
		{Transient, "boom", true},
		{Temporary, "quit", false},
		{Temporary, "boom", false},
	} {
		t.Run(fmt.Sprintf("%v/%s", tc.r, tc.msg), func(t *testing.T) {
			sys, p, rec := newSystem(t), newProbe(), newRecorder()
			s := start(t, sys, Spec{Children: []ChildSpec{p.child("a", tc.r), p.child("b", Permanent)}, OnEvent: rec.Record})
			b := pidOf(t, s, "b")
			sys.Root.Send(pidOf(t, s, "a"), tc.msg)
			ex := rec.Next(t, "exit", exited("a")).(ChildExited)
			if ex.Normal() != (tc.msg == "quit") {
				t.Fatalf("exit %v", ex)
			}
			if tc.restarts {
				rec.Next(t, "restart", restarted("a"))
			} else {
				rec.None(t, 100*time.Millisecond, "restart", restarted("a"))
			}
			if !pidOf(t, s, "b").Equal(b) {
				t.Fatal("one_for_one touched a sibling")
			}
			ch, _ := s.Children(context.Background())
			if kept := slices.ContainsFunc(ch, func(c Child) bool { return c.ID == "a" }); kept == (tc.r == Temporary) {
				t.Fatalf("children after exit: %v", ch)
			}
		})
	}
}

func TestEngineOneForAll(t *testing.T) {
	sys, p, rec := newSystem(t), newProbe(), newRecorder()
	s := start(t, sys, Spec{Strategy: OneForAll, OnEvent: rec.Record,
		Children: []ChildSpec{p.child("a", Permanent), p.child("b", Permanent), p.child("c", Permanent)}})
	if got := p.next(t, 3); !slices.Equal(got, []string{"start a", "start b", "start c"}) {
		t.Fatalf("ordered start: %v", got)
	}
	sys.Root.Send(pidOf(t, s, "b"), "boom")
	// b's own Stopping comes first (it failed); then c and a in reverse
	// order, then all three in order.
	want := []string{"stop b", "stop c", "stop a", "start a", "start b", "start c"}
	if got := p.next(t, 6); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, id := range []string{"a", "b", "c"} {
		rec.Next(t, "restart of "+id, restarted(id))
	}
}

func TestEngineRestForOne(t *testing.T) {
	sys, p, rec := newSystem(t), newProbe(), newRecorder()
	s := start(t, sys, Spec{Strategy: RestForOne, OnEvent: rec.Record,
		Children: []ChildSpec{p.child("a", Permanent), p.child("b", Permanent), p.child("c", Permanent), p.child("d", Permanent)}})
	p.next(t, 4)
	a := pidOf(t, s, "a")
	sys.Root.Send(pidOf(t, s, "b"), "boom")
	want := []string{"stop b", "stop d", "stop c", "start b", "start c", "start d"}
	if got := p.next(t, 6); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	rec.Next(t, "restart of d", restarted("d"))
	if !pidOf(t, s, "a").Equal(a) {
		t.Fatal("rest_for_one restarted a child before the failed one")
	}
}

// parentProbe is a plain protoactor parent that records how its child
// failed.
type parentProbe struct {
	reasons chan any
}

func (p *parentProbe) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason any, _ any) {
	p.reasons <- reason
	sup.StopChildren(child)
}

func TestEngineIntensityExceededTellsTheParent(t *testing.T) {
	t.Run("plain protoactor parent", func(t *testing.T) {
		sys, p, rec := newSystem(t), newProbe(), newRecorder()
		pp := &parentProbe{reasons: make(chan any, 1)}
		spec := Spec{Name: "inner", Intensity: Intensity{MaxRestarts: 1, Period: time.Minute}, Backoff: Backoff{Disabled: true},
			Children: []ChildSpec{p.child("a", Permanent)}, OnEvent: rec.Record}
		parent := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				c.Spawn(Props(spec))
			}
		}, actor.WithSupervisor(pp)))
		_ = parent
		for range 2 {
			ev := rec.Next(t, "a start", func(e Event) bool {
				switch e := e.(type) {
				case ChildStarted:
					return e.Child == "a"
				case ChildRestarted:
					return e.Child == "a"
				}
				return false
			})
			var pid *actor.PID
			switch e := ev.(type) {
			case ChildStarted:
				pid = e.PID
			case ChildRestarted:
				pid = e.PID
			}
			sys.Root.Send(pid, "boom")
		}
		rec.Next(t, "intensity exceeded", func(e Event) bool { _, ok := e.(IntensityExceeded); return ok })
		r := testkit.Receive(t, "the parent to be told", pp.reasons)
		var ie *IntensityError
		if err, _ := r.(error); !errors.As(err, &ie) || ie.Child != "a" || !errors.Is(err, errCrash) {
			t.Fatalf("parent saw %v", r)
		}
	})
	t.Run("nested supervisors", func(t *testing.T) {
		sys, p, rec := newSystem(t), newProbe(), newRecorder()
		inner := Spec{Name: "inner", Intensity: Intensity{MaxRestarts: 1, Period: time.Minute}, Backoff: Backoff{Disabled: true},
			Children: []ChildSpec{p.child("a", Permanent)}}
		outer := start(t, sys, Spec{Name: "outer", Logger: testLogger(), Intensity: Intensity{MaxRestarts: -1}, OnEvent: rec.Record,
			Children: []ChildSpec{p.child("before", Permanent), Nested("inner", inner)}})
		// The nested supervisor was ready only once its child was.
		if got := p.next(t, 2); !slices.Equal(got, []string{"start before", "start a"}) {
			t.Fatalf("log %v", got)
		}
		innerPID := pidOf(t, outer, "inner")
		// Crash a twice (max 1 restart): inner gives up, outer (max 0)
		// gives up too, and its handle says why.
		crash := func() {
			r := &childrenRequest{reply: make(chan []Child, 1)}
			sys.Root.Send(innerPID, r)
			for _, c := range <-r.reply {
				if c.PID != nil {
					sys.Root.Send(c.PID, "boom")
				}
			}
		}
		crash()
		p.next(t, 2) // stop a, start a
		crash()
		ex := rec.Next(t, "inner's exit", exited("inner")).(ChildExited)
		if !errors.Is(ex.Reason, ErrIntensityExceeded) {
			t.Fatalf("outer saw inner exit with %v", ex.Reason)
		}
		testkit.Receive(t, "outer to give up", outer.Done())
		var ie *IntensityError
		if err := outer.Err(); !errors.As(err, &ie) || ie.Child != "inner" {
			t.Fatalf("outer.Err() = %v", err)
		}
		if got := p.next(t, 2); !slices.Equal(got, []string{"stop a", "stop before"}) {
			t.Fatalf("log %v", got)
		}
	})
}

func TestEngineReverseStopWithShutdownTimeout(t *testing.T) {
	sys, p, rec := newSystem(t), newProbe(), newRecorder()
	p.block = make(chan struct{})
	stuck := p.child("stuck", Permanent)
	stuck.Shutdown = Shutdown(100 * time.Millisecond)
	s := start(t, sys, Spec{OnEvent: rec.Record,
		Children: []ChildSpec{p.child("a", Permanent), p.child("b", Permanent), stuck}})
	p.next(t, 3)
	began := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	if got := p.next(t, 3); !slices.Equal(got, []string{"stop stuck", "stop b", "stop a"}) {
		t.Fatalf("stop order %v", got)
	}
	if d := time.Since(began); d < 100*time.Millisecond {
		t.Fatalf("b was stopped %v after stuck: the timeout was not waited", d)
	}
	rec.Next(t, "shutdown timeout", func(e Event) bool { st, ok := e.(ChildShutdownTimeout); return ok && st.Child == "stuck" })
	// The supervisor cannot finish while its stuck child lives.
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned %v with a child still running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(p.block)
	err := testkit.Receive(t, "Stop to return", stopped)
	var ste *ShutdownTimeoutError
	if !errors.As(err, &ste) || !slices.Equal(ste.Children, []string{"stuck"}) || !errors.Is(err, ErrShutdownTimeout) {
		t.Fatalf("Stop: %v", err)
	}
	if s.Err() != nil {
		t.Fatalf("Err after Stop: %v", s.Err())
	}
}

func TestEngineStopWithinContext(t *testing.T) {
	sys, p := newSystem(t), newProbe()
	p.block = make(chan struct{})
	stuck := p.child("stuck", Permanent)
	stuck.Shutdown = Infinity
	s := start(t, sys, Spec{Children: []ChildSpec{stuck}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, ErrShutdownTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop: %v", err)
	}
	close(p.block)
	<-s.Done()
}

func TestEngineInitialStartFailure(t *testing.T) {
	sys, p := newSystem(t), newProbe()
	p.fail["b"] = true
	_, err := Start(context.Background(), sys.Root, Spec{Children: []ChildSpec{p.child("a", Permanent), p.child("b", Permanent), p.child("c", Permanent)}})
	var se *StartError
	if !errors.As(err, &se) || se.Child != "b" || !errors.Is(err, ErrStartFailed) {
		t.Fatalf("Start: %v", err)
	}
	// b's own Stopping runs too: it failed, and a failed actor is stopped.
	if got := p.next(t, 3); !slices.Equal(got, []string{"start a", "stop b", "stop a"}) {
		t.Fatalf("log %v", got)
	}
}

func TestEngineRestartAfterStartFailureWithBackoff(t *testing.T) {
	sys, p, rec := newSystem(t), newProbe(), newRecorder()
	s := start(t, sys, Spec{OnEvent: rec.Record, Intensity: Intensity{MaxRestarts: 10, Period: time.Minute},
		Backoff: Backoff{Initial: 20 * time.Millisecond, Jitter: -1}, Children: []ChildSpec{p.child("a", Permanent)}})
	p.next(t, 1)
	p.mu.Lock()
	p.fail["a"] = true
	p.mu.Unlock()
	sys.Root.Send(pidOf(t, s, "a"), "boom")
	rec.Next(t, "start failure", func(e Event) bool { _, ok := e.(ChildStartFailed); return ok })
	rec.Next(t, "second start failure", func(e Event) bool { _, ok := e.(ChildStartFailed); return ok })
	p.mu.Lock()
	p.fail["a"] = false
	p.mu.Unlock()
	r := rec.Next(t, "restart", restarted("a")).(ChildRestarted)
	if r.Delay < 40*time.Millisecond {
		t.Fatalf("the backoff did not grow: %v", r.Delay)
	}
}

func TestEngineSimpleOneForOne(t *testing.T) {
	sys, p, rec := newSystem(t), newProbe(), newRecorder()
	s := start(t, sys, Spec{Strategy: SimpleOneForOne, OnEvent: rec.Record,
		Template: ChildSpec{ID: "w", Props: p.props("w"), Restart: Transient}})
	ctx := context.Background()
	var pids []*actor.PID
	for range 3 {
		pid, err := s.StartChild(ctx, ChildSpec{})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	ch, _ := s.Children(ctx)
	if len(ch) != 3 || ch[0].ID != "w-1" || ch[2].ID != "w-3" {
		t.Fatalf("children %v", ch)
	}
	sys.Root.Send(pids[1], "boom") // transient: restarted
	rec.Next(t, "restart", restarted("w-2"))
	sys.Root.Send(pids[0], "quit") // transient, normal: forgotten
	rec.Next(t, "exit", exited("w-1"))
	if err := s.TerminateChild(ctx, "w-3"); err != nil {
		t.Fatal(err)
	}
	if err := s.TerminateChild(ctx, "w-3"); !errors.Is(err, ErrUnknownChild) {
		t.Fatalf("second TerminateChild: %v", err)
	}
	ch, _ = s.Children(ctx)
	if len(ch) != 1 || ch[0].ID != "w-2" {
		t.Fatalf("children %v", ch)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartChild(ctx, ChildSpec{}); !errors.Is(err, ErrStopped) {
		t.Fatalf("StartChild after Stop: %v", err)
	}
}

func TestEngineStartChildFailure(t *testing.T) {
	sys, p := newSystem(t), newProbe()
	s := start(t, sys, Spec{})
	p.fail["x"] = true
	if _, err := s.StartChild(context.Background(), p.child("x", Permanent)); !errors.Is(err, ErrStartFailed) {
		t.Fatalf("StartChild: %v", err)
	}
	if ch, _ := s.Children(context.Background()); len(ch) != 0 {
		t.Fatalf("a child that failed to start was kept: %v", ch)
	}
	if _, err := s.StartChild(context.Background(), ChildSpec{ID: "y"}); !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("StartChild without props: %v", err)
	}
}

func TestSpecValidation(t *testing.T) {
	sys := newSystem(t)
	p := newProbe()
	for name, spec := range map[string]Spec{
		"duplicate":            {Children: []ChildSpec{p.child("a", Permanent), p.child("a", Permanent)}},
		"no id":                {Children: []ChildSpec{{Props: p.props("a")}}},
		"no props":             {Children: []ChildSpec{{ID: "a"}}},
		"simple with children": {Strategy: SimpleOneForOne, Children: []ChildSpec{p.child("a", Permanent)}},
	} {
		if _, err := Start(context.Background(), sys.Root, spec); !errors.Is(err, ErrInvalidSpec) && !errors.Is(err, ErrDuplicateChild) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func testLogger() hclog.Logger {
	if os.Getenv("SUPERVISOR_TEST_LOG") == "" {
		return nil
	}
	return hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: os.Stderr})
}
