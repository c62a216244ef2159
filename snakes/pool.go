package snakes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
	"github.com/taipan-go/taipan/supervisor"
)

// Pool is one pool of Workers (Venomous' SnakeManager, poolboy's pool).
//
// What happens to its workers is decided by a pure state machine
// (internal/poolstate: one state per member, events in, actions out) and
// carried out here. The control plane is actors: the pool's manager actor
// (pool_actor.go) and, as its children, one actor per worker
// (pool_worker.go) that starts the worker's process and lives as long as
// it — OTP's simple_one_for_one with temporary children: the machine, not
// protoactor, decides every start and replacement. The manager actor
// runs the cleaner and slays, and tells OnEvent of crashes. The data
// plane is direct: a call takes a worker from the machine under a mutex
// (no allocation, no actor hop), calls it on the caller's goroutine and
// gives it back; no call crosses an actor.
//
// A Pool is safe for concurrent use.
type Pool struct {
	opts  PoolOptions
	log   hclog.Logger
	clock supervisor.Clock
	own   *actor.ActorSystem // the Pool's own system (Stop shuts it down), or nil
	ctl   atomic.Pointer[control]

	life     context.Context // ends when Stop gives up on graceful: aborts starts
	lifeStop context.CancelFunc

	mu       sync.Mutex
	cond     *sync.Cond // broadcast on membership and start changes (Stop, Restart wait on it)
	mach     *poolstate.Machine[*Worker, chan grant]
	opened   bool      // the machine is open (Supervised: since the manager actor's first start)
	pending  []*member // spawns asked of the manager actor that it has not taken yet
	actors   map[*member]*actor.PID
	reloads  ReloadLog // reloads that ran while workers were starting
	warmErr  error
	warmDone chan struct{}
	cleanOff func() bool // stops the cleaner's next round
	failHook func(error) // tells the supervising actor (PoolProps) of a failure

	stopOnce sync.Once
	stopErr  error
	done     chan struct{} // closed when Stop has finished

	stats counters
}

// control is where the manager actor is: its actor system and PID. A
// supervised pool's manager actor changes at each restart.
type control struct {
	system *actor.ActorSystem
	pid    *actor.PID
}

// member is one worker of the pool: its state is the machine's, its
// Worker the process.
type member = poolstate.Member[*Worker]

// waiter is a caller queued for a worker. Its grant is sent on C
// (capacity 1) under Pool.mu, after the machine took it off the
// queue: a waiter that gives up and finds itself off the queue owns the
// granted worker and gives it back, so no worker is ever lost.
type waiter = poolstate.Waiter[chan grant]

// actions are what the machine asks the Pool to do.
type actions = []poolstate.Action[*Worker, chan grant]

type grant struct {
	m   *member
	err error
}

// NewPool starts a pool and its Size workers, and returns once they are
// ready (or the first start failed: the pool is then stopped and the error
// returned). A Supervised pool starts when the actor of PoolProps does:
// NewPool returns it at once, and Ready waits for its workers.
func NewPool(ctx context.Context, opts PoolOptions) (*Pool, error) {
	opts = opts.withDefaults()
	if opts.Size+opts.MaxOverflow <= 0 {
		return nil, &PoolSizeError{Pool: opts.Name, Size: opts.Size, MaxOverflow: opts.MaxOverflow}
	}
	if _, err := opts.Worker.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
	}
	if opts.Worker.Interpreter == nil && opts.Worker.Profile != ProfileErlPort {
		in, err := ResolveInterpreter(ctx, InterpreterOptions{Logger: opts.Logger})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
		}
		opts.Worker.Interpreter = in
	}
	p := &Pool{
		opts:     opts,
		log:      opts.Logger.Named(opts.Name),
		clock:    opts.Clock,
		actors:   make(map[*member]*actor.PID),
		warmDone: make(chan struct{}),
		done:     make(chan struct{}),
	}
	if l := opts.Worker.Limits; l.Memory > 0 && l.MemoryBy == MemoryAddressSpace {
		p.log.Info("memory limit by RLIMIT_AS (address space): MemoryAddressSpace")
	} else if l.Memory > 0 {
		// Said once here; each worker says it again at debug level.
		if parent, explicit, err := memoryCgroup(l); err != nil && explicit {
			return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
		} else if err != nil {
			p.log.Info("memory limit by RLIMIT_AS (address space): no cgroup can be made", "why", err)
		} else {
			p.log.Info("memory limit by a cgroup of each worker's own", "under", parent.dir, "cgroup v1", parent.v1)
		}
	}
	p.mach = poolstate.New[*Worker, chan grant](opts.machineConfig())
	p.cond = sync.NewCond(&p.mu)
	p.life, p.lifeStop = context.WithCancel(context.Background())
	if opts.Supervised {
		return p, nil // PoolProps' actor opens it
	}
	system := opts.ActorSystem
	if system == nil {
		system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, nil))
		}))
		p.own = system
	}
	// Spawned at the top of the actor system: nothing supervises a
	// standalone pool (PoolProps only stands in for it).
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &managerActor{p: p} }))
	p.ctl.Store(&control{system: system, pid: pid})
	p.open()
	if err := p.Ready(ctx); err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Stop(sctx)
		return nil, err
	}
	return p, nil
}

// open opens the pool's machine (its first Size workers start) and arms
// the cleaner, once; a stopped pool stays shut.
func (p *Pool) open() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opened || p.mach.Mode() == poolstate.Stopped {
		return
	}
	p.opened = true
	p.exec(p.mach.Open())
	if p.opts.CleanInterval > 0 {
		p.armCleaner()
	}
}

// Ready waits until the pool's first Size workers are up, and returns the
// first one's start error if one failed (NewPool then fails; a
// Supervised pool is the caller's to stop), ErrPoolStopped if the pool
// stopped first, or ctx's error (with ErrStartFailed). A pool NewPool
// returned without Supervised is ready.
func (p *Pool) Ready(ctx context.Context) error {
	select {
	case <-p.warmDone:
	case <-p.done:
		select {
		case <-p.warmDone:
		default:
			return ErrPoolStopped
		}
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrStartFailed, ctx.Err())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.warmErr
}

// Name returns the pool's name.
func (p *Pool) Name() string { return p.opts.Name }

// send posts a message to the manager actor; one sent while a supervised
// pool has none (before its first start, between two incarnations) is
// lost, which the senders allow for.
func (p *Pool) send(msg any) {
	if c := p.ctl.Load(); c != nil {
		c.system.Root.Send(c.pid, msg)
	}
}

// callContext applies CallTimeout to a context without a deadline.
func (p *Pool) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.opts.CallTimeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			return context.WithTimeout(ctx, p.opts.CallTimeout)
		}
	}
	return ctx, nil
}

// acquire takes a worker for use: Shared (a pool call) or Exclusive (a
// lease). It waits in the FIFO queue when none is free and block is set,
// or when the pool may start one (which the waiter then waits for): the
// machine decides (poolstate.Machine.Acquire).
func (p *Pool) acquire(ctx context.Context, use poolstate.Use, block bool) (*member, error) {
	if err := ctx.Err(); err != nil {
		return nil, waitError(err)
	}
	p.mu.Lock()
	m, verdict, acts := p.mach.Acquire(use, block)
	p.exec(acts)
	if verdict != poolstate.Wait {
		err := p.verdictError(verdict)
		p.mu.Unlock()
		return m, err
	}
	wt, acts := p.mach.Wait(use, make(chan grant, 1))
	p.exec(acts)
	p.mu.Unlock()

	select {
	case g := <-wt.C:
		return g.m, g.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	if p.mach.Cancel(wt) { // still queued: leave
		p.mu.Unlock()
		return nil, waitError(ctx.Err())
	}
	p.mu.Unlock()
	// Granted as we gave up: the worker is ours, give it back unused.
	if g := <-wt.C; g.m != nil {
		p.release(g.m, 0, false)
	}
	return nil, waitError(ctx.Err())
}

// verdictError is the error of a caller that gets no worker. Pool.mu
// held.
func (p *Pool) verdictError(v poolstate.Verdict) error {
	switch v {
	case poolstate.Granted:
		return nil
	case poolstate.Full:
		return ErrPoolFull
	case poolstate.Overloaded:
		return ErrOverloaded
	case poolstate.Down:
		return p.mach.Failure()
	}
	return ErrPoolStopped
}

// waitError is the error of a caller whose context ended while it waited
// for a worker.
func waitError(err error) error {
	cause := ErrCancelled
	if errors.Is(err, context.DeadlineExceeded) {
		cause = ErrTimeout
	}
	return fmt.Errorf("%w: waiting for a worker: %w", cause, err)
}

// release gives a worker back after one use: served is how many calls it
// served (a pool call: 0 or 1; a lease: its count); broken retires it (its
// state is unknown). A worker whose process exited unasked is reported as
// a crash first.
func (p *Pool) release(m *member, served int, broken bool) {
	now := p.clock.Now()
	out := poolstate.Whole
	p.mu.Lock()
	if broken || m.Worker.Err() != nil {
		out = poolstate.Broken
		if crash := exitedUnasked(m.Worker); crash != nil {
			p.exec(p.mach.Exited(m, crash, now))
		}
	}
	p.exec(p.mach.Release(m, served, out, now))
	p.mu.Unlock()
}

// exitedUnasked returns w's exit status when its process exited and
// nobody asked it to (no stop, no slay, no kill of an abandoned call): a
// crash. Otherwise nil.
func exitedUnasked(w *Worker) error {
	select {
	case <-w.Exited():
	default:
		return nil // alive, or broken by an abandoned call and being stopped
	}
	w.mu.Lock()
	unasked := w.refuse == nil
	w.mu.Unlock()
	if !unasked {
		return nil
	}
	return w.exitErr // set before Exited is closed
}

// exec carries out the machine's actions, in order. Pool.mu held.
// Nothing here waits: a start, a stop and a kill run in goroutines of
// their own, a grant goes to a channel with room for it.
func (p *Pool) exec(acts actions) {
	changed := false
	for i := range acts {
		a := &acts[i]
		switch a.Kind {
		case poolstate.GrantWaiter:
			a.Waiter.C <- grant{m: a.Member}
			continue
		case poolstate.FailWaiter:
			a.Waiter.C <- grant{err: a.Err}
		case poolstate.SpawnWorker:
			if a.Why != poolstate.WhyWarm && a.Why != poolstate.WhyRefill {
				p.log.Debug("recycling worker", "worker", a.Member.ID, "why", a.Why.String())
			}
			p.pending = append(p.pending, a.Member)
			p.send(&spawnWorker{m: a.Member, reloads: p.reloads.Mark()})
		case poolstate.RetireWorker:
			p.log.Debug("retiring worker", "worker", a.Member.ID, "why", a.Why.String())
		case poolstate.StopWorker:
			p.stopAsync(a.Member.Worker)
		case poolstate.KillWorker:
			go a.Member.Worker.stopBroken() // end of file, SIGTERM, SIGKILL
		case poolstate.NoteCrash:
			p.log.Warn("worker exited", "worker", a.Member.ID, "error", a.Err)
			p.note(a.Member, a.Err, true)
		case poolstate.NoteStartFailure:
			p.log.Warn("worker start failed", "worker", a.Member.ID, "error", a.Err)
			p.note(a.Member, a.Err, false)
		case poolstate.ScheduleRetry:
			p.clock.AfterFunc(a.Delay, func() { p.send(&refillRetry{}) })
		case poolstate.PoolDown:
			p.log.Error("pool failed", "error", a.Err)
			if hook := p.failHook; hook != nil {
				go hook(a.Err) // the actor's mailbox, never under mu
			}
		case poolstate.WarmedUp:
			if p.warmErr == nil {
				p.warmErr = a.Err
			}
			close(p.warmDone)
		}
		changed = true
	}
	if changed {
		p.cond.Broadcast()
	}
}

// stopAsync stops a worker that left the pool, in the background: end of
// file, then SIGTERM and SIGKILL after StopGrace (for a worker that
// exited: its goroutines end).
func (p *Pool) stopAsync(w *Worker) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), w.opts.StopBudget())
		defer cancel()
		w.Stop(ctx)
	}()
}
