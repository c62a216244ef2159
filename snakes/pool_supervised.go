package snakes

import "github.com/asynkron/protoactor-go/actor"

// PoolProps returns the props of the actor that stands for the pool p
// in a supervision tree (a supervisor.ChildSpec's Props), so that a pool
// is supervised as OTP supervises a supervisor of workers:
//
//   - When the pool fails (more crashes than PoolOptions.Intensity
//     allows), the actor fails with the *PoolFailedError, and its
//     supervisor's strategy decides: restart it, restart its siblings
//     too, or give up and fail upwards.
//   - Each start of the actor revives a failed pool in place: the same
//     *Pool, a fresh intensity window, Size new workers. Callers keep
//     their handle; while the pool is down their calls fail at once with
//     ErrPoolFailed instead of waiting.
//   - A stop of the actor (its supervisor restarting it or a sibling, or
//     stopping) takes the pool down; a later start revives it. Stopping
//     for good is Pool.Stop (graceful), which the owner calls before
//     stopping the supervisor; the actor then has nothing left to do.
//
// For a Supervised pool the actor is the pool's manager actor itself: its
// first start opens the pool, and the workers' actors are its children,
// so that the supervisor sees the whole pool (taipan.Start:
// taipan/pool:NAME/worker-N). For a standalone pool it only stands in:
// the manager actor and the workers stay at the top of the pool's actor
// system.
//
// Either way a single worker's crash is the pool's business (it replaces
// the worker: its workers are temporary children), not the supervisor's;
// PoolOptions.OnEvent hears of it.
func PoolProps(p *Pool, opts ...actor.PropsOption) *actor.Props {
	if p.opts.Supervised {
		return actor.PropsFromProducer(func() actor.Actor { return &managerActor{p: p, supervised: true} }, opts...)
	}
	return actor.PropsFromProducer(func() actor.Actor { return &managerChild{p: p} }, opts...)
}

// managerChild is the actor of PoolProps for a standalone pool.
type managerChild struct{ p *Pool }

// poolFailed tells the actor of PoolProps that its pool failed.
type poolFailed struct{ err error }

// Receive implements actor.Actor.
func (a *managerChild) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.p.supervise(failTo(ctx))
		if err := a.p.Err(); err != nil {
			a.p.revive()
		}
	case *poolFailed:
		a.p.supervise(nil)
		panic(m.err) // how a protoactor actor tells its supervisor it failed
	case *actor.Stopping:
		a.p.supervise(nil)
		a.p.takeDown("stopped by its supervisor")
	}
}

// failTo returns the hook that tells the actor of ctx of its pool's
// failure.
func failTo(ctx actor.Context) func(error) {
	system, self := ctx.ActorSystem(), ctx.Self()
	return func(err error) { system.Root.Send(self, &poolFailed{err: err}) }
}

// attach makes the starting actor of PoolProps (ctx) the Supervised
// pool's manager actor: its first start opens the pool, a later one
// revives it.
func (p *Pool) attach(ctx actor.Context) {
	p.ctl.Store(&control{system: ctx.ActorSystem(), pid: ctx.Self()})
	p.supervise(failTo(ctx))
	p.open()
	if err := p.Err(); err != nil {
		p.revive()
	}
}

// detach takes the Supervised pool down as its manager actor (self)
// stops: until the next start it has none.
func (p *Pool) detach(self *actor.PID) {
	p.supervise(nil)
	if c := p.ctl.Load(); c != nil && c.pid.Equal(self) {
		p.ctl.CompareAndSwap(c, nil)
	}
	p.takeDown("stopped by its supervisor")
}
