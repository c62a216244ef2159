package supervisor

import (
	"math"
	"time"
)

// Shutdown is how a child is stopped (OTP's shutdown field): a positive
// duration is how long the supervisor waits for it to stop before it gives
// up on it; BrutalKill and Infinity are OTP's brutal_kill and infinity. The
// zero value means DefaultShutdown.
//
// The child is always told to stop with protoactor's Stop system message
// (its Stopping handler runs, which is where a worker stops its Python
// process). A goroutine cannot be killed, so past the timeout the child is
// abandoned, not killed: the supervisor reports it (ChildShutdownTimeout,
// ShutdownTimeoutError) and goes on.
type Shutdown time.Duration

const (
	// BrutalKill tells the child to stop and does not wait for it: the
	// next child is stopped at once.
	BrutalKill Shutdown = -1
	// Infinity waits as long as the child takes (for children that are
	// supervisors themselves, as in OTP).
	Infinity Shutdown = math.MaxInt64
)

// String returns "brutal_kill", "infinity" or the timeout.
func (s Shutdown) String() string {
	switch s {
	case BrutalKill:
		return "brutal_kill"
	case Infinity:
		return "infinity"
	case 0:
		return DefaultShutdown.String()
	}
	return time.Duration(s).String()
}

// orDefault returns DefaultShutdown for the zero value.
func (s Shutdown) orDefault() Shutdown {
	if s == 0 {
		return DefaultShutdown
	}
	return s
}
