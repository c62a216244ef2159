package watcher

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is.
var (
	// ErrNoTarget: Options.Target is nil.
	ErrNoTarget = errors.New("watcher: no target to reload")
	// ErrNoPaths: Options.Paths is empty.
	ErrNoPaths = errors.New("watcher: no module path to watch")
	// ErrNotDir: a module path is not a directory.
	ErrNotDir = errors.New("watcher: not a directory")
	// ErrBadStrategy: Options.Strategy is none of the strategies.
	ErrBadStrategy = errors.New("watcher: unknown strategy")
	// ErrBadDebounce: Options.Debounce is negative.
	ErrBadDebounce = errors.New("watcher: negative debounce")
	// ErrServing: Serve was called while the Watcher already serves.
	ErrServing = errors.New("watcher: already serving")
)

// PathError is a module path that cannot be watched: it does not exist, is
// not a directory (ErrNotDir), or fsnotify refused it.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("watcher: %s: %v", e.Path, e.Err) }

// Unwrap returns the cause.
func (e *PathError) Unwrap() error { return e.Err }
