package snakes

import (
	"fmt"
	"time"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

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
func (p *Pool) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mach.Failure()
}

// revive brings a failed pool back: a fresh intensity window, and Size
// workers started. A pool that serves is left alone.
func (p *Pool) revive() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mach.Mode() {
	case poolstate.Stopped:
		return ErrPoolStopped
	case poolstate.Failed:
		p.log.Info("pool revived", "after", p.mach.Failure())
		p.exec(p.mach.Revive())
		p.cond.Broadcast()
	}
	return nil
}

// takeDown fails the pool on its supervisor's order (a restart of the
// pool, or its siblings', is a stop and a fresh start): its waiters fail
// at once, its workers retire (busy ones after their calls), nothing is
// started until revive.
func (p *Pool) takeDown(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exec(p.mach.Fail(&PoolFailedError{Pool: p.opts.Name, Reason: reason}))
}

// supervise sets the function told of the pool's failure (nil: none).
func (p *Pool) supervise(hook func(error)) {
	p.mu.Lock()
	p.failHook = hook
	p.mu.Unlock()
}
