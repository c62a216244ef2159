package pets

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"unicode"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// Pets is a set of named persistent Python workers, each under a
// supervisor of its own, all of them children of one supervisor (the
// Pets'). Its methods are safe for concurrent use.
type Pets struct {
	opts      Options
	sys       *actors.System
	ownSystem bool
	sup       *supervisor.Supervisor // the pets' supervisors are its children
	ownSup    bool
	log       hclog.Logger

	mu      sync.Mutex
	pets    map[string]*pet
	stopped bool

	wg sync.WaitGroup // the pets' event loops and background retirements
}

// New returns an empty set of pets. When Options.Worker.Interpreter is nil
// (native profile) it resolves $TAIPAN_PYTHON or python3 once, bounded by
// ctx; when Options.Supervisor is nil it starts the pets' own.
func New(ctx context.Context, opts Options) (*Pets, error) {
	opts = opts.withDefaults()
	if opts.Supervisor != nil && opts.System == nil {
		return nil, fmt.Errorf("%w: Options.Supervisor without Options.System, the actor system it runs in", ErrInvalidOptions)
	}
	if opts.Worker.Interpreter == nil && opts.Worker.Profile != snakes.ProfileErlPort {
		in, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{Logger: opts.Logger})
		if err != nil {
			return nil, fmt.Errorf("pets: %w: %w", snakes.ErrStartFailed, err)
		}
		opts.Worker.Interpreter = in
	}
	p := &Pets{opts: opts, sys: opts.System, sup: opts.Supervisor, log: opts.Logger, pets: make(map[string]*pet)}
	if p.sys == nil {
		p.sys = actors.NewSystem(actors.Options{Logger: opts.Logger, Name: DefaultSystemName})
		p.ownSystem = true
	}
	if p.sup == nil {
		// Its children are temporary: it never gives up on its own.
		sup, err := supervisor.Start(ctx, p.sys.Root, supervisor.Spec{
			Name: DefaultSupervisorName, Logger: opts.Logger, Clock: opts.Clock,
		})
		if err != nil {
			if p.ownSystem {
				p.sys.Stop(context.WithoutCancel(ctx))
			}
			return nil, fmt.Errorf("pets: starting their supervisor: %w", err)
		}
		p.sup, p.ownSup = sup, true
	}
	return p, nil
}

// checkName refuses names that cannot name an actor or read badly in
// logs.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	for _, r := range name {
		if r == '/' || r == '$' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %q", ErrInvalidName, name)
		}
	}
	return nil
}

// lookup returns the pet named name.
func (p *Pets) lookup(name string) (*pet, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil, ErrStopped
	}
	pt, ok := p.pets[name]
	if !ok {
		return nil, noSuchPet(name)
	}
	return pt, nil
}

// snapshot lists the pets, by name.
func (p *Pets) snapshot() []*pet {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*pet, 0, len(p.pets))
	for _, pt := range p.pets {
		out = append(out, pt)
	}
	slices.SortFunc(out, func(a, b *pet) int {
		if a.name < b.name {
			return -1
		}
		if a.name > b.name {
			return 1
		}
		return 0
	})
	return out
}

// forget removes pt from the set if it is still the pet of its name.
func (p *Pets) forget(pt *pet) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pets[pt.name] == pt {
		delete(p.pets, pt.name)
	}
}

// background runs fn on a goroutine that Stop waits for; once Stop has
// begun it runs fn on the caller's (Stop is then waiting for the pets, not
// for it).
func (p *Pets) background(fn func()) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		fn()
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		fn()
	}()
}

// emit logs an event and hands it to OnEvent.
func (p *Pets) emit(e Event) {
	p.log.Log(e.level(), e.String())
	if p.opts.OnEvent != nil {
		p.opts.OnEvent(e)
	}
}

// Has reports whether a pet is named name (a dead one included).
func (p *Pets) Has(name string) bool {
	_, err := p.lookup(name)
	return err == nil
}

// Info returns a snapshot of the pet named name.
func (p *Pets) Info(name string) (PetInfo, error) {
	pt, err := p.lookup(name)
	if err != nil {
		return PetInfo{}, err
	}
	return pt.info(), nil
}

// List returns a snapshot of every pet, by name.
func (p *Pets) List() []PetInfo {
	pets := p.snapshot()
	out := make([]PetInfo, len(pets))
	for i, pt := range pets {
		out[i] = pt.info()
	}
	return out
}

// Worker returns the pet's current *snakes.Worker, waiting for it while
// the pet (re)starts, bounded by ctx: for what Pets do not wrap (Send,
// RegisterFunc). Calls made on it directly get no call timeout and are
// not counted; after a restart it is a stale, stopped worker.
func (p *Pets) Worker(ctx context.Context, name string) (*snakes.Worker, error) {
	pt, err := p.lookup(name)
	if err != nil {
		return nil, err
	}
	return pt.await(ctx)
}

// Stop slays every pet as SlayDrain does (calls in flight finish; each
// process gets end of file, then SIGTERM and SIGKILL) within ctx —
// brutally once ctx ends — and stops the supervisor and the actor system
// that New started, if it did. It returns once no pet's Python process
// remains. Later calls get ErrStopped.
func (p *Pets) Stop(ctx context.Context) error {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return nil
	}
	p.stopped = true
	pets := make([]*pet, 0, len(p.pets))
	for _, pt := range p.pets {
		pets = append(pets, pt)
	}
	clear(p.pets)
	p.mu.Unlock()

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, stopFallback)
		defer cancel()
	}
	errs := make([]error, len(pets))
	var wg sync.WaitGroup
	for i, pt := range pets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pt.kill(ErrStopped)
			errs[i] = pt.stopSupervisor(ctx)
			pt.end()
		}()
	}
	wg.Wait()
	p.wg.Wait()
	var err error
	for _, e := range errs {
		if e != nil && err == nil {
			err = e
		}
	}
	// The pets are gone (killed if ctx ended): what is left stops at
	// once, even past ctx.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopFallback)
	defer cancel()
	if p.ownSup {
		if e := p.sup.Stop(sctx); e != nil && err == nil {
			err = e
		}
	}
	if p.ownSystem {
		if e := p.sys.Stop(sctx); e != nil && err == nil {
			err = e
		}
	}
	return err
}
