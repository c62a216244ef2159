package snakes

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/taipan-go/taipan/erlterm"
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
// sends {'X', Id}; a queued call or a stream answers at once and the worker
// stays in a known state. A call still queued behind a running one is
// dropped on the host's side (dropIfQueued). A running call cannot hear X,
// so after CancelGrace the worker is marked broken (it is never handed out again),
// interrupted (SIGINT: KeyboardInterrupt in the call), then terminated
// (SIGTERM) and killed (SIGKILL), each after SignalGrace, until the call
// completes one way or another. The call's error says how far it went.
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

	if w.compat == nil { // ErlPort has no cancel: straight to signals
		if frame, err := appendFrame(nil, erlterm.Tuple{tagAtom(tagCancel), c.id}); err == nil {
			w.send(frame)
		}
		if waitFor(watch, w.opts.CancelGrace) {
			return
		}
	}
	if w.dropIfQueued(c) {
		return
	}
	w.setRefuse(fmt.Errorf("%w: broken: an abandoned call did not stop", ErrStopped))
	steps := []struct {
		sig   syscall.Signal
		stage string
	}{
		{syscall.SIGINT, "interrupted (SIGINT)"},
		{syscall.SIGTERM, "terminated (SIGTERM)"},
		{syscall.SIGKILL, "killed (SIGKILL)"},
	}
	// Whatever the outcome, the worker's state is unknown: stop it.
	defer w.stopBroken()
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

// abandonedError is the error of an abandoned call, once it completed.
func (w *Worker) abandonedError(c *call, final error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !c.abandoned {
		return final
	}
	return &AbandonError{Cause: c.cause, Stage: c.stage, Err: final}
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
