package watcher

import (
	"context"
	"os"
	"slices"
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// Reload reloads modules in the Target now (StrategyReload, whatever
// Options.Strategy says), as a batch of the watcher would: the Report goes
// to OnReport and the log too, and is returned. It waits for a batch in
// progress first.
func (w *Watcher) Reload(ctx context.Context, modules ...string) Report {
	mods := slices.Clone(modules)
	slices.Sort(mods)
	return w.run(ctx, Report{Modules: slices.Compact(mods), Strategy: StrategyReload})
}

// changed acts on a batch of changed files.
func (w *Watcher) changed(ctx context.Context, files []string) {
	r := Report{Files: files, Strategy: w.opts.Strategy}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			r.Removed = append(r.Removed, f)
		}
		r.Modules = append(r.Modules, ModulesOf(w.opts.Paths, f)...)
	}
	slices.Sort(r.Modules)
	r.Modules = slices.Compact(r.Modules)
	dropCompiled(files)
	w.run(ctx, r)
}

// run runs one batch (r says what and how), logs it and hands its report
// to the hook.
func (w *Watcher) run(ctx context.Context, r Report) Report {
	w.batch.Lock()
	defer w.batch.Unlock()
	if w.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.opts.Timeout)
		defer cancel()
	}
	r.Started = time.Now()
	switch r.Strategy {
	case StrategyRestart:
		r.Err = w.opts.Target.Restart(ctx, true)
	default:
		if len(r.Modules) > 0 {
			r.Workers = w.opts.Target.Reload(ctx, r.Modules...)
		}
		if r.Err == nil && ctx.Err() != nil {
			r.Err = ctx.Err()
		}
	}
	r.Took = time.Since(r.Started)
	w.log(r)
	if w.opts.OnReport != nil {
		w.opts.OnReport(r)
	}
	return r
}

// log writes a line for the batch, and one for each worker that did not
// reload.
func (w *Watcher) log(r Report) {
	l := w.opts.Logger
	args := []any{"strategy", r.Strategy, "modules", r.Modules, "took", r.Took}
	if len(r.Files) > 0 {
		args = append(args, "files", r.Files)
	}
	if len(r.Removed) > 0 {
		args = append(args, "removed", r.Removed)
	}
	if r.Strategy == StrategyReload {
		ok, failed, skipped := r.Counts()
		args = append(args, "reloaded", ok, "failed", failed, "skipped", skipped)
	}
	if r.Err != nil {
		l.Error("hot reload failed", append(args, "error", r.Err)...)
	} else {
		l.Info("hot reload", args...)
	}
	for _, wr := range r.Workers {
		switch wr.Status {
		case snakes.ReloadFailed:
			l.Warn("worker kept its old code", "owner", wr.Owner, "worker", wr.Worker, "pid", wr.Pid, "error", wr.Err)
		case snakes.ReloadSkipped:
			l.Debug("worker skipped", "owner", wr.Owner, "worker", wr.Worker, "pid", wr.Pid, "why", wr.Err)
		}
	}
}
