package snakes

import (
	"fmt"
	"os"
	"os/exec"
)

// native is the protocol of taipan's own runtime (docs/protocol.md,
// native profile): python -m taipan.worker with the protocol on its fds 3
// and 4, a hello handshake (handshake.go), frames with a 4-byte length.
type native struct {
	interp   *Interpreter
	maxFrame int // Options.MaxFrame: the worker's limit on a frame
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
	cmd.Env = workerEnv(os.Environ(), n.interp.RuntimeDir, o.Env)
	return cmd, false
}

// spawned: the reader reads the child's reply pipe itself.
func (*native) spawned(*Worker) error { return nil }
