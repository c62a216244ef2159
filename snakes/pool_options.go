package snakes

import (
	"fmt"
	"runtime"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
	"github.com/taipan-go/taipan/supervisor"
)

// IdleOrder is which idle worker a pool hands out next.
type IdleOrder uint8

const (
	// LIFO hands out the worker released last (poolboy's default): the
	// warmest one, and the others stay idle long enough to be reaped.
	LIFO IdleOrder = iota
	// FIFO hands out the worker idle the longest: work spreads over all
	// workers.
	FIFO
)

// PoolOptions configures a Pool (one pool). The zero value works;
// zero fields mean the defaults of pool_defaults.go.
type PoolOptions struct {
	// Worker is the template of every worker's Options. Its ID is replaced
	// by "<Name>-<n>"; its OnExit is kept and called before the pool hears
	// of the exit. When Worker.Interpreter is nil (native profile) the
	// interpreter is resolved once by NewPool. Unless Worker.Spin is
	// set, a pool of NumCPU workers or more (Size+MaxOverflow) does not
	// poll its pipes (Spin -1): its pollers could take every core.
	Worker Options

	// Name names the pool in logs and prefixes worker ids (PoolDefault,
	// "default": the one name a pool has when nobody names it).
	Name string

	// Size is how many workers the pool keeps: started by NewPool,
	// replaced when they exit, never reaped. Default runtime.NumCPU().
	// Negative: none kept — every worker is started on demand (an
	// overflow worker, reaped after IdleTTL), so a pool nobody calls runs
	// no process; MaxOverflow must then be above zero (else NewPool fails
	// with a *PoolSizeError).
	Size int

	// MaxOverflow is how many more workers may be started on demand when
	// none is idle (poolboy's max_overflow); they are reaped after IdleTTL.
	// Default 0. Size+MaxOverflow is the pool's maximum.
	MaxOverflow int

	// MaxWaiters bounds the wait queue (DefaultMaxWaiters); past it a
	// caller gets ErrOverloaded at once. Negative (fail fast): no caller
	// waits for a busy worker; one that finds no free worker still gets
	// one the pool can start for it (below Size+MaxOverflow), and
	// ErrOverloaded only when none can be.
	MaxWaiters int

	// Order picks the idle worker handed out next (LIFO, the zero value,
	// or FIFO).
	Order IdleOrder

	// Pipeline is how many pool calls one worker may have in flight
	// (DefaultPipeline). A lease always has its worker to itself.
	Pipeline int

	// MaxRedispatch is how many times a pool call that never ran (its
	// worker died before running it: ErrNotRun) is sent to another worker
	// (DefaultMaxRedispatch). Only workers the request reached count: one
	// that was dead or stopping already turned it away before it was
	// sent, which is not the call's doing. Past it the call fails with its
	// last error, which then also matches ErrRedispatchBudget: a call that
	// kills every worker it reaches fails alone instead of crashing the
	// whole pool. Negative: a call is never sent again.
	MaxRedispatch int

	// CallTimeout bounds a call whose context has no deadline, waiting for
	// a worker included (DefaultCallTimeout). Negative: no bound.
	CallTimeout time.Duration

	// KillOnException retires (stops and replaces) a worker whose call
	// raised a Python exception, in case the exception left it in a bad
	// state.
	KillOnException bool

	// IdleTTL is how long a worker above Size may stay idle before the
	// cleaner reaps it (DefaultIdleTTL). The least recently used go first;
	// busy and leased workers are never reaped. Negative: never.
	IdleTTL time.Duration

	// CleanInterval is the cleaner's period (DefaultCleanInterval).
	// Negative: no cleaner (Clean can still be called).
	CleanInterval time.Duration

	// Recycling: a worker that served MaxCalls calls, that is older than
	// MaxAge, or whose resident memory is above MaxRSS bytes is replaced.
	// Zero: no limit. MaxCalls is exact: a worker is handed at most
	// MaxCalls pool calls (those in flight counted); handed its last, it
	// retires (finishes its calls, then stops) and its replacement starts
	// at once. A lease's or a session's calls count as they run and are
	// never refused: such a worker retires when given back at or past
	// MaxCalls. For MaxAge (checked when a call ends and on each clean) and
	// MaxRSS (on each clean) the replacement is started first and the old
	// worker retires once it is ready.
	MaxCalls int
	MaxAge   time.Duration
	MaxRSS   int64

	// SpawnBackoff and MaxSpawnBackoff space the retries of a worker
	// start that failed while refilling the pool (DefaultSpawnBackoff,
	// DefaultMaxSpawnBackoff).
	SpawnBackoff    time.Duration
	MaxSpawnBackoff time.Duration

	// Intensity is the pool's restart intensity, as OTP's (the one
	// Intensity type of supervisor): more than Intensity.MaxRestarts
	// worker crashes and failed starts within Intensity.Period and the
	// pool gives up — it fails with a *PoolFailedError, stops its
	// workers, and its calls fail with ErrPoolFailed — so that a crash
	// loop (a module that kills its worker at import) surfaces instead of
	// spinning. Under a supervisor (PoolProps) the supervisor then
	// decides: a restart revives the pool with fresh workers; a pool
	// without one stays down. Zero fields: DefaultPoolMaxRestarts,
	// DefaultPoolPeriod. Negative MaxRestarts: the first crash fails the
	// pool. supervisor.UnlimitedRestarts: no limit (crashed workers are
	// replaced for ever, with SpawnBackoff between failed starts).
	Intensity supervisor.Intensity

	// ActorSystem hosts the pool's manager actor and, as its children,
	// one actor per worker (worker-1, worker-2...). Default: a system of
	// its own, shut down by Stop. Unused when Supervised.
	ActorSystem *actor.ActorSystem

	// Supervised: the pool lives under a supervisor. NewPool then
	// starts nothing and returns at once; the actor of PoolProps,
	// started by the supervisor, is the pool's manager actor — it starts
	// the Size workers, as its children, and each of its restarts revives
	// the pool — and Ready says when the first workers are up. The pool's
	// actors are then in the supervisor's actor system, under it
	// (taipan.Start: taipan/pool:NAME/worker-N). Without it the manager
	// actor is at the top of ActorSystem, and PoolProps only stands in
	// for the pool in a supervision tree.
	Supervised bool

	// OnEvent receives the supervisor events of the pool's workers, on
	// the manager actor's goroutine (it must not block; under
	// taipan.Start other supervisors call it too, from theirs):
	// supervisor.ChildExited when a worker's process exits unasked (a
	// crash; its Reason a *WorkerExitedReason), and
	// supervisor.ChildStartFailed when a worker cannot start. Supervisor
	// is "pool:<Name>", Child the worker's actor ("worker-3" for the
	// worker "<Name>-3"). A worker the pool stopped itself (recycled,
	// reaped, slain, the pool stopping) sends none. Default none.
	OnEvent func(supervisor.Event)

	// Logger receives the pool's events; default Worker.Logger, or a
	// logger that discards everything.
	Logger hclog.Logger

	// Clock is the pool's time (last use, ages, TTL) and its timers (the
	// cleaner's round, the retry of failed starts): the supervision
	// tree's Clock, so that one fake drives pools, pets and supervisors.
	// Default supervisor.RealClock.
	Clock supervisor.Clock
}

// machineConfig is the pool's state machine's configuration, defaults
// applied.
func (o PoolOptions) machineConfig() poolstate.Config {
	name := o.Name
	return poolstate.Config{
		Name: o.Name, Size: o.Size, MaxOverflow: o.MaxOverflow, MaxWaiters: o.MaxWaiters,
		FIFO: o.Order == FIFO, Pipeline: o.Pipeline, MaxCalls: o.MaxCalls, MaxAge: o.MaxAge,
		IdleTTL:      max(o.IdleTTL, 0),
		SpawnBackoff: o.SpawnBackoff, MaxSpawnBackoff: o.MaxSpawnBackoff, RecycleRetry: recycleRetry,
		MaxRestarts: o.Intensity.MaxRestarts, Period: o.Intensity.Period,
		Failure: func(n int, period time.Duration, last error) error {
			return &PoolFailedError{
				Pool: name, Reason: fmt.Sprintf("%d worker crashes within %v", n, period),
				Restarts: n, Period: period, Last: last,
			}
		},
	}
}

// withDefaults fills the zero fields.
func (o PoolOptions) withDefaults() PoolOptions {
	if o.Name == "" {
		o.Name = PoolDefault
	}
	switch {
	case o.Size == 0:
		o.Size = runtime.NumCPU()
	case o.Size < 0: // none kept: every worker on demand
		o.Size = 0
	}
	o.MaxOverflow = max(o.MaxOverflow, 0)
	if o.Worker.Spin == 0 && o.Size+o.MaxOverflow >= runtime.NumCPU() {
		// Workers that poll while they could fill every core take the
		// cores from each other and from the host that feeds them (on 2
		// cores a pool of 2 with 8 callers did 10–20% fewer calls/s).
		o.Worker.Spin = -1
	}
	if o.MaxWaiters == 0 {
		o.MaxWaiters = DefaultMaxWaiters
	}
	o.Pipeline = orInt(o.Pipeline, DefaultPipeline)
	if o.MaxRedispatch == 0 {
		o.MaxRedispatch = DefaultMaxRedispatch
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.IdleTTL == 0 {
		o.IdleTTL = DefaultIdleTTL
	}
	if o.CleanInterval == 0 {
		o.CleanInterval = DefaultCleanInterval
	}
	o.SpawnBackoff = orDuration(o.SpawnBackoff, DefaultSpawnBackoff)
	o.MaxSpawnBackoff = orDuration(o.MaxSpawnBackoff, DefaultMaxSpawnBackoff)
	if o.Logger == nil {
		o.Logger = o.Worker.Logger
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Intensity.MaxRestarts == 0 {
		o.Intensity.MaxRestarts = DefaultPoolMaxRestarts
	}
	if o.Intensity.Period <= 0 {
		o.Intensity.Period = DefaultPoolPeriod
	}
	if o.Clock == nil {
		o.Clock = supervisor.RealClock{}
	}
	return o
}
