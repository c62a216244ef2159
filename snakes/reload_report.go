package snakes

import "fmt"

// ReloadStatus says what became of one worker in a reload.
type ReloadStatus int

const (
	// ReloadSkipped: the worker was not asked (it was stopping, starting,
	// or none of the modules was loaded in it); WorkerReload.Err says why.
	ReloadSkipped ReloadStatus = iota
	// Reloaded: every module reloaded.
	Reloaded
	// ReloadFailed: at least one module kept its old code (a syntax
	// error, an exception at import), or the request itself failed; the
	// worker goes on serving the old code.
	ReloadFailed
)

// String returns "skipped", "reloaded" or "failed".
func (s ReloadStatus) String() string {
	switch s {
	case ReloadSkipped:
		return "skipped"
	case Reloaded:
		return "reloaded"
	case ReloadFailed:
		return "failed"
	}
	return fmt.Sprintf("ReloadStatus(%d)", int(s))
}

// WorkerReload is one worker's outcome in a reload of a pool, of the pets
// or of a whole system: the report the watcher hands to its hook.
type WorkerReload struct {
	// Owner says whose worker it is: a pool's name, or "pet:" and a pet's
	// name.
	Owner string
	// Worker is the worker's id; Pid its OS process id.
	Worker string
	Pid    int
	Status ReloadStatus
	// Modules is each module's outcome, in reload order.
	Modules []ReloadResult
	// Err says why the worker failed or was skipped: the first module's
	// error, or the request's.
	Err error
}

// String is one line for a log: "pool default worker w3 (pid 123): reloaded 2 modules".
func (r WorkerReload) String() string {
	s := fmt.Sprintf("%s worker %s (pid %d): %s", r.Owner, r.Worker, r.Pid, r.Status)
	if len(r.Modules) > 0 {
		s += fmt.Sprintf(" %d modules", len(r.Modules))
	}
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

// NewWorkerReload turns the outcome of Worker.Reload into a WorkerReload
// for owner: failed when the request or any module failed.
func NewWorkerReload(owner string, w *Worker, results []ReloadResult, err error) WorkerReload {
	r := WorkerReload{Owner: owner, Worker: w.ID(), Pid: w.Pid(), Status: Reloaded, Modules: results, Err: err}
	if err != nil {
		r.Status = ReloadFailed
		return r
	}
	for _, m := range results {
		if m.Err != nil {
			r.Status = ReloadFailed
			r.Err = fmt.Errorf("module %s: %w", m.Module, m.Err)
			break
		}
	}
	return r
}
