package testkit

import (
	"sync"
	"testing"
)

// Counter counts from many goroutines (calls made by a load the test
// runs) and lets the test wait for a count instead of polling it. The zero
// value is ready to use.
type Counter struct {
	mu    sync.Mutex
	n     int64
	waits []countWait
}

type countWait struct {
	n  int64
	ch chan struct{}
}

// Add adds one and returns the new count.
func (c *Counter) Add() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	kept := c.waits[:0]
	for _, w := range c.waits {
		if c.n >= w.n {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	c.waits = kept
	return c.n
}

// Load returns the count.
func (c *Counter) Load() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Reached returns a channel closed once the count is at least n.
func (c *Counter) Reached(n int64) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	if c.n >= n {
		close(ch)
	} else {
		c.waits = append(c.waits, countWait{n, ch})
	}
	return ch
}

// WaitMore waits until the count has grown by more than n from now,
// failing the test with what it was waiting for after Patience.
func (c *Counter) WaitMore(t testing.TB, what string, n int64) {
	t.Helper()
	Receive(t, what, c.Reached(c.Load()+n+1))
}
