package snakes

import (
	"context"
	"fmt"
	"syscall"

	"github.com/taipan-go/taipan/erlterm"
)

// protocolVersion is the version of docs/protocol.md this host speaks.
const protocolVersion = 1

// ready is the native protocol's handshake: it sends {hello, 1, Options}
// and waits for the worker's hello (or the error of its init call). A
// worker that does not answer before ctx ends is killed.
func (*native) ready(ctx context.Context, w *Worker) error {
	o := w.opts
	paths := make([]any, len(o.Paths))
	for i, p := range o.Paths {
		paths[i] = p
	}
	var allow any // undefined: every function allowed
	if len(o.Allow) > 0 {
		l := make([]any, len(o.Allow))
		for i, e := range o.Allow {
			l[i] = e
		}
		allow = l
	}
	var init any
	if o.Init != nil {
		kw := map[string]any(o.Init.Kwargs)
		if kw == nil {
			kw = map[string]any{}
		}
		init = erlterm.Tuple{o.Init.Module, o.Init.Function, argList(o.Init.Args), kw}
	}
	hello := erlterm.Tuple{erlterm.Atom("hello"), protocolVersion, map[string]any{
		"paths":            paths,
		"eval":             o.AllowEval,
		"log_level":        o.LogLevel,
		"capture_output":   !o.NoCaptureOutput,
		"max_frame":        o.MaxFrame,
		"max_uncompressed": o.MaxDecompressedSize,
		"init":             init,
		"spin":             max(o.Spin, 0).Seconds(),
		"allow":            allow,
		"allow_pickle":     o.AllowPickle,
	}}
	c, err := w.register(kindHello, nil)
	if err != nil {
		return err
	}
	frame, err := appendFrame(nil, hello)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	if err := w.sendAwaited(frame, deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		w.killFor(fmt.Errorf("no hello before the start timeout: %w", ctx.Err()))
		w.kill(syscall.SIGKILL)
	})
	defer stop()
	w.await(c)
	if err := w.result(c); err != nil {
		return err
	}
	if w.info == nil {
		return errProtocolf("no hello")
	}
	return nil
}
