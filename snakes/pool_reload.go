package snakes

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// Reload reloads modules (Worker.Reload: each module, its imported
// submodules, then the modules that import them, in dependency order) in
// every live worker of the pool: idle, busy, leased or bound to a Session.
// A busy worker reloads right after the requests it already has, since a
// worker runs its requests in arrival order; each worker's reload is
// bounded by ctx, or by CallTimeout when ctx has no deadline (a reload
// still queued then is dropped, and the worker keeps its old code).
//
// It returns one WorkerReload per worker, Owner the pool's name, in the
// order the workers joined the pool: Reloaded; ReloadFailed with the
// Python error (a module that fails keeps its old code, and the worker
// goes on serving); or ReloadSkipped with the reason — ErrNotLoaded (the
// worker never imported any of the modules: it imports the current files
// when it needs them), ErrWorkerRetiring, or ErrWorkerStarting (one entry
// per start in progress, named "(starting)": it imports the current files
// too). A stopped pool, or no modules, gives nil.
func (p *Pool) Reload(ctx context.Context, modules ...string) []WorkerReload {
	if len(modules) == 0 {
		return nil
	}
	owner := p.opts.Name
	p.mu.Lock()
	if p.mach.Mode() == poolstate.Stopped {
		p.mu.Unlock()
		return nil
	}
	var members []*member
	for _, m := range p.mach.Members() {
		if m.Joined() {
			members = append(members, m)
		}
	}
	starting := p.mach.Starting()
	out := make([]WorkerReload, len(members), len(members)+starting)
	var live []int
	for i, m := range members {
		switch err := workerDown(m.Worker); {
		case !m.Live():
			out[i] = skipped(owner, m.Worker, ErrWorkerRetiring)
		case err != nil:
			out[i] = skipped(owner, m.Worker, err)
		default:
			live = append(live, i)
		}
	}
	for range starting {
		out = append(out, WorkerReload{Owner: owner, Worker: "(starting)", Status: ReloadSkipped, Err: ErrWorkerStarting})
	}
	if starting > 0 {
		// Their Init may have imported the old files: each reloads these
		// modules once started, before it serves (catchUpReloads).
		p.reloads.Record(modules)
	}
	p.mu.Unlock()

	var wg sync.WaitGroup
	for _, i := range live {
		w := members[i].Worker
		wg.Go(func() {
			rctx, cancel := p.callContext(ctx)
			if cancel != nil {
				defer cancel()
			}
			out[i] = reloadWorker(rctx, owner, w, modules)
		})
	}
	wg.Wait()
	return out
}

// catchUpReloads reloads, in w (started, not yet serving), the modules of
// every Reload that ran after its start was asked for (since: the log's
// mark then). Outcomes are logged: nobody waits for them.
func (p *Pool) catchUpReloads(w *Worker, since uint64) {
	for {
		p.mu.Lock()
		modules, mark := p.reloads.Since(since)
		p.mu.Unlock()
		if len(modules) == 0 {
			return
		}
		since = mark
		ctx, cancel := p.callContext(p.life)
		r := reloadWorker(ctx, p.opts.Name, w, modules)
		if cancel != nil {
			cancel()
		}
		p.log.Debug("started worker caught up with a reload", "worker", w.ID(), "outcome", r.String())
	}
}

// reloadWorker reloads modules in one worker and tells what became of it.
func reloadWorker(ctx context.Context, owner string, w *Worker, modules []string) WorkerReload {
	res, err := w.Reload(ctx, modules...)
	switch {
	case err != nil && workerGone(err):
		return skipped(owner, w, err) // stopped or died meanwhile: its replacement has the new code
	case err == nil && len(res) == 0:
		return skipped(owner, w, ErrNotLoaded)
	}
	return NewWorkerReload(owner, w, res, err)
}

// skipped is the WorkerReload of a worker that was not asked.
func skipped(owner string, w *Worker, why error) WorkerReload {
	return WorkerReload{Owner: owner, Worker: w.ID(), Pid: w.Pid(), Status: ReloadSkipped, Err: why}
}

// Restart replaces every live worker of the pool with a fresh one, so that
// all of them run the current code from scratch (module state included).
// Each replacement is started and ready before the worker it replaces
// retires, and a retiring worker finishes the calls it has before it
// stops: the pool never has fewer ready workers than before, and no call
// fails because of a restart.
//
// rolling replaces the workers one at a time (at most one extra process
// at any moment: the gentle way for big workers on few cores); otherwise
// every replacement starts at once and the pool is briefly twice its size.
//
// A worker leased or bound to a Session is retired like a busy one: it
// goes on serving its holder, and stops when the lease or session ends
// (the next holder gets a fresh worker). Restart returns once every old
// worker is retiring, not once it has stopped.
//
// When a replacement fails to start, the old worker stays and Restart
// returns an error matching ErrRestartFailed (rolling: the workers not yet
// replaced stay too). When ctx ends first, the error wraps ErrRestartFailed
// and ctx's error; replacements already starting still take over when
// ready. A stopped pool gives ErrPoolStopped; a pool that fails meanwhile
// (PoolOptions.Intensity), an error wrapping ErrRestartFailed and its *PoolFailedError.
func (p *Pool) Restart(ctx context.Context, rolling bool) error {
	p.mu.Lock()
	if p.mach.Mode() == poolstate.Stopped {
		p.mu.Unlock()
		return ErrPoolStopped
	}
	var old []*member
	for _, m := range p.mach.Members() {
		if m.Live() {
			old = append(old, m)
		}
	}
	p.mu.Unlock()
	if !rolling {
		return p.replaceWorkers(ctx, old)
	}
	for _, m := range old {
		if err := p.replaceWorkers(ctx, []*member{m}); err != nil {
			return err
		}
	}
	return nil
}

// replaceWorkers starts a replacement for each of old (as recycling does: the
// old worker retires once its replacement is ready) and waits until every
// one of them is retiring, or a replacement failed, or ctx ended.
func (p *Pool) replaceWorkers(ctx context.Context, old []*member) error {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mach.Mode() == poolstate.Stopped {
		return ErrPoolStopped
	}
	for _, m := range old {
		p.exec(p.mach.Recycle(m, poolstate.WhyRestart, now))
	}
	wake := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer wake()
	for {
		waiting := false
		var failed []string
		for _, m := range old {
			switch {
			case !m.Live():
			case !m.Replacing(): // its replacement failed to start (the log says why)
				failed = append(failed, m.ID)
			default:
				waiting = true
			}
		}
		switch mode := p.mach.Mode(); {
		case mode == poolstate.Stopped:
			return ErrPoolStopped
		case mode == poolstate.Failed: // its workers retire: no restart to wait for
			return fmt.Errorf("%w: %w", ErrRestartFailed, p.mach.Failure())
		case len(failed) > 0:
			return fmt.Errorf("%w: pool %s: no replacement could start for %s (the pool's log says why)",
				ErrRestartFailed, p.opts.Name, strings.Join(failed, ", "))
		case !waiting:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("%w: pool %s: %w", ErrRestartFailed, p.opts.Name, ctx.Err())
		}
		p.cond.Wait()
	}
}
