package supervisor

import "github.com/asynkron/protoactor-go/actor"

// guardian is the parent of the supervisors started with Start: when one
// gives up it stops it (protoactor's own root strategy would restart it
// ten times). It holds no state, so all such supervisors of an actor
// system share one protoactor guardian process.
type guardian struct{}

// HandleFailure implements actor.SupervisorStrategy.
func (guardian) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, _ any, _ any) {
	sup.StopChildren(child)
}
