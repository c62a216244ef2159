package supervisor

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
)

// Event is something that happened to a supervisor or one of its
// children. Events are given to Spec.OnEvent and logged through
// Spec.Logger, at a level that fits (abnormal exits warn, giving up is an
// error). Switch on the concrete type for details.
type Event interface {
	fmt.Stringer
	// level is the hclog level the event is logged at.
	level() hclog.Level
}

// ChildStarted: a child started for the first time (its Started handler
// returned).
type ChildStarted struct {
	Supervisor, Child string
	PID               *actor.PID
}

func (e ChildStarted) String() string {
	return fmt.Sprintf("%s: child %s started as %s", e.Supervisor, e.Child, e.PID.Id)
}
func (ChildStarted) level() hclog.Level { return hclog.Debug }

// ChildRestarted: a child started again after an exit (its own, or a
// sibling's under one_for_all / rest_for_one), Delay after it was decided.
type ChildRestarted struct {
	Supervisor, Child string
	PID               *actor.PID
	Delay             time.Duration
}

func (e ChildRestarted) String() string {
	return fmt.Sprintf("%s: child %s restarted as %s after %v", e.Supervisor, e.Child, e.PID.Id, e.Delay)
}
func (ChildRestarted) level() hclog.Level { return hclog.Info }

// ChildExited: a child exited on its own, normally (Reason nil or
// ErrNormal) or not (a panic, a worker process that died...).
type ChildExited struct {
	Supervisor, Child string
	PID               *actor.PID
	Reason            error
}

// Normal reports whether the exit was normal (see IsNormal).
func (e ChildExited) Normal() bool { return IsNormal(e.Reason) }

func (e ChildExited) String() string {
	if e.Reason == nil {
		return fmt.Sprintf("%s: child %s exited normally", e.Supervisor, e.Child)
	}
	return fmt.Sprintf("%s: child %s exited: %v", e.Supervisor, e.Child, e.Reason)
}

func (e ChildExited) level() hclog.Level {
	if e.Normal() {
		return hclog.Debug
	}
	return hclog.Warn
}

// ChildStartFailed: a child failed in its Started handler.
type ChildStartFailed struct {
	Supervisor, Child string
	Err               error
}

func (e ChildStartFailed) String() string {
	return fmt.Sprintf("%s: child %s failed to start: %v", e.Supervisor, e.Child, e.Err)
}
func (ChildStartFailed) level() hclog.Level { return hclog.Warn }

// ChildStopped: the supervisor stopped a child (a sibling restart,
// TerminateChild, or its own shutdown) and it stopped in time.
type ChildStopped struct {
	Supervisor, Child string
	PID               *actor.PID
}

func (e ChildStopped) String() string {
	return fmt.Sprintf("%s: child %s stopped", e.Supervisor, e.Child)
}
func (ChildStopped) level() hclog.Level { return hclog.Debug }

// ChildShutdownTimeout: a child did not stop within its Shutdown timeout;
// the supervisor went on without it.
type ChildShutdownTimeout struct {
	Supervisor, Child string
	PID               *actor.PID
	Timeout           Shutdown
}

func (e ChildShutdownTimeout) String() string {
	return fmt.Sprintf("%s: child %s did not stop within %v, abandoned", e.Supervisor, e.Child, e.Timeout)
}
func (ChildShutdownTimeout) level() hclog.Level { return hclog.Warn }

// IntensityExceeded: too many restarts within the period; the supervisor
// gives up and stops with Err, and its parent decides.
type IntensityExceeded struct {
	Supervisor string
	Err        *IntensityError
}

func (e IntensityExceeded) String() string {
	return fmt.Sprintf("%s: giving up: %v", e.Supervisor, e.Err)
}
func (IntensityExceeded) level() hclog.Level { return hclog.Error }

// SupervisorStopped: the supervisor stopped, with Reason nil when asked
// to, an *IntensityError or a *StartError when it gave up.
type SupervisorStopped struct {
	Supervisor string
	Reason     error
}

func (e SupervisorStopped) String() string {
	if e.Reason == nil {
		return fmt.Sprintf("%s: stopped", e.Supervisor)
	}
	return fmt.Sprintf("%s: stopped: %v", e.Supervisor, e.Reason)
}

func (e SupervisorStopped) level() hclog.Level {
	if e.Reason == nil {
		return hclog.Info
	}
	return hclog.Error
}
