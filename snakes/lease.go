package snakes

import (
	"context"
	"iter"
	"sync/atomic"
)

// Lease is a worker checked out of a pool for its holder alone (poolboy's
// checkout): calls through it go straight to the worker, and Release gives
// it back. A lease is released as broken (its worker stopped and replaced,
// never handed to the next caller) when its holder's context ends before
// Release, when ReleaseBroken is called, when a call through it was
// abandoned or its worker exited, and when KillOnException is set and a
// call raised.
//
// A Lease is safe for concurrent use; Release and ReleaseBroken may be
// called more than once (the first wins).
type Lease struct {
	p        *Manager
	m        *member
	released atomic.Bool
	broken   atomic.Bool
	unwatch  func() bool
}

// Acquire checks a worker out of the pool: an idle one, else one started
// for the caller when the pool is below its maximum, else the first one
// given back; the caller waits in a FIFO queue, bounded by ctx (past
// MaxWaiters it gets ErrOverloaded at once). When ctx ends after Acquire
// returned and before Release, the lease is released as broken.
func (p *Manager) Acquire(ctx context.Context) (*Lease, error) {
	return p.checkout(ctx, true)
}

// TryAcquire is Acquire that does not wait for a busy worker: with no idle
// worker and the pool at its maximum it fails at once with ErrPoolFull
// (Venomous' max_children). Below the maximum it starts a worker and waits
// for it, bounded by ctx.
func (p *Manager) TryAcquire(ctx context.Context) (*Lease, error) {
	return p.checkout(ctx, false)
}

// Checkout is poolboy's checkout: Acquire when block is set, TryAcquire
// otherwise.
func (p *Manager) Checkout(ctx context.Context, block bool) (*Lease, error) {
	return p.checkout(ctx, block)
}

// Checkin is poolboy's checkin: l.Release().
func (p *Manager) Checkin(l *Lease) { l.Release() }

// With runs fn with a leased worker and gives it back (poolboy's
// transaction). A panic in fn releases the lease as broken and goes on.
func (p *Manager) With(ctx context.Context, fn func(*Lease) error) error {
	l, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			l.ReleaseBroken()
		}
	}()
	err = fn(l)
	ok = true
	l.Release()
	return err
}

func (p *Manager) checkout(ctx context.Context, block bool) (*Lease, error) {
	m, err := p.acquire(ctx, false, block)
	if err != nil {
		return nil, err
	}
	l := &Lease{p: p, m: m}
	if ctx.Done() != nil {
		l.unwatch = context.AfterFunc(ctx, func() { l.release(true) })
	}
	return l, nil
}

// Worker returns the leased worker, to call directly. Calls made this way
// are not counted, timed or checked by the pool; the pool still checks the
// worker's state on Release.
func (l *Lease) Worker() *Worker { return l.m.w }

// ID returns the leased worker's id.
func (l *Lease) ID() string { return l.m.id }

// Call calls module.function(*args) on the leased worker (Worker.Call),
// with the pool's CallTimeout when ctx has no deadline.
func (l *Lease) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	var out any
	err := l.CallInto(ctx, &out, module, function, args...)
	return out, err
}

// CallInto is Call decoding the result into target (Worker.CallInto).
func (l *Lease) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	if l.released.Load() {
		return ErrLeaseReleased
	}
	ctx, cancel := l.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	sent, err := l.m.w.callInto(ctx, target, module, function, args)
	if sent {
		l.m.calls.Add(1)
	}
	l.m.lastUsed.Store(l.p.clock.Now().UnixNano())
	if err != nil && l.p.callFailed(l.m, sent, err) {
		l.broken.Store(true)
	}
	return err
}

// Stream runs module.function(*args) as a stream on the leased worker
// (Worker.Stream). Streams are bounded by ctx only, not by CallTimeout.
func (l *Lease) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	if l.released.Load() {
		return func(yield func(any, error) bool) { yield(nil, ErrLeaseReleased) }
	}
	l.m.calls.Add(1)
	return l.m.w.Stream(ctx, module, function, args...)
}

// Cast sends module.function(*args) to the leased worker without waiting
// (Worker.Cast).
func (l *Lease) Cast(module, function string, args ...any) error {
	if l.released.Load() {
		return ErrLeaseReleased
	}
	l.m.calls.Add(1)
	return l.m.w.Cast(module, function, args...)
}

// Release gives the worker back to the pool (poolboy's checkin); a worker
// whose state is unknown is stopped and replaced instead.
func (l *Lease) Release() { l.release(false) }

// ReleaseBroken gives the worker back as broken: it is stopped and
// replaced, never handed to another caller.
func (l *Lease) ReleaseBroken() { l.release(true) }

func (l *Lease) release(broken bool) {
	if !l.released.CompareAndSwap(false, true) {
		return
	}
	if l.unwatch != nil {
		l.unwatch()
	}
	l.p.release(l.m, false, false, broken || l.broken.Load())
}
