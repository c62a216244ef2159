package pets

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. The typed errors below wrap them.
var (
	// ErrPetExists: Adopt was given the name of a pet that is alive (or
	// being adopted).
	ErrPetExists = errors.New("pets: a pet with that name exists")
	// ErrNoSuchPet: no pet has that name (never adopted, or slain).
	ErrNoSuchPet = errors.New("pets: no such pet")
	// ErrInvalidName: a pet's name is empty or holds a character that
	// cannot name an actor ('/', '$', a space or a control character).
	ErrInvalidName = errors.New("pets: invalid pet name")
	// ErrPetDead: the pet is down for good — its supervisor gave up
	// (restart intensity exceeded), or it was temporary and exited. The
	// *DeadError says why. Slay removes it; Adopt may reuse its name.
	ErrPetDead = errors.New("pets: pet is dead")
	// ErrStopped: Stop was called; the Pets take no more work.
	ErrStopped = errors.New("pets: stopped")
	// ErrInvalidOptions: New was given options that cannot work together
	// (a Supervisor without the System it runs in).
	ErrInvalidOptions = errors.New("pets: invalid options")
)

// DeadError is the error of a call to a pet that is down for good: Err is
// why (an *supervisor.IntensityError, the exit of a temporary pet, or a
// failed start).
type DeadError struct {
	Name string
	Err  error
}

func (e *DeadError) Error() string {
	return fmt.Sprintf("pets: pet %q is dead: %v", e.Name, e.Err)
}

// Is makes errors.Is(err, ErrPetDead) true.
func (e *DeadError) Is(target error) bool { return target == ErrPetDead }

// Unwrap returns why the pet died.
func (e *DeadError) Unwrap() error { return e.Err }

func noSuchPet(name string) error { return fmt.Errorf("%w: %q", ErrNoSuchPet, name) }
