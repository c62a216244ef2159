package bench

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"syscall"

	"github.com/taipan-go/taipan/erlterm"
)

// rawEchoScript is the floor a worker is measured against: a minimal
// Python loop that echoes each length-prefixed frame on fds 3/4, without
// decoding it. No protocol, no dispatch: what a round trip costs when
// taipan adds nothing.
const rawEchoScript = `
import os
r, w = 3, 4
buf = b""
while True:
    while len(buf) < 4:
        d = os.read(r, 65536)
        if not d: raise SystemExit
        buf += d
    n = int.from_bytes(buf[:4], "big")
    while len(buf) < 4 + n:
        d = os.read(r, 65536)
        if not d: raise SystemExit
        buf += d
    os.write(w, buf[:4 + n])
    buf = buf[4 + n:]
`

// errEchoEnded reports that the raw echo process went away mid-run.
var errEchoEnded = errors.New("bench: the raw echo process ended")

// rawEcho is a Python echo process on raw blocking pipes, read and
// written without Go's netpoller, as taipan's workers are.
type rawEcho struct {
	cmd  *exec.Cmd
	w, r int
	buf  []byte
}

// fSetPipeSize is F_SETPIPE_SZ (Linux).
const fSetPipeSize = 1031

func startRawEcho(python string) (*rawEcho, error) {
	var req, rep [2]int
	if err := syscall.Pipe2(req[:], syscall.O_CLOEXEC); err != nil {
		return nil, err
	}
	if err := syscall.Pipe2(rep[:], syscall.O_CLOEXEC); err != nil {
		syscall.Close(req[0])
		syscall.Close(req[1])
		return nil, err
	}
	for _, fd := range []int{req[1], rep[0]} {
		syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), fSetPipeSize, 1<<20) // best effort, as the workers do
	}
	cr, cw := os.NewFile(uintptr(req[0]), "r"), os.NewFile(uintptr(rep[1]), "w")
	cmd := exec.Command(python, "-u", "-c", rawEchoScript)
	cmd.ExtraFiles = []*os.File{cr, cw}
	err := cmd.Start()
	cr.Close()
	cw.Close()
	if err != nil {
		syscall.Close(req[1])
		syscall.Close(rep[0])
		return nil, err
	}
	e := &rawEcho{cmd: cmd, w: req[1], r: rep[0], buf: make([]byte, 1<<16)}
	// One round trip waits for Python to start, so that no measurement
	// includes it.
	frame, err := addFrame()
	if err == nil {
		err = e.roundTrip(frame)
	}
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// close ends the process (end of file on its input) and waits for it.
func (e *rawEcho) close() {
	syscall.Close(e.w)
	e.cmd.Wait()
	syscall.Close(e.r)
}

// roundTrip writes one frame and reads one frame back.
func (e *rawEcho) roundTrip(frame []byte) error {
	for off := 0; off < len(frame); {
		n, err := syscall.Write(e.w, frame[off:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		off += n
	}
	have := 0
	for {
		n, err := syscall.Read(e.r, e.buf[have:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errEchoEnded
		}
		have += n
		if have >= 4 && have >= 4+int(binary.BigEndian.Uint32(e.buf)) {
			return nil
		}
		if have == len(e.buf) {
			e.buf = append(e.buf, make([]byte, len(e.buf))...)
		}
	}
}

// addFrame is the frame of a call to operator.add(1, 2), as a worker
// would receive it: the raw echo moves the same bytes.
func addFrame() ([]byte, error) {
	body, err := erlterm.Marshal(erlterm.Tuple{erlterm.Atom("C"), 1, erlterm.Atom("operator"), erlterm.Atom("add"), []any{1, 2}})
	if err != nil {
		return nil, err
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	return append(frame, body...), nil
}
