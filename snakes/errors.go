package snakes

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Sentinel errors, for errors.Is.
var (
	// ErrTimeout: the call's context deadline passed before its reply.
	ErrTimeout = errors.New("snakes: call timed out")
	// ErrCancelled: the call's context was cancelled before its reply.
	ErrCancelled = errors.New("snakes: call cancelled")
	// ErrWorkerExited: the Python process exited; the error is an
	// *ExitError that carries the exit code or signal.
	ErrWorkerExited = errors.New("snakes: worker exited")
	// ErrProtocol: the worker sent bytes that are not a valid frame (or a
	// frame above the limit). The worker is killed; the host is unharmed.
	ErrProtocol = errors.New("snakes: protocol violation")
	// ErrStopped: the worker was stopped, or marked broken after an
	// abandoned call, and takes no more calls.
	ErrStopped = errors.New("snakes: worker stopped")
	// ErrStartFailed: the worker did not complete its handshake.
	ErrStartFailed = errors.New("snakes: worker failed to start")
	// ErrNoSuchFunc: Python called a Go function that is not registered.
	ErrNoSuchFunc = errors.New("snakes: no such Go function")
	// ErrUnsupported: the worker's profile cannot do this (on
	// ProfileErlPort: Stream, Eval, Exec, Reload, keyword arguments, and
	// values ErlPort's Python side cannot decode, such as maps).
	ErrUnsupported = errors.New("snakes: not supported by the worker's profile")
	// ErrNotRun: the request never ran in the process, so sending it to
	// another worker (or the next incarnation) is safe — pools and pets
	// do. Either it never reached the process (the worker had exited or
	// was stopping, or its request pipe was already broken), or it was
	// still waiting behind an earlier request when the process died (a
	// worker runs its requests one at a time, in order). It is matched
	// alongside the cause (ErrWorkerExited, ErrStopped, ...), whose message
	// it keeps.
	ErrNotRun = errors.New("snakes: request never ran")
)

// notRunError marks err, the reason a request failed without running, with
// ErrNotRun.
type notRunError struct{ err error }

func (e *notRunError) Error() string   { return e.err.Error() }
func (e *notRunError) Unwrap() []error { return []error{ErrNotRun, e.err} }

// notSent marks err with ErrNotRun (nil stays nil).
func notRun(err error) error {
	if err == nil {
		return nil
	}
	return &notRunError{err}
}

// Frame is one line of a Python traceback.
type Frame struct {
	File     string
	Line     int
	Function string
	Text     string
}

// PythonError is an exception raised by the Python code of a call.
type PythonError struct {
	// Type is the qualified class name: "builtins.ValueError".
	Type string
	// Message is str(exception).
	Message string
	// Traceback lists the frames, innermost last.
	Traceback []Frame
	// PickledTraceback (ProfileErlPort only) is the traceback as ErlPort
	// sends it on Python ≥ 3.5: traceback.StackSummary pickled with
	// protocol 2, innermost frame first. The host keeps the bytes and does
	// not decode them; Traceback is then empty.
	PickledTraceback []byte
}

func (e *PythonError) Error() string {
	return e.Type + ": " + e.Message
}

// Is makes a Python-side cancellation (taipan.Cancelled) match ErrCancelled.
func (e *PythonError) Is(target error) bool {
	return target == ErrCancelled && e.Type == "taipan.Cancelled"
}

// FormatTraceback renders the traceback as Python prints it.
func (e *PythonError) FormatTraceback() string {
	var b strings.Builder
	b.WriteString("Traceback (most recent call last):\n")
	for _, f := range e.Traceback {
		fmt.Fprintf(&b, "  File %q, line %d, in %s\n", f.File, f.Line, f.Function)
		if f.Text != "" {
			fmt.Fprintf(&b, "    %s\n", f.Text)
		}
	}
	b.WriteString(e.Error())
	return b.String()
}

// ExitError reports that the Python process exited. It matches
// ErrWorkerExited with errors.Is, and ErrProtocol when the host killed the
// worker for a protocol violation.
type ExitError struct {
	// Code is the exit status, or -1 when a signal ended the process.
	Code int
	// Signal is the signal that ended the process, or 0.
	Signal syscall.Signal
	// Reason says why the host thinks it ended, when it knows (a protocol
	// violation, a stop, a kill after an abandoned call).
	Reason error
}

func (e *ExitError) Error() string {
	var s string
	if e.Signal != 0 {
		s = fmt.Sprintf("snakes: worker exited: killed by signal %s", e.Signal)
	} else {
		s = fmt.Sprintf("snakes: worker exited with status %d", e.Code)
	}
	if e.Reason != nil {
		s += " (" + e.Reason.Error() + ")"
	}
	return s
}

// Unwrap returns ErrWorkerExited and the reason, so that errors.Is finds
// either.
func (e *ExitError) Unwrap() []error {
	if e.Reason != nil {
		return []error{ErrWorkerExited, e.Reason}
	}
	return []error{ErrWorkerExited}
}

// AbandonError is the error of a call whose context ended before its
// reply: it wraps ErrTimeout or ErrCancelled and says how far the host had
// to go to get the worker back (Stage).
type AbandonError struct {
	// Cause is ErrTimeout or ErrCancelled.
	Cause error
	// Stage is how far the escalation went: "cancelled" (the worker
	// answered the X frame), "interrupted (SIGINT)", "terminated
	// (SIGTERM)" or "killed (SIGKILL)".
	Stage string
	// Err is what finally ended the call (the worker's answer, or its
	// exit), when there was one.
	Err error
}

func (e *AbandonError) Error() string {
	s := e.Cause.Error() + ": worker " + e.Stage
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause (ErrTimeout or ErrCancelled) and the final error.
func (e *AbandonError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Cause, e.Err}
	}
	return []error{e.Cause}
}

// protocolError details an ErrProtocol: what the worker sent that was not
// a valid frame.
type protocolError struct{ detail string }

func (e *protocolError) Error() string { return "snakes: protocol violation: " + e.detail }
func (e *protocolError) Unwrap() error { return ErrProtocol }

func errProtocolf(format string, args ...any) error {
	return &protocolError{detail: fmt.Sprintf(format, args...)}
}
