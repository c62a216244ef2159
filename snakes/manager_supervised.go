package snakes

import "github.com/asynkron/protoactor-go/actor"

// ManagerProps returns the props of an actor that stands for the pool p
// in a supervision tree (a supervisor.ChildSpec's Props), so that a pool
// is supervised as OTP supervises a supervisor of workers:
//
//   - When the pool fails (more crashes than ManagerOptions.Intensity
//     allows), the actor fails with the *PoolFailedError, and its
//     supervisor's strategy decides: restart it, restart its siblings
//     too, or give up and fail upwards.
//   - Each start of the actor revives a failed pool in place: the same
//     *Manager, a fresh intensity window, Size new workers. Callers keep
//     their handle; while the pool is down their calls fail at once with
//     ErrPoolFailed instead of waiting.
//   - A stop of the actor (its supervisor restarting it or a sibling, or
//     stopping) takes the pool down; a later start revives it. Stopping
//     for good is Manager.Stop (graceful), which the owner calls before
//     stopping the supervisor; the actor then has nothing left to do.
//
// The pool's workers stay the pool's own: a single crash is the pool's
// business (it replaces the worker), not the supervisor's.
func ManagerProps(p *Manager, opts ...actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &managerChild{p: p} }, opts...)
}

// managerChild is the actor of ManagerProps.
type managerChild struct{ p *Manager }

// poolFailed tells a managerChild that its pool failed.
type poolFailed struct{ err error }

// Receive implements actor.Actor.
func (a *managerChild) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		system, self := ctx.ActorSystem(), ctx.Self()
		a.p.supervise(func(err error) { system.Root.Send(self, &poolFailed{err: err}) })
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
