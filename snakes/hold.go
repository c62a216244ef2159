package snakes

import (
	"context"
	"sync"
	"time"
)

// hold is a worker checked out of the pool for one holder, a Lease or a
// Session, and the one rule for how the holding ends, whichever way it
// ends (Release, ReleaseBroken, Close, or the end of the context the
// holder got it with):
//
//   - from then on no call through the holder is admitted;
//   - the calls in flight through it run to their own end, bounded by
//     their own contexts (a call made with the holder's context is
//     abandoned at that very moment, and its worker stopped and replaced,
//     as any abandoned call's);
//   - then the worker goes back to the pool: whole when its state is
//     known, stopped and replaced when it is not (a call abandoned, the
//     worker dead, ReleaseBroken, a panic under With or WithSession, a
//     call over one of the worker's Limits, a Python exception under
//     KillOnException).
//
// An end that finds no call in flight returns once the worker is back in
// the pool, whichever end gives it back: Release (or Close) racing the
// end of the context waits for the latter's giving back, so that a
// caller never sees its worker still out after Release returned.
//
// Requests made on Lease.Worker() directly are not the hold's: they are
// neither admitted nor waited for.
//
// So a holder whose context ends while it makes no call gives its worker
// back whole, and one whose context ends under a call made with that
// context loses it.
type hold struct {
	p *Pool
	m *member

	mu       sync.Mutex
	inflight int           // calls through the holder
	served   int           // of which ran (the pool counts them toward MaxCalls)
	ended    bool          // no call is admitted any more
	released bool          // the worker is going back to the pool (or went)
	back     chan struct{} // made with released, closed once the pool has the worker
	broken   bool          // give it back as broken
	dirty    bool          // Exec or Eval ran: clear the eval namespace first
	unwatch  func() bool
}

// holdResetCode clears the eval namespace of a worker when a hold that
// used Exec or Eval ends, leaving __name__ and __builtins__ (the
// comprehension's names are local to the lambda: nothing is left behind).
const holdResetCode = `(lambda g: [g.pop(k) for k in list(g) if k not in ("__name__", "__builtins__")])(globals())`

// holdResetTimeout bounds that reset when the pool has no CallTimeout.
const holdResetTimeout = 5 * time.Second

// watch ends the hold when ctx ends (context.AfterFunc: no goroutine per
// hold); a context that never ends is not watched.
func (h *hold) watch(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	// The callback may run at once (ctx already ended) and read unwatch
	// in release: set it under mu.
	h.mu.Lock()
	h.unwatch = context.AfterFunc(ctx, func() { h.end(false) })
	h.mu.Unlock()
}

// end ends the hold (broken: give the worker back as broken) and gives
// the worker back now when no call is in flight; otherwise the last one
// does. When another goroutine is giving the worker back already (the end
// of the holder's context, the last call), it waits until the pool has
// it.
func (h *hold) end(broken bool) {
	h.mu.Lock()
	h.broken = h.broken || broken
	last := h.endLocked()
	back := h.back
	h.mu.Unlock()
	if last {
		h.release()
	} else if back != nil {
		<-back
	}
}

// endLocked ends the hold and reports whether the worker is to go back
// now. hold.mu held.
func (h *hold) endLocked() bool {
	h.ended = true
	return h.inflight == 0 && !h.released
}

// beginLocked admits a call, unless the hold ended. hold.mu held.
func (h *hold) beginLocked() bool {
	if h.ended {
		return false
	}
	h.inflight++
	return true
}

// finishLocked ends a call (sent: it ran; broken: the worker's state is
// unknown) and reports whether it was the last one of an ended hold,
// whose caller is then to give the worker back. hold.mu held.
func (h *hold) finishLocked(sent, broken bool) bool {
	h.inflight--
	if sent {
		h.served++
	}
	h.broken = h.broken || broken
	return h.inflight == 0 && h.ended && !h.released
}

// release gives the worker back, once: as broken when its state is
// unknown, after clearing the eval namespace when Exec or Eval ran. A
// second caller (two ends that both found no call in flight) waits for
// the first's giving back.
func (h *hold) release() {
	h.mu.Lock()
	if h.released {
		back := h.back
		h.mu.Unlock()
		<-back
		return
	}
	h.released, h.ended = true, true
	back := make(chan struct{})
	h.back = back
	defer close(back)
	w := h.m.Worker
	served := h.served
	broken := h.broken || workerDown(w) != nil
	reset := h.dirty && !broken
	unwatch := h.unwatch
	h.mu.Unlock()
	if reset {
		ctx, cancel := context.WithTimeout(context.Background(), max(h.p.opts.CallTimeout, holdResetTimeout))
		err := w.Exec(ctx, holdResetCode)
		cancel()
		broken = err != nil
	}
	if unwatch != nil {
		unwatch()
	}
	h.p.release(h.m, served, broken)
}

// workerDown returns why w takes no more calls, or nil: its exit status
// once the process has exited, else its Err. The exit comes first: Err
// lags the exit (the reply pipe is drained before it is set), and in that
// gap the pool, told of the exit, may Stop the worker, whose "worker
// stopped" would hide that it died (TestSessionLost saw it under -cpu 8).
func workerDown(w *Worker) error {
	select {
	case <-w.Exited():
		return w.exitErr
	default:
		return w.Err()
	}
}
