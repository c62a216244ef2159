package watcher

import (
	"slices"
	"time"
)

// pending holds the changed paths not yet acted on, each with the time of
// its last event, and decides when a batch is due: a path is ready once it
// has been quiet for debounce; a batch fires when every pending path is
// ready, but waits at most one debounce more than the first ready path
// (a path that keeps changing does not hold the others back for ever).
// Pure bookkeeping: the caller brings the clock.
type pending struct {
	debounce time.Duration
	last     map[string]time.Time
}

func newPending(debounce time.Duration) *pending {
	return &pending{debounce: debounce, last: make(map[string]time.Time)}
}

// add records an event on path at now.
func (p *pending) add(path string, now time.Time) { p.last[path] = now }

// empty reports whether nothing is pending.
func (p *pending) empty() bool { return len(p.last) == 0 }

// due returns when the next batch fires; ok is false when nothing is
// pending.
func (p *pending) due() (at time.Time, ok bool) {
	var first, last time.Time
	for _, t := range p.last {
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if first.IsZero() {
		return time.Time{}, false
	}
	firstReady, allReady := first.Add(p.debounce), last.Add(p.debounce)
	if cap := firstReady.Add(p.debounce); allReady.After(cap) {
		return cap, true
	}
	return allReady, true
}

// take removes and returns the paths ready at now (quiet for debounce),
// sorted.
func (p *pending) take(now time.Time) []string {
	var out []string
	for path, t := range p.last {
		if !now.Before(t.Add(p.debounce)) {
			out = append(out, path)
			delete(p.last, path)
		}
	}
	slices.Sort(out)
	return out
}
