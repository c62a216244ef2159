package snakes

import "slices"

// ReloadLog remembers the modules of the latest reloads, so that a worker
// that was starting while they ran can catch up before it serves: its Init
// may have imported a file just before it changed, and the reload could
// not reach it then. Its owner guards it (it is not safe for concurrent
// use); the zero value is ready.
type ReloadLog struct {
	entries []loggedReload
	n       uint64
}

// loggedReload is one Reload: its rank, and its modules.
type loggedReload struct {
	n       uint64
	modules []string
}

// maxLoggedReloads bounds the log: a worker starts within seconds, and the
// watcher sends a batch at most every few hundred milliseconds.
const maxLoggedReloads = 64

// Mark is the log's position now: what a worker starting now has seen.
func (l *ReloadLog) Mark() uint64 { return l.n }

// Record logs a reload of modules.
func (l *ReloadLog) Record(modules []string) {
	l.n++
	l.entries = append(l.entries, loggedReload{n: l.n, modules: modules})
	if len(l.entries) > maxLoggedReloads {
		l.entries = slices.Delete(l.entries, 0, len(l.entries)-maxLoggedReloads)
	}
}

// Since returns the modules reloaded after mark (sorted, each once) and
// the new mark.
func (l *ReloadLog) Since(mark uint64) ([]string, uint64) {
	var modules []string
	for _, e := range l.entries {
		if e.n > mark {
			modules = append(modules, e.modules...)
		}
	}
	slices.Sort(modules)
	return slices.Compact(modules), l.n
}

// Reset forgets every reload (no worker is starting any more).
func (l *ReloadLog) Reset() { l.entries = nil }
