package actors

import "time"

// The defaults, in one place.
const (
	// DefaultName names the system in logs.
	DefaultName = "taipan"

	// DefaultStopTimeout bounds Stop when its context has no deadline:
	// long enough for a supervisor to stop its Python workers (each gets
	// supervisor.DefaultShutdown), short enough that a stuck actor does
	// not hang the host's exit.
	DefaultStopTimeout = 30 * time.Second

	// DefaultDeadLetterThrottle: at most this many dead letters are
	// logged per second (protoactor's default is 3; dead letters during
	// a shutdown are expected and would otherwise flood the log).
	DefaultDeadLetterThrottle = 3
)
