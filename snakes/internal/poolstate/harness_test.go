package poolstate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	errBoom    = errors.New("boom")
	errCrash   = errors.New("crash")
	errStopped = errors.New("stopped")
	errDown    = errors.New("down")
)

// testConfig: a pool of 1 that may grow to 2, recycled after an hour,
// reaped after a minute idle, failing after 10 restarts in 10 s.
func testConfig() Config {
	return Config{
		Name: "p", Size: 1, MaxOverflow: 1, MaxWaiters: 10, Pipeline: 1,
		MaxAge: time.Hour, IdleTTL: time.Minute,
		SpawnBackoff: 100 * time.Millisecond, MaxSpawnBackoff: time.Second, RecycleRetry: time.Second,
		MaxRestarts: 10, Period: 10 * time.Second,
		Failure: func(n int, period time.Duration, last error) error {
			return fmt.Errorf("%d restarts in %v: %w", n, period, last)
		},
	}
}

type machine = Machine[string, string]

type action = Action[string, string]

// show renders actions as "kind id (why); ...", and a waiter as its C.
func show(acts []action) string {
	s := make([]string, len(acts))
	for i, a := range acts {
		s[i] = a.String()
		if a.Waiter != nil {
			s[i] += " to " + a.Waiter.C
		}
	}
	return strings.Join(s, "; ")
}

// subject returns a machine on testConfig whose first member, p-1, is in
// state s (the pool started what it needed to get there; its actions are
// not shown).
func subject(t testing.TB, s State) (*machine, *Member[string]) {
	t.Helper()
	m := New[string, string](testConfig())
	x := m.Open()[0].Member
	switch s {
	case Idle, Busy, Leased, Retiring, Stopping, Gone:
		m.Started(x, "w1", t0)
	}
	switch s {
	case Busy, Retiring:
		m.Acquire(Shared, true)
	case Leased:
		m.Acquire(Exclusive, true)
	}
	switch s {
	case Retiring, Stopping, Gone:
		m.Slay(x)
	}
	if s == Gone {
		m.Exited(x, nil, t0)
	}
	if x.State() != s {
		t.Fatalf("subject: p-1 is %v, want %v", x.State(), s)
	}
	return m, x
}
