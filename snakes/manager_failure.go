package snakes

import (
	"fmt"
	"time"
)

// RestartIntensity is a pool's restart intensity (ManagerOptions.Intensity):
// more than MaxRestarts worker crashes or failed starts within Period and
// the pool fails. Zero MaxRestarts means no limit.
type RestartIntensity struct {
	MaxRestarts int
	Period      time.Duration
}

// PoolFailedError is why a pool failed: the restart intensity was
// exceeded (Restarts within Period, the last one for Last), or its
// supervisor took it down (Reason). It matches ErrPoolFailed.
type PoolFailedError struct {
	Pool     string
	Reason   string
	Restarts int
	Period   time.Duration
	Last     error // the last crash or start failure, if any
}

func (e *PoolFailedError) Error() string {
	s := fmt.Sprintf("snakes: pool %q failed: %s", e.Pool, e.Reason)
	if e.Last != nil {
		s += ": " + e.Last.Error()
	}
	return s
}

// Unwrap lets errors.Is find ErrPoolFailed and the last crash's error.
func (e *PoolFailedError) Unwrap() []error {
	if e.Last == nil {
		return []error{ErrPoolFailed}
	}
	return []error{ErrPoolFailed, e.Last}
}

// Err returns why the pool failed (a *PoolFailedError) while it is
// failed, and nil while it serves.
func (p *Manager) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		return nil
	}
	return p.failed
}

// countRestartLocked records a worker crash or failed start for the
// restart intensity, and fails the pool when it is exceeded.
// Manager.mu held.
func (p *Manager) countRestartLocked(cause error) {
	in := p.opts.Intensity
	if in.MaxRestarts <= 0 || p.failed != nil || p.stopped {
		return
	}
	now := p.clock.Now()
	cutoff := now.Add(-in.Period)
	keep := p.restarts[:0]
	for _, t := range p.restarts {
		if t.After(cutoff) {
			keep = append(keep, t)
		}
	}
	p.restarts = append(keep, now)
	if n := len(p.restarts); n > in.MaxRestarts {
		p.failLocked(&PoolFailedError{
			Pool:     p.opts.Name,
			Reason:   fmt.Sprintf("%d worker crashes within %v", n, in.Period),
			Restarts: n,
			Period:   in.Period,
			Last:     cause,
		})
	}
}

// failLocked takes the pool down with err: its waiters fail at once, its
// workers retire (busy ones after their calls), nothing is started until
// revive, and the supervising actor, if any, hears of it.
// Manager.mu held.
func (p *Manager) failLocked(err *PoolFailedError) {
	if p.failed != nil || p.stopped {
		return
	}
	p.failed = err
	p.restarts = p.restarts[:0]
	p.log.Error("pool failed", "error", err)
	p.failWaitersLocked(err)
	for _, m := range append([]*member(nil), p.members...) {
		p.retireLocked(m, "pool failed")
	}
	p.cond.Broadcast()
	if hook := p.failHook; hook != nil {
		go hook(err) // the actor's mailbox, never under mu
	}
}

// revive brings a failed pool back: a fresh intensity window, and Size
// workers started. A pool that serves is left alone.
func (p *Manager) revive() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return ErrPoolStopped
	}
	if p.failed == nil {
		return nil
	}
	p.log.Info("pool revived", "after", p.failed.Reason)
	p.failed = nil
	p.backoff = p.opts.SpawnBackoff
	p.refillLocked()
	p.cond.Broadcast()
	return nil
}

// takeDown fails the pool on its supervisor's order (a restart of the
// pool, or its siblings', is a stop and a fresh start).
func (p *Manager) takeDown(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failLocked(&PoolFailedError{Pool: p.opts.Name, Reason: reason})
}

// supervise sets the function told of the pool's failure (nil: none).
func (p *Manager) supervise(hook func(error)) {
	p.mu.Lock()
	p.failHook = hook
	p.mu.Unlock()
}

// failWaitersLocked fails every queued caller with err, in order.
// Manager.mu held.
func (p *Manager) failWaitersLocked(err error) {
	for p.waiters.Len() > 0 {
		e := p.waiters.Front()
		wt := e.Value.(*waiter)
		p.waiters.Remove(e)
		wt.elem = nil
		wt.ch <- grant{err: err}
	}
}
