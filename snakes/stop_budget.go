package snakes

import "time"

// stopReapMargin is what StopBudget allows after SIGKILL: for the kernel
// to tear the process down and for Stop to see it reaped and the worker's
// goroutines end. A small process is gone within milliseconds, but tearing
// down a large address space takes the kernel about a second per few tens
// of GiB, more on a loaded machine; three seconds covers a worker holding a
// big model, and is only ever spent when something is that slow (Stop
// returns as soon as the worker is gone).
const stopReapMargin = 3 * time.Second

// StopBudget is the longest Worker.Stop takes with these options when its
// context does not end first: StopGrace for Python to exit on end of file,
// then SIGTERM and SignalGrace, then SIGKILL and the reap (a margin of 3 s,
// for the kernel to tear down a large process on a loaded machine). An
// owner that stops a worker in the background gives Stop this much; a
// supervisor waits this long for a worker child (its Shutdown). Zero fields
// count as their defaults.
func (o Options) StopBudget() time.Duration {
	o = o.withDefaults()
	return o.StopGrace + o.SignalGrace + stopReapMargin
}
