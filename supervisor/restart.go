package supervisor

import "fmt"

// Restart says whether a child is restarted after it exits (OTP's restart
// types).
type Restart int

const (
	// Permanent children are always restarted. The zero value.
	Permanent Restart = iota
	// Transient children are restarted only after an abnormal exit
	// (see IsNormal).
	Transient
	// Temporary children are never restarted, and their exit never
	// restarts their siblings; they are forgotten once they exit.
	Temporary
)

// String returns OTP's name of the restart type.
func (r Restart) String() string {
	switch r {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return fmt.Sprintf("Restart(%d)", int(r))
}

// restarts reports whether a child of this type is restarted after an
// exit with that reason.
func (r Restart) restarts(reason error) bool {
	switch r {
	case Permanent:
		return true
	case Transient:
		return !IsNormal(reason)
	}
	return false
}
