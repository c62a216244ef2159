package supervisor

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors, for errors.Is. The typed errors below wrap them, so a
// caller can test the class with errors.Is and read the details with
// errors.As.
var (
	// ErrNormal is a child's normal exit: it stopped itself. A nil reason
	// means the same. Transient children are not restarted after it.
	ErrNormal = errors.New("supervisor: normal exit")

	// ErrShutdown is the reason of a child that its supervisor stopped. It
	// counts as a normal exit, as OTP's shutdown does.
	ErrShutdown = errors.New("supervisor: shutdown")

	// ErrIntensityExceeded means more restarts happened within the period
	// than the intensity allows: the supervisor gave up and stopped.
	ErrIntensityExceeded = errors.New("supervisor: restart intensity exceeded")

	// ErrStartFailed means a child could not start.
	ErrStartFailed = errors.New("supervisor: child failed to start")

	// ErrShutdownTimeout means a child did not stop within its Shutdown
	// timeout; the supervisor stopped waiting for it.
	ErrShutdownTimeout = errors.New("supervisor: child did not stop in time")

	// ErrStopped means the supervisor is not running (any more).
	ErrStopped = errors.New("supervisor: stopped")

	// ErrUnknownChild means no child has that id.
	ErrUnknownChild = errors.New("supervisor: unknown child")

	// ErrDuplicateChild means a child with that id already exists.
	ErrDuplicateChild = errors.New("supervisor: duplicate child id")

	// ErrInvalidSpec means a Spec or ChildSpec cannot be used as given.
	ErrInvalidSpec = errors.New("supervisor: invalid spec")
)

// IntensityError is the reason a supervisor stops with when its children
// restarted too often; its parent sees it (OTP's reached_max_restart_intensity).
type IntensityError struct {
	// Restarts is how many restarts the window held, this one included.
	Restarts int
	// Intensity is the limit that was exceeded.
	Intensity Intensity
	// Child is the child whose exit tipped the balance, and Reason its exit.
	Child  string
	Reason error
}

func (e *IntensityError) Error() string {
	return fmt.Sprintf("supervisor: restart intensity exceeded: %d restarts within %v (max %d), last child %q: %v",
		e.Restarts, e.Intensity.Period, e.Intensity.max(), e.Child, e.Reason)
}

// Is makes errors.Is(err, ErrIntensityExceeded) true.
func (e *IntensityError) Is(target error) bool { return target == ErrIntensityExceeded }

// Unwrap returns the exit reason of the last child.
func (e *IntensityError) Unwrap() error { return e.Reason }

// StartError is a child's failure to start. During a supervisor's initial
// start it is the supervisor's own failure, as in OTP.
type StartError struct {
	Child string
	Err   error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("supervisor: child %q failed to start: %v", e.Child, e.Err)
}

// Is makes errors.Is(err, ErrStartFailed) true.
func (e *StartError) Is(target error) bool { return target == ErrStartFailed }

// Unwrap returns the child's own error.
func (e *StartError) Unwrap() error { return e.Err }

// ShutdownTimeoutError lists the children that did not stop within their
// shutdown timeout. A Go actor cannot be killed: such a child was told to
// stop and then abandoned, and may still be running.
type ShutdownTimeoutError struct {
	Children []string
	Timeout  time.Duration
}

func (e *ShutdownTimeoutError) Error() string {
	return fmt.Sprintf("supervisor: children did not stop in time: %s", strings.Join(e.Children, ", "))
}

// Is makes errors.Is(err, ErrShutdownTimeout) true.
func (e *ShutdownTimeoutError) Is(target error) bool { return target == ErrShutdownTimeout }

// PanicError is the reason of a child that panicked with a value that is
// not an error.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// reasonOf turns a protoactor failure reason (whatever was panicked) into
// an error, so that exits are classified with errors.Is.
func reasonOf(v any) error {
	switch r := v.(type) {
	case nil:
		return nil
	case error:
		return r
	default:
		return &PanicError{Value: v}
	}
}

// IsNormal reports whether an exit reason is normal in OTP's sense: nil,
// ErrNormal or ErrShutdown (also wrapped). Transient children are
// restarted only after an exit that is not normal.
func IsNormal(reason error) bool {
	return reason == nil || errors.Is(reason, ErrNormal) || errors.Is(reason, ErrShutdown)
}
