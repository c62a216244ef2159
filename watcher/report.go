package watcher

import (
	"fmt"
	"strings"
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// Report is the outcome of one batch: the files that changed, the modules
// they map to, and what became of each worker.
type Report struct {
	// Files are the changed files (absolute paths, sorted); empty for a
	// manual Reload. Removed are those of Files that no longer exist
	// (deleted, or renamed away): their modules fail to reload, and keep
	// their old code, until they come back.
	Files   []string
	Removed []string
	// Modules are the modules of Files (sorted), or those of a manual
	// Reload.
	Modules  []string
	Strategy Strategy
	// Workers is each worker's outcome (StrategyReload); a restart has
	// none.
	Workers []snakes.WorkerReload
	// Started is when the batch began, Took how long it ran.
	Started time.Time
	Took    time.Duration
	// Err is why the batch itself failed: the restart's error, or the
	// watcher stopping under it. A module that failed to reload is not
	// one: see Workers.
	Err error
}

// Counts returns how many workers reloaded, failed and were skipped.
func (r Report) Counts() (reloaded, failed, skipped int) {
	for _, w := range r.Workers {
		switch w.Status {
		case snakes.Reloaded:
			reloaded++
		case snakes.ReloadFailed:
			failed++
		default:
			skipped++
		}
	}
	return
}

// OK reports whether the batch failed nowhere: no error, no worker failed.
func (r Report) OK() bool {
	_, failed, _ := r.Counts()
	return r.Err == nil && failed == 0
}

// String is the report's summary line, such as
// "reload [app.models] (1 file): 3 reloaded, 1 failed, 0 skipped in 12ms".
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s]", r.Strategy, strings.Join(r.Modules, " "))
	if n := len(r.Files); n > 0 {
		fmt.Fprintf(&b, " (%d file%s", n, plural(n))
		if k := len(r.Removed); k > 0 {
			fmt.Fprintf(&b, ", %d removed", k)
		}
		b.WriteString(")")
	}
	if r.Strategy == StrategyReload {
		ok, failed, skipped := r.Counts()
		fmt.Fprintf(&b, ": %d reloaded, %d failed, %d skipped", ok, failed, skipped)
	}
	fmt.Fprintf(&b, " in %v", r.Took.Round(time.Millisecond))
	if r.Err != nil {
		fmt.Fprintf(&b, ": %v", r.Err)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
