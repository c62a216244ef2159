package snakes

import "time"

// Defaults for the zero values of PoolOptions, in one place so that the
// documented numbers and the code cannot drift apart. Size defaults to the
// number of CPUs (runtime.NumCPU).
const (
	// DefaultMaxWaiters bounds the wait queue: a caller that would be
	// waiter number DefaultMaxWaiters+1 gets ErrOverloaded at once.
	DefaultMaxWaiters = 1024

	// DefaultPipeline is how many pool calls (Call, CallInto, Cast) one
	// worker may have in flight. 1 is poolboy's and Venomous' semantics: a
	// call has its worker to itself, so a call that times out (and gets its
	// worker killed) takes no other call with it, and no call waits behind
	// a slow one. More keeps the pipe busy when every worker is busy:
	// BenchmarkPool2Callers8 (short calls, 8 callers, pool of 2, 2 cores)
	// measured 35k calls/s at 1, 61k at 2, 90k at 4, 91k at 8. A worker
	// that dies takes only its running call with it: the calls queued
	// behind it never ran and are re-dispatched (ErrNotRun). It stays 1
	// because a call queued behind a slow one waits for it even when
	// another worker frees up first (an io pool's calls would); 4 is the
	// setting for short, even calls.
	DefaultPipeline = 1

	// DefaultMaxRedispatch is how many times a pool call that never ran
	// is sent to another worker before it fails (ErrRedispatchBudget): a
	// worker killed under it now and then is absorbed (the chaos test: a
	// kill every 100 ms), a call that kills every worker it reaches costs
	// three workers, not the pool.
	DefaultMaxRedispatch = 2

	// DefaultCallTimeout bounds a pool call whose context has no deadline
	// (Venomous' python_timeout): past it the call is abandoned, its worker
	// interrupted, stopped and replaced.
	DefaultCallTimeout = 15 * time.Second

	// DefaultIdleTTL is how long a worker above Size may stay idle before
	// the cleaner reaps it (Venomous' snake_ttl_minutes).
	DefaultIdleTTL = 15 * time.Minute

	// DefaultCleanInterval is how often the cleaner runs: idle reaping,
	// and the age and memory checks of recycling.
	DefaultCleanInterval = time.Minute

	// DefaultSpawnBackoff is the first wait before a failed worker start
	// is tried again to refill the pool; it doubles up to
	// DefaultMaxSpawnBackoff.
	DefaultSpawnBackoff    = 100 * time.Millisecond
	DefaultMaxSpawnBackoff = 5 * time.Second

	// DefaultPoolMaxRestarts and DefaultPoolPeriod are a pool's restart
	// intensity when the fields of PoolOptions.Intensity are zero
	// (standalone or under taipan.Start): more than 10 worker crashes or
	// failed starts within 10 s and the pool fails, to be revived by its
	// supervisor (PoolProps). Looser than a supervisor's 3 in 5 s
	// (supervisor.DefaultMaxRestarts): a pool replaces its own workers,
	// and several may die together (an OOM kill). For no limit, say so:
	// supervisor.UnlimitedRestarts.
	DefaultPoolMaxRestarts = 10
	DefaultPoolPeriod      = 10 * time.Second

	// recycleRetry is how long a worker due for recycling waits before a
	// new replacement is tried after one failed to start.
	recycleRetry = time.Second
)
