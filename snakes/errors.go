package snakes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/taipan-go/taipan/erlterm"
	"golang.org/x/sys/unix"
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
	// ErrTooLarge: a request's frame is over the worker's MaxFrame. It is
	// refused before anything is sent (the worker would have to kill
	// itself over it); the worker stays up. The error is a *TooLargeError.
	ErrTooLarge = errors.New("snakes: request too large")
	// ErrNotAllowed: a request names a function that the worker's
	// allowlist (Options.Allow) does not allow. It is refused before
	// anything is sent, is never re-dispatched, and the worker stays up.
	// The error is a *NotAllowedError.
	ErrNotAllowed = errors.New("snakes: function not allowed")
	// ErrPickleRefused: a request's arguments (or a callback's result)
	// hold a pickled Python object (an erlterm.Opaque of language python,
	// or its tuple, in a RawTerm as well) and the worker was started
	// without Options.AllowPickle. It is refused before anything is sent,
	// is never re-dispatched, and the worker stays up. The error is a
	// *PickleRefusedError.
	ErrPickleRefused = errors.New("snakes: pickled Python object refused")
	// ErrNoInterpreter: the Python interpreter could not be found or
	// run (ResolveInterpreter). The error is an *InterpreterError.
	ErrNoInterpreter = errors.New("snakes: no usable Python interpreter")
	// ErrInvalidOptions: Options hold a value that cannot work (an
	// unknown EnvPolicy, a negative limit...); Start refuses them before
	// starting anything. The error is an *OptionError.
	ErrInvalidOptions = errors.New("snakes: invalid options")
	// ErrLimit: the worker ran into one of its Options.Limits. The error
	// is a *LimitError that names the limit; when the kernel killed the
	// worker for it, the call's *ExitError carries it as its Reason.
	ErrLimit = errors.New("snakes: resource limit")
)

// InterpreterError is an interpreter ResolveInterpreter could not find
// or run. It matches ErrNoInterpreter and its cause.
type InterpreterError struct {
	Python string // the name or path tried
	// From says where Python was chosen: "InterpreterOptions.Python",
	// "$TAIPAN_PYTHON" or "the default".
	From string
	Err  error // why it failed (exec.ErrNotFound, an exit status...)
}

func (e *InterpreterError) Error() string {
	return fmt.Sprintf("snakes: the Python interpreter %q (from %s) cannot be used: %v "+
		"(choose one with $%s, Options.Python or -python: a name on PATH or a path)", e.Python, e.From, e.Err, EnvPython)
}

// Unwrap returns ErrNoInterpreter and the cause.
func (e *InterpreterError) Unwrap() []error { return []error{ErrNoInterpreter, e.Err} }

// OptionError is an Options field Start refuses. It matches
// ErrInvalidOptions.
type OptionError struct {
	Option  string // the field: "EnvPolicy", "Limits.Memory"...
	Problem string // what is wrong with it
}

func (e *OptionError) Error() string {
	return "snakes: invalid options: " + e.Option + ": " + e.Problem
}

// Unwrap returns ErrInvalidOptions.
func (e *OptionError) Unwrap() error { return ErrInvalidOptions }

// The limits a LimitError names (LimitError.Limit).
const (
	LimitMemory    = "memory"     // Limits.Memory
	LimitCPU       = "cpu"        // Limits.CPUTime
	LimitOpenFiles = "open files" // Limits.OpenFiles
	LimitProcesses = "processes"  // Limits.Processes
)

// LimitError is a call that failed because its worker ran into one of its
// Options.Limits. It matches ErrLimit; when Python raised (a MemoryError
// under the memory limit, an OSError "Too many open files" under the
// open files limit), errors.As also finds the *PythonError in Err. A
// worker the kernel killed for the limit (SIGXCPU or SIGKILL past the CPU
// time; the OOM killer under a cgroup's memory.max) has Killed set and is
// the Reason of the call's *ExitError ("killed: memory limit").
type LimitError struct {
	// Limit is LimitMemory, LimitCPU, LimitOpenFiles or LimitProcesses.
	Limit string
	// Value is the limit as set: bytes, CPU seconds, or a count.
	Value int64
	// By is how the limit is enforced: "RLIMIT_AS", "cgroup memory.max",
	// "cgroup v1 memory.limit_in_bytes", "RLIMIT_CPU", "RLIMIT_NOFILE",
	// "RLIMIT_NPROC".
	By string
	// Killed: the kernel killed the worker for it (the process is gone).
	Killed bool
	// Err is the Python exception the limit raised (a *PythonError), or
	// nil when the worker was killed.
	Err error
}

func (e *LimitError) Error() string {
	s := e.Limit + " limit"
	if e.Killed {
		s = "killed: " + s
	} else {
		s = "snakes: " + s
	}
	s += " (" + limitValue(e.Limit, e.Value) + ", " + e.By + ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// limitValue renders a limit's value in its unit.
func limitValue(limit string, v int64) string {
	switch limit {
	case LimitMemory:
		if v%(1<<20) == 0 {
			return fmt.Sprintf("%d MiB", v>>20)
		}
		return fmt.Sprintf("%d bytes", v)
	case LimitCPU:
		return fmt.Sprintf("%d s", v)
	}
	return fmt.Sprint(v)
}

// Unwrap returns ErrLimit and the Python exception, if any.
func (e *LimitError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrLimit, e.Err}
	}
	return []error{ErrLimit}
}

// NotAllowedError is a request refused because the worker's allowlist
// (Options.Allow) does not allow the function it names. It matches
// ErrNotAllowed.
type NotAllowedError struct {
	Module, Function string
}

func (e *NotAllowedError) Error() string {
	name := e.Module + "." + e.Function
	how := fmt.Sprintf("the entry %q", name)
	if !strings.Contains(e.Function, ".") {
		how += fmt.Sprintf(" or %q", e.Module)
	} else {
		how += " (a module entry allows only its undotted functions)"
	}
	return fmt.Sprintf("snakes: %s is not allowed: it is not in the worker's allowlist "+
		"(Options.Allow, a pool's Worker.Allow); %s would allow it", name, how)
}

// Unwrap returns ErrNotAllowed.
func (e *NotAllowedError) Unwrap() error { return ErrNotAllowed }

// PickleRefusedError is a request refused because what it would send
// holds a pickled Python object, which the worker would unpickle (and
// unpickling runs code), while the worker was started without
// Options.AllowPickle. It matches ErrPickleRefused and the encoder's
// erlterm.ErrOpaqueRefused.
type PickleRefusedError struct {
	// Module and Function name the call, cast or stream; both are empty
	// for a Send, and Function alone names a callback whose result held
	// the object.
	Module, Function string
	// Err is the encoder's error (an *erlterm.OpaqueRefusedError inside).
	Err error
}

func (e *PickleRefusedError) Error() string {
	what := "the message"
	switch {
	case e.Module != "":
		what = "the arguments of " + e.Module + "." + e.Function
	case e.Function != "":
		what = "the result of the Go function " + e.Function
	}
	return "snakes: pickled Python object refused: " + what + " hold an erlterm.Opaque of language python " +
		"(a pickle, which the worker would unpickle, and unpickling runs code); set Options.AllowPickle " +
		"(a pool's Worker.AllowPickle) only if that data is trusted"
}

// Unwrap returns ErrPickleRefused and the encoder's error.
func (e *PickleRefusedError) Unwrap() []error { return []error{ErrPickleRefused, e.Err} }

// pickleRefused turns the encoder's refusal of a python opaque object in
// what a request would send into a *PickleRefusedError naming the request;
// any other error comes back as it is.
func pickleRefused(err error, module, function string) error {
	var oe *erlterm.OpaqueRefusedError
	if err == nil || !errors.As(err, &oe) {
		return err
	}
	return &PickleRefusedError{Module: module, Function: function, Err: err}
}

// TooLargeError is a request refused because its frame is over the
// worker's MaxFrame. It matches ErrTooLarge.
type TooLargeError struct {
	Size  int // the frame's size in bytes
	Limit int // the worker's MaxFrame
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("snakes: request too large: a frame of %d bytes is over the worker's max frame of %d bytes "+
		"(raise Options.MaxFrame — a pool's Worker.MaxFrame —, or pass big data another way)", e.Size, e.Limit)
}

// Unwrap returns ErrTooLarge.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// notRunError marks err, the reason a request failed without running, with
// ErrNotRun. reached says the request went into the process's pipe whole
// (it then died before running it); otherwise the worker turned it away
// before it was sent (Redispatch counts only the former).
type notRunError struct {
	err     error
	reached bool
}

func (e *notRunError) Error() string   { return e.err.Error() }
func (e *notRunError) Unwrap() []error { return []error{ErrNotRun, e.err} }

// notRun marks err with ErrNotRun: a request that never reached the
// process (nil stays nil).
func notRun(err error) error {
	if err == nil {
		return nil
	}
	return &notRunError{err: err}
}

// notRunReached marks err with ErrNotRun: a request the process read but
// died before running.
func notRunReached(err error) error {
	return &notRunError{err: err, reached: true}
}

// TracebackFrame is one line of a Python traceback (a frame of the
// stack, not of the wire).
type TracebackFrame struct {
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
	Traceback []TracebackFrame
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
// ErrWorkerExited with errors.Is, ErrProtocol when the host killed the
// worker for a protocol violation, and ErrLimit (its Reason a
// *LimitError) when the kernel killed it for one of its Limits.
type ExitError struct {
	// Code is the exit status, or -1 when a signal ended the process.
	Code int
	// Signal is the signal that ended the process, or 0.
	Signal syscall.Signal
	// Reason says why the host thinks it ended, when it knows (a protocol
	// violation, a stop, a kill after an abandoned call, a *LimitError).
	Reason error
}

func (e *ExitError) Error() string {
	var s string
	if e.Signal != 0 {
		s = "snakes: worker exited: killed by " + signalName(e.Signal)
	} else {
		s = fmt.Sprintf("snakes: worker exited with status %d", e.Code)
	}
	if e.Reason != nil {
		s += " (" + e.Reason.Error() + ")"
	}
	return s
}

// signalName is SIGKILL for syscall.SIGKILL ("killed by signal killed"
// read badly), or the signal's description ("signal 34") when it has no
// name.
func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return sig.String()
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
// reply. It matches ErrTimeout and context.DeadlineExceeded (a deadline)
// or ErrCancelled and context.Canceled (a cancellation), and never a
// *PythonError or an *ExitError: a timeout is a timeout, whatever Python
// was doing when it was interrupted.
//
// The caller is released at once. A call that had not started is dropped
// and its worker stays usable; a running one cannot be stopped politely,
// so its worker takes no more calls and is interrupted, terminated and
// killed in the background (abandon.go). Settled and Outcome tell how that
// went, for logs and tests.
type AbandonError struct {
	// Cause is ErrTimeout or ErrCancelled.
	Cause error
	// Stage is how far the host had gone when the caller was released:
	// "cancelled (queued)" (the call had not started: dropped, the worker
	// is usable), "cancelled" (the worker answered the cancel frame),
	// "abandoned" (the call was running: the escalation goes on in the
	// background), or a signal stage when it ended before the release.
	Stage string

	settled <-chan struct{}
	outcome func() (string, error)
}

func (e *AbandonError) Error() string {
	return e.Cause.Error() + ": worker " + e.Stage
}

// Unwrap returns the cause and the matching context error, so that
// errors.Is finds ErrTimeout and context.DeadlineExceeded alike.
func (e *AbandonError) Unwrap() []error {
	if e.Cause == ErrTimeout {
		return []error{e.Cause, context.DeadlineExceeded}
	}
	return []error{e.Cause, context.Canceled}
}

// Timeout reports whether the call's deadline passed (net.Error's
// convention).
func (e *AbandonError) Timeout() bool { return e.Cause == ErrTimeout }

// Settled is closed once the abandoned call has ended one way or another
// in the worker (its reply, the worker's answer to the interrupt, or its
// exit).
func (e *AbandonError) Settled() <-chan struct{} { return e.settled }

// Outcome says, once Settled is closed, how far the escalation went
// ("cancelled", "interrupted (SIGINT)", "terminated (SIGTERM)", "killed
// (SIGKILL)", ...) and what ended the call: the worker's reply (the
// *PythonError of a KeyboardInterrupt carries the traceback of where
// Python was), or the *ExitError. Before Settled it reports the stage
// so far and a nil error.
func (e *AbandonError) Outcome() (stage string, err error) {
	select {
	case <-e.settled:
	default:
		return e.Stage, nil
	}
	return e.outcome()
}

// protocolError details an ErrProtocol: what the worker sent that was not
// a valid frame.
type protocolError struct{ detail string }

func (e *protocolError) Error() string { return "snakes: protocol violation: " + e.detail }
func (e *protocolError) Unwrap() error { return ErrProtocol }

func errProtocolf(format string, args ...any) error {
	return &protocolError{detail: fmt.Sprintf(format, args...)}
}
