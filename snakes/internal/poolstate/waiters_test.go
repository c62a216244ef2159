package poolstate

import "testing"

// TestMachineAdmission: who may wait when no member is free.
func TestMachineAdmission(t *testing.T) {
	tests := []struct {
		name       string
		max        int // Size + MaxOverflow
		live       int // leased members
		retiring   int // retiring members (leased, then slain)
		waiters    int
		maxWaiters int
		block      bool
		want       Verdict
	}{
		{"queue: room below MaxWaiters", 2, 2, 0, 3, 10, true, Wait},
		{"queue: full", 2, 2, 0, 10, 10, true, Overloaded},
		{"queue: full though a worker could start", 3, 1, 0, 1, 1, true, Overloaded},
		{"fail fast: a worker can start", 3, 1, 0, 0, -1, true, Wait},
		{"fail fast: the starts are claimed", 3, 1, 0, 2, -1, true, Overloaded},
		{"fail fast: at the maximum", 3, 3, 0, 0, -1, true, Overloaded},
		{"fail fast: a retiring worker leaves room", 2, 1, 1, 0, -1, true, Wait},
		{"try: a worker can start", 3, 1, 0, 1, 10, false, Wait},
		{"try: the queue full does not matter", 3, 1, 0, 1, 1, false, Wait},
		{"try: fail fast does not matter", 3, 1, 0, 0, -1, false, Wait},
		{"try: the starts are claimed", 3, 1, 0, 2, 10, false, Full},
		{"try: at the maximum, fail fast", 3, 3, 0, 0, -1, false, Full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Size, cfg.MaxOverflow, cfg.MaxWaiters = tt.live+tt.retiring, tt.max-(tt.live+tt.retiring), 1000
			m := New[string, string](cfg)
			var starting []*Member[string]
			for _, a := range m.Open() { // (the buffer is the next event's: copy)
				starting = append(starting, a.Member)
			}
			for _, x := range starting {
				m.Started(x, "w", t0)
				m.Acquire(Exclusive, true)
			}
			for i, x := range m.Members() {
				if i >= tt.live {
					m.Slay(x)
				}
			}
			for range tt.waiters {
				m.Wait(Shared, "w")
			}
			m.cfg.MaxWaiters = tt.maxWaiters
			if got, v, _ := m.Acquire(Shared, tt.block); got != nil || v != tt.want {
				t.Fatalf("Acquire(block %v) = %v, %v; want %v", tt.block, got, v, tt.want)
			}
		})
	}
}

// TestMachineWaiters: waiters are served first come, first served, by
// members given back and started for them; one that gives up leaves the
// queue, unless it was granted first (the grant is then its to give
// back).
func TestMachineWaiters(t *testing.T) {
	cfg := testConfig()
	cfg.MaxOverflow = 1
	m := New[string, string](cfg)
	p1 := m.Open()[0].Member
	m.Started(p1, "w", t0)
	if x, v, _ := m.Acquire(Exclusive, true); x != p1 || v != Granted {
		t.Fatalf("first: %v %v", x, v)
	}
	if _, v, _ := m.Acquire(Shared, true); v != Wait {
		t.Fatalf("a: %v", v)
	}
	a, acts := m.Wait(Shared, "a")
	if show(acts) != "spawn p-2 (refill)" {
		t.Fatalf("a waits: %s", show(acts))
	}
	p2 := acts[0].Member
	_, acts = m.Wait(Exclusive, "b") // the pool is at its maximum: b waits for a member given back
	c, _ := m.Wait(Shared, "c")
	if len(acts) != 0 || m.Waiting() != 3 {
		t.Fatalf("b waits: %s, %d waiting", show(acts), m.Waiting())
	}
	if _, v, _ := m.Acquire(Shared, true); v != Wait {
		t.Fatalf("with waiters queued, a caller waits too: %v", v)
	}
	if !m.Cancel(c) || m.Cancel(c) || m.Waiting() != 2 {
		t.Fatal("c gives up: it leaves the queue, once")
	}
	if got := show(m.Started(p2, "w", t1)); got != "grant p-2 to a" {
		t.Fatalf("p-2 starts: %s", got)
	}
	if m.Cancel(a) {
		t.Fatal("a, granted, is not in the queue any more")
	}
	if got := show(m.Release(p1, 3, Whole, t1)); got != "grant p-1 to b" || p1.State() != Leased || p1.Served() != 3 {
		t.Fatalf("p-1 given back: %s, %v, served %d", got, p1.State(), p1.Served())
	}
	if got := show(m.Stop(errStopped)); got != "retire p-1 (pool stopping); retire p-2 (pool stopping)" {
		t.Fatalf("stop: %s", got)
	}
	if _, v, _ := m.Acquire(Shared, true); v != Closed {
		t.Fatalf("after Stop: %v", v)
	}
}

// TestMachineFailFastStartsOverflow: under fail-fast a caller that finds
// no free member still gets one the pool starts for it.
func TestMachineFailFastStartsOverflow(t *testing.T) {
	cfg := testConfig()
	cfg.MaxOverflow, cfg.MaxWaiters = 2, -1
	m := New[string, string](cfg)
	m.Started(m.Open()[0].Member, "w", t0)
	m.Acquire(Shared, true)
	for i, want := range []Verdict{Wait, Wait, Overloaded} {
		_, v, _ := m.Acquire(Shared, true)
		if v != want {
			t.Fatalf("caller %d: %v, want %v", i, v, want)
		}
		if v == Wait {
			if _, acts := m.Wait(Shared, "w"); len(acts) != 1 || acts[0].Kind != SpawnWorker {
				t.Fatalf("caller %d waits: %s", i, show(acts))
			}
		}
	}
}

// TestMachineDataPlaneAllocs: taking an idle member and giving it back
// allocates nothing, shared or exclusive, with a waiter served or not.
func TestMachineDataPlaneAllocs(t *testing.T) {
	m := New[string, string](testConfig())
	m.Started(m.Open()[0].Member, "w", t0)
	for _, use := range []Use{Shared, Exclusive} {
		if n := testing.AllocsPerRun(100, func() {
			x, _, _ := m.Acquire(use, true)
			m.Release(x, 1, Whole, t1)
		}); n != 0 {
			t.Errorf("%v: %v allocations per acquire and release", use, n)
		}
	}
	// A caller that waits costs its Waiter, and nothing more to serve.
	x, _, _ := m.Acquire(Shared, true)
	if n := testing.AllocsPerRun(100, func() {
		m.Wait(Shared, "w")
		m.Release(x, 1, Whole, t1) // grants x to the waiter...
	}); n != 1 {
		t.Errorf("waiting: %v allocations, want 1 (the Waiter)", n)
	}
}
