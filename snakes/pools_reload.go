package snakes

import (
	"context"
	"sync"
)

// Reload reloads modules in every worker of every pool (Pool.Reload),
// the pools in parallel, and returns their outcomes in the order of the
// pools' names.
func (ps *Pools) Reload(ctx context.Context, modules ...string) []WorkerReload {
	names := ps.Names()
	pools := *ps.pools.Load()
	parts := make([][]WorkerReload, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		p := pools[name]
		if p == nil {
			continue
		}
		wg.Go(func() { parts[i] = p.Reload(ctx, modules...) })
	}
	wg.Wait()
	var out []WorkerReload
	for _, part := range parts {
		out = append(out, part...)
	}
	return out
}

// Restart restarts every pool (Pool.Restart), the pools in parallel:
// rolling, each pool replaces its workers one at a time. The error joins
// the pools' errors; after Stop it is ErrPoolStopped.
func (ps *Pools) Restart(ctx context.Context, rolling bool) error {
	ps.mu.Lock()
	stopped := ps.stopped
	ps.mu.Unlock()
	if stopped {
		return ErrPoolStopped
	}
	return ps.each(func(p *Pool) error { return p.Restart(ctx, rolling) })
}
