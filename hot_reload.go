package taipan

import (
	"context"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
	"github.com/taipan-go/taipan/watcher"
)

// reloadTarget is the whole system as the watcher's Target: every pool
// worker (sessions included) and every pet.
type reloadTarget struct{ s *System }

// Reload reloads the modules in every pool and every pet, concurrently.
func (t reloadTarget) Reload(ctx context.Context, modules ...string) []snakes.WorkerReload {
	done := make(chan []snakes.WorkerReload, 1)
	go func() { done <- t.s.pets.Reload(ctx, modules...) }()
	out := t.s.pools.Reload(ctx, modules...)
	return append(out, <-done...)
}

// Restart restarts every pool worker and every pet.
func (t reloadTarget) Restart(ctx context.Context, rolling bool) error {
	done := make(chan error, 1)
	go func() { done <- t.s.pets.Restart(ctx, rolling) }()
	err := t.s.pools.Restart(ctx, rolling)
	if perr := <-done; err == nil {
		err = perr
	}
	return err
}

// Reload reloads modules (importlib, each after the modules it imports,
// then the modules that import it) in every pool worker — idle, busy
// (right after its current call), leased or bound to a session — and in
// every pet, and reports each worker's outcome. A module that fails to
// reload (a syntax error) keeps its old code. With HotReload set the
// report also goes to its OnReport hook and the log, as the watcher's
// own batches do.
func (s *System) Reload(ctx context.Context, modules ...string) watcher.Report {
	if w := s.watch; w != nil {
		return w.Reload(ctx, modules...)
	}
	mods := slices.Clone(modules)
	slices.Sort(mods)
	r := watcher.Report{Modules: slices.Compact(mods), Strategy: watcher.StrategyReload, Started: time.Now()}
	r.Workers = reloadTarget{s}.Reload(ctx, r.Modules...)
	r.Err = ctx.Err()
	r.Took = time.Since(r.Started)
	return r
}

// RestartAll replaces every pool worker and every pet (their Init runs
// again); rolling: one at a time, each replacement ready before the
// worker it replaces retires, so that no capacity is lost.
func (s *System) RestartAll(ctx context.Context, rolling bool) error {
	return reloadTarget{s}.Restart(ctx, rolling)
}

// watcherChild is the root supervisor's child that runs the watcher: the
// watch failing (a module path removed, the inotify limit reached) fails
// the child, and the supervisor restarts it.
func watcherChild(w *watcher.Watcher) supervisor.ChildSpec {
	return supervisor.ChildSpec{
		ID: "watcher",
		Props: func() *actor.Props {
			return actor.PropsFromProducer(func() actor.Actor { return &watchActor{w: w} })
		},
	}
}

// watchActor runs Watcher.Serve on a goroutine of its own while it lives.
type watchActor struct {
	w      *watcher.Watcher
	cancel context.CancelFunc
	done   chan struct{}
}

// watchEnded tells the actor that Serve returned.
type watchEnded struct{ err error }

// Receive implements actor.Actor.
func (a *watchActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c, cancel := context.WithCancel(context.Background())
		a.cancel, a.done = cancel, make(chan struct{})
		system, self := ctx.ActorSystem(), ctx.Self()
		go func() {
			defer close(a.done)
			err := a.w.Serve(c)
			if c.Err() == nil {
				system.Root.Send(self, &watchEnded{err: err})
			}
		}()
	case *watchEnded:
		panic(m.err) // the supervisor decides
	case *actor.Stopping:
		a.cancel()
		<-a.done // Serve returns once its batch in progress, cut short, has ended
	}
}
