package pets

import (
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// Defaults for the zero values of Options and PetOptions, in one place so
// that the documented numbers and the code cannot drift apart. Restart
// intensity and backoff default to the supervisor package's (3 restarts
// in 5 s; 10 ms doubling up to 5 s).
const (
	// DefaultCallTimeout bounds a call (Call, CallInto, Eval, Exec) whose
	// context has no deadline, waiting for a restarting pet included: the
	// pools' snakes.DefaultCallTimeout (Venomous' python_timeout). Past it
	// the call is abandoned and the pet's process interrupted, killed and
	// restarted by its supervisor.
	DefaultCallTimeout = snakes.DefaultCallTimeout

	// DefaultSystemName names the actor system Pets create for
	// themselves when Options.System is nil.
	DefaultSystemName = "pets"

	// DefaultSupervisorName names the supervisor Pets start for
	// themselves when Options.Supervisor is nil (taipan.Start's root child
	// holding the pets has this name too); PetChildPrefix and the pet's
	// name make the child id of a pet's own supervisor under it.
	DefaultSupervisorName = "pets"
	PetChildPrefix        = "pet:"

	// fetchTimeout bounds the control-plane request that gets a freshly
	// started worker actor's *Worker (it answers at once: the worker is
	// started before the actor's Started handler returns).
	fetchTimeout = 10 * time.Second

	// epipeWait bounds the wait for a process whose request pipe broke to
	// be reaped, before a call that never reached it is sent again.
	epipeWait = 5 * time.Second

	// stopFallback bounds Stop, and the polite part of Slay, when their
	// context has no deadline.
	stopFallback = 30 * time.Second
)
