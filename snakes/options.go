package snakes

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/erlterm"
)

// Options configures Start. The zero value works (it resolves python3 on
// each Start, which costs a Python start: pass Interpreter to avoid that);
// zero fields mean the defaults of defaults.go. A template of Options
// (a pool's, the pets') completes a pool's or pet's own: Inherit.
type Options struct {
	// Profile is the protocol: ProfileNative (the zero value) runs
	// taipan's runtime; ProfileErlPort drives an unmodified ErlPort Python
	// side started with Command (docs/protocol.md, "Compat profile"). On
	// ProfileErlPort, Interpreter only names the default Command's Python,
	// and Isolated, NoSite, AllowEval, LogLevel, NoCaptureOutput and
	// StreamCredit do nothing.
	Profile Profile

	// Command (ProfileErlPort only) starts the ErlPort side; default
	// {"python3" (or Interpreter.Path), "-u", "-m", "erlport.cli",
	// "--packet=4", "--use_stdio"}. The host reads --packet N (1, 2 or 4)
	// and --use_stdio / --nouse_stdio (fds 0/1, or 3/4) from it, as
	// erlport.cli does, so that both sides agree. Paths are put in front
	// of PYTHONPATH.
	Command []string

	// Interpreter is the resolved interpreter (ResolveInterpreter). When
	// nil, Start resolves python3 itself.
	Interpreter *Interpreter

	// ID names the worker in logs; default "worker-<pid>".
	ID string

	// Paths are prepended to the worker's sys.path (hello "paths"). A
	// pool's or pet's Paths are added in front of its template's
	// (Inherit).
	Paths []string `inherit:"prepend"`

	// Env is added to the host's environment for the process under
	// every EnvPolicy ("NAME=value" entries; of a variable set twice, the last wins). A pool's or pet's
	// Env is added after its template's (Inherit).
	Env []string `inherit:"append"`

	// EnvPolicy is which of the host's environment variables the process
	// inherits: EnvInherit (all, secrets included), EnvNone, or
	// EnvAllowlist (those named in EnvAllow). The zero value, EnvDefault,
	// is EnvInherit, EnvNone when Isolated is set, and EnvAllowlist when
	// EnvAllow is not empty.
	EnvPolicy EnvPolicy

	// EnvAllow names the host variables passed under EnvAllowlist
	// ("PATH", "LANG"...); a variable the host does not set is left out.
	EnvAllow []string

	// Limits are the process's resource limits (memory, CPU time, open
	// files, processes), set before it takes any call; zero: none.
	Limits Limits

	// Dir is the working directory; default the host's.
	Dir string

	// Isolated starts Python with -I (ignore PYTHON* variables and the
	// user site directory) and, unless EnvPolicy or EnvAllow says
	// otherwise, with none of the host's environment (EnvNone).
	// Site-packages stay available.
	Isolated bool

	// NoSite starts Python with -S: ~38 ms faster on pyenv builds whose
	// site-packages run a .pth hook, but site-packages are then not on
	// sys.path unless listed in Paths.
	NoSite bool

	// Init is called once in the worker before it is ready.
	Init *InitCall

	// AllowEval enables Eval and Exec. Allow does not: Eval and Exec are
	// gated by this option alone.
	AllowEval bool

	// Allow, when not empty, lists what a request (Call, Cast, Stream,
	// through a pool, a lease, a session or a pet alike) may name: an
	// entry "module" allows module's functions (not a dotted attribute
	// path such as "os.system" on a module that imports os), an entry
	// "module.function" that function. A request naming anything else
	// fails with a *NotAllowedError (ErrNotAllowed) before anything is
	// sent, and the Python runtime (ProfileNative) checks the same list
	// again before it imports anything. Empty (the default) allows every
	// function: module and function names must then come from trusted
	// code (docs/security.md). Init is not checked: it is the program's
	// own.
	Allow []string

	// AllowPickle lets requests carry pickled Python objects (an
	// erlterm.Opaque of language python: a Python value that came back
	// from a worker, sent back to one), which the worker unpickles.
	// Unpickling runs code, so by default (false) such a request fails
	// with a *PickleRefusedError (ErrPickleRefused) before it is sent,
	// and the Python runtime (ProfileNative) refuses one that arrives
	// anyway; results from Python are never unpickled on the Go side
	// either way. Set it only when the objects come from trusted code.
	AllowPickle bool

	// LogLevel is the Python logging level forwarded as log records
	// (Python's numbers: 10 debug, 20 info...); 0 means 20.
	LogLevel int

	// NoCaptureOutput leaves Python's sys.stdout/sys.stderr as they are
	// (lines still reach the logger, through the process's fds 1 and 2).
	NoCaptureOutput bool

	// Logger receives the worker's output and log records; default a
	// logger that discards everything.
	Logger hclog.Logger

	// Funcs are Go functions Python may call (see RegisterFunc). A
	// pool's or pet's Funcs are added to its template's, its own winning
	// on a name (Inherit).
	Funcs map[string]Func `inherit:"append"`

	// OnMessage receives the messages Python sends with erlang.cast. It
	// runs on one goroutine per worker, in order.
	OnMessage func(msg any)

	// OnExit is called once, from its own goroutine, when the process has
	// exited, with the *ExitError.
	OnExit func(err error)

	// StartTimeout bounds Start (DefaultStartTimeout).
	StartTimeout time.Duration
	// CancelGrace: X → SIGINT (DefaultCancelGrace).
	CancelGrace time.Duration
	// SignalGrace: SIGINT → SIGTERM → SIGKILL (DefaultSignalGrace).
	SignalGrace time.Duration
	// StopGrace: end of file → SIGTERM on Stop (DefaultStopGrace).
	StopGrace time.Duration
	// CallbackTimeout bounds one Python → Go call (DefaultCallbackTimeout).
	CallbackTimeout time.Duration
	// MaxFrame is the largest frame either side may send (DefaultMaxFrame).
	MaxFrame int
	// MaxDecompressedSize is what a compressed frame may inflate to, on
	// both sides: the host's decoder (erlterm.DecodeOptions) and Python's,
	// told in the hello (erlterm.DefaultMaxDecompressedSize). Neither side
	// compresses what it sends; only a hostile or foreign peer does.
	MaxDecompressedSize int
	// StreamCredit is how far a stream may run ahead of its consumer
	// (DefaultStreamCredit).
	StreamCredit int
	// IdleRead: see DefaultIdleRead.
	IdleRead time.Duration

	// Spin is how long a reader polls its pipe before it sleeps, on both
	// sides: the host while a caller waits for a reply, Python while it
	// waits for the next request (DefaultSpin; negative: never poll).
	Spin time.Duration
}

// InitCall is a function called once in the worker at start.
type InitCall struct {
	Module, Function string
	Args             []any
	Kwargs           Kwargs
}

// Func is a Go function that Python can call. args are the decoded
// positional arguments. The context ends when the callback times out or the
// worker stops.
type Func func(ctx context.Context, args []any) (any, error)

func orDuration(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// check refuses options that cannot work (ErrInvalidOptions); it returns
// the allowlist of o.Allow, built once for Start to keep.
func (o *Options) check() (*allowlist, error) {
	if err := o.checkEnv(); err != nil {
		return nil, err
	}
	if err := o.Limits.check(); err != nil {
		return nil, err
	}
	return newAllowlist(o.Allow)
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	o.StartTimeout = orDuration(o.StartTimeout, DefaultStartTimeout)
	o.CancelGrace = orDuration(o.CancelGrace, DefaultCancelGrace)
	o.SignalGrace = orDuration(o.SignalGrace, DefaultSignalGrace)
	o.StopGrace = orDuration(o.StopGrace, DefaultStopGrace)
	o.CallbackTimeout = orDuration(o.CallbackTimeout, DefaultCallbackTimeout)
	o.MaxFrame = orInt(o.MaxFrame, DefaultMaxFrame)
	o.MaxDecompressedSize = orInt(o.MaxDecompressedSize, erlterm.DefaultMaxDecompressedSize)
	o.StreamCredit = orInt(o.StreamCredit, DefaultStreamCredit)
	o.IdleRead = orDuration(o.IdleRead, DefaultIdleRead)
	if o.Spin == 0 {
		o.Spin = DefaultSpin
	}
	o.LogLevel = orInt(o.LogLevel, 20)
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	return o
}
