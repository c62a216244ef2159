package poolstate

import "fmt"

// State is where a member is in its life. Only Idle, Busy and Leased
// members are live: handed out, or free to be.
type State uint8

const (
	// Starting: its process is being started (Spawn); not in the pool yet.
	Starting State = iota
	// Idle: in the pool, free, in the idle list.
	Idle
	// Busy: in the pool, running pool calls (Users of them; several with
	// Pipeline > 1).
	Busy
	// Leased: in the pool, checked out to one holder (a Lease, a Session).
	Leased
	// Retiring: handed out no more; it finishes its calls or its lease,
	// then stops.
	Retiring
	// Stopping: out of the pool; its process is being stopped.
	Stopping
	// Gone: its process exited, or never started. The Machine forgets it.
	Gone

	numStates = int(Gone) + 1
)

var stateNames = [numStates]string{"starting", "idle", "busy", "leased", "retiring", "stopping", "gone"}

func (s State) String() string {
	if int(s) < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// live reports whether a member in state s may be handed out (or is).
func (s State) live() bool { return s == Idle || s == Busy || s == Leased }

// joined reports whether a member in state s is in the pool: live or
// retiring.
func (s State) joined() bool { return s.live() || s == Retiring }

// Mode is the pool's own state.
type Mode uint8

const (
	// Serving: it hands out members and starts workers as needed.
	Serving Mode = iota
	// BackingOff: a worker start failed; no start until RetryRefill.
	BackingOff
	// Failed: the restart intensity was exceeded, or Fail was called.
	// Callers fail at once; nothing starts until Revive.
	Failed
	// Stopped: for good.
	Stopped
)

func (m Mode) String() string {
	switch m {
	case Serving:
		return "serving"
	case BackingOff:
		return "backing off"
	case Failed:
		return "failed"
	case Stopped:
		return "stopped"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}
