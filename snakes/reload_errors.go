package snakes

import "errors"

// Why a worker was skipped by a reload or a restart (WorkerReload.Err), and
// why a restart failed, for errors.Is.
var (
	// ErrNotLoaded: the worker never imported any of the modules, so it had
	// nothing to reload; it imports them from the current files when it
	// first needs them.
	ErrNotLoaded = errors.New("snakes: none of the modules is loaded in the worker")
	// ErrWorkerStarting: the worker was starting; it imports the modules
	// from the current files when it first needs them.
	ErrWorkerStarting = errors.New("snakes: worker starting")
	// ErrWorkerRetiring: the worker was leaving the pool (recycled, reaped,
	// slain, replaced by a restart, or its pool stopping) and takes no new
	// calls.
	ErrWorkerRetiring = errors.New("snakes: worker retiring")
	// ErrRestartFailed: a restart could not start a replacement worker; the
	// old worker goes on serving. The error wraps the cause when known.
	ErrRestartFailed = errors.New("snakes: restart failed")
)
