package pets

import (
	"context"
	"errors"
	"iter"
	"syscall"
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// Call calls module.function(*args) on the pet named name and returns its
// result (snakes.Worker.Call). A pet that is restarting is waited for,
// bounded by ctx; when ctx has no deadline the pet's CallTimeout bounds
// the whole call, waiting included.
//
// Errors: ErrNoSuchPet, a *DeadError (ErrPetDead), a *snakes.PythonError,
// a *snakes.AbandonError when ctx ended mid-call (the pet's process was
// then interrupted, killed and is restarted by its supervisor: never
// reused in an unknown state), a *snakes.ExitError when the process died
// under the call. A call that never reached the process (it was being
// replaced) waits for the next incarnation instead of failing, by the
// pools' never-ran rule and budget (snakes.Redispatch).
func (p *Pets) Call(ctx context.Context, name, module, function string, args ...any) (any, error) {
	var out any
	err := p.CallInto(ctx, &out, name, module, function, args...)
	return out, err
}

// CallInto is Call decoding the result into target (snakes.Worker.CallInto).
func (p *Pets) CallInto(ctx context.Context, target any, name, module, function string, args ...any) error {
	return p.run(ctx, name, func(ctx context.Context, w *snakes.Worker) error {
		return w.CallInto(ctx, target, module, function, args...)
	})
}

// Eval evaluates a Python expression in the pet (snakes.Worker.Eval; the
// pet's worker options need AllowEval), with Call's waiting and timeout.
func (p *Pets) Eval(ctx context.Context, name, code string) (any, error) {
	var out any
	err := p.run(ctx, name, func(ctx context.Context, w *snakes.Worker) error {
		v, err := w.Eval(ctx, code)
		out = v
		return err
	})
	return out, err
}

// Exec runs Python statements in the pet (snakes.Worker.Exec; the pet's
// worker options need AllowEval), with Call's waiting and timeout.
func (p *Pets) Exec(ctx context.Context, name, code string) error {
	return p.run(ctx, name, func(ctx context.Context, w *snakes.Worker) error {
		return w.Exec(ctx, code)
	})
}

// Cast sends module.function(*args) to the pet without waiting for it to
// run (snakes.Worker.Cast); ctx (or CallTimeout) bounds only the wait for
// a restarting pet.
func (p *Pets) Cast(ctx context.Context, name, module, function string, args ...any) error {
	return p.run(ctx, name, func(ctx context.Context, w *snakes.Worker) error {
		return w.Cast(ctx, module, function, args...)
	})
}

// Stream runs module.function(*args) as a stream on the pet
// (snakes.Worker.Stream). Streams are bounded by ctx only, not by
// CallTimeout; a restarting pet is waited for.
func (p *Pets) Stream(ctx context.Context, name, module, function string, args ...any) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		pt, err := p.lookup(name)
		if err != nil {
			yield(nil, err)
			return
		}
		rd := snakes.Redispatch{} // the pools' never-ran rule and budget
		for {
			w, err := pt.await(ctx)
			if err != nil {
				yield(nil, err)
				return
			}
			started, retry := false, false
			for v, err := range w.Stream(ctx, module, function, args...) {
				if err != nil && !started {
					again, final := rd.Again(err)
					if again {
						settle(w, err)
						retry = true
						break
					}
					err = final
				}
				started = true
				if !yield(v, err) {
					break
				}
			}
			if retry {
				continue
			}
			pt.served(w, nil)
			return
		}
	}
}

// run does one request on the pet's current worker: it waits for one,
// sends the request again to the next incarnation when it never reached
// the process, and books the outcome.
func (p *Pets) run(ctx context.Context, name string, do func(context.Context, *snakes.Worker) error) error {
	pt, err := p.lookup(name)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok && pt.opts.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pt.opts.CallTimeout)
		defer cancel()
	}
	rd := snakes.Redispatch{} // the pools' never-ran rule and budget
	for {
		w, err := pt.await(ctx)
		if err != nil {
			return err
		}
		err = do(ctx, w)
		if err != nil {
			again, final := rd.Again(err)
			if again {
				settle(w, err)
				continue
			}
			err = final
		}
		pt.served(w, err)
		return err
	}
}

// settle runs before a request that never ran in w's process
// (snakes.Redispatch said so: w had exited or was stopping, its request
// pipe was already broken, or it was still queued behind another request
// when the process died) goes to the next incarnation. A broken pipe means
// the process is on its way out: it waits, briefly, for it to be gone, so
// that the retry finds the pet changed.
func settle(w *snakes.Worker, err error) {
	if errors.Is(err, syscall.EPIPE) {
		t := time.NewTimer(epipeWait)
		defer t.Stop()
		select {
		case <-w.Exited():
		case <-t.C:
		}
	}
}
