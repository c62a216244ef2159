package testkit

import (
	"sync"
	"time"
)

// Clock is a supervisor.Clock (Now, AfterFunc) that moves only when told
// to: its timers fire, each on a goroutine of its own, when Advance passes
// them. Tests drive restart intensity, backoff, reaping and recycling with
// it instead of waiting for real time.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[int]clockTimer
	next   int
}

type clockTimer struct {
	at time.Time
	f  func()
}

// NewClock returns a Clock that reads start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, timers: map[int]clockTimer{}}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arranges for f to run once the clock has advanced by d; the
// returned function cancels it and reports whether it was still pending.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.timers[id] = clockTimer{at: c.now.Add(d), f: f}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

// Advance moves the clock by d and fires the timers due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for id, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t.f)
			delete(c.timers, id)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}
