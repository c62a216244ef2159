package watcher

import "time"

// Defaults for the zero values of Options, in one place.
const (
	// DefaultDebounce is how long a file must be quiet before its change is
	// acted on: long enough for an editor's save (several writes, a rename)
	// or a checkout to finish, short enough to feel immediate.
	DefaultDebounce = 500 * time.Millisecond

	// DefaultTimeout bounds one batch: the reload of every worker, or a
	// whole restart. A worker busy past it keeps its old code and is
	// reported failed.
	DefaultTimeout = 2 * time.Minute
)
