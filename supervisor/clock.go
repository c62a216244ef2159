package supervisor

import "time"

// Clock is the supervisor's source of time: the times it gives the
// Machine (intensity windows, backoff resets) and the timers of restart
// delays and shutdown timeouts. Tests inject a fake one to make timing
// deterministic; the zero Spec uses RealClock. Packages that keep
// restart policy over a supervisor (pets) take the same Clock, so that
// one fake drives both.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f on its own goroutine after d; the returned stop
	// cancels it (reporting whether it did).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// RealClock is the wall clock: time.Now and time.AfterFunc.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc implements Clock.
func (RealClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
