package snakes

import "errors"

// Sentinel errors of the Manager, for errors.Is.
var (
	// ErrPoolFull: TryAcquire (or Checkout without blocking) found no idle
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
	// ErrNoSuchWorker: Slay was given an id that names no live worker.
	ErrNoSuchWorker = errors.New("snakes: no such worker")
	// ErrLeaseReleased: the lease was released (or released as broken
	// when its holder's context ended) and its worker is no longer yours.
	ErrLeaseReleased = errors.New("snakes: lease released")
)
