package snakes

import "time"

// Pipe wake-ups are the price of a round trip: a process asleep in read(2)
// takes 10–15 µs to run again in the VMs we measured, about as long as the
// whole call. A reader that polls the pipe for a few tens of microseconds
// before it sleeps answers in ~1 µs instead, as BEAM's schedulers do with
// their busy wait. Polling burns a core, so it is bounded and adaptive: a
// poll that found nothing halves the next one's budget (a worker whose calls
// take long, or a pipe that went quiet, soon stops polling), and a reply
// that arrives within the full budget restores it.

// spinBudget is the adaptive polling budget of one reader (the reader
// role's: one goroutine at a time uses it, hand-offs go through Worker.mu).
type spinBudget struct {
	full time.Duration // the configured budget; 0: never poll
	cur  time.Duration // this wait's budget
}

func newSpinBudget(full time.Duration) spinBudget {
	if full < 0 {
		full = 0
	}
	return spinBudget{full: full, cur: full}
}

// budget is how long the next wait may poll.
func (s *spinBudget) budget() time.Duration { return s.cur }

// waited records how long a wait took in all (polling, then sleeping) and
// whether polling found the data.
func (s *spinBudget) waited(d time.Duration, found bool) {
	switch {
	case found || d <= s.full:
		s.cur = s.full
	case s.cur > s.full/16:
		s.cur /= 2
	default:
		s.cur = 0
	}
}
