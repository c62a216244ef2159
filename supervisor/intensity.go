package supervisor

import (
	"math"
	"time"
)

// Intensity is OTP's restart intensity: more than MaxRestarts restarts
// within Period and the supervisor gives up, stops its children and stops
// itself with an *IntensityError, leaving the decision to its parent.
// Zero fields mean DefaultMaxRestarts and DefaultPeriod; a negative
// MaxRestarts means no restart is allowed at all (OTP's intensity 0);
// UnlimitedRestarts means there is no limit.
//
// It is the one restart intensity of taipan: a supervisor's, a pet's and
// a pool's (snakes.PoolOptions.Intensity, whose zero fields mean the
// pool defaults, snakes.DefaultPoolMaxRestarts and DefaultPoolPeriod).
type Intensity struct {
	MaxRestarts int
	Period      time.Duration
}

// UnlimitedRestarts is the MaxRestarts of an Intensity that is never
// exceeded: restart for ever (a pool that replaces crashed workers
// whatever the rate).
const UnlimitedRestarts = math.MaxInt

// Unlimited reports whether the intensity is never exceeded.
func (i Intensity) Unlimited() bool { return i.MaxRestarts == UnlimitedRestarts }

func (i Intensity) withDefaults() Intensity {
	// A negative MaxRestarts stays negative (it is read as 0 by max), so
	// that applying the defaults twice changes nothing.
	if i.MaxRestarts == 0 {
		i.MaxRestarts = DefaultMaxRestarts
	}
	if i.Period <= 0 {
		i.Period = DefaultPeriod
	}
	return i
}

// window holds the times of the restarts within the last period. It trims
// itself on every add, so it never holds more than MaxRestarts+1 entries
// however long the supervisor runs.
type window struct {
	times []time.Time
}

// add records a restart at t and reports whether the intensity is
// exceeded, with the number of restarts within the period.
func (w *window) add(t time.Time, in Intensity) (exceeded bool, n int) {
	if in.Unlimited() {
		return false, 0 // nothing to count: the window stays empty
	}
	cutoff := t.Add(-in.Period)
	keep := w.times[:0]
	for _, at := range w.times {
		// A restart exactly one period ago is outside the window, as in
		// OTP (restarts older than or equal to Period seconds are dropped).
		if at.After(cutoff) {
			keep = append(keep, at)
		}
	}
	w.times = append(keep, t)
	n = len(w.times)
	if n > in.max() {
		return true, n
	}
	return false, n
}

// max is the number of restarts allowed within the period.
func (i Intensity) max() int { return max(i.MaxRestarts, 0) }
