package snakes

import (
	"context"
	"os/exec"
	"time"

	"github.com/taipan-go/taipan/erlterm"
)

// protocol is the wire protocol a Worker speaks: everything that differs
// between the profiles of Options.Profile. Start chooses one, once
// (newProtocol): native (native.go) speaks docs/protocol.md to taipan's
// runtime; erlPort (compat.go) drives an unmodified ErlPort Python side.
// The Worker's own code calls these methods and never asks which profile
// it runs.
type protocol interface {
	// command is the process's command line. stdio says the protocol
	// runs on the child's fds 0 and 1 (requests, replies) instead of 3
	// and 4; the child's stdout is then not logged.
	command(o Options) (cmd *exec.Cmd, stdio bool)
	// spawned runs once the process has started, before the Worker
	// starts its goroutines: a protocol may put something between the
	// child's reply pipe and the reader (ErlPort's relay for --packet 1
	// and 2).
	spawned(w *Worker) error
	// ready returns once the worker takes calls: the native handshake,
	// or ErlPort's probe call. A worker that is not ready before ctx
	// ends is killed.
	ready(ctx context.Context, w *Worker) error

	// appendRequest appends the frame of r under id to dst, or refuses
	// r with the error its caller returns as is (ErrUnsupported, a
	// *TooLargeError, an encoding error); dst's buffer comes back either
	// way, for reuse.
	appendRequest(dst []byte, id uint64, r request) ([]byte, error)
	// post sends t, a frame that has no reply: a Cast ({'A', Module,
	// Function, Args, Kwargs}) or a Send ({'M', Message}), written by
	// the deadline (none when zero). The worker took calls when its
	// caller checked.
	post(w *Worker, t erlterm.Tuple, deadline time.Time) error
	// cancel asks the worker to drop call c and reports whether it
	// could; false when the protocol has no cancel: the abandon
	// escalation then goes straight to signals (abandon.go).
	cancel(w *Worker, c *call) bool

	// dispatch handles one frame from the worker, h its header: the
	// frames whose handling is the protocol's own, then route (reader.go)
	// for the rest. The reader role is held; false means the worker is
	// finished.
	dispatch(w *Worker, f []byte, h frameHeader, self *call, owned bool) bool

	// The run order (run_order.go): which requests provably never ran
	// when the process dies. noteWritten and unnoteWritten record the
	// requests among frames the writer writes (writer role held);
	// neverRanLocked reports on the calls in flight (Worker.mu held). A
	// protocol that keeps no order reports that none is known not to
	// have run.
	noteWritten(w *Worker, b []byte)
	unnoteWritten(w *Worker, b []byte, n int)
	neverRanLocked(w *Worker) func(*call) fate
}

// request is a request before it has an id: a plain call (term nil),
// framed without building a Tuple (appendCallFrame), or any other
// request as its Tuple, element 1 left for the id. It travels by value:
// it stays on the caller's stack.
type request struct {
	call plainCall
	term erlterm.Tuple
	// trusted: the request is the program's own (ErlPort's Init call),
	// not a caller's; pickles are not refused in it.
	trusted bool
}

// newProtocol chooses the protocol of o.Profile. The native one needs
// the interpreter, resolved here when o names none; ErlPort's command
// line names its own.
func newProtocol(ctx context.Context, o Options) (protocol, error) {
	if o.Profile == ProfileErlPort {
		p, err := newErlPort(o)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	interp := o.Interpreter
	if interp == nil {
		var err error
		if interp, err = ResolveInterpreter(ctx, InterpreterOptions{Logger: o.Logger}); err != nil {
			return nil, err
		}
	}
	return &native{interp: interp, maxFrame: o.MaxFrame, enc: requestEncoding(erlterm.EncodeOptions{}, o.AllowPickle)}, nil
}

// requestEncoding is base, refusing python opaque objects (pickles) unless
// allowPickle: how a protocol encodes what callers send.
func requestEncoding(base erlterm.EncodeOptions, allowPickle bool) erlterm.EncodeOptions {
	if !allowPickle {
		base.RefuseOpaque = []erlterm.Atom{"python"}
	}
	return base
}
