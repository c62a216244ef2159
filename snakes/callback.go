package snakes

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/taipan-go/taipan/erlterm"
)

// RegisterFunc makes fn callable from Python as name ("Module.Function",
// or "Function" for calls whose module is empty). Each call runs on its own
// goroutine, so Python threads can call concurrently, and may call back
// into the same worker. A failing, panicking or timed-out fn is answered
// with {'e', Id, {go, Message}}: Python is never left waiting.
func (w *Worker) RegisterFunc(name string, fn Func) {
	w.funcMu.Lock()
	w.funcs[name] = fn
	w.funcMu.Unlock()
}

// runCallback serves {'C', Id, Module, Function, Args, Context} from
// Python. fn runs on this goroutine; a timer answers for it if it outlives
// CallbackTimeout (the first answer wins, the other is dropped), so a
// callback costs one goroutine, not two.
func (w *Worker) runCallback(f []byte, id uint64) {
	defer w.wg.Done()
	var answered atomic.Bool
	var t erlterm.Tuple
	answer := func(result any, err error) {
		if !answered.CompareAndSwap(false, true) {
			return
		}
		var reply []byte
		if err == nil {
			if reply, err = appendFrameWith(w.enc, nil, erlterm.Tuple{tagAtom(tagResult), id, result}); err != nil {
				err = fmt.Errorf("encoding the result: %w", pickleRefused(err, "", funcName(t)))
			}
		}
		if err != nil {
			reply, _ = appendFrame(nil, erlterm.Tuple{tagAtom(tagError), id,
				erlterm.Tuple{erlterm.Atom("go"), err.Error()}})
		}
		if serr := w.send(reply); serr != nil {
			w.log.Debug("callback reply not sent", "error", serr)
		}
	}
	if err := w.decode.Unmarshal(f, &t); err != nil || len(t) != 6 {
		answer(nil, fmt.Errorf("undecodable callback: %v", err))
		return
	}
	w.invokeFunc(t, answer)
}

// invokeFunc runs the Go function a worker → host call {'C', Id, Module,
// Function, Args, Context} names (Module.Function, or Function when Module
// is empty) and hands its result to answer: a missing function, an error,
// a panic, a timeout (CallbackTimeout) and the worker stopping all produce
// an error, so Python is never left waiting. answer may be called twice (a
// timeout racing the function) and must keep the first. Both profiles use
// it; only the shape of the reply differs.
func (w *Worker) invokeFunc(t erlterm.Tuple, answer func(any, error)) {
	name := funcName(t)
	args, _ := t[4].([]any)
	w.funcMu.RLock()
	fn := w.funcs[name]
	w.funcMu.RUnlock()
	if fn == nil {
		answer(nil, fmt.Errorf("%w: %s", ErrNoSuchFunc, name))
		return
	}
	ctx, cancel := context.WithTimeout(w.life, w.opts.CallbackTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			answer(nil, fmt.Errorf("%w: callback ran past %v", ErrTimeout, w.opts.CallbackTimeout))
		} else {
			answer(nil, fmt.Errorf("%w: worker stopping", ErrStopped))
		}
	})
	defer stop()
	defer func() {
		if p := recover(); p != nil {
			answer(nil, fmt.Errorf("panic: %v", p))
		}
	}()
	v, err := fn(ctx, args)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// Past the deadline the timeout is the answer, whatever fn said.
		err = fmt.Errorf("%w: callback ran past %v", ErrTimeout, w.opts.CallbackTimeout)
	}
	answer(v, err)
}

// funcName is the name of the Go function a worker → host call names:
// Module.Function, or Function when Module is empty ("" for a call that
// is not one).
func funcName(t erlterm.Tuple) string {
	if len(t) < 4 {
		return ""
	}
	module, function := text(t[2]), text(t[3])
	if module != "" {
		return module + "." + function
	}
	return function
}
