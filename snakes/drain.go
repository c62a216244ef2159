package snakes

import (
	"errors"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Once the worker's process has exited, its pipes may still be held open
// by descendants: a forked child, a subprocess given the reply pipe, one
// that left the process group. The host never waits for them. wait reaps
// the process, kills its group, then every pipe of the worker is read for
// what it already holds and declared finished: the reply pipe (so that
// every caller learns of the exit), stdout and stderr (so that Stop never
// waits on an output pipe), and the ErlPort relay's input.

// drainLimit bounds what is read from a pipe once the process is gone: a
// writer that never stops is not followed.
const drainLimit = 16 << 20

// exitDrain is the state of the worker's pipes after its exit.
type exitDrain struct {
	// ended: the process is gone. The reader role is not given up before
	// the replies reached their end (endOfReplies), so that every caller
	// is answered and the pipe is closed.
	ended atomic.Bool
	// cut: reads of the reply pipe never block again (it is non-blocking
	// and readSpin takes "nothing there" for its end).
	cut atomic.Bool
	// woken: wakeReader wrote its byte into the reply pipe.
	woken atomic.Bool
	// streams are stdout, stderr and the relay's input.
	streams []*cutReader
	// relay is the relay's input (ErlPort --packet 1 and 2), or nil.
	relay *cutReader
}

// endPipes runs once the process has been reaped and its group killed:
// every pipe of the worker is read for what it holds, then finished.
func (w *Worker) endPipes() {
	for _, s := range w.drain.streams {
		s.cut()
	}
	w.mu.Lock()
	if w.dead != nil {
		w.mu.Unlock()
		return
	}
	w.drain.ended.Store(true)
	if w.drain.relay == nil {
		// Read directly: make reads return at once. (With a relay, the
		// reader reads until the relay, cut above, closes its end.)
		syscall.SetNonblock(w.rfd, true)
		w.drain.cut.Store(true)
	}
	take := !w.reading
	if take {
		w.reading = true
	}
	w.mu.Unlock()
	if take {
		w.readLoop(nil, true)
		w.releaseRole()
	} else if w.drain.relay == nil {
		w.wakeReader()
	}
}

// finishRole is called by a reader about to give up its role (Worker.mu
// held): when the process is gone and the replies are not finished, it
// reads them to their end first, so that the pipe never stays open with
// nobody reading it.
func (w *Worker) finishRole() {
	if w.drain.ended.Load() && w.dead == nil {
		w.mu.Unlock()
		w.readLoop(nil, true)
		w.mu.Lock()
	}
}

// wakeReader makes a reader that blocked in read (or poll) on the reply
// pipe before it went non-blocking return. It writes one byte into the
// pipe through a write end of its own, opened only now: the process is
// gone, so nothing else will come, and the byte is the last one the pipe
// holds. The reader tells it from the replies (readPipe): it writes only
// while the reader is in read and the pipe is empty, so that either that
// read returns the byte alone, or the byte is what its next read finds.
func (w *Worker) wakeReader() {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if !w.rblocked || pipeBuffered(w.rfd) > 0 {
		return // its next read does not block, or this one returns data
	}
	fd, err := syscall.Open("/proc/self/fd/"+strconv.Itoa(w.rfd), syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		w.log.Warn("cannot wake the reply reader: it waits for the pipe's last holder", "error", err)
		return
	}
	syscall.Write(fd, []byte{0})
	syscall.Close(fd)
	w.drain.woken.Store(true)
}

// afterWake is readPipe's end once wakeReader wrote its byte: when the
// pipe is empty now, this read took the byte (it is all it got): the
// replies are finished.
func (w *Worker) afterWake(n int, err error) (int, error) {
	if pipeBuffered(w.rfd) == 0 {
		return 0, nil
	}
	return n, err
}

// pipeBuffered is how many bytes a pipe holds (0 when unknown).
func pipeBuffered(fd int) int {
	n, err := unix.IoctlGetInt(fd, unix.TIOCINQ) // FIONREAD
	if err != nil {
		return 0
	}
	return n
}

// cutReader reads a pipe that a descendant of the worker may hold open
// after the worker is gone. Until cut, a read waits in Go's poller; once
// cut, it returns what the pipe holds at once, and end of file when the
// pipe is empty (or after drainLimit bytes).
type cutReader struct {
	f       *os.File // non-blocking: its reads wait in the poller
	isCut   atomic.Bool
	dup     int // a descriptor of f's pipe for the drain's raw reads, once cut
	drained int
}

// newCutReader reads f, which must be non-blocking.
func newCutReader(f *os.File) *cutReader { return &cutReader{f: f, dup: -1} }

// cut makes the reader drain the pipe and end (safe from any goroutine).
func (r *cutReader) cut() {
	r.isCut.Store(true)
	r.f.SetReadDeadline(time.Now()) // wakes a read waiting in the poller
}

func (r *cutReader) Read(b []byte) (int, error) {
	if !r.isCut.Load() {
		n, err := r.f.Read(b)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
	}
	return r.drain(b)
}

// drain reads what the pipe holds without waiting (the file's deadline
// has passed: raw reads on a duplicate of its descriptor).
func (r *cutReader) drain(b []byte) (int, error) {
	if r.dup < 0 {
		rc, err := r.f.SyscallConn()
		if err != nil {
			return 0, io.EOF
		}
		var dupErr error
		if err := rc.Control(func(fd uintptr) {
			r.dup, dupErr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
		}); err != nil || dupErr != nil {
			r.dup = -1
			return 0, io.EOF
		}
	}
	if r.drained >= drainLimit || len(b) == 0 {
		return 0, io.EOF
	}
	for {
		n, err := syscall.Read(r.dup, b[:min(len(b), drainLimit-r.drained)])
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil {
			return 0, io.EOF // empty (EAGAIN), or finished
		}
		r.drained += n
		return n, nil
	}
}

// Close closes the pipe.
func (r *cutReader) Close() error {
	if r.dup >= 0 {
		syscall.Close(r.dup)
		r.dup = -1
	}
	return r.f.Close()
}
