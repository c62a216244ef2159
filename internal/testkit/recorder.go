package testkit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Recorder keeps the events a callback delivers (pass its Record as the
// OnEvent option), for a test to wait on them instead of sleeping. Wait
// looks at every event recorded; Next and None read on from a cursor, so
// that a test can wait for the second crash after the first. The zero
// value is ready to use; it is safe for concurrent use.
type Recorder[E any] struct {
	mu      sync.Mutex
	events  []E
	cursor  int           // Next and None read from here
	changed chan struct{} // closed by the next Record; nil while nobody waits
}

// Record keeps e and wakes the tests waiting for an event.
func (r *Recorder[E]) Record(e E) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// Events returns the events recorded so far, oldest first.
func (r *Recorder[E]) Events() []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]E(nil), r.events...)
}

// Has reports whether an event recorded so far matches.
func (r *Recorder[E]) Has(match func(E) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.find(0, match)
	return ok
}

// Wait returns the first recorded event that matches, waiting for it to
// come; the test fails with what it was waiting for after Patience.
func (r *Recorder[E]) Wait(t testing.TB, what string, match func(E) bool) E {
	t.Helper()
	return r.await(t, Patience, what, false, match)
}

// Next returns the first event after the cursor that matches, waiting
// for it to come, and moves the cursor past it; the test fails with what
// it was waiting for after Patience.
func (r *Recorder[E]) Next(t testing.TB, what string, match func(E) bool) E {
	t.Helper()
	return r.await(t, Patience, what, true, match)
}

// None fails the test if an event after the cursor matches or comes to
// match within d (an absence can only be watched for a while), then moves
// the cursor past every event recorded.
func (r *Recorder[E]) None(t testing.TB, d time.Duration, what string, match func(E) bool) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		r.mu.Lock()
		i, ok := r.find(r.cursor, match)
		if ok {
			e := r.events[i]
			r.mu.Unlock()
			t.Fatalf("unexpected %s: %v", what, e)
			return
		}
		changed := r.changedLocked()
		r.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			r.mu.Lock()
			if _, ok := r.find(r.cursor, match); !ok {
				r.cursor = len(r.events)
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
		}
	}
}

func (r *Recorder[E]) await(t testing.TB, patience time.Duration, what string, advance bool, match func(E) bool) E {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	for {
		r.mu.Lock()
		from := 0
		if advance {
			from = r.cursor
		}
		if i, ok := r.find(from, match); ok {
			if advance {
				r.cursor = i + 1
			}
			e := r.events[i]
			r.mu.Unlock()
			return e
		}
		changed := r.changedLocked()
		r.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for %s; events: %s", patience, what, r.describe())
			panic("unreachable") // Fatalf does not return
		}
	}
}

// find returns the index of the first event from i on that matches. mu held.
func (r *Recorder[E]) find(i int, match func(E) bool) (int, bool) {
	for ; i < len(r.events); i++ {
		if match(r.events[i]) {
			return i, true
		}
	}
	return 0, false
}

// changedLocked returns the channel the next Record closes. mu held.
func (r *Recorder[E]) changedLocked() chan struct{} {
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	return r.changed
}

func (r *Recorder[E]) describe() string {
	return fmt.Sprintf("%v", r.Events())
}
