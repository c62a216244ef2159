package poolstate

import (
	"testing"
	"time"
)

// event is one of the Machine's events as the table applies it to its
// subject, p-1 (Open and Wait are the setup's, Cancel a waiter's: see
// waiters_test.go).
type event uint8

const (
	evStarted event = iota
	evStartFailed
	evCrash
	evAskedExit
	evAcquireShared
	evAcquireExclusive
	evRelease
	evReleaseBroken
	evTick
	evRecycle
	evSlay
	evStop
	evCut
	evFail
	evFailRevive
	evRetryRefill
	numEvents
)

var eventNames = [numEvents]string{"evStarted", "evStartFailed", "evCrash", "evAskedExit", "evAcquireShared", "evAcquireExclusive", "evRelease", "evReleaseBroken", "evTick", "evRecycle", "evSlay", "evStop", "evCut", "evFail", "evFailRevive", "evRetryRefill"}

func (e event) String() string { return eventNames[e] }

// t1 is when most events happen: a second after p-1 started (Tick's
// round is two hours later: past MaxAge and IdleTTL).
var t1 = t0.Add(time.Second)

// apply applies e to x and renders what it returned.

func apply(m *machine, x *Member[string], e event) string {
	switch e {
	case evStarted:
		return show(m.Started(x, "w", t1))
	case evStartFailed:
		return show(m.StartFailed(x, errBoom, t1))
	case evCrash:
		return show(m.Exited(x, errCrash, t1))
	case evAskedExit:
		return show(m.Exited(x, nil, t1))
	case evAcquireShared, evAcquireExclusive:
		use := Shared
		if e == evAcquireExclusive {
			use = Exclusive
		}
		got, v, acts := m.Acquire(use, true)
		s := v.String()
		if got != nil {
			s += " " + got.ID
		}
		if len(acts) > 0 {
			s += "; " + show(acts)
		}
		return s
	case evRelease:
		return show(m.Release(x, 1, Whole, t1))
	case evReleaseBroken:
		return show(m.Release(x, 1, Broken, t1))
	case evTick:
		return show(m.Tick(t0.Add(2 * time.Hour)))
	case evRecycle:
		return show(m.Recycle(x, WhyMaxRSS, t1))
	case evSlay:
		return show(m.Slay(x))
	case evStop:
		return show(m.Stop(errStopped))
	case evCut:
		return show(m.Cut())
	case evFail:
		return show(m.Fail(errDown))
	case evFailRevive: // Revive needs a failed pool
		m.Fail(errDown)
		return show(m.Revive())
	case evRetryRefill:
		return show(m.RetryRefill())
	}
	panic(e)
}

// TestMachineTable: every event in every member state. The subject is
// p-1, the first member of a pool of 1 (up to 2); the row gives its state
// after the event and the actions, in order ("" for none). Acquire rows
// give the verdict first.
func TestMachineTable(t *testing.T) {
	type row struct {
		state State
		ev    event
		after State
		acts  string
	}
	rows := []row{
		{Starting, evStarted, Idle, "warmed-up"},
		{Starting, evStartFailed, Gone, "warmed-up: boom; start-failure p-1: boom; retry 100ms"},
		{Starting, evCrash, Starting, ""},
		{Starting, evAskedExit, Starting, ""},
		{Starting, evAcquireShared, Starting, "wait"},
		{Starting, evAcquireExclusive, Starting, "wait"},
		{Starting, evRelease, Starting, ""},
		{Starting, evReleaseBroken, Starting, ""},
		{Starting, evTick, Starting, ""},
		{Starting, evRecycle, Starting, ""},
		{Starting, evSlay, Starting, ""},
		{Starting, evStop, Starting, ""},
		{Starting, evCut, Starting, ""},
		{Starting, evFail, Starting, "pool-down: down"},
		{Starting, evFailRevive, Starting, "spawn p-2 (refill)"},
		{Starting, evRetryRefill, Starting, ""},
		{Idle, evStarted, Idle, ""},
		{Idle, evStartFailed, Idle, ""},
		{Idle, evCrash, Gone, "stop p-1 (exited); crash p-1: crash; spawn p-2 (refill)"},
		{Idle, evAskedExit, Gone, "stop p-1 (exited); spawn p-2 (refill)"},
		{Idle, evAcquireShared, Busy, "granted p-1"},
		{Idle, evAcquireExclusive, Leased, "granted p-1"},
		{Idle, evRelease, Idle, ""},
		{Idle, evReleaseBroken, Idle, ""},
		{Idle, evTick, Idle, "spawn p-2 (max age)"},
		{Idle, evRecycle, Idle, "spawn p-2 (max rss)"},
		{Idle, evSlay, Stopping, "retire p-1 (slain); stop p-1 (slain); spawn p-2 (refill)"},
		{Idle, evStop, Stopping, "retire p-1 (pool stopping); stop p-1 (pool stopping)"},
		{Idle, evCut, Stopping, "kill p-1 (pool stopping)"},
		{Idle, evFail, Stopping, "pool-down: down; retire p-1 (pool failed); stop p-1 (pool failed)"},
		{Idle, evFailRevive, Stopping, "spawn p-2 (refill)"},
		{Idle, evRetryRefill, Idle, ""},
		{Busy, evStarted, Busy, ""},
		{Busy, evStartFailed, Busy, ""},
		{Busy, evCrash, Gone, "stop p-1 (exited); crash p-1: crash; spawn p-2 (refill)"},
		{Busy, evAskedExit, Gone, "stop p-1 (exited); spawn p-2 (refill)"},
		{Busy, evAcquireShared, Busy, "wait"},
		{Busy, evAcquireExclusive, Busy, "wait"},
		{Busy, evRelease, Idle, ""},
		{Busy, evReleaseBroken, Stopping, "retire p-1 (broken); stop p-1 (broken); spawn p-2 (refill)"},
		{Busy, evTick, Busy, "spawn p-2 (max age)"},
		{Busy, evRecycle, Busy, "spawn p-2 (max rss)"},
		{Busy, evSlay, Retiring, "retire p-1 (slain); spawn p-2 (refill)"},
		{Busy, evStop, Retiring, "retire p-1 (pool stopping)"},
		{Busy, evCut, Stopping, "kill p-1 (pool stopping)"},
		{Busy, evFail, Retiring, "pool-down: down; retire p-1 (pool failed)"},
		{Busy, evFailRevive, Retiring, "spawn p-2 (refill)"},
		{Busy, evRetryRefill, Busy, ""},
		{Leased, evStarted, Leased, ""},
		{Leased, evStartFailed, Leased, ""},
		{Leased, evCrash, Gone, "stop p-1 (exited); crash p-1: crash; spawn p-2 (refill)"},
		{Leased, evAskedExit, Gone, "stop p-1 (exited); spawn p-2 (refill)"},
		{Leased, evAcquireShared, Leased, "wait"},
		{Leased, evAcquireExclusive, Leased, "wait"},
		{Leased, evRelease, Idle, ""},
		{Leased, evReleaseBroken, Stopping, "retire p-1 (broken); stop p-1 (broken); spawn p-2 (refill)"},
		{Leased, evTick, Leased, "spawn p-2 (max age)"},
		{Leased, evRecycle, Leased, "spawn p-2 (max rss)"},
		{Leased, evSlay, Retiring, "retire p-1 (slain); spawn p-2 (refill)"},
		{Leased, evStop, Retiring, "retire p-1 (pool stopping)"},
		{Leased, evCut, Stopping, "kill p-1 (pool stopping)"},
		{Leased, evFail, Retiring, "pool-down: down; retire p-1 (pool failed)"},
		{Leased, evFailRevive, Retiring, "spawn p-2 (refill)"},
		{Leased, evRetryRefill, Leased, ""},
		{Retiring, evStarted, Retiring, ""},
		{Retiring, evStartFailed, Retiring, ""},
		{Retiring, evCrash, Gone, "stop p-1 (exited)"},
		{Retiring, evAskedExit, Gone, "stop p-1 (exited)"},
		{Retiring, evAcquireShared, Retiring, "wait"},
		{Retiring, evAcquireExclusive, Retiring, "wait"},
		{Retiring, evRelease, Stopping, "stop p-1 (slain)"},
		{Retiring, evReleaseBroken, Stopping, "stop p-1 (slain)"},
		{Retiring, evTick, Retiring, ""},
		{Retiring, evRecycle, Retiring, ""},
		{Retiring, evSlay, Retiring, ""},
		{Retiring, evStop, Retiring, ""},
		{Retiring, evCut, Stopping, "kill p-1 (pool stopping)"},
		{Retiring, evFail, Retiring, "pool-down: down"},
		{Retiring, evFailRevive, Retiring, "spawn p-3 (refill)"},
		{Retiring, evRetryRefill, Retiring, ""},
		{Stopping, evStarted, Stopping, ""},
		{Stopping, evStartFailed, Stopping, ""},
		{Stopping, evCrash, Gone, ""},
		{Stopping, evAskedExit, Gone, ""},
		{Stopping, evAcquireShared, Stopping, "wait"},
		{Stopping, evAcquireExclusive, Stopping, "wait"},
		{Stopping, evRelease, Stopping, ""},
		{Stopping, evReleaseBroken, Stopping, ""},
		{Stopping, evTick, Stopping, ""},
		{Stopping, evRecycle, Stopping, ""},
		{Stopping, evSlay, Stopping, ""},
		{Stopping, evStop, Stopping, ""},
		{Stopping, evCut, Stopping, ""},
		{Stopping, evFail, Stopping, "pool-down: down"},
		{Stopping, evFailRevive, Stopping, "spawn p-3 (refill)"},
		{Stopping, evRetryRefill, Stopping, ""},
		{Gone, evStarted, Gone, ""},
		{Gone, evStartFailed, Gone, ""},
		{Gone, evCrash, Gone, ""},
		{Gone, evAskedExit, Gone, ""},
		{Gone, evAcquireShared, Gone, "wait"},
		{Gone, evAcquireExclusive, Gone, "wait"},
		{Gone, evRelease, Gone, ""},
		{Gone, evReleaseBroken, Gone, ""},
		{Gone, evTick, Gone, ""},
		{Gone, evRecycle, Gone, ""},
		{Gone, evSlay, Gone, ""},
		{Gone, evStop, Gone, ""},
		{Gone, evCut, Gone, ""},
		{Gone, evFail, Gone, "pool-down: down"},
		{Gone, evFailRevive, Gone, "spawn p-3 (refill)"},
		{Gone, evRetryRefill, Gone, ""},
	}
	seen := map[[2]int]bool{}
	for _, r := range rows {
		key := [2]int{int(r.state), int(r.ev)}
		if seen[key] {
			t.Errorf("two rows for %v / %v", r.state, r.ev)
		}
		seen[key] = true
		t.Run(r.state.String()+"/"+r.ev.String(), func(t *testing.T) {
			m, x := subject(t, r.state)
			got := apply(m, x, r.ev)
			if got != r.acts || x.State() != r.after {
				t.Errorf("%v then %v: %v, %q; want %v, %q", r.state, r.ev, x.State(), got, r.after, r.acts)
			}
		})
	}
	// The table is complete: a new state or event needs its rows.
	for s := range State(numStates) {
		for e := range numEvents {
			if !seen[[2]int{int(s), int(e)}] {
				t.Errorf("no row for %v / %v", s, e)
			}
		}
	}
}
