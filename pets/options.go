package pets

import (
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// Options configures New. The zero value works; zero fields mean the
// defaults of defaults.go (and of package supervisor for Intensity and
// Backoff).
type Options struct {
	// System is the actor system the pets' supervisors run in. When nil,
	// New creates one (actors.NewSystem) and Stop stops it.
	System *actors.System

	// Supervisor is the supervisor the pets live under: each pet's own
	// supervisor is its temporary child (supervisor.StartSupervisor), so
	// the tree is whole while a pet that exceeds its intensity dies
	// alone. It must run in System. taipan.Start passes its root's
	// "pets" child. When nil, New starts one of its own, named "pets"
	// (DefaultSupervisorName), at the top of System, and Stop stops it.
	Supervisor *supervisor.Supervisor

	// Clock is the pets' time: their supervisors' (restart intensity
	// windows, backoff delays) and the times in PetInfo. Default
	// supervisor.RealClock; tests inject a fake one.
	Clock supervisor.Clock

	// Worker is the template of every pet's snakes.Options (Interpreter,
	// Paths, AllowEval, grace periods...). Its ID is replaced by
	// "<name>#<n>" (n counts the pet's processes); its OnExit is kept and
	// called before the pet hears of the exit. When Interpreter is nil
	// (native profile) New resolves $TAIPAN_PYTHON or python3 once. A
	// pet's own PetOptions.Worker is completed from it
	// (snakes.Options.Inherit).
	Worker snakes.Options

	// Logger receives the pets' events, and is the workers' logger when
	// Worker.Logger is nil; default a logger that discards everything.
	Logger hclog.Logger

	// OnEvent receives every Event, in order for each pet. It must not
	// block (send to a buffered channel, count, log).
	OnEvent func(Event)

	// Intensity and Backoff are every pet's restart limits (each pet has
	// a supervisor of its own); PetOptions may override them.
	Intensity supervisor.Intensity
	Backoff   supervisor.Backoff

	// CallTimeout bounds a call whose context has no deadline
	// (DefaultCallTimeout); negative: no bound. PetOptions may override.
	CallTimeout time.Duration

	// KillOnException makes every pet restart after a call that raised a
	// Python exception, in case the exception left it in a bad state.
	KillOnException bool
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Worker.Logger == nil {
		o.Worker.Logger = o.Logger
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Clock == nil {
		o.Clock = supervisor.RealClock{}
	}
	return o
}

// PetOptions configures one pet (Adopt). The zero value is a permanent
// pet made from Options.Worker.
type PetOptions struct {
	// Worker, when set, is the pet's own worker options, completed from
	// Options.Worker (snakes.Options.Inherit: the fields it leaves zero
	// are the template's; its Paths, Env and Funcs are added to the
	// template's). Init, Paths and Env below apply on top of it.
	Worker *snakes.Options

	// Init is called in every incarnation of the pet before it takes
	// calls: the place to build its state (load a model, open a
	// connection). It runs again after each restart.
	Init *snakes.InitCall

	// Paths and Env are added to the template's by the same rule: Paths
	// in front (searched first), Env after (a variable set twice takes
	// the pet's value).
	Paths []string
	Env   []string

	// Restart: supervisor.Permanent (the zero value) and
	// supervisor.Transient pets are restarted when their process exits
	// (every exit a pet did not ask for is abnormal, so both behave
	// alike); supervisor.Temporary pets are not: they die.
	Restart supervisor.Restart

	// CallTimeout overrides Options.CallTimeout when not zero; negative:
	// no bound.
	CallTimeout time.Duration

	// KillOnException restarts this pet after a call that raised a Python
	// exception (Options.KillOnException does it for every pet).
	KillOnException bool

	// Intensity and Backoff override Options' when not zero.
	Intensity supervisor.Intensity
	Backoff   supervisor.Backoff
}

// resolve merges the pet's options with the Pets' defaults.
func (po PetOptions) resolve(o Options) PetOptions {
	w := o.Worker
	if po.Worker != nil {
		w = po.Worker.Inherit(o.Worker)
	}
	w = snakes.Options{Init: po.Init, Paths: po.Paths, Env: po.Env}.Inherit(w)
	po.Worker = &w
	if po.CallTimeout == 0 {
		po.CallTimeout = o.CallTimeout
	}
	po.KillOnException = po.KillOnException || o.KillOnException
	if po.Intensity == (supervisor.Intensity{}) {
		po.Intensity = o.Intensity
	}
	if po.Backoff == (supervisor.Backoff{}) {
		po.Backoff = o.Backoff
	}
	return po
}

// stopGrace is the worker's StopGrace: how long a process has after end
// of file (Stop, SlayDrain) or SIGTERM (SlayPolite) before the next step.
func (po PetOptions) stopGrace() time.Duration {
	if po.Worker.StopGrace <= 0 {
		return snakes.DefaultStopGrace
	}
	return po.Worker.StopGrace
}

// shutdown is how long the pet's supervisor waits for its worker to stop:
// the worker's stop budget, so that the supervisor never gives up on a
// process that is still on its way out.
func (po PetOptions) shutdown() supervisor.Shutdown {
	return supervisor.Shutdown(po.Worker.StopBudget())
}
