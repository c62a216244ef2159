package snakes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
)

// Names of the pools NewPools starts unless told not to.
const (
	// PoolDefault is the pool that takes every call no route sends
	// elsewhere, sized to the CPUs (erlang_python's default pool).
	PoolDefault = "default"
	// PoolIO is a pool for calls that mostly wait (network, disk,
	// subprocesses), of up to DefaultIOPoolSize workers started on demand
	// (erlang_python's io pool).
	PoolIO = "io"

	// DefaultIOPoolSize is how many workers the io pool may run when
	// PoolsOptions.IO.Size is zero: it then keeps none (Size negative)
	// and starts up to DefaultIOPoolSize on demand (its MaxOverflow, when
	// zero), reaped after IdleTTL idle — a program that never routes a
	// call to it runs no process for it.
	DefaultIOPoolSize = 10

	// stopAfterFailedStart bounds the stop of the pools already started
	// when NewPools fails.
	stopAfterFailedStart = 10 * time.Second
)

// PoolsOptions configures NewPools. The zero value starts a "default"
// pool of runtime.NumCPU() workers and an "io" pool that starts up to 10
// on demand.
type PoolsOptions struct {
	// Worker is the worker template of every pool (Default, IO, Pools and
	// Add): a pool's own PoolOptions.Worker is completed from it
	// (Options.Inherit: the fields the pool leaves zero are the
	// template's; its Paths, Env and Funcs are added to the template's).
	// When the result's Interpreter is nil (native profile) the
	// interpreter is resolved once, for every pool.
	Worker Options

	// Default configures the "default" pool (Size: runtime.NumCPU()).
	// Its Name is replaced by "default".
	Default PoolOptions
	// NoDefault: start no "default" pool. Calls that no route sends to
	// another pool then fail with ErrNoSuchPool until a pool named
	// "default" is added.
	NoDefault bool

	// IO configures the "io" pool. With Size zero it keeps no worker and
	// starts up to MaxOverflow (default DefaultIOPoolSize) on demand. Its
	// Name is replaced by "io".
	IO PoolOptions
	// NoIO: start no "io" pool.
	NoIO bool

	// Pools are more pools started by NewPools, by name (each
	// PoolOptions' Name is replaced by its key).
	Pools map[string]PoolOptions

	// Routes are routes set by NewPools once the pools have started:
	// key ("module" or "module.function") to pool name, as Route.
	Routes map[string]string

	// ActorSystem hosts every pool's manager actor. Default: a system of
	// the Pools' own, shut down by Stop.
	ActorSystem *actor.ActorSystem

	// Logger is the Logger of every pool, and of its workers' output,
	// whose PoolOptions.Logger and Worker.Logger are both nil.
	Logger hclog.Logger
}

// Pools is a registry of named pools (Managers) with a routing table
// (erlang_python's pools and py:register_pool): Call, Cast, Stream, Go
// and Map pick the pool a route names for the module or module.function,
// else "default". Sessions bind a caller to one worker of a pool.
//
// The pool table and the routes are copy-on-write behind atomic pointers:
// picking a pool takes no lock and allocates nothing. Pools is safe for
// concurrent use, with pools and routes changing under calls.
type Pools struct {
	opts   PoolsOptions
	system *actor.ActorSystem
	own    bool

	pools  atomic.Pointer[map[string]*Pool]
	routes atomic.Pointer[map[string]string]

	mu       sync.Mutex      // serialises writers of pools and routes
	starting map[string]bool // names reserved by an Add in progress
	busy     sync.WaitGroup  // Adds and Removes in progress (Stop waits for them)
	stopped  bool
	interp   *Interpreter // resolved once, for templates without one

	stopOnce sync.Once
	stopErr  error
	done     chan struct{}
}

// NewPools starts the default pools (unless disabled) and opts.Pools, in
// parallel, sets opts.Routes, and returns once every pool is ready. When
// a pool fails to start, the others are stopped and the error returned.
func NewPools(ctx context.Context, opts PoolsOptions) (*Pools, error) {
	ps := &Pools{
		opts:     opts,
		system:   opts.ActorSystem,
		starting: make(map[string]bool),
		done:     make(chan struct{}),
	}
	empty := map[string]*Pool{}
	ps.pools.Store(&empty)
	noRoutes := map[string]string{}
	ps.routes.Store(&noRoutes)
	if ps.system == nil {
		ps.own = true
		ps.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, nil))
		}))
	}

	want := make(map[string]PoolOptions, len(opts.Pools)+2)
	for name, o := range opts.Pools {
		want[name] = o
	}
	if !opts.NoDefault {
		want[PoolDefault] = opts.Default
	}
	if !opts.NoIO {
		o := opts.IO
		if o.Size == 0 { // on demand: a program that never uses it pays nothing
			o.Size = -1
			if o.MaxOverflow <= 0 {
				o.MaxOverflow = DefaultIOPoolSize
			}
		}
		want[PoolIO] = o
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for name, o := range want {
		wg.Go(func() {
			if _, err := ps.Add(ctx, name, o); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	err := errors.Join(errs...)
	if err == nil {
		for key, pool := range opts.Routes {
			if err = ps.Route(key, pool); err != nil {
				break
			}
		}
	}
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), stopAfterFailedStart)
		defer cancel()
		ps.Stop(sctx)
		return nil, err
	}
	return ps, nil
}

// Add starts a pool named name and adds it. The name is reserved while
// the pool starts: a second Add of the same name fails at once with
// ErrPoolExists. opts.Name is replaced by name; opts.Worker is completed
// from PoolsOptions.Worker (Options.Inherit). The pool is the registry's alone: no
// supervisor watches it (under taipan.Start, System.AddPool adds one
// that the root supervises).
func (ps *Pools) Add(ctx context.Context, name string, opts PoolOptions) (*Pool, error) {
	if name == "" {
		return nil, errors.New("snakes: a pool needs a name")
	}
	ps.mu.Lock()
	if ps.stopped {
		ps.mu.Unlock()
		return nil, ErrPoolStopped
	}
	if _, ok := (*ps.pools.Load())[name]; ok || ps.starting[name] {
		ps.mu.Unlock()
		return nil, fmt.Errorf("%w: %q", ErrPoolExists, name)
	}
	ps.starting[name] = true
	ps.busy.Add(1)
	ps.mu.Unlock()
	defer ps.busy.Done()

	opts, err := ps.prepare(ctx, name, opts)
	var p *Pool
	if err == nil {
		p, err = NewPool(ctx, opts)
	}
	ps.mu.Lock()
	delete(ps.starting, name)
	if err != nil {
		ps.mu.Unlock()
		return nil, fmt.Errorf("snakes: pool %q: %w", name, err)
	}
	if ps.stopped { // Stop began while we started: we stop it ourselves
		ps.mu.Unlock()
		p.Stop(ctx)
		return nil, ErrPoolStopped
	}
	old := *ps.pools.Load()
	next := make(map[string]*Pool, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[name] = p
	ps.pools.Store(&next)
	ps.mu.Unlock()
	return p, nil
}

// prepare fills a pool's options from the Pools' template.
func (ps *Pools) prepare(ctx context.Context, name string, o PoolOptions) (PoolOptions, error) {
	o.Name = name
	o.Worker = o.Worker.Inherit(ps.opts.Worker)
	if o.ActorSystem == nil {
		o.ActorSystem = ps.system
	}
	if o.Logger == nil && o.Worker.Logger == nil && ps.opts.Logger != nil {
		o.Logger = ps.opts.Logger
		o.Worker.Logger = ps.opts.Logger.Named(name)
	}
	if o.Worker.Interpreter == nil && o.Worker.Profile != ProfileErlPort {
		in, err := ps.interpreter(ctx)
		if err != nil {
			return o, fmt.Errorf("%w: %w", ErrStartFailed, err)
		}
		o.Worker.Interpreter = in
	}
	return o, nil
}

// interpreter resolves the interpreter once for the pools that name none.
func (ps *Pools) interpreter(ctx context.Context) (*Interpreter, error) {
	ps.mu.Lock()
	in := ps.interp
	ps.mu.Unlock()
	if in != nil {
		return in, nil
	}
	in, err := ResolveInterpreter(ctx, InterpreterOptions{Logger: ps.opts.Logger})
	if err != nil {
		return nil, err
	}
	ps.mu.Lock()
	if ps.interp == nil {
		ps.interp = in
	}
	in = ps.interp
	ps.mu.Unlock()
	return in, nil
}

// Remove takes the pool named name out of the registry (new calls routed
// to it fail with ErrNoSuchPool) and stops it (Pool.Stop: calls in
// flight may finish until ctx ends). Routes naming it are kept: they work
// again once a pool of that name is added (to resize a pool, Remove it and
// Add it again).
func (ps *Pools) Remove(ctx context.Context, name string) error {
	ps.mu.Lock()
	if ps.stopped {
		ps.mu.Unlock()
		return ErrPoolStopped
	}
	old := *ps.pools.Load()
	p, ok := old[name]
	if !ok {
		ps.mu.Unlock()
		return noSuchPool(name)
	}
	next := make(map[string]*Pool, len(old))
	for k, v := range old {
		if k != name {
			next[k] = v
		}
	}
	ps.pools.Store(&next)
	ps.busy.Add(1)
	ps.mu.Unlock()
	defer ps.busy.Done()
	return p.Stop(ctx)
}

// Get returns the pool named name, or an error wrapping ErrNoSuchPool.
func (ps *Pools) Get(name string) (*Pool, error) {
	if p := (*ps.pools.Load())[name]; p != nil {
		return p, nil
	}
	return nil, noSuchPool(name)
}

// Names returns the names of the pools, sorted.
func (ps *Pools) Names() []string {
	m := *ps.pools.Load()
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Stats returns a snapshot of every pool, by name (Pool.Stats).
func (ps *Pools) Stats() map[string]Stats {
	m := *ps.pools.Load()
	out := make(map[string]Stats, len(m))
	for k, p := range m {
		out[k] = p.Stats()
	}
	return out
}

// pick returns the pool a call of module.function goes to: the pool of
// the route for "module.function", else of the route for "module", else
// "default".
func (ps *Pools) pick(module, function string) (*Pool, error) {
	name := ps.PoolFor(module, function)
	if p := (*ps.pools.Load())[name]; p != nil {
		return p, nil
	}
	return nil, noSuchPool(name)
}

// pool returns the pool named name ("" is "default").
func (ps *Pools) pool(name string) (*Pool, error) {
	if name == "" {
		name = PoolDefault
	}
	return ps.Get(name)
}

// Call calls module.function(*args) on the pool the routes pick
// (Pool.Call).
func (ps *Pools) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	p, err := ps.pick(module, function)
	if err != nil {
		return nil, err
	}
	return p.Call(ctx, module, function, args...)
}

// CallInto is Call decoding the result into target (Pool.CallInto).
func (ps *Pools) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	p, err := ps.pick(module, function)
	if err != nil {
		return err
	}
	return p.CallInto(ctx, target, module, function, args...)
}

// Cast sends module.function(*args) to the pool the routes pick without
// waiting for it to run (Pool.Cast).
func (ps *Pools) Cast(ctx context.Context, module, function string, args ...any) error {
	p, err := ps.pick(module, function)
	if err != nil {
		return err
	}
	return p.Cast(ctx, module, function, args...)
}

// Stream runs module.function(*args) as a stream on the pool the routes
// pick (Pool.Stream).
func (ps *Pools) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	p, err := ps.pick(module, function)
	if err != nil {
		return func(yield func(any, error) bool) { yield(nil, err) }
	}
	return p.Stream(ctx, module, function, args...)
}

// Stop stops every pool, in parallel (Pool.Stop: calls in flight may
// finish until ctx ends, then workers are stopped by escalation), and
// returns once every Python process has exited. Adds and Removes in
// progress are waited for (an Add's new pool is stopped). Afterwards calls,
// Add and Remove fail with ErrPoolStopped. An open Session is a lease:
// Stop waits for it until ctx ends, then cuts it (the session is lost).
// Calling Stop again waits for the first call's outcome.
func (ps *Pools) Stop(ctx context.Context) error {
	ps.stopOnce.Do(func() {
		ps.stopErr = ps.stop(ctx)
		close(ps.done)
	})
	<-ps.done
	return ps.stopErr
}

func (ps *Pools) stop(ctx context.Context) error {
	ps.mu.Lock()
	ps.stopped = true
	ps.mu.Unlock()
	ps.busy.Wait() // an Add that finishes now stops its own pool
	err := ps.each(func(p *Pool) error { return p.Stop(ctx) })
	if ps.own {
		ps.system.Shutdown()
	}
	return err
}

// each runs fn on every pool, in parallel, and joins their errors.
func (ps *Pools) each(fn func(*Pool) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, p := range *ps.pools.Load() {
		wg.Go(func() {
			if err := fn(p); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
