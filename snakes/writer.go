package snakes

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// send writes one frame to the request pipe. Writes are combined: a
// caller that finds another one writing appends its frame to a shared
// buffer and returns; the writer writes everything queued, in a loop, until
// nothing is left. Under load many requests go out in one write (about
// 2.5× a write per call under a mutex), and a lone caller writes its own
// frame with no copy and no hand-off.
//
// An error means the frame was not written (the pipe is closed or broken);
// a nil error for a queued frame means it is in the queue: if the write
// then fails, the worker is dying and its exit fails the call.
func (w *Worker) send(frame []byte) error {
	return w.sendBy(frame, time.Time{})
}

// sendBy is send for a request whose caller has a deadline: when the
// request pipe stays full past it (the worker does not read: it runs
// something else), the caller's frame is not written and the error
// matches ErrTimeout and context.DeadlineExceeded. A frame that went in
// only in part leaves the pipe out of step: the worker is killed.
func (w *Worker) sendBy(frame []byte, deadline time.Time) error {
	w.wmu.Lock()
	if w.wclosed {
		w.wmu.Unlock()
		return ErrStopped
	}
	if w.writing {
		w.wbuf = append(w.wbuf, frame...)
		w.wmu.Unlock()
		return nil
	}
	w.writing = true
	w.wmu.Unlock()

	w.proto.noteWritten(w, frame)
	err := w.write(frame, deadline)
	var ownErr = err
	if errors.Is(err, errWriteDeadline) && !w.partial {
		err = nil // nothing went in: the pipe is in step, write the queue
	}
	for {
		w.wmu.Lock()
		if err != nil || len(w.wbuf) == 0 {
			w.writing = false
			w.wbuf = w.wbuf[:0]
			if w.wclosed && w.wfdOpen {
				w.wfdOpen = false
				syscall.Close(w.wfd)
			}
			w.wmu.Unlock()
			break
		}
		buf := w.wbuf
		w.wbuf = w.wspare[:0]
		w.wmu.Unlock()
		w.proto.noteWritten(w, buf)
		err = w.write(buf, time.Time{})
		if cap(buf) <= 1<<20 { // do not keep a huge buffer around
			w.wmu.Lock()
			w.wspare = buf[:0]
			w.wmu.Unlock()
		}
	}
	if err != nil {
		// A broken request pipe (or one left in the middle of a frame)
		// means the worker is gone or of no use; make sure it is gone,
		// so that its exit fails every call.
		w.log.Debug("request pipe failed", "error", err)
		w.killFor(fmt.Errorf("request pipe broken: %w", err))
	}
	return ownErr
}

// sendAwaited queues the frame of a request whose caller is about to wait
// for its reply (await). It is not written now: the goroutine holding the
// reader role writes everything queued just before it blocks in read
// (flushBeforeRead), and a caller that finds no reader takes the role and
// does the same. Callers woken together by one batch of replies thus send
// their next requests in one write, and Python reads them all at once
// instead of waking once per request. Only while the reader is already
// blocked in read (past its flush) is the frame written at once, as send
// does. Big frames are written at once too (no copy into the queue).
func (w *Worker) sendAwaited(frame []byte, deadline time.Time) error {
	w.wmu.Lock()
	if w.wclosed {
		w.wmu.Unlock()
		return ErrStopped
	}
	if w.rblocked || len(frame) > deferredFrameMax {
		w.wmu.Unlock()
		return w.sendBy(frame, deadline)
	}
	w.wbuf = append(w.wbuf, frame...)
	w.wmu.Unlock()
	return nil
}

// flushBeforeRead writes every queued frame and marks the reader as
// blocked, so that frames sent from now on are written by their senders.
// The reader role is held; readDone undoes the mark.
func (w *Worker) flushBeforeRead() {
	w.wmu.Lock()
	w.rblocked = true
	if w.writing || len(w.wbuf) == 0 {
		// Empty, or a writer in progress writes what is queued.
		w.wmu.Unlock()
		return
	}
	w.wmu.Unlock()
	w.send(nil) // writes the queue (a nil frame adds nothing)
}

// readDone marks the reader as no longer blocked in read: frames for
// callers that will wait are queued again.
func (w *Worker) readDone() {
	w.wmu.Lock()
	w.rblocked = false
	w.wmu.Unlock()
}

// closeRequests closes the request pipe, now or as soon as the writer in
// progress is done. Python exits when it reads end of file.
func (w *Worker) closeRequests() {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.wclosed {
		return
	}
	w.wclosed = true
	if !w.writing && w.wfdOpen {
		w.wfdOpen = false
		syscall.Close(w.wfd)
	}
}

// write writes b, frames noted by noteWritten, to the request pipe, by
// the deadline when there is one. When the write fails part way (EPIPE:
// the process closed its end; the deadline), the requests whose frames
// did not go in whole never ran: their records are taken back, so that
// the process's exit marks them ErrNotRun. partial records whether the
// failed write left part of a frame in the pipe. The writer role is held.
func (w *Worker) write(b []byte, deadline time.Time) error {
	n, err := writeAll(w.wfd, b, deadline)
	w.partial = false
	if err != nil {
		w.proto.unnoteWritten(w, b, n)
		w.partial = n > 0
	}
	return err
}

// writeAll writes b to the non-blocking request pipe, resuming after short
// writes and sleeping in poll(2) while the pipe is full, until the
// deadline (none when zero); it says how many bytes went in.
func writeAll(fd int, b []byte, deadline time.Time) (int, error) {
	done := 0
	for done < len(b) {
		n, err := syscall.Write(fd, b[done:])
		switch err {
		case nil:
			done += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			if err := pollWritable(fd, deadline); err != nil {
				return done, err
			}
		default:
			return done, err
		}
	}
	return done, nil
}

// errWriteDeadline: the request pipe stayed full past the caller's
// deadline.
var errWriteDeadline = fmt.Errorf("%w: the worker did not read the request before the deadline: %w",
	ErrTimeout, context.DeadlineExceeded)

// pollWritable sleeps until fd can take more bytes, or the deadline.
func pollWritable(fd int, deadline time.Time) error {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for {
		ms := -1
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return errWriteDeadline
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := unix.Poll(fds[:], ms)
		if err == unix.EINTR || n == 0 {
			continue
		}
		return err // POLLERR (the reader went away) shows in the next write
	}
}
