package rawecho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/taipan-go/taipan/erlterm"
)

// script echoes each frame read on fd 3 to fd 4. Its only argument is the
// spin in seconds: when positive, fd 3 is made non-blocking and a read
// that would block polls for up to that long before it sleeps in select,
// as taipan's FrameReader does; otherwise reads block, and the loop is the
// historical anchor unchanged (read is then os.read itself).
const script = `
import os, sys
r, w = 3, 4
read = os.read
spin = float(sys.argv[1])
if spin > 0:
    import select, time
    os.set_blocking(r, False)
    def read(fd, n, _read=os.read, _clock=time.perf_counter, _select=select.select):
        try:
            return _read(fd, n)
        except BlockingIOError:
            pass
        end = _clock() + spin
        while _clock() < end:
            try:
                return _read(fd, n)
            except BlockingIOError:
                pass
        while True:
            _select((fd,), (), ())
            try:
                return _read(fd, n)
            except BlockingIOError:
                pass
buf = b""
while True:
    while len(buf) < 4:
        d = read(r, 65536)
        if not d: raise SystemExit
        buf += d
    n = int.from_bytes(buf[:4], "big")
    while len(buf) < 4 + n:
        d = read(r, 65536)
        if not d: raise SystemExit
        buf += d
    os.write(w, buf[:4 + n])
    buf = buf[4 + n:]
`

var (
	// ErrEnded reports that the echo process closed its end of the reply
	// pipe (it exited) before a whole frame came back.
	ErrEnded = errors.New("rawecho: the echo process ended")
	// ErrClosed reports a RoundTrip after Close.
	ErrClosed = errors.New("rawecho: echo closed")
)

// fSetPipeSize is F_SETPIPE_SZ (Linux).
const fSetPipeSize = 1031

// pipeSize is the buffer asked for both pipes, as taipan's workers ask.
const pipeSize = 1 << 20

// Echo is one Python echo process and the Go ends of its two pipes. It is
// for one goroutine at a time.
type Echo struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer  // what Python said, for Start's errors
	w, r   int           // request pipe write end, reply pipe read end
	spin   time.Duration // > 0: r is non-blocking and reads poll this long
	buf    []byte
	reply  int // length of the last reply in buf
	closed bool
	err    error // Close's result, for the calls after the first
}

// Start starts an echo process with python. A positive spin makes both
// sides poll their pipe for up to spin before they sleep, as taipan's
// workers do; zero or negative, both block in read. Start returns after a
// first round trip, so that no measurement includes Python's start.
func Start(python string, spin time.Duration) (*Echo, error) {
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
		// Best effort, as the workers: a lower pipe-max-size only costs
		// speed on big frames.
		syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), fSetPipeSize, pipeSize)
	}
	secs := "0"
	if spin > 0 {
		secs = strconv.FormatFloat(spin.Seconds(), 'g', -1, 64)
		if err := syscall.SetNonblock(rep[0], true); err != nil {
			for _, fd := range append(req[:], rep[:]...) {
				syscall.Close(fd)
			}
			return nil, err
		}
	}
	cr, cw := os.NewFile(uintptr(req[0]), "rawecho-req"), os.NewFile(uintptr(rep[1]), "rawecho-rep")
	e := &Echo{w: req[1], r: rep[0], spin: spin, buf: make([]byte, 1<<16)}
	e.cmd = exec.Command(python, "-u", "-c", script, secs)
	e.cmd.ExtraFiles = []*os.File{cr, cw} // fds 3 and 4
	e.cmd.Stderr = &e.stderr
	err := e.cmd.Start()
	// The child holds its own copies; ours would keep the pipes open
	// after it exits.
	cr.Close()
	cw.Close()
	if err != nil {
		syscall.Close(req[1])
		syscall.Close(rep[0])
		return nil, err
	}
	frame, err := AddFrame()
	if err == nil {
		err = e.RoundTrip(frame)
	}
	if err != nil {
		e.cmd.Process.Kill() // a Python that misbehaves may not exit at end of file
		e.Close()
		if msg := bytes.TrimSpace(e.stderr.Bytes()); len(msg) > 0 {
			return nil, fmt.Errorf("%w: %s", err, msg)
		}
		return nil, err
	}
	return e, nil
}

// RoundTrip writes frame (a 4-byte big-endian length, then that many
// bytes) and reads until the whole frame is back.
func (e *Echo) RoundTrip(frame []byte) error {
	if e.closed {
		return ErrClosed // the fds may already be someone else's
	}
	if len(frame) < 4 || int64(binary.BigEndian.Uint32(frame)) != int64(len(frame)-4) {
		// The echo would wait for bytes that never come.
		return fmt.Errorf("rawecho: malformed frame of %d bytes", len(frame))
	}
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
	have, need := 0, 0
	for {
		n, err := e.read(e.buf[have:])
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrEnded
		}
		have += n
		if need == 0 && have >= 4 {
			need = 4 + int(binary.BigEndian.Uint32(e.buf))
			if need > len(e.buf) {
				e.buf = append(e.buf[:have], make([]byte, need-have)...)
			}
		}
		if need > 0 && have >= need {
			e.reply = need
			return nil
		}
		if have == len(e.buf) {
			e.buf = append(e.buf, make([]byte, len(e.buf))...)
		}
	}
}

// Reply is the frame the last successful RoundTrip read back; it is valid
// until the next RoundTrip.
func (e *Echo) Reply() []byte { return e.buf[:e.reply] }

// read is one read of the reply pipe. Blocking, it is a plain read; with a
// spin, a read that would block is retried for up to the spin before the
// goroutine sleeps in poll(2), as taipan's reader does (snakes/reader.go).
func (e *Echo) read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(e.r, b)
		if err == syscall.EINTR {
			continue
		}
		if err != syscall.EAGAIN {
			return max(n, 0), err
		}
		break
	}
	for deadline := time.Now().Add(e.spin); time.Now().Before(deadline); {
		n, err := syscall.Read(e.r, b)
		if err != syscall.EAGAIN && err != syscall.EINTR {
			return max(n, 0), err
		}
	}
	for {
		fds := [1]unix.PollFd{{Fd: int32(e.r), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds[:], -1); err != nil && err != unix.EINTR {
			return 0, err
		}
		n, err := syscall.Read(e.r, b)
		if err != syscall.EAGAIN && err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

// Close ends the process and waits for it. Closing the request pipe makes
// Python exit at end of file; the reply pipe is closed before the wait as
// well, so that a Python stuck writing a reply nobody reads (a RoundTrip
// that failed half-way) fails with a broken pipe instead of hanging the
// wait. Calls after the first return the first's result.
func (e *Echo) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	syscall.Close(e.w)
	syscall.Close(e.r)
	e.err = e.cmd.Wait()
	return e.err
}

// AddFrame is the frame of a call to operator.add(1, 2) exactly as taipan
// sends it ({'C', 1, <<"operator">>, <<"add">>, [1, 2]}, with its length
// prefix): the echo moves the same bytes as a worker's call.
func AddFrame() ([]byte, error) {
	body, err := erlterm.Marshal(erlterm.Tuple{erlterm.Atom("C"), 1, "operator", "add", []any{1, 2}})
	if err != nil {
		return nil, err
	}
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	return append(frame, body...), nil
}
