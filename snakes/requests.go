package snakes

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/taipan-go/taipan/erlterm"
)

// Call calls module.function(*args) in the worker and returns its result
// decoded into Go values (see docs/erlterm.md). A trailing Kwargs argument
// becomes keyword arguments. function may be dotted ("Class.method").
//
// When ctx ends before the reply, the call is abandoned (see abandon.go):
// the error wraps ErrTimeout or ErrCancelled and says how far the host had
// to go; a worker whose running call had to be interrupted is stopped.
func (w *Worker) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	var out any
	err := w.CallInto(ctx, &out, module, function, args...)
	return out, err
}

// CallInto is Call decoding the result into target (a pointer), as
// erlterm.Unmarshal does; a nil target discards the result.
func (w *Worker) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	_, err := w.callInto(ctx, target, module, function, args)
	return err
}

// callInto is CallInto that also reports whether the request reached the
// worker: when sent is false the call never ran, and the Pool may
// re-dispatch it to another worker.
func (w *Worker) callInto(ctx context.Context, target any, module, function string, args []any) (sent bool, err error) {
	if err := w.admit(module, function); err != nil {
		return false, err
	}
	pos, kw := splitKwargs(args)
	if kw == nil {
		// The commonest request: its frame is written without a Tuple.
		sent, err = w.requestSent(ctx, target, request{call: plainCall{module: module, function: function, args: argList(pos)}})
	} else {
		sent, err = w.requestSent(ctx, target, request{term: erlterm.Tuple{tagAtom(tagKwCall), nil, module, function,
			argList(pos), map[string]any(kw)}})
	}
	if err != nil && !sent {
		err = pickleRefused(err, module, function)
	}
	return sent, err
}

// argList makes sure the arguments travel as a list (nil as []).
func argList(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// request sends req (whose element 1 is filled with the call's id), waits
// for the reply and decodes it into target.
func (w *Worker) request(ctx context.Context, target any, req erlterm.Tuple) error {
	_, err := w.requestSent(ctx, target, request{term: req})
	return err
}

// requestSent sends r, waits for the reply and decodes it into target; it
// also reports whether the request was handed to the worker (queued or
// written): when sent is false it never ran. The protocol frames it.
func (w *Worker) requestSent(ctx context.Context, target any, r request) (sent bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, w.ctxError(err)
	}
	c, err := w.register(kindCall, target)
	if err != nil {
		return false, notRun(err)
	}
	bp := w.reqBig.Swap(nil) // a big buffer kept from a big request
	if bp == nil {
		bp = w.bufs.Get().(*[]byte)
	}
	frame, err := w.proto.appendRequest((*bp)[:0], c.id, r)
	if err != nil {
		w.putReqBuf(bp, frame)
		w.unregister(c)
		return false, err
	}
	deadline, _ := ctx.Deadline()
	err = w.sendAwaited(frame, deadline)
	w.putReqBuf(bp, frame) // written, or copied into the queue: free now
	if err != nil {
		w.unregister(c)
		if e := w.Err(); e != nil {
			return false, notRun(e)
		}
		if errors.Is(err, syscall.EPIPE) {
			err = fmt.Errorf("snakes: the worker's request pipe is broken: %w", err)
		}
		return false, notRun(err)
	}
	c.cancellable = ctx.Done() != nil
	disarm := w.watchContext(ctx, c)
	w.await(c)
	if c.counted {
		w.expect.Add(-1)
	}
	disarm()
	return true, w.abandonedError(c, w.result(c))
}

// ctxError maps a context error to the package's sentinels.
func (w *Worker) ctxError(err error) error {
	if err == context.DeadlineExceeded {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrCancelled, err)
}

// Cast calls module.function(*args) without waiting for, or getting, a
// result; an exception is logged by the worker. A trailing Kwargs becomes
// keyword arguments. ctx bounds the send: a worker that does not read its
// requests (it runs a long call) past ctx's deadline fails the Cast with
// ErrTimeout, as a Call's write does; an ended ctx sends nothing.
func (w *Worker) Cast(ctx context.Context, module, function string, args ...any) error {
	if err := w.admit(module, function); err != nil {
		return err
	}
	pos, kw := splitKwargs(args)
	if kw == nil {
		kw = Kwargs{}
	}
	return pickleRefused(w.post(ctx, erlterm.Tuple{tagAtom(tagCast), module, function, argList(pos), map[string]any(kw)}),
		module, function)
}

// Send delivers msg to the handler the Python code set with
// erlang.set_message_handler; ctx bounds the send, as for Cast.
func (w *Worker) Send(ctx context.Context, msg any) error {
	return pickleRefused(w.post(ctx, erlterm.Tuple{tagAtom(tagMessage), msg}), "", "")
}

// putReqBuf gives back the request buffer bp, now holding frame: a big one
// is kept (one at a time) for the next request, so that big payloads are
// encoded into memory already faulted in; small ones go to the pool.
func (w *Worker) putReqBuf(bp *[]byte, frame []byte) {
	*bp = frame[:0]
	switch c := cap(frame); {
	case c <= 64<<10:
		w.bufs.Put(bp)
	case c <= keepBigFrame:
		w.reqBig.Store(bp)
	}
}

// post sends a frame that has no reply, as the protocol frames it.
func (w *Worker) post(ctx context.Context, t erlterm.Tuple) error {
	if err := ctx.Err(); err != nil {
		return notRun(w.ctxError(err))
	}
	if err := w.Err(); err != nil {
		return notRun(err)
	}
	deadline, _ := ctx.Deadline()
	return w.proto.post(w, t, deadline)
}

// Eval evaluates a Python expression in the worker's namespace (kept
// between requests) and returns its value. The worker must have been
// started with AllowEval.
func (w *Worker) Eval(ctx context.Context, code string) (any, error) {
	var out any
	err := w.request(ctx, &out, erlterm.Tuple{tagAtom(tagEval), nil, erlterm.Atom("eval"), code})
	return out, err
}

// Exec runs Python statements in the worker's namespace. The worker must
// have been started with AllowEval.
func (w *Worker) Exec(ctx context.Context, code string) error {
	return w.request(ctx, nil, erlterm.Tuple{tagAtom(tagEval), nil, erlterm.Atom("exec"), code})
}

// ReloadResult is one module's outcome in Reload.
type ReloadResult struct {
	Module string
	Err    error // nil when reloaded
}

// Reload reloads the modules (importlib.reload, each after the modules it
// imports) and reports each one's outcome.
func (w *Worker) Reload(ctx context.Context, modules ...string) ([]ReloadResult, error) {
	var report []erlterm.Tuple
	names := make([]any, len(modules))
	for i, m := range modules {
		names[i] = m
	}
	if err := w.request(ctx, &report, erlterm.Tuple{tagAtom(tagReload), nil, names}); err != nil {
		return nil, err
	}
	out := make([]ReloadResult, 0, len(report))
	for _, r := range report {
		if len(r) != 2 {
			continue
		}
		res := ReloadResult{Module: text(r[0])}
		if !isAtom(r[1], "ok") {
			if t, ok := r[1].(erlterm.Tuple); ok && len(t) == 2 {
				res.Err = errorFromTerm(t[1])
			} else {
				res.Err = errorFromTerm(r[1])
			}
		}
		out = append(out, res)
	}
	return out, nil
}
