package pets

import (
	"context"
	"fmt"

	"github.com/taipan-go/taipan/supervisor"
)

// Adopt starts a pet named name and returns once its worker has started
// (its Init has run), or with the start's error (wrapping
// snakes.ErrStartFailed; the pet is then not kept). A name that is taken
// by a live pet gets ErrPetExists; a dead pet's name is taken over.
func (p *Pets) Adopt(ctx context.Context, name string, opts PetOptions) error {
	if err := checkName(name); err != nil {
		return err
	}
	pt := newPet(p, name, opts.resolve(p.opts))
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return ErrStopped
	}
	old, took := p.pets[name]
	if took {
		old.mu.Lock()
		alive := old.dead == nil
		old.mu.Unlock()
		if alive {
			p.mu.Unlock()
			return fmt.Errorf("%w: %q", ErrPetExists, name)
		}
		old.end()
	}
	p.pets[name] = pt
	p.wg.Add(1)
	p.mu.Unlock()
	go pt.loop()
	if took {
		// The dead pet's supervisor frees the child id the new one takes
		// (at once when it gave up: its parent forgot it).
		old.stopSupervisor(ctx)
	}

	id := PetChildPrefix + name
	sup, err := p.sup.StartSupervisor(ctx, id, supervisor.Spec{
		Name:      id,
		Strategy:  supervisor.OneForOne,
		Intensity: pt.opts.Intensity,
		Backoff:   pt.opts.Backoff,
		Children:  []supervisor.ChildSpec{pt.childSpec(pt.newChild())},
		OnEvent:   pt.enqueue,
		Logger:    p.log.Named(id),
		Clock:     p.opts.Clock,
	})
	if err == nil {
		pt.mu.Lock()
		pt.sup = sup
		pt.mu.Unlock()
		if _, err = pt.await(ctx); err == nil {
			return nil
		}
	}
	// It did not start (or died at once, or ctx ended): not kept.
	p.forget(pt)
	pt.kill(&DeadError{Name: name, Err: err})
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopFallback)
	defer cancel()
	pt.stopSupervisor(stopCtx)
	pt.end()
	return fmt.Errorf("pets: adopting %q: %w", name, err)
}
