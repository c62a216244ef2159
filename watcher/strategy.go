package watcher

import "fmt"

// Strategy is how a batch of changed modules reaches the workers.
type Strategy uint8

const (
	// StrategyReload reloads the changed modules in place in every worker
	// (Target.Reload): fast, and the workers keep their other state. A
	// module that fails to reload keeps its old code.
	StrategyReload Strategy = iota
	// StrategyRestart replaces every worker with a fresh process, one at a
	// time, each replacement ready before the old one retires
	// (Target.Restart with rolling set): slower, but nothing of the old
	// code or its state survives — for code that reload cannot refresh
	// (objects held across calls, C extensions, module-level resources).
	StrategyRestart
)

// String returns "reload" or "restart".
func (s Strategy) String() string {
	switch s {
	case StrategyReload:
		return "reload"
	case StrategyRestart:
		return "restart"
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}
