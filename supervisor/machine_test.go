package supervisor

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var errCrash = errors.New("crash")

// newTestMachine has children a, b, c (all of restart type r, except where
// types says otherwise), all running since t0, no backoff and no limit
// worth speaking of.
func newTestMachine(s Strategy, types ...Restart) *Machine {
	m := NewMachine(s, Intensity{MaxRestarts: 100, Period: time.Second}, Backoff{Disabled: true}, nil)
	for i, id := range []string{"a", "b", "c"} {
		_ = m.Add(id, types[i%len(types)])
		m.Started(id, t0)
	}
	return m
}

func TestMachineStrategies(t *testing.T) {
	type want struct {
		stop, forget, start []string
	}
	reasons := map[string]error{"normal": nil, "shutdown": ErrShutdown, "crash": errCrash, "wrapped-normal": fmt.Errorf("x: %w", ErrNormal)}
	restarts := func(r Restart, reason error) bool {
		return r == Permanent || (r == Transient && !IsNormal(reason))
	}
	for _, s := range []Strategy{OneForOne, OneForAll, RestForOne, SimpleOneForOne} {
		for _, r := range []Restart{Permanent, Transient, Temporary} {
			for rname, reason := range reasons {
				t.Run(fmt.Sprintf("%v/%v/%s", s, r, rname), func(t *testing.T) {
					m := newTestMachine(s, r)
					got := m.Exited("b", reason, t0.Add(time.Millisecond))
					var w want
					switch {
					case !restarts(r, reason) && (r == Temporary || s == SimpleOneForOne):
						w = want{forget: []string{"b"}}
					case !restarts(r, reason):
						w = want{}
					case s == OneForAll:
						w = want{stop: []string{"c", "a"}, start: []string{"a", "b", "c"}}
					case s == RestForOne:
						w = want{stop: []string{"c"}, start: []string{"b", "c"}}
					default:
						w = want{start: []string{"b"}}
					}
					if !slices.Equal(got.Stop, w.stop) || !slices.Equal(got.Forget, w.forget) || !slices.Equal(got.Start, w.start) || got.Escalate != nil {
						t.Fatalf("got %v, want stop %v forget %v start %v", got, w.stop, w.forget, w.start)
					}
					// The children it stopped or forgot are not running.
					for _, id := range append(got.Stop, got.Forget...) {
						if slices.Contains(m.Running(), id) {
							t.Errorf("%s still running after %v", id, got)
						}
					}
				})
			}
		}
	}
}

func TestMachineTemporarySiblingsForgotten(t *testing.T) {
	// one_for_all / rest_for_one stop temporary siblings and do not
	// restart them (OTP).
	for _, tc := range []struct {
		s                   Strategy
		stop, forget, start []string
	}{
		{OneForAll, []string{"c", "b"}, []string{"b"}, []string{"a", "c"}},
		{RestForOne, []string{"c", "b"}, []string{"b"}, []string{"a", "c"}},
	} {
		t.Run(tc.s.String(), func(t *testing.T) {
			m := NewMachine(tc.s, Intensity{}, Backoff{Disabled: true}, nil)
			_ = m.Add("a", Permanent)
			_ = m.Add("b", Temporary)
			_ = m.Add("c", Permanent)
			for _, id := range []string{"a", "b", "c"} {
				m.Started(id, t0)
			}
			got := m.Exited("a", errCrash, t0.Add(time.Second))
			if !slices.Equal(got.Stop, tc.stop) || !slices.Equal(got.Forget, tc.forget) || !slices.Equal(got.Start, tc.start) {
				t.Fatalf("got %v", got)
			}
			if slices.Contains(m.Children(), "b") {
				t.Error("temporary child kept")
			}
		})
	}
}

func TestMachineIgnoresExitsItDidNotExpect(t *testing.T) {
	m := newTestMachine(OneForAll, Permanent)
	m.Exited("a", errCrash, t0) // stops b and c
	for _, id := range []string{"b", "c", "nope"} {
		if got := m.Exited(id, ErrShutdown, t0); !got.IsZero() {
			t.Errorf("exit of %s: %v", id, got)
		}
	}
	m.Stopping("a")
	if got := m.Exited("a", errCrash, t0); !got.IsZero() {
		t.Errorf("exit of a stopping child: %v", got)
	}
}

func TestMachineIntensity(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name      string
		in        Intensity
		at        []time.Duration // exit times of child a
		escalates int             // index of the exit that escalates, -1 for none
	}{
		{"within the limit", Intensity{3, time.Second}, []time.Duration{0, 10 * ms, 20 * ms}, -1},
		{"one too many", Intensity{3, time.Second}, []time.Duration{0, 10 * ms, 20 * ms, 30 * ms}, 3},
		{"window slides", Intensity{3, time.Second}, []time.Duration{0, 10 * ms, 20 * ms, 1000 * ms, 1010 * ms}, -1},
		{"exactly one period ago is out", Intensity{1, time.Second}, []time.Duration{0, 1000 * ms, 2000 * ms}, -1},
		{"just inside the period", Intensity{1, time.Second}, []time.Duration{0, 999 * ms}, 1},
		{"no restarts allowed", Intensity{MaxRestarts: -1}, []time.Duration{0}, 0},
		{"defaults: 3 in 5s", Intensity{}, []time.Duration{0, 1000 * ms, 2000 * ms, 4000 * ms}, 3},
		{"unlimited", Intensity{MaxRestarts: UnlimitedRestarts}, []time.Duration{0, 1 * ms, 2 * ms, 3 * ms, 4 * ms, 5 * ms}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(OneForAll, tc.in, Backoff{Disabled: true}, nil)
			_ = m.Add("a", Permanent)
			_ = m.Add("b", Permanent)
			m.Started("b", t0)
			got := -1
			for i, d := range tc.at {
				m.Started("a", t0.Add(d))
				act := m.Exited("a", errCrash, t0.Add(d))
				if act.Escalate != nil {
					got = i
					var ie *IntensityError
					if !errors.As(act.Escalate, &ie) || !errors.Is(act.Escalate, ErrIntensityExceeded) || !errors.Is(act.Escalate, errCrash) {
						t.Fatalf("escalate with %#v", act.Escalate)
					}
					if len(act.Start) != 0 || !slices.Equal(act.Stop, []string{"b"}) {
						t.Fatalf("giving up must stop the others and start none: %v", act)
					}
					break
				}
				m.Started("b", t0.Add(d))
			}
			if got != tc.escalates {
				t.Fatalf("escalated at exit %d, want %d", got, tc.escalates)
			}
		})
	}
}

func TestDefaultsAreIdempotent(t *testing.T) {
	for _, in := range []Intensity{{}, {MaxRestarts: -1}, {MaxRestarts: 7, Period: time.Hour}} {
		if once, twice := in.withDefaults(), in.withDefaults().withDefaults(); once != twice {
			t.Errorf("%+v: %+v then %+v", in, once, twice)
		}
	}
	for _, b := range []Backoff{{}, {Jitter: -1}, {Initial: time.Second, Max: time.Millisecond}} {
		if once, twice := b.withDefaults(), b.withDefaults().withDefaults(); once != twice {
			t.Errorf("%+v: %+v then %+v", b, once, twice)
		}
	}
}

func TestMachineWindowTrimsItself(t *testing.T) {
	m := NewMachine(OneForOne, Intensity{MaxRestarts: 2, Period: time.Second}, Backoff{Disabled: true}, nil)
	_ = m.Add("a", Permanent)
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * 600 * time.Millisecond)
		m.Started("a", at)
		if act := m.Exited("a", errCrash, at); act.Escalate != nil {
			t.Fatalf("escalated at %d", i)
		}
	}
	if n := len(m.window.times); n > 3 {
		t.Fatalf("window holds %d entries", n)
	}
}

func TestBackoffDelay(t *testing.T) {
	ms := time.Millisecond
	b := Backoff{Initial: 10 * ms, Max: 100 * ms, Multiplier: 2, Jitter: 0.2}
	for _, tc := range []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{0, 0.5, 0},
		{1, 0.5, 10 * ms},
		{2, 0.5, 20 * ms},
		{3, 0.5, 40 * ms},
		{4, 0.5, 80 * ms},
		{5, 0.5, 100 * ms}, // capped
		{50, 0.5, 100 * ms},
		{1, 0, 8 * ms},         // -20 %
		{3, 0, 32 * ms},        // -20 %
		{3, 0.999999, 48 * ms}, // just under +20 %
	} {
		got := b.Delay(tc.n, tc.r)
		if d := got - tc.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("Delay(%d, %v) = %v, want %v", tc.n, tc.r, got, tc.want)
		}
	}
	if d := (Backoff{Disabled: true}).Delay(5, 0.3); d != 0 {
		t.Errorf("disabled backoff waits %v", d)
	}
	if d := (Backoff{Initial: 10 * ms, Jitter: -1}).Delay(1, 0); d != 10*ms {
		t.Errorf("negative jitter means none: %v", d)
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	b := Backoff{}.withDefaults()
	for n := 1; n <= 12; n++ {
		base := b.Delay(n, 0.5)
		lo, hi := time.Duration(float64(base)*(1-DefaultBackoffJitter)), time.Duration(float64(base)*(1+DefaultBackoffJitter))
		for _, r := range []float64{0, 0.1, 0.5, 0.9, 0.999999} {
			if d := b.Delay(n, r); d < lo-time.Microsecond || d > hi {
				t.Errorf("Delay(%d, %v) = %v outside [%v, %v]", n, r, d, lo, hi)
			}
		}
	}
}

func TestMachineBackoffGrowsAndResets(t *testing.T) {
	ms := time.Millisecond
	draws := []float64{0.5, 0.5, 0.5, 0.0, 0.5, 0.5}
	m := NewMachine(OneForOne, Intensity{MaxRestarts: 100, Period: time.Second},
		Backoff{Initial: 10 * ms, Max: time.Second, Multiplier: 2, Jitter: 0.5, Reset: 10 * time.Second},
		func() float64 { r := draws[0]; draws = draws[1:]; return r })
	_ = m.Add("a", Permanent)
	at := t0
	step := func(ran time.Duration, reason error) time.Duration {
		m.Started("a", at)
		at = at.Add(ran)
		return m.Exited("a", reason, at).Delay
	}
	for i, tc := range []struct {
		ran    time.Duration
		reason error
		want   time.Duration
	}{
		{ms, errCrash, 10 * ms},
		{ms, errCrash, 20 * ms},
		{ms, errCrash, 40 * ms},
		{ms, errCrash, 40 * ms},               // 80 ms with the draw 0: -50 %
		{11 * time.Second, errCrash, 10 * ms}, // ran long enough: reset
	} {
		if got := step(tc.ran, tc.reason); got != tc.want {
			t.Errorf("exit %d: delay %v, want %v", i, got, tc.want)
		}
	}
	// A permanent child's normal exit restarts it at once.
	if got := step(11*time.Second, nil); got != 0 {
		t.Errorf("normal exit: delay %v", got)
	}
}

func TestMachineStartFailed(t *testing.T) {
	for _, tc := range []struct {
		s       Strategy
		r       Restart
		stop    []string
		start   []string
		forgets bool
	}{
		{OneForOne, Permanent, nil, []string{"b"}, false},
		{OneForOne, Transient, nil, []string{"b"}, false},
		{OneForOne, Temporary, nil, nil, true},
		{OneForAll, Permanent, []string{"c", "a"}, []string{"a", "b", "c"}, false},
		{RestForOne, Permanent, []string{"c"}, []string{"b", "c"}, false},
	} {
		t.Run(fmt.Sprintf("%v/%v", tc.s, tc.r), func(t *testing.T) {
			m := newTestMachine(tc.s, tc.r)
			m.Exited("b", errCrash, t0) // b is down, a restart is under way
			if tc.r == Temporary {
				m = newTestMachine(tc.s, tc.r)
				m.Stopping("b")
			} else {
				for _, id := range []string{"a", "c"} {
					m.Started(id, t0)
				}
			}
			got := m.StartFailed("b", errCrash, t0.Add(time.Second))
			if !slices.Equal(got.Stop, tc.stop) || !slices.Equal(got.Start, tc.start) {
				t.Fatalf("got %v", got)
			}
			if tc.forgets != slices.Contains(got.Forget, "b") {
				t.Fatalf("forget: %v", got)
			}
		})
	}
	// Start failures count toward the intensity.
	m := NewMachine(OneForOne, Intensity{MaxRestarts: 2, Period: time.Minute}, Backoff{Disabled: true}, nil)
	_ = m.Add("a", Permanent)
	var last Actions
	for range 3 {
		last = m.StartFailed("a", errCrash, t0)
	}
	if !errors.Is(last.Escalate, ErrIntensityExceeded) || !errors.Is(last.Escalate, ErrStartFailed) {
		t.Fatalf("three start failures with max 2: %v", last)
	}
}

func TestMachineChildren(t *testing.T) {
	m := NewMachine(OneForOne, Intensity{}, Backoff{}, nil)
	if err := m.Add("a", Permanent); err != nil {
		t.Fatal(err)
	}
	if err := m.Add("a", Permanent); !errors.Is(err, ErrDuplicateChild) {
		t.Fatalf("duplicate: %v", err)
	}
	_ = m.Add("b", Permanent)
	m.Started("a", t0)
	m.Started("b", t0)
	if got := m.StopAll(); !slices.Equal(got.Stop, []string{"b", "a"}) {
		t.Fatalf("StopAll: %v", got)
	}
	if len(m.Running()) != 0 {
		t.Fatal("still running after StopAll")
	}
	m.Remove("a")
	if !slices.Equal(m.Children(), []string{"b"}) {
		t.Fatal(m.Children())
	}
}

func TestStringers(t *testing.T) {
	for _, tc := range []struct {
		v    fmt.Stringer
		want string
	}{
		{OneForOne, "one_for_one"}, {OneForAll, "one_for_all"}, {RestForOne, "rest_for_one"},
		{SimpleOneForOne, "simple_one_for_one"}, {Strategy(9), "Strategy(9)"},
		{Permanent, "permanent"}, {Transient, "transient"}, {Temporary, "temporary"},
		{BrutalKill, "brutal_kill"}, {Infinity, "infinity"}, {Shutdown(time.Second), "1s"}, {Shutdown(0), "5s"},
		{Actions{}, "nothing"},
		{Actions{Stop: []string{"c"}, Start: []string{"b", "c"}, Delay: time.Second}, "stop c; start b,c after 1s"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%#v: %q, want %q", tc.v, got, tc.want)
		}
	}
}
