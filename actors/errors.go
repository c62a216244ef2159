package actors

import (
	"errors"
	"fmt"
	"strings"
)

// ErrStopTimeout means some actors were still alive when Stop's deadline
// passed.
var ErrStopTimeout = errors.New("actors: actors did not stop in time")

// StopError lists the actors (their PIDs' ids) still alive when Stop gave
// up.
type StopError struct {
	Alive []string
	Err   error // the context's error
}

func (e *StopError) Error() string {
	return fmt.Sprintf("actors: %d actors did not stop in time (%v): %s", len(e.Alive), e.Err, strings.Join(e.Alive, ", "))
}

// Is makes errors.Is(err, ErrStopTimeout) true.
func (e *StopError) Is(target error) bool { return target == ErrStopTimeout }

// Unwrap returns the context's error.
func (e *StopError) Unwrap() error { return e.Err }
