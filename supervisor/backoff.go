package supervisor

import (
	"math"
	"time"
)

// Backoff is the per-child exponential backoff between restarts: the n-th
// consecutive failure of a child waits Initial·Multiplier^(n-1), capped at
// Max, spread by ±Jitter (a fraction). A child that ran for Reset before it
// exited starts again from Initial. Zero fields mean the Default* values of
// defaults.go; a negative Jitter means none; Disabled restarts at once, as
// plain OTP does.
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64
	Reset      time.Duration
	Disabled   bool
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoffInitial
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoffMax
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = DefaultBackoffMultiplier
	}
	if b.Jitter == 0 {
		b.Jitter = DefaultBackoffJitter
	}
	if b.Reset <= 0 {
		b.Reset = DefaultBackoffReset
	}
	return b
}

// Delay is the wait before restarting a child after its n-th consecutive
// failure (n ≥ 1; n ≤ 0 means no failure, no wait). r is the jitter
// source's draw in [0, 1): the result lies in [d·(1−Jitter), d·(1+Jitter))
// where d is the un-jittered delay, so a fixed r gives a fixed delay in
// tests.
func (b Backoff) Delay(n int, r float64) time.Duration {
	if b.Disabled || n <= 0 {
		return 0
	}
	b = b.withDefaults()
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(n-1))
	d = math.Min(d, float64(b.Max))
	j := math.Min(math.Max(b.Jitter, 0), 1) // negative: none
	d *= 1 - j + 2*j*r
	return time.Duration(d)
}
