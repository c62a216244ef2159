package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// Supervisor is the Go-facing handle of a supervisor actor started with
// Start or StartSupervisor. Its methods are safe for concurrent use and never block past
// their context.
type Supervisor struct {
	name     string
	root     *actor.RootContext
	pid      *actor.PID
	strategy Strategy      // its own strategy and its Template's restart
	template Restart       // type: what StartSupervisor checks of a parent
	parent   *Supervisor   // set by StartSupervisor: Stop goes through it
	id       string        // its child id under parent
	up       chan struct{} // closed once every child has started
	done     chan struct{} // closed once the actor has stopped
	upOnce   sync.Once
	doneOnce sync.Once

	mu          sync.Mutex
	reason      error // why it stopped on its own
	shutdownErr error // children that did not stop in time
}

// Start spawns a supervisor under root (at the top of the actor system)
// and returns once its children have started, in order. If one fails to
// start the others are stopped and Start returns a *StartError, as OTP's
// start_link does. When the supervisor gives up later (IntensityExceeded)
// it stops: Done is closed and Err says why.
func Start(ctx context.Context, root *actor.RootContext, spec Spec) (*Supervisor, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	h := newHandle(spec, root)
	props := actor.PropsFromProducer(func() actor.Actor { return newSupervisorActor(spec, h) },
		actor.WithGuardian(guardian{}))
	h.pid, err = root.SpawnNamed(props, spec.Name+root.ActorSystem().ProcessRegistry.NextId())
	if err != nil {
		return nil, err
	}
	select {
	case <-h.up:
		return h, nil
	case <-h.done:
		return nil, h.Err()
	case <-ctx.Done():
		root.Stop(h.pid) // not waited for: ctx has ended
		return nil, ctx.Err()
	}
}

// Props returns the props of a supervisor actor, to nest it under another
// supervisor (see Nested) or any protoactor parent. When it gives up it
// panics with its reason, so that the parent's strategy sees an
// *IntensityError. An invalid spec fails its start with ErrInvalidSpec.
func Props(spec Spec) *actor.Props {
	spec, err := spec.withDefaults()
	return actor.PropsFromProducer(func() actor.Actor {
		if err != nil {
			return invalidSpec{err}
		}
		return newSupervisorActor(spec, nil)
	})
}

// Nested is the child spec of a supervisor under a supervisor: Shutdown
// Infinity, so that its own children get their full shutdown time, as
// OTP advises for supervisor children.
func Nested(id string, spec Spec) ChildSpec {
	return ChildSpec{ID: id, Props: func() *actor.Props { return Props(spec) }, Shutdown: Infinity}
}

// invalidSpec is the actor of Props given an invalid spec: it fails to
// start.
type invalidSpec struct{ err error }

func (i invalidSpec) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		panic(i.err)
	}
}

// PID is the supervisor actor's PID.
func (s *Supervisor) PID() *actor.PID { return s.pid }

// Done is closed once the supervisor has stopped, on Stop or on its own.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Err is why the supervisor stopped on its own: an *IntensityError
// (errors.Is ErrIntensityExceeded) or a *StartError; nil while it runs
// and after Stop.
func (s *Supervisor) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Stop stops the children in reverse start order, each within its
// Shutdown, then the supervisor, and waits for it until ctx ends. It
// returns a *ShutdownTimeoutError when some children did not stop in time,
// and ctx's error (wrapped with ErrShutdownTimeout) when the supervisor
// itself did not stop before ctx ended. A supervisor started with
// StartSupervisor is stopped by its parent (TerminateChild), so that the
// parent reports it stopped, not exited.
func (s *Supervisor) Stop(ctx context.Context) error {
	if s.parent == nil || s.parent.TerminateChild(ctx, s.id) != nil {
		// No parent, or one that has stopped or forgotten it (it gave
		// up), or ctx ended: stop it directly (a no-op once it is gone).
		s.root.Stop(s.pid)
	}
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.shutdownErr
	case <-ctx.Done():
		return fmt.Errorf("%w: supervisor %s: %w", ErrShutdownTimeout, s.name, ctx.Err())
	}
}

// Children lists the children in start order (PID nil while a child is
// not running).
func (s *Supervisor) Children(ctx context.Context) ([]Child, error) {
	r := &childrenRequest{reply: make(chan []Child, 1)}
	s.root.Send(s.pid, r)
	select {
	case c := <-r.reply:
		return c, nil
	case <-s.done:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// StartChild adds a child after the existing ones and returns once it has
// started; if it fails to start it is not kept and the error is a
// *StartError. On a SimpleOneForOne supervisor spec may be empty: the ID
// is generated, a nil Props is the template's, and Restart and Shutdown are
// always the template's.
func (s *Supervisor) StartChild(ctx context.Context, spec ChildSpec) (*actor.PID, error) {
	r := &startChildRequest{spec: spec, reply: make(chan startChildReply, 1)}
	s.root.Send(s.pid, r)
	select {
	case rep := <-r.reply:
		return rep.pid, rep.err
	case <-s.done:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TerminateChild stops a child (within its Shutdown) and forgets it: it
// is not restarted, whatever its restart type.
func (s *Supervisor) TerminateChild(ctx context.Context, id string) error {
	r := &terminateChildRequest{id: id, reply: make(chan error, 1)}
	s.root.Send(s.pid, r)
	select {
	case err := <-r.reply:
		return err
	case <-s.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newHandle returns the handle of a supervisor with spec (defaults
// applied), before its actor is spawned.
func newHandle(spec Spec, root *actor.RootContext) *Supervisor {
	return &Supervisor{
		name: spec.Name, root: root, strategy: spec.Strategy, template: spec.Template.Restart,
		up: make(chan struct{}), done: make(chan struct{}),
	}
}

func (s *Supervisor) started() { s.upOnce.Do(func() { close(s.up) }) }

func (s *Supervisor) finish() { s.doneOnce.Do(func() { close(s.done) }) }

func (s *Supervisor) setReason(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason == nil {
		s.reason = err
	}
}

func (s *Supervisor) setShutdownErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdownErr = errors.Join(s.shutdownErr, err)
}
