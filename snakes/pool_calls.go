package snakes

import (
	"context"
	"errors"
	"iter"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// Call calls module.function(*args) on a worker of the pool and returns
// its result (Worker.Call): it takes a worker (waiting in the FIFO queue
// when none is free), calls it on the caller's goroutine and gives it
// back. When ctx has no deadline the pool's CallTimeout bounds the whole
// call, waiting included.
//
// A call that never ran (its worker had died, or was stopped, in the
// meantime; or, with Pipeline > 1, it was still queued behind another call
// when the process died: ErrNotRun) is re-dispatched to another worker, at
// most MaxRedispatch times (then its error matches ErrRedispatchBudget
// too). A call that may have run is not: its error is the *ExitError
// (ErrWorkerExited). A worker left in an unknown
// state (an abandoned call, an exit, a Python exception under
// KillOnException) is stopped and replaced.
func (p *Pool) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	var out any
	err := p.CallInto(ctx, &out, module, function, args...)
	return out, err
}

// CallInto is Call decoding the result into target (Worker.CallInto).
func (p *Pool) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	ctx, cancel := p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	rd := Redispatch{Max: p.opts.MaxRedispatch}
	for {
		m, err := p.acquire(ctx, poolstate.Shared, true)
		if err != nil {
			return err
		}
		sent, err := m.Worker.callInto(ctx, target, module, function, args)
		if err == nil {
			p.release(m, 1, false)
			return nil
		}
		ran := sent && !errors.Is(err, ErrNotRun)
		broken := p.callFailed(m, ran, err)
		p.release(m, served(ran), broken)
		again, err := rd.Again(err)
		if !again {
			return err
		}
		p.stats.redispatched.Add(1)
	}
}

// Cast sends module.function(*args) to a worker of the pool without
// waiting for it to run (Worker.Cast); ctx bounds only the wait for a
// worker.
func (p *Pool) Cast(ctx context.Context, module, function string, args ...any) error {
	rd := Redispatch{Max: p.opts.MaxRedispatch}
	for {
		m, err := p.acquire(ctx, poolstate.Shared, true)
		if err != nil {
			return err
		}
		err = m.Worker.Cast(ctx, module, function, args...)
		if err == nil {
			p.release(m, 1, false)
			return nil
		}
		p.release(m, 0, workerGone(err)) // Cast fails only before sending
		again, err := rd.Again(err)
		if !again {
			return err
		}
		p.stats.redispatched.Add(1)
	}
}

// Stream runs module.function(*args) as a stream (Worker.Stream) on a
// worker leased for the stream's duration. Streams are bounded by ctx
// only, not by CallTimeout.
func (p *Pool) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		m, err := p.acquire(ctx, poolstate.Exclusive, true)
		for err == nil && m.Worker.Err() != nil { // died idle: never ran
			p.release(m, 0, true)
			m, err = p.acquire(ctx, poolstate.Exclusive, true)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		defer func() { p.release(m, 1, false) }()
		for v, err := range m.Worker.Stream(ctx, module, function, args...) {
			if !yield(v, err) {
				return
			}
		}
	}
}

// callFailed books a failed call: timeouts are counted, and it reports
// whether the worker must be retired (a Python exception under
// KillOnException, a call that ran into one of the worker's Limits; an
// abandoned or exited worker is retired anyway).
func (p *Pool) callFailed(m *member, sent bool, err error) bool {
	if !sent {
		return workerGone(err)
	}
	if errors.Is(err, ErrTimeout) {
		p.stats.timeouts.Add(1)
	}
	var ae *AbandonError
	if errors.As(err, &ae) {
		return m.Worker.Err() != nil
	}
	if errors.Is(err, ErrLimit) {
		// Python survived its MemoryError (or EMFILE), but a worker at
		// its limit is in no state to be trusted with the next call.
		return true
	}
	var pe *PythonError
	if p.opts.KillOnException && errors.As(err, &pe) {
		p.stats.exceptionKills.Add(1)
		return true
	}
	return false
}

// served is the count of calls a use of a worker served: one when the
// call ran.
func served(ran bool) int {
	if ran {
		return 1
	}
	return 0
}
