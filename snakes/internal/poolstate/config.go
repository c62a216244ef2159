package poolstate

import "time"

// Config is a Machine's fixed settings (snakes fills them from
// PoolOptions, defaults applied). Zero values are taken literally.
type Config struct {
	Name        string // prefixes member ids: "<Name>-<n>"
	Size        int    // members the pool keeps
	MaxOverflow int    // more it may start on demand, reaped when idle
	MaxWaiters  int    // wait queue bound; negative: fail fast
	FIFO        bool   // hand out the member idle longest (else the last one given back)
	Pipeline    int    // pool calls one member may run at once
	MaxCalls    int    // calls a member serves before it retires (0: no limit)
	MaxAge      time.Duration
	IdleTTL     time.Duration // idle time before a member above Size is reaped (0: never)

	SpawnBackoff, MaxSpawnBackoff time.Duration
	// RecycleRetry is how long a member due for recycling waits before
	// another replacement is tried after one failed to start.
	RecycleRetry time.Duration

	// More than MaxRestarts crashes and failed starts (those of Open
	// excepted) within Period fail the pool: supervisor.Intensity's
	// rule (negative: the first one does; math.MaxInt,
	// supervisor.UnlimitedRestarts: never).
	MaxRestarts int
	Period      time.Duration
	// Failure builds the pool's failure error when MaxRestarts is
	// exceeded: n restarts within period, the last one for last.
	Failure func(n int, period time.Duration, last error) error
}

func (c Config) max() int { return c.Size + c.MaxOverflow }
