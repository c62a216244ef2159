package snakes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// watchContext arranges for c to be abandoned when ctx ends before its
// reply. The returned function disarms it.
func (w *Worker) watchContext(ctx context.Context, c *call) func() bool {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() {
		cause := ErrCancelled
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cause = ErrTimeout
		}
		w.abandon(c, cause)
	})
}

// abandon gets a worker back from a call nobody waits for any more: it
// sends {'X', Id}. A call still queued behind a running one is dropped on
// the host's side at once (dropIfQueued): its X will drop it in Python, or
// it runs to completion, and either way the worker stays in a known state.
// A stream answers X between items: it gets CancelGrace to do so. A
// running call cannot hear X: its caller is released now (release), the
// worker takes no more calls, and the escalation goes on in the
// background: after CancelGrace the process group is interrupted (SIGINT:
// KeyboardInterrupt in the call), then terminated (SIGTERM) and killed
// (SIGKILL), each after SignalGrace, until the call completes one way or
// another; then the worker is stopped.
func (w *Worker) abandon(c *call, cause error) {
	w.mu.Lock()
	if c.done || c.abandoned {
		w.mu.Unlock()
		return
	}
	c.abandoned, c.cause, c.stage = true, cause, "cancelled"
	c.watch = make(chan struct{})
	watch := c.watch
	w.mu.Unlock()

	// heard: the worker was told; without a cancel (ErlPort) the
	// escalation goes straight to signals, with no grace to wait out.
	heard := w.proto.cancel(w, c)
	if w.dropIfQueued(c) {
		return
	}
	if c.kind == kindStream && heard && waitFor(watch, w.opts.CancelGrace) {
		return
	}
	w.setRefuse(fmt.Errorf("%w: broken: an abandoned call did not stop", ErrStopped))
	w.release(c)
	// Whatever the outcome, the worker's state is unknown: stop it.
	defer w.stopBroken()
	if heard && c.kind != kindStream && waitFor(watch, w.opts.CancelGrace) {
		return // it finished by itself
	}
	steps := []struct {
		sig   syscall.Signal
		stage string
	}{
		{syscall.SIGINT, "interrupted (SIGINT)"},
		{syscall.SIGTERM, "terminated (SIGTERM)"},
		{syscall.SIGKILL, "killed (SIGKILL)"},
	}
	for _, s := range steps {
		w.mu.Lock()
		c.stage = s.stage
		w.mu.Unlock()
		w.log.Warn("abandoned call: escalating", "id", c.id, "signal", s.sig)
		w.kill(s.sig)
		if s.sig == syscall.SIGKILL {
			<-watch
			return
		}
		if waitFor(watch, w.opts.SignalGrace) {
			return
		}
	}
}

// release lets the caller of an abandoned call go before the call
// completes: its waiter wakes (a follower on its wake channel, the reader
// role holder through the wake fd) and returns an *AbandonError whose
// Outcome follows the escalation. The late reply, if any, is dropped.
func (w *Worker) release(c *call) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.done || c.released {
		return
	}
	c.released, c.stage, c.target = true, "abandoned", nil
	c.signal()
	w.wakeReaderLocked()
}

// waitFor waits up to d for ch to close.
func waitFor(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// abandonedError is the error of a call after its wait: final itself,
// unless the call was abandoned.
func (w *Worker) abandonedError(c *call, final error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !c.abandoned {
		return final
	}
	e := &AbandonError{Cause: c.cause, Stage: c.stage, settled: c.watch}
	if c.done {
		e.outcome = func() (string, error) { return e.Stage, final }
		return e
	}
	var once sync.Once
	var stage string
	var err error
	e.outcome = func() (string, error) {
		once.Do(func() { stage, err = w.lateOutcome(c) })
		return stage, err
	}
	return e
}

// lateOutcome is how a released call ended: its stage and its error (the
// exit, or the worker's error reply; a late result is dropped).
func (w *Worker) lateOutcome(c *call) (string, error) {
	w.mu.Lock()
	stage, err, frame, off, isErr := c.stage, c.err, c.frame, c.frameOff, c.errFrame
	c.frame = nil
	w.mu.Unlock()
	if err == nil && isErr && frame != nil {
		err = decodeError(w.decode, frame, off)
	}
	return stage, err
}

// dropIfQueued completes an abandoned call that has not answered X because
// it is still queued behind an older call that runs (Python reads X only
// between calls). Its X will drop it, or it will run to completion; either
// way the worker stays in a known state, so it is not interrupted, and its
// late reply is discarded. Reports whether it did.
func (w *Worker) dropIfQueued(c *call) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.done {
		return true
	}
	for id, o := range w.calls {
		if id < c.id && id != 0 && !o.abandoned {
			c.stage = "cancelled (queued)"
			w.complete(c)
			return true
		}
	}
	return false
}
