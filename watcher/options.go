package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configures a Watcher. Paths and Target are required; the other
// zero values mean the defaults of defaults.go.
type Options struct {
	// Paths are the module paths to watch, each an existing directory: the
	// directories on the workers' Python path that hold the code being
	// edited (snakes.Options.Paths). Files map to modules relative to them.
	Paths []string

	// Target receives the reloads and restarts.
	Target Target

	// Strategy is StrategyReload (the zero value) or StrategyRestart.
	Strategy Strategy

	// Debounce is how long a file must be quiet before its change is acted
	// on (DefaultDebounce); negative is an error.
	Debounce time.Duration

	// Timeout bounds one batch (DefaultTimeout); negative: no bound but
	// the context of Serve.
	Timeout time.Duration

	// OnReport, when set, is given each batch's Report, from the watcher's
	// goroutine, one batch at a time: a slow hook delays the next batch.
	OnReport func(Report)

	// Logger receives a line per batch and per worker that did not
	// reload; default: discard.
	Logger hclog.Logger
}

// withDefaults validates opts and fills the zero fields; the paths become
// absolute and clean.
func (o Options) withDefaults() (Options, error) {
	if o.Target == nil {
		return o, ErrNoTarget
	}
	if len(o.Paths) == 0 {
		return o, ErrNoPaths
	}
	if o.Strategy != StrategyReload && o.Strategy != StrategyRestart {
		return o, fmt.Errorf("%w: %d", ErrBadStrategy, int(o.Strategy))
	}
	if o.Debounce < 0 {
		return o, fmt.Errorf("%w: %v", ErrBadDebounce, o.Debounce)
	}
	if o.Debounce == 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	paths := make([]string, 0, len(o.Paths))
	for _, p := range o.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return o, &PathError{Path: p, Err: err}
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return o, &PathError{Path: p, Err: err}
		}
		if !fi.IsDir() {
			return o, &PathError{Path: p, Err: ErrNotDir}
		}
		if !contains(paths, abs) {
			paths = append(paths, abs)
		}
	}
	o.Paths = paths
	return o, nil
}
