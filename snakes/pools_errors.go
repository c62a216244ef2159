package snakes

import (
	"errors"
	"fmt"
)

// Sentinel errors of Pools, Session and Map, for errors.Is.
var (
	// ErrNoSuchPool: no pool has that name (Get, Remove, Route, Session,
	// or a call routed to a pool that was removed or never added).
	ErrNoSuchPool = errors.New("snakes: no such pool")
	// ErrPoolExists: Add was given the name of a pool that exists or is
	// being started.
	ErrPoolExists = errors.New("snakes: pool already exists")
	// ErrInvalidRoute: Route was given an empty key, or one with an empty
	// dotted segment ("a..b", ".a", "a.").
	ErrInvalidRoute = errors.New("snakes: invalid route")
	// ErrSessionLost: the session's worker died (it crashed, was killed,
	// or was stopped after an abandoned call). The Python state the
	// session had built is gone; the session never moves to another
	// worker. Open a new session to go on.
	ErrSessionLost = errors.New("snakes: session lost: its worker died")
	// ErrSessionClosed: the session was closed, or released when the
	// context it was created with ended.
	ErrSessionClosed = errors.New("snakes: session closed")
)

// MapError is the error of Map: the first item whose call failed (first
// in time, not necessarily the lowest index). errors.Is and errors.As see
// the call's error through it.
type MapError struct {
	Index int   // the failed input's index
	Err   error // the call's error
}

func (e *MapError) Error() string { return fmt.Sprintf("snakes: map item %d: %v", e.Index, e.Err) }

func (e *MapError) Unwrap() error { return e.Err }

func noSuchPool(name string) error { return fmt.Errorf("%w: %q", ErrNoSuchPool, name) }
