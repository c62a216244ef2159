package snakes

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// A caller whose context ends is released at once (abandon.go), even when
// it holds the reader role and sleeps in the kernel waiting for the reply
// pipe. Such a reader sleeps in poll(2) on the reply pipe and on an eventfd
// of the worker's; release writes to the eventfd, the reader wakes, sees
// its call released and hands the role on. Readers for calls that cannot be
// cancelled (context.Background) keep their single blocking read.

// errWoken is the error of a read interrupted by wakeReaderLocked: nothing
// was read, the reader should look at its call again.
var errWoken = errors.New("snakes: reader woken")

// openWake creates the worker's wake fd; without one (eventfd refused),
// a reader is released only when its reply, or the process's end, comes.
func (w *Worker) openWake() {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		w.log.Debug("no eventfd: callers are released at their reply", "error", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead != nil { // endOfReplies ran already: nobody would close it
		syscall.Close(fd)
		return
	}
	w.efd = fd
}

// closeWake closes the wake fd. Worker.mu held, by the reader role.
func (w *Worker) closeWake() {
	if w.efd >= 0 {
		syscall.Close(w.efd)
		w.efd = -1
	}
}

// wakeReaderLocked wakes the goroutine holding the reader role, if it
// sleeps in pollReply. Worker.mu held.
func (w *Worker) wakeReaderLocked() {
	if w.efd < 0 || !w.reading {
		return
	}
	one := [8]byte{1}
	syscall.Write(w.efd, one[:]) // EAGAIN: a wake-up is pending anyway
}

// pollReply sleeps until the reply pipe is readable (or hung up), or the
// wake fd was written to (errWoken). The reader role is held.
func (w *Worker) pollReply() error {
	fds := [2]unix.PollFd{{Fd: int32(w.rfd), Events: unix.POLLIN}, {Fd: int32(w.efd), Events: unix.POLLIN}}
	n := 1
	if w.rwake && w.efd >= 0 {
		n = 2
	}
	for {
		_, err := unix.Poll(fds[:n], -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if n == 2 && fds[1].Revents != 0 {
		var b [8]byte
		syscall.Read(w.efd, b[:])
		if fds[0].Revents == 0 {
			return errWoken
		}
	}
	return nil
}
