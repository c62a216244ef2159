package snakes

import (
	"context"
	"fmt"
	"iter"

	"github.com/taipan-go/taipan/erlterm"
)

// Stream calls module.function(*args), whose result must be iterable (a
// generator, an async generator, a list...), and yields its items as they
// come. Backpressure is by credit: Python runs at most StreamCredit items
// ahead of the consumer, more being granted as the consumer pulls, so a
// slow consumer holds a bounded amount of memory whatever the stream's
// length. Breaking out of the loop cancels the stream: Python closes the
// generator (its finally blocks run) before the loop's statement returns.
// An error ends the sequence with one (nil, err) pair.
func (w *Worker) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		if err := w.admit(module, function); err != nil {
			yield(nil, err)
			return
		}
		pos, kw := splitKwargs(args)
		if kw == nil {
			kw = Kwargs{}
		}
		if err := ctx.Err(); err != nil {
			yield(nil, w.ctxError(err))
			return
		}
		c, err := w.register(kindStream, nil)
		if err != nil {
			yield(nil, notRun(err))
			return
		}
		credit := w.opts.StreamCredit
		frame, err := w.proto.appendRequest(nil, c.id, request{term: erlterm.Tuple{tagAtom(tagStream), nil,
			module, function, argList(pos), map[string]any(kw), credit}})
		if err != nil {
			w.unregister(c)
			yield(nil, pickleRefused(err, module, function))
			return
		}
		if err := w.send(frame); err != nil {
			w.unregister(c)
			yield(nil, notRun(fmt.Errorf("snakes: starting the stream: %w", err)))
			return
		}
		c.cancellable = ctx.Done() != nil
		disarm := w.watchContext(ctx, c)
		defer disarm()
		grant := max(credit/2, 1)
		consumed := 0
		for {
			w.await(c)
			w.mu.Lock()
			if len(c.items) == 0 { // complete
				w.mu.Unlock()
				if err := w.abandonedError(c, w.result(c)); err != nil {
					yield(nil, err)
				}
				return
			}
			f, off := c.items[0], c.itemOffs[0]
			c.items[0] = nil
			c.items, c.itemOffs = c.items[1:], c.itemOffs[1:]
			w.mu.Unlock()

			var v any
			derr := decodeAt(w.decode, f, off, &v)
			if consumed++; consumed >= grant {
				if g, err := appendFrame(nil, erlterm.Tuple{tagAtom(tagGrant), c.id, consumed}); err == nil {
					w.send(g)
				}
				consumed = 0
			}
			if derr != nil {
				w.cancelStream(c)
				yield(nil, fmt.Errorf("snakes: decoding a stream item: %w", derr))
				return
			}
			if !yield(v, nil) {
				w.cancelStream(c)
				return
			}
		}
	}
}

// cancelStream stops a stream whose consumer left: {'X', Id} closes the
// generator; the items still on their way are dropped. It returns once
// Python has answered (or the escalation has ended the worker).
func (w *Worker) cancelStream(c *call) {
	go w.abandon(c, ErrCancelled)
	for {
		w.await(c)
		w.mu.Lock()
		c.items, c.itemOffs = nil, nil
		done := c.done || c.released
		w.mu.Unlock()
		if done {
			return
		}
	}
}
