package pets

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
)

// Event is something that happened to a pet. Events go to Options.OnEvent
// and are logged through Options.Logger at a level that fits (an
// unexpected exit warns, a death is an error). Switch on the concrete
// type for details.
type Event interface {
	fmt.Stringer
	// level is the hclog level the event is logged at.
	level() hclog.Level
}

// PetAdopted: Adopt started the pet; its Init has run.
type PetAdopted struct {
	Name, Worker string
	Pid          int
}

func (e PetAdopted) String() string {
	return fmt.Sprintf("pet %s adopted: worker %s, pid %d", e.Name, e.Worker, e.Pid)
}
func (PetAdopted) level() hclog.Level { return hclog.Info }

// PetExited: the pet's process exited without being asked to (a crash, a
// kill, an abandoned call). Its supervisor decides what follows.
type PetExited struct {
	Name, Worker string
	Pid          int
	Err          error
}

func (e PetExited) String() string {
	return fmt.Sprintf("pet %s: worker %s (pid %d) exited: %v", e.Name, e.Worker, e.Pid, e.Err)
}
func (PetExited) level() hclog.Level { return hclog.Warn }

// PetRestarted: a new incarnation of the pet is serving, its Init run
// again. Requested is true after Restart, false after a crash (a process
// retired under KillOnException counts as a crash).
type PetRestarted struct {
	Name, Worker string
	Pid          int
	Restarts     int
	Requested    bool
}

func (e PetRestarted) String() string {
	why := "after a crash"
	if e.Requested {
		why = "on request"
	}
	return fmt.Sprintf("pet %s restarted %s: worker %s, pid %d (restart %d)", e.Name, why, e.Worker, e.Pid, e.Restarts)
}
func (PetRestarted) level() hclog.Level { return hclog.Info }

// PetDied: the pet is down for good (see DeadError): its supervisor gave
// up, or a temporary pet exited.
type PetDied struct {
	Name string
	Err  error
}

func (e PetDied) String() string   { return fmt.Sprintf("pet %s died: %v", e.Name, e.Err) }
func (PetDied) level() hclog.Level { return hclog.Error }

// PetSlain: Slay removed the pet.
type PetSlain struct {
	Name  string
	Style SlayStyle
}

func (e PetSlain) String() string   { return fmt.Sprintf("pet %s slain (%s)", e.Name, e.Style) }
func (PetSlain) level() hclog.Level { return hclog.Info }
