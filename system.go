package taipan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
	"github.com/taipan-go/taipan/watcher"
)

// System is a running taipan: pools, pets and the watcher under one
// supervision tree. It is safe for concurrent use.
type System struct {
	opts   Options
	log    hclog.Logger
	actors *actors.System
	root   *supervisor.Supervisor
	pools  *snakes.Pools
	pets   *pets.Pets
	watch  *watcher.Watcher // nil without HotReload
	worker snakes.Options   // the template, interpreter resolved

	mu       sync.Mutex
	stopped  bool
	stopOnce sync.Once
	stopErr  error
}

// Start starts a System: it resolves the interpreter, starts the pools
// under the root supervisor (their workers start in parallel, each pool's
// under its actor), then the pets' supervisor (one supervisor per pet
// under it), the watcher and Options.Children, and returns once every
// worker is ready. On failure everything already started is stopped and
// the error returned.
func Start(ctx context.Context, opts Options) (*System, error) {
	if len(opts.Paths) == 0 && len(opts.Worker.Paths) == 0 {
		opts.Paths = []string{callerDir(1)}
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	s := &System{opts: opts, log: opts.Logger}
	s.actors = actors.NewSystem(actors.Options{Logger: opts.Logger, Name: rootName})

	// The template of every pool and pet: Options.Worker, with Paths
	// added; each pool's and pet's own Worker is completed from it
	// (snakes.Options.Inherit).
	w := opts.Worker.Inherit(snakes.Options{Paths: opts.Paths})
	if w.Interpreter == nil && w.Profile == snakes.ProfileNative {
		in, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{Python: opts.Python, Logger: opts.Logger})
		if err != nil {
			s.abort()
			return nil, fmt.Errorf("taipan: %w", err)
		}
		w.Interpreter = in
	}
	s.worker = w

	pools := make(map[string]PoolOptions, len(opts.Pools))
	for name, o := range opts.Pools {
		pools[name] = s.poolDefaults(o)
	}
	ps, err := snakes.NewPools(ctx, snakes.PoolsOptions{
		Worker:      w,
		Default:     s.poolDefaults(opts.Default),
		IO:          s.poolDefaults(opts.IO),
		NoIO:        opts.NoIO,
		Pools:       pools,
		Routes:      opts.Routes,
		ActorSystem: s.actors.Actors,
		Logger:      opts.Logger.Named("pool"),
	})
	if err != nil {
		s.abort()
		return nil, fmt.Errorf("taipan: %w", err)
	}
	s.pools = ps

	// The root starts with the pools — each pool's actor opens it and
	// hosts its workers — the pets' supervisor, the watcher and the
	// program's children join it in that order, the pets adopted before
	// the program's children start.
	var poolChildren []supervisor.ChildSpec
	order := poolOrder(ps.Names())
	for _, name := range order {
		p, _ := ps.Get(name)
		poolChildren = append(poolChildren, poolChild(name, p))
	}
	s.root, err = supervisor.Start(ctx, s.actors.Root, supervisor.Spec{
		Name:      rootName,
		Intensity: opts.Supervision.Intensity,
		Backoff:   opts.Supervision.Backoff,
		Children:  poolChildren,
		OnEvent:   opts.OnEvent,
		Logger:    opts.Logger.Named("supervisor"),
		Clock:     opts.Clock,
	})
	if err != nil {
		s.abort()
		return nil, fmt.Errorf("taipan: starting the supervision tree: %w", err)
	}
	for _, name := range order {
		if err := s.poolReady(ctx, name); err != nil {
			s.abort()
			return nil, err
		}
	}
	if err := s.startPets(ctx); err != nil {
		s.abort()
		return nil, err
	}
	var children []supervisor.ChildSpec
	if opts.HotReload != nil {
		wo := *opts.HotReload
		if len(wo.Paths) == 0 {
			wo.Paths = w.Paths
		}
		wo.Target = reloadTarget{s}
		if wo.Logger == nil {
			wo.Logger = opts.Logger.Named("watcher")
		}
		if s.watch, err = watcher.New(wo); err != nil {
			s.abort()
			return nil, fmt.Errorf("taipan: %w", err)
		}
		children = append(children, watcherChild(s.watch))
	}
	for _, c := range append(children, opts.Children...) {
		if _, err := s.root.StartChild(ctx, c); err != nil {
			s.abort()
			return nil, fmt.Errorf("taipan: starting the supervision tree: %w", err)
		}
	}
	if s.watch != nil {
		select { // changes made once Start has returned are seen
		case <-s.watch.Ready():
		case <-ctx.Done():
			s.abort()
			return nil, fmt.Errorf("taipan: arming the watcher: %w", ctx.Err())
		}
	}
	return s, nil
}

// startPets starts the root's "pets" child — one supervisor per pet under
// it, so that a crash-looping pet dies alone while the root sees every
// pet — and adopts Options.Pets, in name order.
func (s *System) startPets(ctx context.Context) error {
	sup, err := s.root.StartSupervisor(ctx, petsChild, supervisor.Spec{
		Name:    petsChild,
		Logger:  s.log.Named("supervisor"),
		Clock:   s.opts.Clock,
		OnEvent: s.opts.OnEvent, // a pet's supervisor giving up shows there
	})
	if err != nil {
		return fmt.Errorf("taipan: starting the pets' supervisor: %w", err)
	}
	po := s.opts.PetDefaults
	po.System, po.Supervisor, po.Worker = s.actors, sup, s.worker
	if po.Logger == nil {
		po.Logger = s.log.Named("pets")
	}
	if po.Clock == nil {
		po.Clock = s.opts.Clock
	}
	if s.pets, err = pets.New(ctx, po); err != nil {
		return fmt.Errorf("taipan: %w", err)
	}
	names := make([]string, 0, len(s.opts.Pets))
	for name := range s.opts.Pets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := s.pets.Adopt(ctx, name, s.opts.Pets[name]); err != nil {
			return fmt.Errorf("taipan: pet %q: %w", name, err)
		}
	}
	return nil
}

// poolDefaults applies Start's defaults to a pool's options: the
// system's Clock and OnEvent, and Supervised — the pool is opened by its
// actor under the root, which hosts its workers. (Every other default is
// the pool's own, in snakes/pool_defaults.go: a pool is a pool, under
// Start or not.)
func (s *System) poolDefaults(o PoolOptions) PoolOptions {
	if o.Clock == nil {
		o.Clock = s.opts.Clock
	}
	if o.OnEvent == nil {
		o.OnEvent = s.opts.OnEvent
	}
	o.Supervised = true
	return o
}

// poolReady waits for the first workers of the pool named name.
func (s *System) poolReady(ctx context.Context, name string) error {
	p, err := s.pools.Get(name)
	if err == nil {
		err = p.Ready(ctx)
	}
	if err != nil {
		return fmt.Errorf("taipan: pool %q: %w", name, err)
	}
	return nil
}

// poolOrder puts "default" first, "io" second, the others by name.
func poolOrder(names []string) []string {
	rank := func(n string) int {
		switch n {
		case snakes.PoolDefault:
			return 0
		case snakes.PoolIO:
			return 1
		}
		return 2
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return compareStrings(a, b)
	})
	return names
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// poolChild is the root supervisor's child that stands for pool p.
func poolChild(name string, p *snakes.Pool) supervisor.ChildSpec {
	return supervisor.ChildSpec{
		ID:    poolChildPrefix + name,
		Props: func() *actor.Props { return snakes.PoolProps(p) },
	}
}

// abort stops what a failed Start had started.
func (s *System) abort() {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStopTimeout)
	defer cancel()
	s.stop(ctx)
}

// Call calls module.function(args...) on the pool its route names (else
// "default") and returns the result decoded into Go's native types.
// Keyword arguments: pass snakes.Kwargs as the last argument.
func (s *System) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	return s.pools.Call(ctx, module, function, args...)
}

// CallInto is Call decoding the result into target (a pointer).
func (s *System) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	return s.pools.CallInto(ctx, target, module, function, args...)
}

// Cast calls module.function(args...) without waiting for its result.
func (s *System) Cast(ctx context.Context, module, function string, args ...any) error {
	return s.pools.Cast(ctx, module, function, args...)
}

// Stream calls a Python generator function and yields its items as they
// are produced, with backpressure; breaking out of the loop closes the
// generator.
func (s *System) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	return s.pools.Stream(ctx, module, function, args...)
}

// Interpreter is the interpreter of the pools and pets that name none of
// their own: Options.Worker.Interpreter, else Options.Python's, else
// $TAIPAN_PYTHON's or python3's (nil on the ErlPort profile).
func (s *System) Interpreter() *snakes.Interpreter { return s.worker.Interpreter }

// Pools is the named pools: routing (Route, Unroute, Routes), sessions,
// futures (Go), Map, Add and Remove of pools that the root supervisor
// does not watch (use AddPool for one it does).
func (s *System) Pools() *snakes.Pools { return s.pools }

// Pets is the named long-lived workers: Adopt, Call, Cast, Stream,
// Slay, List.
func (s *System) Pets() *pets.Pets { return s.pets }

// Pool returns the pool named name.
func (s *System) Pool(name string) (*snakes.Pool, error) { return s.pools.Get(name) }

// AddPool starts a pool, routes nothing to it, and puts it under the root
// supervisor.
func (s *System) AddPool(ctx context.Context, name string, opts PoolOptions) (*snakes.Pool, error) {
	p, err := s.pools.Add(ctx, name, s.poolDefaults(opts))
	if err != nil {
		return nil, err
	}
	if _, err := s.root.StartChild(ctx, poolChild(name, p)); err != nil {
		s.pools.Remove(context.Background(), name)
		return nil, fmt.Errorf("taipan: supervising pool %q: %w", name, err)
	}
	if err := s.poolReady(ctx, name); err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), DefaultStopTimeout)
		defer cancel()
		s.RemovePool(sctx, name)
		return nil, err
	}
	return p, nil
}

// RemovePool takes a pool out of the tree and stops it gracefully.
func (s *System) RemovePool(ctx context.Context, name string) error {
	if err := s.root.TerminateChild(ctx, poolChildPrefix+name); err != nil && !errors.Is(err, supervisor.ErrUnknownChild) {
		return err
	}
	return s.pools.Remove(ctx, name)
}

// Supervisor is the root supervisor: its children are the pools
// ("pool:NAME"), the pets' supervisor ("pets"), the watcher ("watcher")
// and Options.Children, in that order (docs/supervision.md draws the
// tree).
func (s *System) Supervisor() *supervisor.Supervisor { return s.root }

// Actors is the actor system everything runs in: spawn your own actors in
// it, or send to the children of Supervisor.
func (s *System) Actors() *actors.System { return s.actors }

// Done is closed when the root supervisor has stopped: after Stop, or
// when it gave up (its intensity exceeded); Err then says why.
func (s *System) Done() <-chan struct{} { return s.root.Done() }

// Err is why the root supervisor gave up, or nil.
func (s *System) Err() error { return s.root.Err() }

// Stop stops the system gracefully: the program's own children first,
// then the pools and the pets refuse new calls and finish those in
// flight until ctx ends (DefaultStopTimeout without a deadline), then
// every worker is stopped by escalation, then the supervision tree and
// the actor system. No Python process is left when it returns. Calling
// it again returns the first call's outcome.
func (s *System) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, DefaultStopTimeout)
			defer cancel()
		}
		s.stopErr = s.stop(ctx)
	})
	return s.stopErr
}

func (s *System) stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	var errs []error
	if s.root != nil {
		for i := len(s.opts.Children) - 1; i >= 0; i-- {
			errs = append(errs, s.terminate(ctx, s.opts.Children[i].ID))
		}
		if s.watch != nil {
			errs = append(errs, s.terminate(ctx, "watcher"))
		}
	}
	var wg sync.WaitGroup
	var petsErr error
	if s.pets != nil {
		wg.Go(func() { petsErr = s.pets.Stop(ctx) })
	}
	if s.pools != nil {
		errs = append(errs, s.pools.Stop(ctx))
	}
	wg.Wait()
	errs = append(errs, petsErr)
	if s.root != nil {
		errs = append(errs, s.root.Stop(ctx))
	}
	errs = append(errs, s.actors.Stop(ctx))
	return errors.Join(errs...)
}

// terminate stops the root's child id, if the root still has it: a child
// it never started or forgot, or a root that has stopped (it gave up and
// stopped its children), leaves nothing to do.
func (s *System) terminate(ctx context.Context, id string) error {
	err := s.root.TerminateChild(ctx, id)
	if errors.Is(err, supervisor.ErrUnknownChild) || errors.Is(err, supervisor.ErrStopped) {
		return nil
	}
	return err
}
