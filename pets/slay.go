package pets

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// SlayStyle is how Slay stops a pet's process: snakes.SlayStyle, the one
// slay style of pools and pets (SlayPolite: SIGTERM now, SIGKILL after
// StopGrace; SlayBrutal: SIGKILL; SlayDrain: the calls in flight finish,
// then the process is stopped as Stop does).
type SlayStyle = snakes.SlayStyle

// The styles, as snakes names them.
const (
	SlayPolite = snakes.SlayPolite
	SlayBrutal = snakes.SlayBrutal
	SlayDrain  = snakes.SlayDrain
)

// Slay removes the pet named name for good: it is not restarted, and its
// name is free at once; its process is stopped as style says. Calls
// waiting for the pet get ErrNoSuchPet. Slay returns once the process is
// gone, or when ctx ends (the process is then killed). An unknown style
// gets ErrInvalidOptions.
func (p *Pets) Slay(ctx context.Context, name string, style SlayStyle) error {
	if !style.Valid() {
		return fmt.Errorf("%w: %w: %v", ErrInvalidOptions, snakes.ErrInvalidSlayStyle, style)
	}
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
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, stopFallback)
		defer cancel()
	}
	err := pt.slay(ctx, style)
	pt.end()
	p.emit(PetSlain{Name: name, Style: style})
	return err
}

// slay stops the pet's supervisor, its processes signalled as style says.
func (pt *pet) slay(ctx context.Context, style SlayStyle) error {
	if style != SlayDrain {
		workers := pt.workers() // before its supervisor, stopping, forgets them
		pt.mu.Lock()
		sup := pt.sup
		pt.mu.Unlock()
		if sup != nil {
			// Told to stop before any signal, so that it restarts none of
			// the processes about to die.
			pt.p.sys.Root.Stop(sup.PID())
		}
		var wg sync.WaitGroup
		for _, w := range workers {
			if style == SlayBrutal {
				killNow(w)
				continue
			}
			wg.Go(func() { terminate(ctx, w, pt.opts.stopGrace()) })
		}
		wg.Wait()
	}
	return pt.stopSupervisor(ctx)
}

// terminate sends SIGTERM to w's process group and SIGKILL after grace (or
// once ctx ends), and waits for the process to exit.
func terminate(ctx context.Context, w *snakes.Worker, grace time.Duration) {
	w.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-w.Exited():
		return
	case <-t.C:
	case <-ctx.Done():
	}
	killNow(w)
}
