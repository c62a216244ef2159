package snakes

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

func TestSessionState(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true, Default: PoolOptions{Size: 2}, Worker: Options{AllowEval: true}})
	ctx := context.Background()
	p, _ := ps.Get("default")
	s1, err := ps.Session(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Pool() != "default" {
		t.Errorf("Pool = %q", s1.Pool())
	}
	for want := int64(1); want <= 3; want++ {
		if v, err := s1.Call(ctx, "pools_fixtures", "incr"); err != nil || v != want {
			t.Fatalf("incr = %v, %v; want %d (module state lives across calls)", v, err, want)
		}
	}
	if err := s1.Exec(ctx, "x = 41\ndef f(y):\n    return x + y\n"); err != nil {
		t.Fatal(err)
	}
	if v, err := s1.Eval(ctx, "f(1)"); err != nil || v != int64(42) {
		t.Fatalf("Eval = %v, %v", v, err)
	}
	if st := p.Stats(); st.Leased != 1 {
		t.Fatalf("Leased = %d", st.Leased)
	}

	// A second session gets the other worker, with state of its own.
	s2, err := ps.Session(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if s2.ID() == s1.ID() {
		t.Fatalf("two sessions share worker %s", s1.ID())
	}
	var pe *PythonError
	if _, err := s2.Eval(ctx, "x"); !errors.As(err, &pe) || pe.Type != "builtins.NameError" {
		t.Fatalf("Eval in another session = %v", err)
	}
	if err := s2.Err(); err != nil {
		t.Fatalf("a Python exception lost the session: %v", err)
	}
	if v, err := s2.Call(ctx, "pools_fixtures", "incr", 10); err != nil || v != int64(10) {
		t.Fatalf("incr in another session = %v, %v", v, err)
	}
	var items []any
	for v, err := range s2.Stream(ctx, "pools_fixtures", "count_to", 2) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
	if !slices.Equal(items, []any{int64(0), int64(1)}) {
		t.Fatalf("Stream = %v", items)
	}

	s1.Close()
	s1.Close() // again: nothing
	if _, err := s1.Call(ctx, "pools_fixtures", "incr"); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Call after Close = %v", err)
	}
	if err := s1.Exec(ctx, "y = 1"); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Exec after Close = %v", err)
	}
	s2.Close()

	// The next session on s1's worker does not see s1's Exec'd names;
	// module globals belong to the worker and stay.
	err = ps.WithSession(ctx, "", func(s3 *Session) error {
		if _, err := s3.Eval(ctx, "x"); !errors.As(err, &pe) || pe.Type != "builtins.NameError" {
			t.Errorf("Eval of the last session's name = %v", err)
		}
		if _, err := s3.Eval(ctx, "__name__"); err != nil {
			t.Errorf("the reset removed __name__: %v", err)
		}
		if s3.ID() == s1.ID() {
			if v, err := s3.Call(ctx, "pools_fixtures", "incr"); err != nil || v != int64(4) {
				t.Errorf("module counter on %s = %v, %v; want 4", s3.ID(), v, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Leased != 0 || st.Spawned != 2 || st.Crashes != 0 {
		t.Fatalf("after the sessions: %+v", st)
	}
}

func TestSessionAutoRelease(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	p, _ := ps.Get("default")
	ctx, cancel := context.WithCancel(context.Background())
	s, err := p.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(context.Background(), "pools_fixtures", "incr"); err != nil {
		t.Fatal(err)
	}
	cancel() // the owner goes away
	testkit.Eventually(t, "the session's release", func() bool { return p.Stats().Leased == 0 })
	if _, err := s.Call(context.Background(), "pools_fixtures", "incr"); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Call after the owner's context ended = %v", err)
	}
	if st := p.Stats(); st.Spawned != 1 || st.Idle != 1 {
		t.Fatalf("an idle session's worker was not given back whole: %+v", st)
	}

	// Close with a call in flight: the call finishes, then the worker goes
	// back.
	s, err = p.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The call waits at a gate until the test has looked: it used to
	// sleep 1 s, and a slower test found it done and the worker back.
	marker, running := beacon(t, "running")
	gatePath, open := gate(t, "gate")
	res := make(chan error, 1)
	go func() {
		v, err := s.Call(context.Background(), "fixtures", "gate_marked", marker, gatePath)
		if err == nil && v != "done" {
			err = errors.New("wrong result")
		}
		res <- err
	}()
	testkit.Receive(t, "the call to run", running)
	s.Close()
	if st := p.Stats(); st.Leased != 1 {
		t.Errorf("released under a call in flight: %+v", st)
	}
	open()
	if err := testkit.Receive(t, "the call in flight", res); err != nil {
		t.Fatalf("call in flight at Close: %v", err)
	}
	testkit.Eventually(t, "the release after the last call", func() bool { return p.Stats().Leased == 0 })
	if st := p.Stats(); st.Spawned != 1 {
		t.Fatalf("worker replaced: %+v", st)
	}
}

func TestSessionLost(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	p, _ := ps.Get("default")
	ctx := context.Background()
	s, err := ps.Session(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var pid int64
	if err := s.CallInto(ctx, &pid, "pools_fixtures", "pid"); err != nil {
		t.Fatal(err)
	}
	// Killed between calls.
	syscall.Kill(int(pid), syscall.SIGKILL)
	testkit.Receive(t, "the worker's death", s.h.m.Worker.Exited())
	if _, err := s.Call(ctx, "pools_fixtures", "pid"); !errors.Is(err, ErrSessionLost) || !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("Call on a session whose worker died = %v", err)
	}
	// The pool replaces the worker, and the session does not move to it.
	testkit.Eventually(t, "the refill", func() bool { st := p.Stats(); return st.Workers == 1 && st.Idle == 1 })
	if _, err := s.Call(ctx, "pools_fixtures", "pid"); !errors.Is(err, ErrSessionLost) {
		t.Fatalf("a lost session called again: %v", err)
	}
	s.Close()

	// Killed during a call.
	s, err = ps.Session(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CallInto(ctx, &pid, "pools_fixtures", "pid"); err != nil {
		t.Fatal(err)
	}
	marker, running := beacon(t, "running")
	res := make(chan error, 1)
	go func() {
		_, err := s.Call(ctx, "fixtures", "sleep_marked", marker, 5)
		res <- err
	}()
	testkit.Receive(t, "the call to run", running)
	syscall.Kill(int(pid), syscall.SIGKILL)
	if err := testkit.Receive(t, "the call's end", res); !errors.Is(err, ErrSessionLost) || !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("call in flight when the worker died = %v", err)
	}
	// A lost session gives its worker back without waiting for Close.
	testkit.Eventually(t, "the lost session's release", func() bool {
		st := p.Stats()
		return st.Leased == 0 && st.Idle == 1
	})
	if st := p.Stats(); st.Crashes != 2 {
		t.Errorf("crashes = %d, want 2", st.Crashes)
	}
	s.Close()
}

func TestSessionTimeoutLoses(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	ctx := context.Background()
	s, err := ps.Session(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	// A running call that times out gets its worker killed: the session's
	// state is gone with it, and the error says both.
	if _, err := s.Call(cctx, "pools_fixtures", "slow_square", 1, 5); !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrSessionLost) {
		t.Fatalf("timed-out call = %v", err)
	}
	if _, err := s.Call(ctx, "pools_fixtures", "pid"); !errors.Is(err, ErrSessionLost) {
		t.Fatalf("Call after the timeout = %v", err)
	}
}

func TestWithSession(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	p, _ := ps.Get("default")
	ctx := context.Background()
	boom := errors.New("boom")
	var inside *Session
	err := ps.WithSession(ctx, "default", func(s *Session) error {
		inside = s
		if _, err := s.Call(ctx, "pools_fixtures", "incr"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithSession = %v, want fn's error", err)
	}
	if !errors.Is(inside.Err(), ErrSessionClosed) || p.Stats().Leased != 0 {
		t.Fatalf("session not closed after WithSession: %v %+v", inside.Err(), p.Stats())
	}
	if err := ps.WithSession(ctx, "nope", func(*Session) error { return nil }); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("WithSession on a missing pool = %v", err)
	}
	// A panic releases the worker as broken: it is replaced.
	func() {
		defer func() { recover() }()
		ps.WithSession(ctx, "", func(*Session) error { panic("oops") })
	}()
	testkit.Eventually(t, "the replacement", func() bool { st := p.Stats(); return st.Spawned == 2 && st.Idle == 1 })
	// Without AllowEval, Eval fails in Python and the session goes on.
	err = ps.WithSession(ctx, "", func(s *Session) error {
		var pe *PythonError
		if _, err := s.Eval(ctx, "1"); !errors.As(err, &pe) || pe.Type != "builtins.PermissionError" {
			t.Errorf("Eval without AllowEval = %v", err)
		}
		_, err := s.Call(ctx, "pools_fixtures", "square", 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
