// Package rawecho is the floor that taipan's worker calls are measured
// against: a minimal Python process that echoes each length-prefixed frame
// on raw pipes (fds 3 and 4, as a worker's), without decoding it, driven
// from Go with syscall.Read and syscall.Write (no netpoller, as the
// workers). No protocol and no dispatch: what a round trip costs when
// taipan adds nothing. The `taipan bench` command (internal/bench) and the
// snakes benchmarks share it; it imports neither, so that snakes' tests can
// use it.
//
// Polling is optional because taipan's workers poll their pipe for a few
// tens of microseconds before they sleep, on both sides, and a wake-up
// from sleep costs 10–15 µs in the VMs measured: about a whole round trip.
// An echo that always sleeps (spin 0, the historical anchor) pays that
// wake-up twice per round trip where a polling worker does not, so it
// flatters the worker; an echo that polls the same way (Start with the
// workers' spin) is the honest anchor for them. Both stay available so
// that figures taken against the blocking echo remain comparable.
package rawecho
