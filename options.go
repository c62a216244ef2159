package taipan

import (
	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
	"github.com/taipan-go/taipan/watcher"
)

// Options configures Start. The zero value works; zero fields mean the
// defaults of defaults.go.
type Options struct {
	// Python is the interpreter of every pool and pet: a name looked up
	// in PATH or a path (default: $TAIPAN_PYTHON, else "python3";
	// snakes.ResolveInterpreter). It is resolved once, to its real
	// executable.
	Python string

	// Paths are the module paths of every worker, pool and pet (sys.path,
	// before the runtime's own), after Worker.Paths. Default, when both
	// are empty: the calling program's directory — the directory of the
	// source file that called Start when it exists on this machine (go
	// run, go test), else the executable's directory.
	Paths []string

	// Worker is the template of every worker, pool and pet (environment,
	// working directory, callbacks into Go, Init, AllowEval...): a pool's
	// PoolOptions.Worker and a pet's PetOptions.Worker are completed from
	// it (snakes.Options.Inherit: what they leave zero is the template's;
	// their Paths, Env and Funcs are added to the template's; see
	// docs/configuration.md, "How options are inherited"). Its
	// Interpreter, when nil, is Python's.
	Worker snakes.Options

	// Default and IO configure the "default" pool (Size: the number of
	// CPUs) and the "io" pool (none kept, up to snakes.DefaultIOPoolSize
	// started on demand: PoolsOptions.IO); Pools are
	// more pools by name; Routes send a module or a module.function to a
	// pool (function entries beat module entries). A pool's zero
	// Intensity is snakes.DefaultPoolMaxRestarts within
	// snakes.DefaultPoolPeriod. Start makes every pool Supervised: it
	// opens under its actor in the tree, which hosts its workers' actors.
	Default PoolOptions
	IO      PoolOptions
	Pools   map[string]PoolOptions
	Routes  map[string]string
	// NoIO: start no "io" pool.
	NoIO bool

	// Pets are named long-lived workers adopted at start (in name order);
	// System.Pets adopts more. Each pet lives under a supervisor of its
	// own, a child of the root's "pets": a crashed pet comes back under
	// its name with its Init run again; one that crashes past its
	// intensity dies alone.
	Pets map[string]pets.PetOptions
	// PetDefaults are the pets' shared settings (call timeout,
	// KillOnException, restart intensity and backoff, OnEvent); its
	// System, Supervisor and Worker are set by Start, its Logger and
	// Clock when nil.
	PetDefaults pets.Options

	// HotReload, when not nil, starts the watcher: a change to a .py file
	// under the module paths reloads it in every pool worker, session and
	// pet (StrategyReload), or restarts them all, rolling
	// (StrategyRestart). Its Paths default to the module paths; its
	// Target and Logger are set by Start.
	HotReload *watcher.Options

	// Supervision is the root supervisor's restart intensity and backoff
	// (supervisor's defaults: 3 restarts in 5 s).
	Supervision Supervision

	// Children are the program's own actors, started under the root
	// supervisor after the pools, the pets and the watcher, stopped
	// before them.
	Children []supervisor.ChildSpec

	// Clock is the supervision tree's time: the root's, the pets' and the
	// pools' (restart intensity windows, backoff delays, the pools'
	// cleaner and ages) unless a pool's PoolOptions.Clock is set.
	// Default supervisor.RealClock.
	Clock supervisor.Clock

	// OnEvent receives the root supervisor's events (a child exited, was
	// restarted, the intensity was exceeded...) and the pools' (a worker
	// crashed: supervisor.ChildExited with Supervisor "pool:NAME" and
	// Child "worker-N"; a worker failed to start) and the "pets"
	// supervisor's (a pet's supervisor gave up: Child "pet:NAME"; the
	// pets' own events are PetDefaults.OnEvent's), each on its
	// supervisor's goroutine: it must not block, and may be called from
	// several goroutines at once. A pool's own PoolOptions.OnEvent, if
	// set, takes its pool's events instead.
	OnEvent func(supervisor.Event)

	// Logger receives everything: supervision events, pool events, the
	// workers' output and log records. Default: a logger that discards.
	Logger hclog.Logger
}

// PoolOptions configures one pool: snakes.PoolOptions.
type PoolOptions = snakes.PoolOptions

// Supervision is the root supervisor's intensity and backoff.
type Supervision struct {
	Intensity supervisor.Intensity
	Backoff   supervisor.Backoff
}
