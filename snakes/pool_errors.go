package snakes

import (
	"errors"
	"fmt"
)

// Sentinel errors of the Pool, for errors.Is.
var (
	// ErrPoolFull: TryAcquire found no idle
	// worker and the pool already has Size+MaxOverflow workers.
	ErrPoolFull = errors.New("snakes: pool is full")
	// ErrOverloaded: the wait queue already holds MaxWaiters callers; the
	// call was refused at once instead of queued.
	ErrOverloaded = errors.New("snakes: pool overloaded: wait queue full")
	// ErrPoolStopped: the pool is stopping or stopped and takes no calls.
	ErrPoolStopped = errors.New("snakes: pool stopped")
	// ErrPoolFailed: the pool gave up after more worker crashes than its
	// Intensity allows; the *PoolFailedError says why. Under a supervisor
	// the pool is revived by its restart.
	ErrPoolFailed = errors.New("snakes: pool failed")
	// ErrPoolNotStarted: a Supervised pool whose supervisor has not
	// started its manager actor (PoolProps) was asked to Clean or Slay.
	ErrPoolNotStarted = errors.New("snakes: pool not started by its supervisor")
	// ErrNoSuchWorker: Slay was given an id that names no live worker.
	ErrNoSuchWorker = errors.New("snakes: no such worker")
	// ErrInvalidSlayStyle: Slay was given a SlayStyle that is none of
	// SlayPolite, SlayBrutal, SlayDrain.
	ErrInvalidSlayStyle = errors.New("snakes: unknown slay style")
	// ErrLeaseReleased: the lease ended (Release, ReleaseBroken, or the
	// end of its holder's context) and its worker is no longer yours.
	ErrLeaseReleased = errors.New("snakes: lease released")
	// ErrRedispatchBudget: a pool call that never ran was sent to another
	// worker MaxRedispatch times and never ran there either; the
	// *RedispatchError carries its last error (ErrNotRun and its cause).
	ErrRedispatchBudget = errors.New("snakes: re-dispatch budget spent")
	// ErrPoolSize: NewPool was given a pool that could never have a
	// worker (Size negative: none kept, and no MaxOverflow); the error is
	// a *PoolSizeError.
	ErrPoolSize = errors.New("snakes: a pool without workers")
)

// PoolSizeError is a pool that could never have a worker: it keeps none
// (PoolOptions.Size negative) and may start none on demand (MaxOverflow
// zero). It matches ErrPoolSize.
type PoolSizeError struct {
	Pool        string // the pool's name
	Size        int    // workers kept (0: Size was negative)
	MaxOverflow int    // workers it may start on demand
}

func (e *PoolSizeError) Error() string {
	return fmt.Sprintf("%v: pool %q keeps %d workers (Size negative: none) and may start %d on demand (MaxOverflow): "+
		"set MaxOverflow above zero, or Size", ErrPoolSize, e.Pool, e.Size, e.MaxOverflow)
}

// Unwrap returns ErrPoolSize.
func (e *PoolSizeError) Unwrap() error { return ErrPoolSize }

// RedispatchError is the error of a pool call that never ran on any of
// the workers it was sent to (PoolOptions.MaxRedispatch). It matches
// ErrRedispatchBudget and its last error: ErrNotRun and why its worker
// took no calls (ErrWorkerExited, ErrStopped...).
type RedispatchError struct {
	Tries int   // workers the call was sent to
	Err   error // its error on the last of them
}

func (e *RedispatchError) Error() string {
	return fmt.Sprintf("%v: the call never ran on the %d workers it was sent to (raise PoolOptions.MaxRedispatch to try more): %v",
		ErrRedispatchBudget, e.Tries, e.Err)
}

// Unwrap lets errors.Is find ErrRedispatchBudget and the last error.
func (e *RedispatchError) Unwrap() []error { return []error{ErrRedispatchBudget, e.Err} }
