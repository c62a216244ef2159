package poolstate

import (
	"errors"
	"math"
	"testing"
	"time"
)

// started opens a pool on cfg and reports its first starts as started.
func started(cfg Config) (*machine, []*Member[string]) {
	m := New[string, string](cfg)
	var xs []*Member[string]
	for _, a := range m.Open() {
		xs = append(xs, a.Member)
	}
	for _, x := range xs {
		m.Started(x, "w", t0)
	}
	return m, xs
}

// TestMachineMaxCallsExact: a member is handed at most MaxCalls pool
// calls, those in flight counted; handed its last, it retires and its
// replacement starts at once; calls that never ran are not counted.
func TestMachineMaxCallsExact(t *testing.T) {
	cfg := testConfig()
	cfg.MaxCalls, cfg.Pipeline, cfg.MaxOverflow = 3, 2, 0
	m, xs := started(cfg)
	p1 := xs[0]
	m.Acquire(Shared, true)
	m.Release(p1, 0, Whole, t1) // never ran: not counted
	m.Acquire(Shared, true)
	m.Acquire(Shared, true) // 2 in flight
	m.Release(p1, 1, Whole, t1)
	x, v, acts := m.Acquire(Shared, true) // 1 served + 2 in flight: its last
	if x != p1 || v != Granted || show(acts) != "retire p-1 (max calls); spawn p-2 (refill)" || p1.State() != Retiring {
		t.Fatalf("the last call: %v %v %s, %v", x, v, show(acts), p1.State())
	}
	if _, v, _ := m.Acquire(Shared, true); v != Wait {
		t.Fatalf("after its last: %v", v)
	}
	m.Release(p1, 1, Whole, t1)
	if got := show(m.Release(p1, 1, Whole, t1)); got != "stop p-1 (max calls)" || p1.Served() != 3 {
		t.Fatalf("given back: %s, served %d", got, p1.Served())
	}
	if c := m.Counts(); c.Recycled != 1 {
		t.Fatalf("%+v", c)
	}

	// A lease's calls are never refused: it retires when given back.
	m2, xs := started(cfg)
	m2.Acquire(Exclusive, true)
	if got := show(m2.Release(xs[0], 5, Whole, t1)); got != "retire p-1 (max calls); stop p-1 (max calls); spawn p-2 (refill)" {
		t.Fatalf("lease: %s", got)
	}
}

// TestMachineIntensity: more than MaxRestarts crashes and failed starts
// within Period fail the pool: its waiters fail with Config.Failure's
// error, its members retire, callers get Down; Revive starts afresh.
func TestMachineIntensity(t *testing.T) {
	cfg := testConfig()
	cfg.MaxRestarts, cfg.Period = 2, 10*time.Second
	m2, xs2 := started(cfg)
	x := xs2[0]
	var got string
	for i := range 3 {
		acts := m2.Exited(x, errCrash, t1.Add(time.Duration(i)*time.Second))
		got = show(acts)
		if i < 2 {
			x = acts[len(acts)-1].Member
			m2.Started(x, "w", t1)
		}
	}
	want := "stop p-3 (exited); crash p-3: crash; pool-down: 3 restarts in 10s: crash"
	if got != want || m2.Mode() != Failed {
		t.Fatalf("third crash: %s (%v)\nwant %s", got, m2.Mode(), want)
	}
	if _, v, _ := m2.Acquire(Shared, true); v != Down || m2.Failure() == nil || !errors.Is(m2.Failure(), errCrash) {
		t.Fatalf("failed pool: %v, %v", v, m2.Failure())
	}
	if got := show(m2.Exited(x, errCrash, t1)); got != "" || m2.Counts().Crashes != 3 {
		t.Fatalf("a second report of the same exit: %q, %+v", got, m2.Counts())
	}
	if got := show(m2.Revive()); got != "spawn p-4 (refill)" || m2.Mode() != Serving {
		t.Fatalf("revive: %s", got)
	}
	// Outside the window crashes do not add up.
	m3, xs3 := started(cfg)
	x = xs3[0]
	for i := range 5 {
		acts := m3.Exited(x, errCrash, t1.Add(time.Duration(i)*6*time.Second))
		x = acts[len(acts)-1].Member
		m3.Started(x, "w", t1)
	}
	if m3.Mode() != Serving {
		t.Fatalf("crashes 6 s apart failed the pool: %v", m3.Failure())
	}
	// Unlimited (math.MaxInt) never fails; negative fails at the first.
	for _, tc := range []struct {
		max  int
		want Mode
	}{{math.MaxInt, Serving}, {-1, Failed}} {
		cfg.MaxRestarts = tc.max
		m, xs := started(cfg)
		x := xs[0]
		for range 50 {
			acts := m.Exited(x, errCrash, t1)
			if m.Mode() != Serving {
				break
			}
			x = acts[len(acts)-1].Member
			m.Started(x, "w", t1)
		}
		if m.Mode() != tc.want {
			t.Errorf("MaxRestarts %d: %v after 50 crashes in a second, want %v", tc.max, m.Mode(), tc.want)
		}
	}
}

// TestMachineStartFailures: a failed start backs off (doubling, up to the
// maximum) and fails the waiters when nothing could serve them; Open's
// failures report WarmedUp with the first error and do not count.
func TestMachineStartFailures(t *testing.T) {
	cfg := testConfig()
	cfg.MaxRestarts = 100
	m := New[string, string](cfg)
	p1 := m.Open()[0].Member
	if got := show(m.StartFailed(p1, errBoom, t0)); got != "warmed-up: boom; start-failure p-1: boom; retry 100ms" {
		t.Fatalf("first: %s", got)
	}
	if _, v, _ := m.Acquire(Shared, true); v != Wait {
		t.Fatal(v)
	}
	if _, acts := m.Wait(Shared, "w"); len(acts) != 0 {
		t.Fatalf("backing off, a waiter starts nothing: %s", show(acts))
	}
	for i, want := range []string{
		"spawn p-2 (refill)|start-failure p-2: boom; fail: boom to w; retry 200ms",
		"spawn p-3 (refill)|start-failure p-3: boom; retry 400ms",
		"spawn p-4 (refill)|start-failure p-4: boom; retry 800ms",
		"spawn p-5 (refill)|start-failure p-5: boom; retry 1s",
		"spawn p-6 (refill)|start-failure p-6: boom; retry 1s",
	} {
		acts := m.RetryRefill()
		x := acts[0].Member
		got := show(acts) + "|" + show(m.StartFailed(x, errBoom, t1))
		if got != want {
			t.Fatalf("retry %d: %s\nwant %s", i, got, want)
		}
	}
	if c := m.Counts(); c.StartFailures != 6 {
		t.Fatalf("%+v", c)
	}
	// A start that succeeds resets the backoff.
	x := m.RetryRefill()[0].Member
	m.Started(x, "w", t1)
	acts := m.Exited(x, errCrash, t1)
	if got := show(m.StartFailed(acts[len(acts)-1].Member, errBoom, t1)); got != "start-failure p-8: boom; retry 100ms" {
		t.Fatalf("after a start: %s", got)
	}
}

// TestMachineRecycling: a replacement takes over once started; a member
// that leaves first is not replaced twice; a failed replacement is tried
// again after RecycleRetry (Restart does not wait).
func TestMachineRecycling(t *testing.T) {
	m, xs := started(testConfig())
	p1 := xs[0]
	acts := m.Tick(t0.Add(2 * time.Hour))
	if show(acts) != "spawn p-2 (max age)" || !p1.Replacing() {
		t.Fatalf("due: %s", show(acts))
	}
	p2 := acts[0].Member
	if got := show(m.Tick(t0.Add(3 * time.Hour))); got != "" {
		t.Fatalf("a replacement is starting: %s", got)
	}
	if got := show(m.Started(p2, "w", t1)); got != "retire p-1 (replaced); stop p-1 (replaced)" {
		t.Fatalf("ready: %s", got)
	}
	if c := m.Counts(); c.Recycled != 1 || c.Spawned != 2 {
		t.Fatalf("%+v", c)
	}

	// The old member crashes while its replacement starts: the start
	// counts as the refill.
	m, xs = started(testConfig())
	p1 = xs[0]
	p2 = m.Recycle(p1, WhyMaxRSS, t1)[0].Member
	if got := show(m.Exited(p1, errCrash, t1)); got != "stop p-1 (exited); crash p-1: crash" {
		t.Fatalf("old exits: %s", got)
	}
	if got := show(m.Started(p2, "w", t1)); got != "" || m.Live() != 1 || m.Counts().Recycled != 0 {
		t.Fatalf("replacement starts: %s, live %d, %+v", got, m.Live(), m.Counts())
	}

	// A replacement that fails: no new try before RecycleRetry, except
	// for a restart.
	m, xs = started(testConfig())
	p1 = xs[0]
	p2 = m.Recycle(p1, WhyMaxRSS, t1)[0].Member
	m.StartFailed(p2, errBoom, t1)
	m.RetryRefill()
	if p1.Replacing() || len(m.Recycle(p1, WhyMaxRSS, t1.Add(500*time.Millisecond))) != 0 {
		t.Fatal("recycled again before RecycleRetry")
	}
	if got := show(m.Recycle(p1, WhyRestart, t1)); got != "spawn p-3 (restart)" {
		t.Fatalf("restart: %s", got)
	}
}

// TestMachineReaping: the cleaner retires the live members above Size
// idle for IdleTTL, least recently used first; never below Size.
func TestMachineReaping(t *testing.T) {
	cfg := testConfig()
	cfg.MaxOverflow, cfg.MaxAge = 3, 0
	m, xs := started(cfg)
	m.Acquire(Exclusive, true)
	for range 3 { // three waiters: three overflow members start for them
		if _, v, _ := m.Acquire(Exclusive, true); v != Wait {
			t.Fatal(v)
		}
		_, acts := m.Wait(Exclusive, "w")
		xs = append(xs, acts[0].Member)
	}
	for _, x := range xs[1:] {
		m.Started(x, "w", t0)
	}
	for i, x := range []int{0, 2, 1, 3} { // given back in this order, a second apart
		m.Release(xs[x], 0, Whole, t0.Add(time.Duration(i)*time.Second))
	}
	if got := show(m.Tick(t0.Add(30 * time.Second))); got != "" {
		t.Fatalf("before IdleTTL: %s", got)
	}
	want := "retire p-1 (idle); stop p-1 (idle); retire p-3 (idle); stop p-3 (idle); retire p-2 (idle); stop p-2 (idle)"
	if got := show(m.Tick(t0.Add(time.Hour))); got != want || m.Live() != 1 || m.Counts().Reaped != 3 {
		t.Fatalf("after IdleTTL: %s, live %d\nwant %s", got, m.Live(), want)
	}
}

// TestMachineStopAndCut: after Stop a start that completes stops, a
// busy member finishes its call; Cut kills what is left.
func TestMachineStopAndCut(t *testing.T) {
	cfg := testConfig()
	m, xs := started(cfg)
	m.Acquire(Shared, true)
	_, acts := m.Wait(Shared, "w")
	p2 := acts[0].Member
	if got := show(m.Stop(errStopped)); got != "fail: stopped to w; retire p-1 (pool stopping)" || m.Joined() != 1 {
		t.Fatalf("stop: %s", got)
	}
	if got := show(m.Started(p2, "w", t1)); got != "stop p-2 (pool stopping)" || p2.State() != Stopping {
		t.Fatalf("a start after Stop: %s", got)
	}
	if got := show(m.Cut()); got != "kill p-1 (pool stopping)" || m.Joined() != 0 || len(m.Members()) != 2 {
		t.Fatalf("cut: %s", got)
	}
	m.Exited(xs[0], nil, t1)
	m.Exited(p2, nil, t1)
	if len(m.Members()) != 0 || m.Counts().Crashes != 0 {
		t.Fatalf("after the exits: %d members, %+v", len(m.Members()), m.Counts())
	}
}

// TestMachineReviveLeavesStaleStarts: a start begun before the pool
// failed never joins the revived pool (which starts its own, fresh): its
// worker stops once started, and its failure counts for nothing.
func TestMachineReviveLeavesStaleStarts(t *testing.T) {
	cfg := testConfig()
	cfg.Size, cfg.MaxOverflow, cfg.MaxRestarts = 2, 0, 1
	for _, tc := range []struct {
		name   string
		report func(m *machine, x *Member[string]) []Action[string, string]
		want   string
		after  State
	}{
		{"started", func(m *machine, x *Member[string]) []Action[string, string] { return m.Started(x, "w", t1) },
			"stop p-3 (pool failed)", Stopping},
		{"start failed", func(m *machine, x *Member[string]) []Action[string, string] { return m.StartFailed(x, errBoom, t1) },
			"", Gone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, xs := started(cfg)
			acts := m.Exited(xs[0], errCrash, t1) // a crash: p-3 starts
			p3 := acts[len(acts)-1].Member
			if got := show(m.Exited(xs[1], errCrash, t1)); got != "stop p-2 (exited); crash p-2: crash; pool-down: 2 restarts in 10s: crash" {
				t.Fatalf("second crash: %s", got)
			}
			if got := show(m.Revive()); got != "spawn p-4 (refill); spawn p-5 (refill)" {
				t.Fatalf("revive with p-3 starting: %s", got)
			}
			if got := show(tc.report(m, p3)); got != tc.want || p3.State() != tc.after {
				t.Fatalf("p-3 reported: %q, %v; want %q, %v", got, p3.State(), tc.want, tc.after)
			}
			if m.Mode() != Serving || m.Counts().StartFailures != 0 || m.Live() != 0 || m.Starting() != 2 {
				t.Fatalf("after p-3: %v, %+v, %d live, %d starting", m.Mode(), m.Counts(), m.Live(), m.Starting())
			}
		})
	}
}
