package watcher

import (
	"context"

	"github.com/taipan-go/taipan/snakes"
)

// Target is what a Watcher reloads: *snakes.Pool (one pool),
// *snakes.Pools (every pool), the pets, or a whole system.
type Target interface {
	// Reload reloads the modules in every worker and says what became of
	// each one.
	Reload(ctx context.Context, modules ...string) []snakes.WorkerReload
	// Restart replaces every worker; rolling: one at a time, with no loss
	// of capacity.
	Restart(ctx context.Context, rolling bool) error
}
