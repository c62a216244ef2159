package supervisor

import "time"

// The defaults, in one place. A zero field in a Spec, ChildSpec, Intensity
// or Backoff means the default named here.
const (
	// DefaultMaxRestarts and DefaultPeriod: 3 restarts in 5 s, Elixir's
	// choice. OTP's own 1 in 5 s is too strict for Python workers, whose
	// crashes often come in small bursts (a bad input retried).
	DefaultMaxRestarts = 3
	DefaultPeriod      = 5 * time.Second

	// DefaultShutdown is how long a child may take to stop before the
	// supervisor stops waiting for it (OTP's 5000 ms for workers).
	DefaultShutdown = Shutdown(5 * time.Second)

	// DefaultBackoffInitial is the delay before the first restart of a
	// child; each further consecutive failure multiplies it by
	// DefaultBackoffMultiplier up to DefaultBackoffMax. The first restart
	// is nearly immediate, as in OTP; a crash loop slows down.
	DefaultBackoffInitial    = 10 * time.Millisecond
	DefaultBackoffMax        = 5 * time.Second
	DefaultBackoffMultiplier = 2.0

	// DefaultBackoffJitter spreads each delay over ±20 %, so that workers
	// that crashed together do not restart together.
	DefaultBackoffJitter = 0.2

	// DefaultBackoffReset: a child that ran this long before it exited
	// starts its backoff again from DefaultBackoffInitial.
	DefaultBackoffReset = 10 * time.Second
)
