package snakes

import (
	"context"
	"os/exec"
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
		if interp, err = ResolveInterpreter(ctx, InterpreterOptions{}); err != nil {
			return nil, err
		}
	}
	return &native{interp: interp, maxFrame: o.MaxFrame}, nil
}
