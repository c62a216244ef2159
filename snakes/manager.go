package snakes

import (
	"container/list"
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
)

// Manager is one pool of Workers (Venomous' SnakeManager, poolboy's pool).
//
// The control plane is a protoactor-go actor (manager_actor.go): it starts
// workers (in goroutines: a start takes 50–90 ms), hears of their exits,
// replaces them, reaps idle ones, recycles old ones and slays. The data
// plane is direct: a call takes a worker from the idle list under a mutex,
// calls it on the caller's goroutine and gives it back; no call crosses
// the actor.
//
// A Manager is safe for concurrent use.
type Manager struct {
	opts   ManagerOptions
	max    int
	log    hclog.Logger
	clock  Clock
	system *actor.ActorSystem
	own    bool // the system is the Manager's own: Stop shuts it down
	pid    *actor.PID

	life     context.Context // ends when Stop gives up on graceful: aborts starts
	lifeStop context.CancelFunc

	mu       sync.Mutex
	cond     *sync.Cond // broadcast on membership and pending changes (Stop waits on it)
	members  []*member
	idle     []*member
	waiters  list.List // of *waiter, FIFO
	procs    map[*Worker]struct{}
	pending  int // worker starts in progress
	replace  int // of which replacements for recycled workers
	seq      int
	reloads  ReloadLog // reloads that ran while workers were starting
	stopped  bool
	backoff  time.Duration // the next refill retry's delay, after failed starts
	retrying bool          // a refill retry is scheduled
	warm     int           // initial starts not yet finished
	warmErr  error
	warmDone chan struct{}
	failed   *PoolFailedError // the pool is down (Intensity exceeded, or its supervisor's order)
	restarts []time.Time      // crashes and failed starts within the intensity period
	failHook func(error)      // tells the supervising actor (ManagerProps) of a failure

	stopOnce sync.Once
	stopErr  error
	done     chan struct{} // closed when Stop has finished

	stats counters
}

// member is one worker of the pool with its bookkeeping. Fields after mu
// are guarded by Manager.mu.
type member struct {
	w        *Worker
	id       string
	started  time.Time
	calls    atomic.Uint64
	lastUsed atomic.Int64 // unix nanoseconds

	inflight    int  // pool calls in flight
	leased      bool // a Lease holds it
	idle        bool // in Manager.idle
	retiring    bool // handed out no more; stopped once free
	recycling   bool // a replacement is being started
	recycleNext time.Time
	added       bool // joined the pool (the start was processed)
	gone        bool // left the pool
	exitSeen    bool // its exit was reported before its start was processed
	expected    bool // the pool asked it to stop: its exit is no crash
	crashed     bool // its exit was counted as a crash
}

func (m *member) free() bool { return m.inflight == 0 && !m.leased }

// waiter is a caller queued for a worker. A grant is sent on ch (capacity
// 1) under Manager.mu, after the waiter is taken off the queue: a waiter
// that gives up and finds itself off the queue owns the granted worker and
// gives it back, so no worker is ever lost.
type waiter struct {
	shared bool // a pool call (may share a worker), not a lease
	ch     chan grant
	elem   *list.Element // nil once off the queue
}

type grant struct {
	m   *member
	err error
}

// NewManager starts a pool and its Size workers, and returns once they are
// ready (or the first start failed: the pool is then stopped and the error
// returned).
func NewManager(ctx context.Context, opts ManagerOptions) (*Manager, error) {
	opts = opts.withDefaults()
	if opts.Worker.Interpreter == nil && opts.Worker.Profile != ProfileErlPort {
		in, err := ResolveInterpreter(ctx, InterpreterOptions{})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
		}
		opts.Worker.Interpreter = in
	}
	p := &Manager{
		opts:     opts,
		max:      opts.Size + opts.MaxOverflow,
		log:      opts.Logger.Named(opts.Name),
		clock:    opts.Clock,
		system:   opts.ActorSystem,
		procs:    make(map[*Worker]struct{}),
		warmDone: make(chan struct{}),
		done:     make(chan struct{}),
		backoff:  opts.SpawnBackoff,
	}
	p.cond = sync.NewCond(&p.mu)
	p.life, p.lifeStop = context.WithCancel(context.Background())
	if p.system == nil {
		p.own = true
		p.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, nil))
		}))
	}
	p.pid = p.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &managerActor{p: p} }))

	p.mu.Lock()
	p.warm = opts.Size
	for range opts.Size {
		p.spawnLocked(nil, true)
	}
	p.mu.Unlock()
	select {
	case <-p.warmDone:
	case <-ctx.Done():
		p.mu.Lock()
		p.warmErr = fmt.Errorf("%w: %w", ErrStartFailed, ctx.Err())
		p.mu.Unlock()
	}
	p.mu.Lock()
	err := p.warmErr
	p.mu.Unlock()
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Stop(sctx)
		return nil, err
	}
	if opts.CleanInterval > 0 {
		go p.cleaner()
	}
	return p, nil
}

// Name returns the pool's name.
func (p *Manager) Name() string { return p.opts.Name }

// send posts a message to the manager actor.
func (p *Manager) send(msg any) { p.system.Root.Send(p.pid, msg) }

// callContext applies CallTimeout to a context without a deadline.
func (p *Manager) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.opts.CallTimeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			return context.WithTimeout(ctx, p.opts.CallTimeout)
		}
	}
	return ctx, nil
}

// acquire takes a worker: shared (a pool call: counts one call in flight)
// or exclusive (a lease). It waits in the FIFO queue when none is free and
// block is set, or when the pool may start one (which the waiter then
// waits for).
func (p *Manager) acquire(ctx context.Context, shared, block bool) (*member, error) {
	if err := ctx.Err(); err != nil {
		return nil, waitError(err)
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return nil, ErrPoolStopped
	}
	if p.failed != nil {
		err := p.failed
		p.mu.Unlock()
		return nil, err
	}
	if p.waiters.Len() == 0 {
		if m := p.takeLocked(shared); m != nil {
			p.mu.Unlock()
			return m, nil
		}
	}
	if err := p.admitLocked(block); err != nil {
		p.mu.Unlock()
		return nil, err
	}
	wt := &waiter{shared: shared, ch: make(chan grant, 1)}
	wt.elem = p.waiters.PushBack(wt)
	p.refillLocked() // start workers for the waiters, up to the maximum
	p.mu.Unlock()

	select {
	case g := <-wt.ch:
		return g.m, g.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	if wt.elem != nil { // still queued: leave
		p.waiters.Remove(wt.elem)
		wt.elem = nil
		p.mu.Unlock()
		return nil, waitError(ctx.Err())
	}
	p.mu.Unlock()
	// Granted as we gave up: the worker is ours, give it back unused.
	if g := <-wt.ch; g.m != nil {
		p.release(g.m, shared, false, false)
	}
	return nil, waitError(ctx.Err())
}

// admitLocked decides whether a caller that found no free worker may wait:
// for a worker given back, or for one the pool starts for it. The pool may
// still start max-live workers (those starting included), and each waiter
// ahead has claimed one of them: a caller beyond that would wait for a busy
// worker. TryAcquire (block unset) never waits for a busy worker
// (ErrPoolFull), nor does any caller under fail-fast (MaxWaiters < 0:
// ErrOverloaded); otherwise the queue holds at most MaxWaiters callers.
// Fail-fast and TryAcquire thus still get the overflow workers a pool may
// start. Manager.mu held.
func (p *Manager) admitLocked(block bool) error {
	startable := p.waiters.Len() < p.max-p.liveLocked()
	switch {
	case !block && !startable:
		return ErrPoolFull
	case !block:
		return nil
	case p.opts.MaxWaiters < 0 && !startable:
		return ErrOverloaded
	case p.opts.MaxWaiters >= 0 && p.waiters.Len() >= p.opts.MaxWaiters:
		return ErrOverloaded
	}
	return nil
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

// takeLocked takes a free worker for a shared or exclusive use: an idle one
// (LIFO or FIFO), else, for a shared use with Pipeline > 1, the least
// loaded worker running pool calls. Manager.mu held.
func (p *Manager) takeLocked(shared bool) *member {
	if n := len(p.idle); n > 0 {
		var m *member
		if p.opts.Order == FIFO {
			m = p.idle[0]
			copy(p.idle, p.idle[1:])
		} else {
			m = p.idle[n-1]
		}
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		m.idle = false
		if !shared {
			m.leased = true
			return m
		}
		m.inflight = 1
		if p.opts.MaxCalls > 0 {
			p.spendLocked(m)
		}
		return m
	}
	if !shared || p.opts.Pipeline <= 1 {
		return nil
	}
	var best *member
	for _, m := range p.members {
		if m.leased || m.retiring || m.inflight == 0 || m.inflight >= p.opts.Pipeline {
			continue
		}
		if best == nil || m.inflight < best.inflight {
			best = m
		}
	}
	if best != nil {
		best.inflight++
		if p.opts.MaxCalls > 0 {
			p.spendLocked(best)
		}
	}
	return best
}

// spendLocked retires m once it has been handed the last pool call that
// MaxCalls allows it (served and in flight together), so that MaxCalls is
// exact: m finishes the calls it has and stops, and its replacement starts
// now, alongside them. Calls that never ran are not counted (they are not
// served), so m may retire having served fewer. Manager.mu held.
func (p *Manager) spendLocked(m *member) {
	if m.calls.Load()+uint64(m.inflight) >= uint64(p.opts.MaxCalls) {
		p.recycleNowLocked(m, "max calls")
	}
}

// recycleNowLocked retires m for recycling without a replacement started
// first (the retirement starts one): for a worker that may take no more
// calls. Manager.mu held.
func (p *Manager) recycleNowLocked(m *member, why string) {
	p.stats.recycled.Add(1)
	p.log.Debug("recycling worker", "worker", m.id, "why", why)
	p.retireLocked(m, "recycled")
}

// release gives a worker back after a shared use or a lease. broken retires
// it (its state is unknown); counted records a call served.
func (p *Manager) release(m *member, shared, counted, broken bool) {
	now := p.clock.Now()
	m.lastUsed.Store(now.UnixNano())
	p.mu.Lock()
	if counted {
		m.calls.Add(1) // with inflight--: spendLocked must not count it twice
	}
	if shared {
		m.inflight--
	} else {
		m.leased = false
	}
	if !m.gone && !m.retiring {
		switch {
		case broken || m.w.Err() != nil:
			p.noteCrashLocked(m)
			p.retireLocked(m, "broken")
		case p.stopped:
			p.retireLocked(m, "pool stopping")
		case p.opts.MaxCalls > 0 && m.calls.Load() >= uint64(p.opts.MaxCalls):
			// A lease's or a session's calls: counted as they ran (a
			// holder's call is never refused), checked when given back.
			p.recycleNowLocked(m, "max calls")
		default:
			p.maybeRecycleLocked(m, now, false)
		}
	}
	if m.free() && !m.gone {
		if m.retiring {
			p.removeLocked(m)
			p.stopAsync(m)
		} else {
			m.idle = true
			p.idle = append(p.idle, m)
		}
	}
	p.dispatchLocked()
	p.mu.Unlock()
}

// dispatchLocked hands free workers to the waiters, in order.
// Manager.mu held.
func (p *Manager) dispatchLocked() {
	for p.waiters.Len() > 0 {
		e := p.waiters.Front()
		wt := e.Value.(*waiter)
		m := p.takeLocked(wt.shared)
		if m == nil {
			return
		}
		p.waiters.Remove(e)
		wt.elem = nil
		wt.ch <- grant{m: m}
	}
}

// liveLocked counts the members that are not retiring. Manager.mu held.
func (p *Manager) liveLocked() int {
	n := 0
	for _, m := range p.members {
		if !m.retiring {
			n++
		}
	}
	return n
}

// refillLocked starts workers so that the pool has Size of them, and one
// for each waiter that no start in progress will serve, up to the maximum.
// Manager.mu held.
func (p *Manager) refillLocked() {
	if p.stopped || p.retrying || p.failed != nil {
		return
	}
	live, starting := p.liveLocked(), p.pending-p.replace
	need := max(p.opts.Size-(live+starting), p.waiters.Len()-starting)
	need = min(need, p.max-(live+starting))
	for range need {
		p.spawnLocked(nil, false)
	}
}

// spawnLocked asks the actor to start a worker (a replacement for old when
// old is not nil; one of the first Size when initial). Manager.mu held.
func (p *Manager) spawnLocked(old *member, initial bool) {
	p.pending++
	if old != nil {
		p.replace++
	}
	p.seq++
	p.send(&spawnWorker{id: fmt.Sprintf("%s-%d", p.opts.Name, p.seq), replaces: old, initial: initial, reloads: p.reloads.Mark()})
}

// retireLocked stops handing m out; it is stopped (and replaced) once free.
// Manager.mu held.
func (p *Manager) retireLocked(m *member, why string) {
	if m.retiring || m.gone {
		return
	}
	m.retiring, m.expected = true, true
	p.endRecyclingLocked(m)
	p.log.Debug("retiring worker", "worker", m.id, "why", why)
	if m.idle {
		p.dropIdleLocked(m)
	}
	if m.free() {
		p.removeLocked(m)
		p.stopAsync(m)
	}
	p.refillLocked()
}

// dropIdleLocked takes m off the idle list. Manager.mu held.
func (p *Manager) dropIdleLocked(m *member) {
	for i, x := range p.idle {
		if x == m {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	m.idle = false
}

// removeLocked takes m out of the pool. Manager.mu held.
func (p *Manager) removeLocked(m *member) {
	if m.gone {
		return
	}
	m.gone = true
	if m.idle {
		p.dropIdleLocked(m)
	}
	for i, x := range p.members {
		if x == m {
			p.members = append(p.members[:i], p.members[i+1:]...)
			break
		}
	}
	p.cond.Broadcast()
}

// stopAsync stops a worker that left the pool, in the background: end of
// file, then SIGTERM and SIGKILL after StopGrace.
func (p *Manager) stopAsync(m *member) {
	m.expected = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.w.opts.StopGrace+4*m.w.opts.SignalGrace)
		defer cancel()
		m.w.Stop(ctx)
	}()
}

// endRecyclingLocked ends m's wait for its replacement: it started, failed
// to start, or m left the pool first (the start in progress then counts as
// a plain one, which refillLocked reckons with: a worker that leaves while
// its replacement starts is not replaced twice). Manager.mu held.
func (p *Manager) endRecyclingLocked(m *member) {
	if m.recycling {
		m.recycling = false
		p.replace--
	}
}

// maybeRecycleLocked starts a replacement for m when it is due: MaxAge
// reached, or (tick) MaxRSS exceeded. m retires once its replacement is
// ready. (MaxCalls retires m at once: spendLocked.) Manager.mu held.
func (p *Manager) maybeRecycleLocked(m *member, now time.Time, checkRSS bool) {
	if m.recycling || m.retiring || m.gone || p.stopped || now.Before(m.recycleNext) {
		return
	}
	o := p.opts
	why := ""
	switch {
	case o.MaxAge > 0 && now.Sub(m.started) >= o.MaxAge:
		why = "max age"
	case checkRSS && o.MaxRSS > 0:
		if rss, err := readRSS(m.w.Pid()); err == nil && rss > o.MaxRSS {
			why = fmt.Sprintf("rss %d > %d", rss, o.MaxRSS)
		}
	}
	if why == "" {
		return
	}
	p.log.Debug("recycling worker", "worker", m.id, "why", why)
	m.recycling = true
	p.spawnLocked(m, false)
}
