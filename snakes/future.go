package snakes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Future is the result of a call running in the background (Go). Any
// number of goroutines may wait for it, each with its own context, and
// each gets the same result; a waiter that gives up does not cancel the
// call (Cancel does).
type Future struct {
	done   chan struct{}
	val    any
	err    error
	cancel context.CancelFunc
}

// Go starts module.function(*args) on a worker of the pool in the
// background (erlang_python's spawn_call) and returns its Future at once.
// The call is bounded by ctx (and by CallTimeout when ctx has no
// deadline), not by the contexts of its waiters.
func (p *Pool) Go(ctx context.Context, module, function string, args ...any) *Future {
	ctx, cancel := context.WithCancel(ctx)
	f := &Future{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer cancel()
		f.val, f.err = p.Call(ctx, module, function, args...)
		close(f.done)
	}()
	return f
}

// Go starts module.function(*args) in the background on the pool the
// routes pick; see Pool.Go. When no pool takes it, the Future is
// already done with the error.
func (ps *Pools) Go(ctx context.Context, module, function string, args ...any) *Future {
	p, err := ps.pick(module, function)
	if err != nil {
		f := &Future{done: make(chan struct{}), err: err, cancel: func() {}}
		close(f.done)
		return f
	}
	return p.Go(ctx, module, function, args...)
}

// Done is closed when the call has finished.
func (f *Future) Done() <-chan struct{} { return f.done }

// Wait waits for the call's result, bounded by ctx. When ctx ends first
// it returns an error matching ErrTimeout or ErrCancelled (and ctx's
// error), and the call goes on. Once the call has finished Wait returns
// its result at once, whatever ctx.
func (f *Future) Wait(ctx context.Context) (any, error) {
	select {
	case <-f.done:
		return f.val, f.err
	default:
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		cause := ErrCancelled
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cause = ErrTimeout
		}
		return nil, fmt.Errorf("%w: waiting for a future: %w", cause, ctx.Err())
	}
}

// Cancel cancels the call, as its context's cancellation would: a call
// still waiting for a worker leaves the queue, a running one is abandoned
// (and its worker replaced). Every waiter then gets ErrCancelled.
func (f *Future) Cancel() { f.cancel() }

// Args, as an input of Map, is spread into positional arguments: Map
// calls module.function(*args) for it instead of module.function(args).
type Args []any

// Map calls module.function(input) for every input, concurrently over the
// pool, and returns the results in input order (Python's map; an input of
// type Args is spread into positional arguments). At most as many calls
// run at once as the pool can serve: (Size+MaxOverflow) × Pipeline, and
// never more than there are inputs.
//
// The first call to fail (first in time) stops the Map: no more input is
// dispatched, the calls already running finish (they are not abandoned:
// abandoning a running call kills its worker, and one failure should not
// cost the pool its workers), and Map returns a *MapError carrying the
// failed input's index and the call's error; the results of the calls
// that completed are in the slice, the others are nil. When ctx ends, the
// calls in flight are abandoned as ctx says and Map returns the error.
//
// Why not a result per item: the common use is a pure function over data,
// where one failure makes the whole answer wrong and going on wastes the
// pool; it is the errgroup and erlang_python py:parallel contract, and
// errors.Is/As see the cause. A function whose failures are data should
// catch them in Python and return them as values.
func (p *Pool) Map(ctx context.Context, module, function string, inputs []any) ([]any, error) {
	n := len(inputs)
	out := make([]any, n)
	if n == 0 {
		return out, nil
	}
	workers := min(n, max((p.opts.Size+p.opts.MaxOverflow)*p.opts.Pipeline, 1))
	var (
		next     atomic.Int64
		finished atomic.Int64
		failed   atomic.Bool
		once     sync.Once
		first    error
		wg       sync.WaitGroup
	)
	run := func() {
		for !failed.Load() && ctx.Err() == nil {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			var err error
			if a, ok := inputs[i].(Args); ok {
				err = p.CallInto(ctx, &out[i], module, function, a...)
			} else {
				err = p.CallInto(ctx, &out[i], module, function, inputs[i])
			}
			if err != nil {
				once.Do(func() { first = &MapError{Index: i, Err: err} })
				failed.Store(true)
				return
			}
			finished.Add(1)
		}
	}
	for range workers - 1 {
		wg.Go(run)
	}
	run() // the caller's goroutine is one of the workers
	wg.Wait()
	if first != nil {
		return out, first
	}
	if finished.Load() < int64(n) { // ctx ended between calls
		return out, waitError(ctx.Err())
	}
	return out, nil
}

// Map runs Pool.Map on the pool named pool, or, when pool is "", on
// the pool the routes pick for module.function.
func (ps *Pools) Map(ctx context.Context, pool, module, function string, inputs []any) ([]any, error) {
	var (
		p   *Pool
		err error
	)
	if pool == "" {
		p, err = ps.pick(module, function)
	} else {
		p, err = ps.Get(pool)
	}
	if err != nil {
		return nil, err
	}
	return p.Map(ctx, module, function, inputs)
}
