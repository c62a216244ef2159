package snakes

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
)

// WorkerActor is the actor that owns one worker process: Started starts
// it, Stopping (and Restarting) stops it, and the process's exit fails the
// actor so that its supervisor decides what happens next (restart, stop,
// escalate). Calls do not go through the actor: GetWorker hands out the
// *Worker and callers use it directly (control plane on actors, data plane
// direct).
type WorkerActor struct {
	opts    Options
	worker  *Worker
	exiting bool
}

// GetWorker asks a WorkerActor for its *Worker (the response; nil while
// it has none).
type GetWorker struct{}

// workerExited is sent to the actor by the worker's wait goroutine.
type workerExited struct{ err error }

// WorkerExitedReason is what a WorkerActor fails with when its process
// exits unasked (the supervisor's decider sees it), and the Reason of the
// supervisor.ChildExited a pool gives PoolOptions.OnEvent when one of
// its workers crashes.
type WorkerExitedReason struct {
	ID  string
	Err error
}

func (r *WorkerExitedReason) Error() string {
	return fmt.Sprintf("snakes: worker %s exited: %v", r.ID, r.Err)
}

// Unwrap returns the exit error.
func (r *WorkerExitedReason) Unwrap() error { return r.Err }

// StartFailedReason is what a WorkerActor fails with when its process
// cannot start.
type StartFailedReason struct{ Err error }

func (r *StartFailedReason) Error() string { return r.Err.Error() }

// Unwrap returns the start error.
func (r *StartFailedReason) Unwrap() error { return r.Err }

// WorkerProps returns the props of a WorkerActor; opts.OnExit is kept and
// called before the actor hears of the exit.
func WorkerProps(opts Options, props ...actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &WorkerActor{opts: opts} }, props...)
}

// Receive implements actor.Actor. Nothing in it waits on a future; Start
// and Stop block only for the process's own start and stop.
func (a *WorkerActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		opts := a.opts
		system, self, userExit := ctx.ActorSystem(), ctx.Self(), a.opts.OnExit
		opts.OnExit = func(err error) {
			if userExit != nil {
				userExit(err)
			}
			system.Root.Send(self, &workerExited{err: err})
		}
		w, err := Start(context.Background(), opts)
		if err != nil {
			panic(&StartFailedReason{Err: err})
		}
		a.worker = w
	case *GetWorker:
		ctx.Respond(a.worker)
	case *workerExited:
		if a.worker == nil || a.exiting {
			return // an exit we asked for
		}
		select {
		case <-a.worker.Exited():
		default:
			return // the exit of a worker this actor replaced
		}
		w := a.worker
		a.worker = nil
		go w.Stop(context.Background()) // its process is gone: this ends its goroutines and fds
		panic(&WorkerExitedReason{ID: w.ID(), Err: m.err})
	case *actor.Stopping, *actor.Restarting:
		a.stopWorker()
	}
}

// stopWorker stops the process, if any.
func (a *WorkerActor) stopWorker() {
	if a.worker == nil {
		return
	}
	a.exiting = true
	ctx, cancel := context.WithTimeout(context.Background(), a.worker.opts.StopBudget())
	defer cancel()
	a.worker.Stop(ctx)
	a.worker = nil
}
