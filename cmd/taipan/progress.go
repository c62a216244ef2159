package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressEvery is how often the progress on stderr is redrawn: a bar on a
// terminal (cheap, redrawn in place), a line otherwise (kept to a few, as
// they pile up in a log).
const (
	barEvery  = 200 * time.Millisecond
	lineEvery = 5 * time.Second
	barWidth  = 30
)

// runStats counts the calls of `taipan run` for the progress and the
// summary.
type runStats struct {
	start time.Time
	total int // lines to call, -1 when unknown (stdin)

	mu     sync.Mutex
	calls  int
	errors int
}

func (s *runStats) add(failed bool) {
	s.mu.Lock()
	s.calls++
	if failed {
		s.errors++
	}
	s.mu.Unlock()
}

func (s *runStats) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *runStats) errorCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errors
}

// snapshot returns the counts and the time since the start.
func (s *runStats) snapshot() (calls, errors int, elapsed time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.errors, time.Since(s.start)
}

// summary prints the last line of a run.
func (s *runStats) summary(w io.Writer) {
	calls, errs, elapsed := s.snapshot()
	fmt.Fprintf(w, "%d calls, %d errors, %s, %s calls/s\n", calls, errs, elapsed.Round(time.Millisecond), rate(calls, elapsed))
}

func rate(calls int, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "0"
	}
	r := float64(calls) / elapsed.Seconds()
	if r >= 10000 {
		return fmt.Sprintf("%.1fk", r/1000)
	}
	return fmt.Sprintf("%.0f", r)
}

// progressLine renders the progress: a bar when the total is known and bar
// is set, the counts otherwise.
func progressLine(calls, errors, total int, elapsed time.Duration, bar bool) string {
	var b strings.Builder
	if total > 0 && bar {
		filled := min(calls*barWidth/total, barWidth)
		b.WriteString("[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] ")
		fmt.Fprintf(&b, "%3d%% ", calls*100/total)
	}
	fmt.Fprintf(&b, "%d", calls)
	if total >= 0 {
		fmt.Fprintf(&b, "/%d", total)
	}
	fmt.Fprintf(&b, " calls, %d errors, %s calls/s", errors, rate(calls, elapsed))
	return b.String()
}

// startProgress draws the progress on w until the returned function is
// called; that function clears the bar and returns once drawing stopped.
func startProgress(mode string, w io.Writer, s *runStats) (stop func()) {
	if mode != "bar" && mode != "lines" {
		return func() {}
	}
	every := lineEvery
	if mode == "bar" {
		every = barEvery
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				if mode == "bar" {
					fmt.Fprint(w, "\r\033[K") // the summary replaces the bar
				}
				return
			case <-t.C:
				calls, errs, elapsed := s.snapshot()
				line := progressLine(calls, errs, s.total, elapsed, mode == "bar")
				if mode == "bar" {
					fmt.Fprint(w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(w, line)
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}
