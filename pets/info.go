package pets

import (
	"fmt"
	"time"

	"github.com/taipan-go/taipan/supervisor"
)

// State is where a pet is in its life.
type State uint8

const (
	// Starting: Adopt is starting it.
	Starting State = iota
	// Running: it takes calls.
	Running
	// Restarting: its process exited (or is being replaced); calls wait
	// for the next incarnation.
	Restarting
	// Dead: down for good (see DeadError); calls fail at once.
	Dead
)

// String returns "starting", "running", "restarting" or "dead".
func (s State) String() string {
	switch s {
	case Starting:
		return "starting"
	case Running:
		return "running"
	case Restarting:
		return "restarting"
	case Dead:
		return "dead"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// PetInfo is a snapshot of one pet (List, Info).
type PetInfo struct {
	Name string
	// Worker and Pid are the current incarnation's id and OS process id
	// (empty and 0 while it has none).
	Worker string
	Pid    int
	State  State
	// Restart is the pet's restart type.
	Restart supervisor.Restart
	// Adopted is when Adopt started it; Started when its current
	// incarnation did.
	Adopted, Started time.Time
	// Restarts counts its incarnations after the first (crashes and
	// requested restarts).
	Restarts int
	// Calls counts the calls, casts and streams it served; LastUsed is
	// when the last one ended (zero when none has).
	Calls    uint64
	LastUsed time.Time
	// Err is why it is dead, or why its last incarnation exited.
	Err error
}
