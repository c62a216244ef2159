package snakes

import (
	"encoding/binary"
	"runtime"
	"syscall"
	"time"

	"github.com/taipan-go/taipan/erlterm"
)

// The reply pipe is read by whoever waits (leader/follower): a caller
// waiting for its reply takes the reader role if nobody holds it, reads the
// pipe itself with blocking reads on the raw fd, dispatches the replies of
// other calls, and when its own reply is in, hands the role to another
// waiting call. The sequential path (one caller) thus never wakes another
// goroutine: the reply is read by the thread that waits for it. Reading
// through Go's netpoller, or through a dedicated reader goroutine, costs a
// thread wake-up per reply (10–37 µs here, as much as the round trip).
//
// When nobody has waited for IdleRead, a background goroutine takes the
// role so that logs, messages and callbacks arriving between calls are
// delivered; it hands the role over as soon as a caller waits.

// await blocks until c is ready (complete, or a stream item is there),
// reading the pipe when nobody else does.
func (w *Worker) await(c *call) {
	w.mu.Lock()
	for !c.ready() {
		if !w.reading {
			w.reading = true
			w.activity++
			w.mu.Unlock()
			w.readLoop(c, false)
			w.mu.Lock()
			w.finishRole() // drain.go
			w.reading = false
			w.handoff()
			continue
		}
		c.waiting = true
		w.waiters++
		w.mu.Unlock()
		<-c.wake
		w.mu.Lock()
		c.waiting = false
		w.waiters--
	}
	w.mu.Unlock()
}

// handoff wakes one waiting call so it can take the free reader role.
// Worker.mu held.
func (w *Worker) handoff() {
	if w.waiters == 0 {
		return
	}
	for _, o := range w.calls {
		if o.waiting {
			o.signal()
			return
		}
	}
}

// releaseRole gives the reader role up.
func (w *Worker) releaseRole() {
	w.mu.Lock()
	w.finishRole() // drain.go
	w.reading = false
	w.handoff()
	w.mu.Unlock()
}

// readLoop reads and dispatches frames while holding the reader role. It
// returns when c is ready (c non-nil), when a caller waits (c nil and not
// drain: the background reader hands over), or when the pipe is finished.
func (w *Worker) readLoop(c *call, drain bool) {
	w.rwake = c != nil && c.cancellable
	for {
		// Dispatch every complete frame in the buffer.
		for w.rend-w.rstart >= 4 {
			n := int(binary.BigEndian.Uint32(w.rbuf[w.rstart:]))
			if n > w.opts.MaxFrame || n < 1 {
				w.violation(errProtocolf("frame of %d bytes (limit %d)", n, w.opts.MaxFrame))
				return
			}
			have := w.rend - w.rstart - 4
			if have < n {
				if n+4 <= len(w.rbuf) {
					break // it fits: read more
				}
				// A big frame gets a buffer of its own, read straight into.
				big := w.bigReplyBuf(n)
				copy(big, w.rbuf[w.rstart+4:w.rend])
				w.rstart, w.rend = 0, 0
				if !w.readFull(big[have:]) {
					return
				}
				w.rspent = false
				if !w.dispatch(big, c, true) {
					return
				}
				if w.rspent && cap(big) <= keepBigFrame && !w.decode.ZeroCopy {
					w.rbig = big // decoded into copies: reuse it
				}
				continue
			}
			f := w.rbuf[w.rstart+4 : w.rstart+4+n]
			w.rstart += 4 + n
			if !w.dispatch(f, c, false) {
				return
			}
		}
		if w.rstart == w.rend {
			w.rstart, w.rend = 0, 0
		}
		w.mu.Lock()
		stop := w.dead != nil || (c != nil && c.ready()) || (c == nil && !drain && w.waiters > 0)
		w.mu.Unlock()
		if stop {
			return
		}
		if w.rstart > 0 && len(w.rbuf)-w.rend < 4096 {
			w.rend = copy(w.rbuf, w.rbuf[w.rstart:w.rend])
			w.rstart = 0
		}
		n, err := w.readPipe(w.rbuf[w.rend:])
		if err == syscall.EINTR || err == errWoken {
			continue // the loop's top checks whether c was released
		}
		if n <= 0 || err != nil {
			w.endOfReplies()
			return
		}
		w.rend += n
	}
}

// readPipe is one blocking read of the reply pipe by the reader role.
// Before it blocks, the callers this reader just woke get to run (on this
// thread, no wake-up: their next requests queue up, see sendAwaited), and
// then everything queued is written in one go: Python reads those requests
// together and answers them together.
func (w *Worker) readPipe(b []byte) (int, error) {
	if w.delivered {
		w.delivered = false
		runtime.Gosched()
		// Callers woken on the other thread may still be on their way
		// to their next request: give them a moment.
		for i := 0; i < maxYields && w.expect.Load() > 0; i++ {
			runtime.Gosched()
		}
	}
	w.flushBeforeRead()
	n, err := w.readSpin(b)
	w.readDone()
	if w.drain.woken.Load() { // the process is gone (drain.go)
		return w.afterWake(n, err)
	}
	return n, err
}

// readSpin is one read of the reply pipe. When the pipe is non-blocking
// (Spin > 0), nothing is there yet and a caller waits for a reply, it polls
// for up to the spin budget (spin.go) before it sleeps in poll(2). A reader
// holding the role for a call whose context can end sleeps in poll(2) on
// the wake fd too, so that it can be released at its deadline (wake.go):
// the read then fails with errWoken.
func (w *Worker) readSpin(b []byte) (int, error) {
	if w.opts.Spin <= 0 { // a blocking pipe
		if w.rwake && w.efd >= 0 {
			if err := w.pollReply(); err != nil {
				return 0, err
			}
		}
		return syscall.Read(w.rfd, b)
	}
	n, err := syscall.Read(w.rfd, b)
	if err != syscall.EAGAIN {
		return n, err
	}
	var start time.Time
	if w.spin.full > 0 && w.waitingReplies() {
		start = time.Now()
		deadline := start.Add(w.spin.budget())
		for time.Now().Before(deadline) {
			runtime.Gosched() // goroutines woken by this reader run first
			n, err = syscall.Read(w.rfd, b)
			if err != syscall.EAGAIN {
				w.spin.waited(time.Since(start), true)
				return n, err
			}
		}
	}
	for {
		if w.drain.cut.Load() {
			return 0, nil // the process is gone and the pipe is empty (drain.go)
		}
		if err := w.pollReply(); err != nil {
			return 0, err
		}
		n, err = syscall.Read(w.rfd, b)
		if err != syscall.EAGAIN {
			if !start.IsZero() {
				w.spin.waited(time.Since(start), false)
			}
			return n, err
		}
	}
}

// waitingReplies reports whether a caller waits for a reply.
func (w *Worker) waitingReplies() bool {
	w.mu.Lock()
	n := len(w.calls)
	w.mu.Unlock()
	return n > 0
}

// bigReplyBuf is a buffer of n bytes for a big reply: the one kept from
// the last big reply when it is big enough, else a new one. Reader role.
func (w *Worker) bigReplyBuf(n int) []byte {
	if b := w.rbig; cap(b) >= n {
		w.rbig = nil
		return b[:n]
	}
	return make([]byte, n)
}

// readFull fills b from the pipe; false when the pipe ended first.
func (w *Worker) readFull(b []byte) bool {
	for len(b) > 0 {
		n, err := w.readPipe(b)
		if err == syscall.EINTR || err == errWoken {
			continue // a frame half read is finished first
		}
		if n <= 0 || err != nil {
			w.endOfReplies()
			return false
		}
		b = b[n:]
	}
	return true
}

// violation handles bytes that are not a valid frame: the worker is killed
// (its pipe can no longer be trusted to be in step), every call fails with
// an ExitError that matches ErrProtocol, and the host carries on.
func (w *Worker) violation(err error) {
	w.log.Error("protocol violation: killing the worker", "error", err)
	w.killFor(err)
	w.endOfReplies()
}

// endOfReplies runs when the reply pipe is finished (end of file, an error
// or a violation): it waits for the exit status, fails every call still in
// flight with it, and closes the pipe. The reader role is held.
func (w *Worker) endOfReplies() {
	t := time.NewTimer(exitDrainTimeout)
	select {
	case <-w.exited:
	case <-t.C:
		// The worker closed its reply pipe but lives on: it is of no use.
		w.killFor(errProtocolf("reply pipe closed"))
		<-w.exited
	}
	t.Stop()
	w.mu.Lock()
	if w.dead == nil {
		w.dead = w.exitErr
		neverRan := w.proto.neverRanLocked(w)
		for _, c := range w.calls {
			c.err = w.exitErr
			switch neverRan(c) {
			case notWritten:
				c.err = notRun(w.exitErr)
			case queuedBehind:
				c.err = notRunReached(w.exitErr)
			}
			w.complete(c)
		}
		w.order = nil
		syscall.Close(w.rfd)
		w.closeWake()
	}
	w.mu.Unlock()
}

// dispatch hands one frame to the protocol, which routes it. owned says
// the frame's buffer is not the shared read buffer (it can be handed over
// without a copy). It returns false when the worker must be considered
// finished.
func (w *Worker) dispatch(f []byte, self *call, owned bool) bool {
	return w.proto.dispatch(w, f, parseHeader(f), self, owned)
}

// route routes a frame by its header h: replies and stream items to
// their calls, callbacks, logs and messages, and the handshake's hello.
// It is the native protocol's dispatch, and the ErlPort protocol's for the
// frames it shares with it (results, messages).
func (w *Worker) route(f []byte, h frameHeader, self *call, owned bool) bool {
	switch h.tag {
	case tagResult, tagError, tagItem:
		if !h.hasID || h.arity != 3 {
			break
		}
		w.mu.Lock()
		c := w.calls[h.id]
		if c == nil { // abandoned and already completed: drop it
			w.mu.Unlock()
			return true
		}
		if h.tag == tagItem {
			if c.kind != kindStream {
				w.mu.Unlock()
				break
			}
			c.items = append(c.items, own(f, owned))
			c.itemOffs = append(c.itemOffs, h.off)
			c.signal()
			w.mu.Unlock()
			return true
		}
		c.errFrame = h.tag == tagError
		if c == self && c.kind == kindCall && !c.errFrame {
			// Our own result: decode it in place, no copy.
			w.mu.Unlock()
			var err error
			if c.target != nil {
				err = decodeAt(w.decode, f, h.off, c.target)
			}
			w.mu.Lock()
			c.err, c.decoded = err, true
			w.rspent = true
		} else {
			c.frame, c.frameOff = own(f, owned), h.off
			w.delivered = true
			if c.waiting && c.kind == kindCall {
				c.counted = true
				w.expect.Add(1)
			}
		}
		w.complete(c)
		w.mu.Unlock()
		return true
	case tagCall:
		if h.hasID && h.arity == 6 {
			w.mu.Lock()
			w.callbacks++ // the running request waits: others may nest (run_order.go)
			w.mu.Unlock()
			fr := own(f, owned)
			w.wg.Add(1)
			go w.runCallback(fr, h.id)
			// Let it run on this thread before the next read blocks: a
			// short callback then answers without waking another thread.
			w.delivered = true
			return true
		}
	case tagLog:
		w.logRecord(f)
		return true
	case tagMessage:
		w.message(f)
		return true
	}
	// The rest: hello, or frames of shapes we do not route by header.
	var t any
	if err := w.decode.Unmarshal(f, &t); err != nil {
		w.violation(errProtocolf("undecodable frame: %v", err))
		return false
	}
	tup, ok := t.(erlterm.Tuple)
	if ok && len(tup) == 3 && isAtom(tup[0], "hello") {
		info, _ := tup[2].(map[string]any)
		w.mu.Lock()
		if c := w.calls[0]; c != nil && c.kind == kindHello {
			w.info = info
			w.complete(c)
		}
		w.mu.Unlock()
		return true
	}
	if ok && len(tup) == 3 && isAtom(tup[0], "e") { // init failed: {'e', 0, Error}
		w.mu.Lock()
		if c := w.calls[0]; c != nil && c.kind == kindHello {
			c.err = errorFromTerm(tup[2])
			w.complete(c)
		}
		w.mu.Unlock()
		return true
	}
	w.log.Warn("unexpected frame from the worker", "term", t)
	return true
}

// own returns f itself if the caller owns it, else a copy (the read
// buffer is reused by the next read).
func own(f []byte, owned bool) []byte {
	if owned {
		return f
	}
	return append([]byte(nil), f...)
}

// backgroundReader takes the reader role when nobody has waited for a
// while, so that frames arriving between calls (logs, messages, callbacks
// from Python threads, the end of file of a dying worker) are handled.
func (w *Worker) backgroundReader() {
	defer w.wg.Done()
	t := time.NewTimer(w.opts.IdleRead)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-w.life.Done():
			return
		case <-w.exited:
			return
		case <-t.C:
		}
		w.mu.Lock()
		if w.dead != nil {
			w.mu.Unlock()
			return
		}
		if w.reading || w.waiters > 0 || w.activity != seen {
			seen = w.activity
			w.mu.Unlock()
			t.Reset(w.opts.IdleRead)
			continue
		}
		w.reading = true
		w.mu.Unlock()
		w.readLoop(nil, false)
		w.releaseRole()
		t.Reset(w.opts.IdleRead)
	}
}
