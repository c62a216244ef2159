package supervisor

import (
	"github.com/asynkron/protoactor-go/actor"
)

// The messages a supervisor actor sends itself (from timers) or receives
// from its Go handle. Requests carry a reply channel of capacity 1, so
// the actor answers without waiting and no future is involved.

// startDue: the backoff delay of a parked job is over.
type startDue struct{ seq uint64 }

// shutdownDue: a child's shutdown timeout is over.
type shutdownDue struct{ pid *actor.PID }

// startChildRequest adds and starts a child (StartChild).
type startChildRequest struct {
	spec  ChildSpec
	reply chan startChildReply
}

type startChildReply struct {
	pid *actor.PID
	err error
}

// terminateChildRequest stops and forgets a child (TerminateChild).
type terminateChildRequest struct {
	id    string
	reply chan error
}

// childrenRequest asks for the children (Children).
type childrenRequest struct {
	reply chan []Child
}

// Child describes a child as its supervisor sees it.
type Child struct {
	ID      string
	PID     *actor.PID // nil while not running
	Restart Restart
}
