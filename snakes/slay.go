package snakes

import (
	"fmt"
	"syscall"
	"time"
)

// SlayStyle is how a worker is slain on request: a pool's
// (Pool.Slay) and a pet's (pets.Slay) alike. Slain, a worker is never
// restarted as such: a pool replaces it with a new one, a pet is gone.
type SlayStyle uint8

const (
	// SlayPolite (the zero value) is Venomous' polite slay: SIGTERM to
	// the worker's process group at once — Python sees it: a handler set
	// with signal.signal runs, and without one the process ends — then
	// SIGKILL if it is still there after the worker's StopGrace. Calls in
	// flight fail with an *ExitError.
	SlayPolite SlayStyle = iota
	// SlayBrutal kills the process group at once (SIGKILL); calls in
	// flight fail with an *ExitError.
	SlayBrutal
	// SlayDrain lets the calls in flight finish (a lease or a session:
	// until it ends), then stops the process as Stop does: end of file,
	// SIGTERM after StopGrace, SIGKILL after SignalGrace.
	SlayDrain
)

// String names the style: "polite", "brutal" or "drain".
func (s SlayStyle) String() string {
	switch s {
	case SlayPolite:
		return "polite"
	case SlayBrutal:
		return "brutal"
	case SlayDrain:
		return "drain"
	}
	return fmt.Sprintf("SlayStyle(%d)", uint8(s))
}

// Valid reports whether s is one of the styles.
func (s SlayStyle) Valid() bool { return s <= SlayDrain }

// signal signals a slain worker's process group as s says, without
// waiting: SlayPolite's SIGKILL comes from a timer. SlayDrain sends
// nothing (the pool stops the worker once its calls are done).
func (s SlayStyle) signal(w *Worker) {
	switch s {
	case SlayPolite:
		w.setRefuse(ErrStopped)
		w.Signal(syscall.SIGTERM)
		time.AfterFunc(w.opts.StopGrace, func() { w.Signal(syscall.SIGKILL) }) // a no-op once it exited
	case SlayBrutal:
		w.setRefuse(ErrStopped)
		w.Signal(syscall.SIGKILL)
	}
}
