package snakes

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"time"

	"github.com/taipan-go/taipan/erlterm"
)

// native is the protocol of taipan's own runtime (docs/protocol.md,
// native profile): python -m taipan.worker with the protocol on its fds 3
// and 4, a hello handshake (handshake.go), frames with a 4-byte length.
type native struct {
	interp   *Interpreter
	maxFrame int                   // Options.MaxFrame: the worker's limit on a frame
	enc      erlterm.EncodeOptions // requests: pickles refused unless AllowPickle
}

// command is python -m taipan.worker, with the runtime on sys.path.
func (n *native) command(o Options) (*exec.Cmd, bool) {
	args := []string{"-u"}
	if o.Isolated {
		args = append(args, "-I")
	}
	if o.NoSite {
		args = append(args, "-S")
	}
	if o.Isolated {
		// -I ignores PYTHONPATH: put the runtime on sys.path by hand.
		args = append(args, "-c", fmt.Sprintf(
			"import sys; sys.path.insert(0, %q); import runpy; runpy.run_module('taipan.worker', run_name='__main__', alter_sys=True)",
			n.interp.RuntimeDir))
	} else {
		args = append(args, "-m", "taipan.worker")
	}
	cmd := exec.Command(n.interp.Path, args...)
	cmd.Dir = o.Dir
	cmd.Env = workerEnv(o.hostEnv(), n.interp.RuntimeDir, o.Env)
	return cmd, false
}

// spawned: the reader reads the child's reply pipe itself.
func (*native) spawned(*Worker) error { return nil }

// appendRequest frames r with a 4-byte length: a plain call by hand
// (appendCallFrame), any other request by the encoder; a frame over the
// worker's max frame is refused (checkFrame).
func (n *native) appendRequest(dst []byte, id uint64, r request) ([]byte, error) {
	var frame []byte
	var err error
	if r.term == nil {
		frame, err = appendCallFrame(dst, id, &r.call, n.enc)
	} else {
		r.term[1] = id
		frame, err = appendFrameWith(n.enc, dst, r.term)
	}
	if err != nil {
		return frame, fmt.Errorf("snakes: encoding the call: %w", err)
	}
	return frame, n.checkFrame(frame)
}

// checkFrame refuses a frame (length prefix included) over the worker's
// max frame: Python would take it for a protocol violation and exit.
func (n *native) checkFrame(frame []byte) error {
	if size := len(frame) - 4; size > n.maxFrame {
		return &TooLargeError{Size: size, Limit: n.maxFrame}
	}
	return nil
}

// post frames t as it is.
func (n *native) post(w *Worker, t erlterm.Tuple, deadline time.Time) error {
	frame, err := appendFrameWith(n.enc, nil, t)
	if err != nil {
		return fmt.Errorf("snakes: encoding: %w", err)
	}
	if err := n.checkFrame(frame); err != nil {
		return err
	}
	return notRun(w.sendBy(frame, deadline))
}

// cancel sends {'X', Id}: Python drops the call if it is queued, closes
// it if it is a stream, and cannot hear it if it runs.
func (*native) cancel(w *Worker, c *call) bool {
	if frame, err := appendFrame(nil, erlterm.Tuple{tagAtom(tagCancel), c.id}); err == nil {
		w.send(frame)
	}
	return true
}

// dispatch: every frame is the native router's.
func (*native) dispatch(w *Worker, f []byte, h frameHeader, self *call, owned bool) bool {
	return w.route(f, h, self, owned)
}

// plainCall is {'C', Id, Module, Function, Args} before it has an id.
type plainCall struct {
	module, function string
	args             []any
}

// appendCallFrame appends the frame of {'C', id, Module, Function, Args}:
// the bytes appendFrame makes of that Tuple, with the header written by
// erlterm's building blocks (no Tuple to build, no boxing of the id and
// the names, no walk of the tuple by the encoder). The arguments are
// encoded with enc. Python's worker parses this form by hand too;
// FuzzCallFrame checks it against appendFrame.
func appendCallFrame(dst []byte, id uint64, pc *plainCall, enc erlterm.EncodeOptions) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, erlterm.Version)
	dst = erlterm.AppendTupleHeader(dst, 5)
	dst, _ = erlterm.AppendASCIIAtom(dst, string(tagAtom(tagCall)))
	dst = erlterm.AppendUint(dst, id)
	var ok1, ok2 bool
	dst, ok1 = erlterm.AppendBinary(dst, pc.module)
	dst, ok2 = erlterm.AppendBinary(dst, pc.function)
	if !ok1 || !ok2 {
		return dst[:start], erlterm.ErrTooLarge
	}
	// erlterm.Append starts with a version byte: let it land on the
	// header's last byte, then put that byte back.
	n := len(dst) - 1
	last := dst[n]
	out, err := enc.Append(dst[:n], pc.args)
	if err != nil {
		return dst[:start], err
	}
	out[n] = last
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-4))
	return out, nil
}
