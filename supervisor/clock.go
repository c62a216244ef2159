package supervisor

import "time"

// Clock is the supervisor's source of time: the times it gives the
// Machine (intensity windows, backoff resets) and the timers of restart
// delays and shutdown timeouts. Tests inject a fake one to make timing
// deterministic; the zero Spec uses the real clock.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f on its own goroutine after d; the returned stop
	// cancels it (reporting whether it did).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
