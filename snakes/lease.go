package snakes

import (
	"context"
	"iter"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// Lease is a worker checked out of a pool for its holder alone (poolboy's
// checkout): calls through it go straight to the worker, and Release gives
// it back.
//
// A lease ends on Release, on ReleaseBroken, or when the context given to
// Acquire ends, whichever comes first, by the rule a Session follows too:
// later calls through it fail with ErrLeaseReleased; the calls in flight
// through it run to their own end; then the worker goes back to the pool,
// whole when its state is known, stopped and replaced when it is not — on
// ReleaseBroken, when a call through it was abandoned (a call made with the
// holder's context is abandoned when that context ends) or its worker
// exited, when a call ran into one of the worker's Limits (ErrLimit), and
// when KillOnException is set and a call raised.
//
// A Lease is safe for concurrent use; Release and ReleaseBroken may be
// called more than once (the first wins, but ReleaseBroken always marks
// the worker broken).
type Lease struct {
	h hold
}

// Acquire checks a worker out of the pool: an idle one, else one started
// for the caller when the pool is below its maximum, else the first one
// given back; the caller waits in a FIFO queue, bounded by ctx (past
// MaxWaiters it gets ErrOverloaded at once). When ctx ends after Acquire
// returned and before Release, the lease ends (see Lease).
func (p *Pool) Acquire(ctx context.Context) (*Lease, error) {
	return p.checkout(ctx, true)
}

// TryAcquire is Acquire that does not wait for a busy worker: with no idle
// worker and no worker the pool can start for it (the pool at its
// maximum, counting the starts that earlier waiters wait for) it fails at
// once with ErrPoolFull (Venomous' max_children), whatever MaxWaiters.
// Otherwise it starts a worker and waits for it, bounded by ctx.
func (p *Pool) TryAcquire(ctx context.Context) (*Lease, error) {
	return p.checkout(ctx, false)
}

// With runs fn with a leased worker and gives it back (poolboy's
// transaction). A panic in fn releases the lease as broken and goes on.
func (p *Pool) With(ctx context.Context, fn func(*Lease) error) error {
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

func (p *Pool) checkout(ctx context.Context, block bool) (*Lease, error) {
	m, err := p.acquire(ctx, poolstate.Exclusive, block)
	if err != nil {
		return nil, err
	}
	l := &Lease{h: hold{p: p, m: m}}
	l.h.watch(ctx)
	return l, nil
}

// Worker returns the leased worker, to call directly. Calls made this way
// are not counted, timed or checked by the pool, and the lease's end does
// not wait for them; the pool still checks the worker's state when it goes
// back.
func (l *Lease) Worker() *Worker { return l.h.m.Worker }

// ID returns the leased worker's id.
func (l *Lease) ID() string { return l.h.m.ID }

// Call calls module.function(*args) on the leased worker (Worker.Call),
// with the pool's CallTimeout when ctx has no deadline.
func (l *Lease) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	var out any
	err := l.CallInto(ctx, &out, module, function, args...)
	return out, err
}

// CallInto is Call decoding the result into target (Worker.CallInto).
func (l *Lease) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	if !l.begin() {
		return ErrLeaseReleased
	}
	ctx, cancel := l.h.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	sent, err := l.h.m.Worker.callInto(ctx, target, module, function, args)
	l.finish(sent, err)
	return err
}

// Stream runs module.function(*args) as a stream on the leased worker
// (Worker.Stream). Streams are bounded by ctx only, not by CallTimeout.
func (l *Lease) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		if !l.begin() {
			yield(nil, ErrLeaseReleased)
			return
		}
		var last error
		defer func() { l.finish(true, last) }()
		for v, err := range l.h.m.Worker.Stream(ctx, module, function, args...) {
			last = err
			if !yield(v, err) {
				return
			}
		}
	}
}

// Cast sends module.function(*args) to the leased worker without waiting
// (Worker.Cast).
func (l *Lease) Cast(ctx context.Context, module, function string, args ...any) error {
	if !l.begin() {
		return ErrLeaseReleased
	}
	err := l.h.m.Worker.Cast(ctx, module, function, args...)
	l.finish(err == nil, err)
	return err
}

// begin admits a call through the lease, unless it ended.
func (l *Lease) begin() bool {
	l.h.mu.Lock()
	ok := l.h.beginLocked()
	l.h.mu.Unlock()
	return ok
}

// finish books a call through the lease, and gives the worker back when
// the lease ended and this was its last call.
func (l *Lease) finish(sent bool, err error) {
	broken := err != nil && l.h.p.callFailed(l.h.m, sent, err)
	l.h.mu.Lock()
	last := l.h.finishLocked(sent, broken)
	l.h.mu.Unlock()
	if last {
		l.h.release()
	}
}

// Release ends the lease (poolboy's checkin): the worker goes back to the
// pool once the calls in flight through the lease have returned; a worker
// whose state is unknown is stopped and replaced instead. With no call in
// flight it returns once the pool has the worker, even when the end of
// Acquire's context is giving it back at that moment.
func (l *Lease) Release() { l.h.end(false) }

// ReleaseBroken ends the lease with its worker marked broken: it is
// stopped and replaced, never handed to another caller.
func (l *Lease) ReleaseBroken() { l.h.end(true) }
