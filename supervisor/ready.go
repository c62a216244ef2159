package supervisor

import "github.com/asynkron/protoactor-go/actor"

// childReady tells a supervisor that a child's Started handler returned:
// the child started. The supervisor starts its children one after the
// other on these acknowledgements, as OTP waits for each init to return.
type childReady struct{ pid *actor.PID }

// readyDeferrer is an actor that says itself when it is ready — a nested
// supervisor is ready when all its children are, not when its own
// Started returns.
type readyDeferrer interface {
	deferReady(ack func())
}

// readyMiddleware sends childReady to the parent once the child's Started
// handler has returned without panicking (a panic skips the send and
// becomes a start failure).
func readyMiddleware(next actor.ReceiverFunc) actor.ReceiverFunc {
	return func(c actor.ReceiverContext, env *actor.MessageEnvelope) {
		if _, ok := env.Message.(*actor.Started); !ok {
			next(c, env)
			return
		}
		system, self, parent := c.ActorSystem(), c.Self(), c.Parent()
		ack := func() { system.Root.Send(parent, &childReady{pid: self}) }
		if d, ok := c.Actor().(readyDeferrer); ok {
			d.deferReady(ack)
			next(c, env)
			return
		}
		next(c, env)
		ack()
	}
}
