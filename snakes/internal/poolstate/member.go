package poolstate

import "time"

// Member is one worker of the pool, as the Machine sees it. W is what the
// executor attaches to it (snakes: the *Worker), set by Started. The
// Machine changes a Member only in its events; the executor reads it
// under the same lock.
type Member[W any] struct {
	// ID names the member: "<Config.Name>-<n>".
	ID string
	// Worker is the executor's worker, from Started on.
	Worker W

	state       State
	users       int    // pool calls in flight (Busy), or 1 (Leased); kept while Retiring
	served      uint64 // calls it served, as Release reported them
	why         Reason // what it was started for
	retired     Reason // why it retired
	since       time.Time
	lastUsed    time.Time
	recycleNext time.Time  // no recycling before (a replacement failed to start)
	replacement *Member[W] // the start in progress that will replace it
	replaces    *Member[W] // (Starting) the member it will replace
	epoch       int        // the Machine's epoch when it was spawned
}

// State returns the member's state.
func (x *Member[W]) State() State { return x.state }

// Live reports whether the member is Idle, Busy or Leased.
func (x *Member[W]) Live() bool { return x.state.live() }

// Joined reports whether the member is in the pool: live or Retiring.
func (x *Member[W]) Joined() bool { return x.state.joined() }

// Users returns how many pool calls it runs (1 for a lease).
func (x *Member[W]) Users() int { return x.users }

// Served returns how many calls it served (a lease's counted when it
// ends).
func (x *Member[W]) Served() uint64 { return x.served }

// Since returns when it joined the pool.
func (x *Member[W]) Since() time.Time { return x.since }

// LastUsed returns when it was last given back (or joined).
func (x *Member[W]) LastUsed() time.Time { return x.lastUsed }

// Replacing reports whether a replacement for it is starting (recycling).
func (x *Member[W]) Replacing() bool { return x.replacement != nil }
