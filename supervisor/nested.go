package supervisor

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
)

// StartSupervisor starts a supervisor as a temporary child of s, named id
// (its Shutdown: Infinity), and returns its handle once it and its
// children have started, as Start does at the top of the actor system.
// The tree stays whole — s sees the child, and stopping s stops it — while
// the child keeps its own intensity: when it gives up, s forgets it
// instead of restarting it (a temporary child's exit counts toward no
// intensity), and the handle's Done and Err say why. This is the shape of
// a set of independent subtrees, such as one supervisor per pet, each
// dying alone.
//
// Stop on the handle asks s to terminate the child. On a SimpleOneForOne
// parent the Template's restart type and shutdown apply to every child;
// the restart type must then be Temporary (else ErrInvalidSpec).
func (s *Supervisor) StartSupervisor(ctx context.Context, id string, spec Spec) (*Supervisor, error) {
	if s.strategy == SimpleOneForOne && s.template != Temporary {
		return nil, fmt.Errorf("%w: StartSupervisor under simple_one_for_one %s needs a temporary Template", ErrInvalidSpec, s.name)
	}
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	h := newHandle(spec, s.root)
	h.parent, h.id = s, id
	incarnations := 0
	child := ChildSpec{
		ID:       id,
		Restart:  Temporary,
		Shutdown: Infinity, // its own children get their own time
		Props: func() *actor.Props {
			// A handle follows one incarnation: a parent never restarts a
			// temporary child, so a second call is a misuse, refused.
			incarnations++
			if incarnations > 1 {
				return actor.PropsFromProducer(func() actor.Actor {
					return invalidSpec{fmt.Errorf("%w: %q was started by StartSupervisor and cannot restart", ErrInvalidSpec, id)}
				})
			}
			return actor.PropsFromProducer(func() actor.Actor { return newSupervisorActor(spec, h) })
		},
	}
	pid, err := s.StartChild(ctx, child)
	if err != nil {
		if ctx.Err() != nil {
			// It may start after all: have s stop it then (its request is
			// queued behind the start), without waiting.
			s.root.Send(s.pid, &terminateChildRequest{id: id, reply: make(chan error, 1)})
		}
		return nil, err
	}
	h.pid = pid
	return h, nil
}
