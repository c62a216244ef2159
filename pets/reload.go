package pets

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// Reload reloads the modules in every pet (snakes.Worker.Reload, all pets
// at once; a busy pet reloads right after the calls it has queued) and
// reports each pet's outcome, by name, with Owner "pet:<name>". A pet
// that is not running is skipped (ReloadSkipped, Err says why): its next
// incarnation reloads the modules before it serves, in case its Init
// imported them before they changed (so does an incarnation that a
// Restart is starting). A module that fails to reload
// (a syntax error) leaves the pet serving the old code (ReloadFailed).
func (p *Pets) Reload(ctx context.Context, modules ...string) []snakes.WorkerReload {
	pets := p.snapshot()
	out := make([]snakes.WorkerReload, len(pets))
	var wg sync.WaitGroup
	for i, pt := range pets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = pt.reload(ctx, modules)
		}()
	}
	wg.Wait()
	return out
}

// reload reloads the modules in the pet's current worker. An incarnation
// starting meanwhile (a restart, a rolling replacement) catches up before
// it serves (catchUpReloads).
func (pt *pet) reload(ctx context.Context, modules []string) snakes.WorkerReload {
	owner := "pet:" + pt.name
	pt.mu.Lock()
	w, state, dead := pt.worker, pt.state, pt.dead
	pt.reloads.Record(modules)
	pt.mu.Unlock()
	switch {
	case dead != nil:
		return snakes.WorkerReload{Owner: owner, Status: snakes.ReloadSkipped, Err: dead}
	case w == nil || w.Err() != nil:
		return snakes.WorkerReload{Owner: owner, Status: snakes.ReloadSkipped,
			Err: fmt.Errorf("pets: pet %q is %s: its next incarnation imports the new code", pt.name, state)}
	}
	res, err := w.Reload(ctx, modules...)
	return snakes.NewWorkerReload(owner, w, res, err)
}

// catchUpReloads reloads in w, a new incarnation not yet serving, the
// modules of the reloads made after it was created: its Init may have
// imported a file that changed while it started, and Reload could not
// reach it then. Outcomes are logged; nobody waits for them.
func (pt *pet) catchUpReloads(w *snakes.Worker) {
	for {
		pt.mu.Lock()
		since, ok := pt.sinceOf[w.ID()]
		modules, mark := pt.reloads.Since(since)
		if ok {
			pt.sinceOf[w.ID()] = mark
		}
		pt.mu.Unlock()
		if !ok || len(modules) == 0 {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		if pt.opts.CallTimeout > 0 {
			ctx, cancel = context.WithTimeout(context.Background(), pt.opts.CallTimeout)
		}
		res, err := w.Reload(ctx, modules...)
		cancel()
		r := snakes.NewWorkerReload("pet:"+pt.name, w, res, err)
		pt.p.log.Debug("new incarnation caught up with a reload", "pet", pt.name, "outcome", r.String())
	}
}

// Restart replaces every live pet by a new incarnation (a new process,
// its Init run again, the code imported afresh): the new one is started,
// takes the calls, then the old one is stopped politely, so no call fails
// and none waits for a start. rolling replaces the pets one at a time
// (one extra process at any moment); otherwise all at once. A pet whose
// new incarnation fails to start keeps its old one, and the error says
// so (joined with the others'). Requested restarts do not count towards
// the restart intensity.
func (p *Pets) Restart(ctx context.Context, rolling bool) error {
	pets := p.snapshot()
	errs := make([]error, len(pets))
	if rolling {
		for i, pt := range pets {
			errs[i] = pt.replace(ctx)
		}
		return errors.Join(errs...)
	}
	var wg sync.WaitGroup
	for i, pt := range pets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pt.replace(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// replace starts a new child beside the one that serves, waits until it
// serves, then terminates the old one (whose calls in flight finish).
func (pt *pet) replace(ctx context.Context) error {
	pt.mu.Lock()
	if pt.dead != nil || pt.sup == nil {
		pt.mu.Unlock()
		return nil // dead, slain or still being adopted: nothing to restart
	}
	old, sup := pt.child, pt.sup
	pt.retired[old] = true
	pt.request = true
	pt.mu.Unlock()

	fresh := pt.newChild()
	if _, err := sup.StartChild(ctx, pt.childSpec(fresh)); err != nil {
		pt.keepOld(ctx, sup, old)
		if pt.gone() {
			return nil // slain or stopped meanwhile
		}
		return fmt.Errorf("pets: restarting %q: %w", pt.name, err)
	}
	if err := pt.awaitChild(ctx, fresh); err != nil {
		// Give up on the new one and go on with the old one.
		pt.mu.Lock()
		pt.retired[fresh] = true
		pt.mu.Unlock()
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopFallback)
		defer cancel()
		sup.TerminateChild(stop, fresh)
		pt.keepOld(stop, sup, old)
		if pt.gone() {
			return nil
		}
		return fmt.Errorf("pets: restarting %q: %w", pt.name, err)
	}
	err := sup.TerminateChild(ctx, old)
	pt.mu.Lock()
	delete(pt.retired, old)
	delete(pt.byChild, old)
	pt.mu.Unlock()
	if err != nil && !errors.Is(err, supervisor.ErrUnknownChild) {
		return fmt.Errorf("pets: restarting %q: stopping the old incarnation: %w", pt.name, err)
	}
	return nil
}

// gone reports whether the pet is dead, slain or stopped.
func (pt *pet) gone() bool {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.dead != nil
}

// keepOld undoes the retirement of child, the one that served before a
// replacement that failed, and attaches its worker again if it lost it
// meanwhile (it restarted while retired, or the new one had taken over).
func (pt *pet) keepOld(ctx context.Context, sup *supervisor.Supervisor, child string) {
	pt.mu.Lock()
	delete(pt.retired, child)
	pt.request = false
	orphan := pt.dead == nil && (pt.worker == nil || pt.child != child)
	pt.mu.Unlock()
	if orphan {
		pt.refetch(ctx, sup, child)
	}
}

// awaitChild waits until the worker of child serves (or the pet dies).
func (pt *pet) awaitChild(ctx context.Context, child string) error {
	for {
		pt.mu.Lock()
		dead, serving, ch := pt.dead, pt.worker != nil && pt.child == child, pt.changed
		pt.mu.Unlock()
		if dead != nil {
			return dead
		}
		if serving {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// refetch attaches the worker of child again, asking the supervisor for
// its PID.
func (pt *pet) refetch(ctx context.Context, sup *supervisor.Supervisor, child string) {
	children, err := sup.Children(ctx)
	if err != nil {
		return
	}
	for _, c := range children {
		if c.ID == child && c.PID != nil {
			pt.fetch(child, c.PID)
		}
	}
}
