package pets

import (
	"context"
	"fmt"

	"github.com/taipan-go/taipan/snakes"
)

// Slay removes the pet named name for good: it is not restarted, and its
// name is free at once. snakes.SlayPolite lets the calls in flight finish
// and stops the process (end of file, then SIGTERM and SIGKILL after the
// worker's grace periods); snakes.SlayBrutal kills its process group at
// once (SIGKILL) and the calls in flight fail with a *snakes.ExitError.
// Calls waiting for the pet get ErrNoSuchPet. Slay returns once the
// process is gone, or when ctx ends (the process is then killed).
func (p *Pets) Slay(ctx context.Context, name string, style snakes.SlayStyle) error {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return ErrStopped
	}
	pt, ok := p.pets[name]
	if !ok {
		p.mu.Unlock()
		return noSuchPet(name)
	}
	delete(p.pets, name)
	p.mu.Unlock()

	pt.kill(fmt.Errorf("%w: %q was slain", ErrNoSuchPet, name))
	if style == snakes.SlayBrutal {
		for _, w := range pt.workers() {
			killNow(w)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, stopFallback)
		defer cancel()
	}
	err := pt.stopSupervisor(ctx)
	pt.end()
	p.emit(PetSlain{Name: name, Style: style})
	return err
}
