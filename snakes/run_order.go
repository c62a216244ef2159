package snakes

import "encoding/binary"

// A worker runs its requests one at a time, in the order they arrive: when
// its process dies, the oldest request it had not answered may have run,
// and the ones written after it had not started — unless requests could
// nest. They nest when the running request waits for the host (a callback
// into Go, stream credit): the worker then serves the requests queued
// behind it. So the host keeps the order in which request frames went into
// the pipe, with the count of callbacks seen at that moment, and at the
// process's death marks the requests that provably never ran with
// ErrNotRun: pools send them to another worker, pets to the next
// incarnation. Requests still queued in the host, never written, never ran
// either. This is the native protocol's bookkeeping (protocol.go); ErlPort's
// keeps none.

// written is one request frame as it went into the request pipe.
type written struct {
	id        uint64
	callbacks uint64 // Worker.callbacks when it was written
}

// isRequestTag reports whether a host → worker frame with this tag is a
// request the worker runs (and answers under its id).
func isRequestTag(tag byte) bool {
	switch tag {
	case tagCall, tagKwCall, tagStream, tagEval, tagReload:
		return true
	}
	return false
}

// noteWritten records the requests among the frames of b, which the writer
// is about to write (before, not after: a death seen in between must not
// take a written request for one never written). The writer role is held,
// so records follow the pipe's order.
func (*native) noteWritten(w *Worker, b []byte) {
	w.mu.Lock()
	for len(b) >= 4 {
		n := int(binary.BigEndian.Uint32(b))
		if n+4 > len(b) {
			break
		}
		if h := parseHeader(b[4 : 4+n]); h.hasID && isRequestTag(h.tag) {
			w.order = append(w.order, written{id: h.id, callbacks: w.callbacks})
		}
		b = b[4+n:]
	}
	// Forget the answered ones at the front: replies come mostly in order.
	i := 0
	for i < len(w.order) && w.calls[w.order[i].id] == nil {
		i++
	}
	if i > 0 {
		w.order = append(w.order[:0], w.order[i:]...)
	}
	w.mu.Unlock()
}

// unnoteWritten takes back the records of the requests among the frames
// of b that did not go into the pipe whole (only the first n bytes of b
// did): a request Python could not read in full never ran. The writer
// role is held, so they are the last records.
func (*native) unnoteWritten(w *Worker, b []byte, n int) {
	var lost []uint64
	for off := 0; len(b)-off >= 4; {
		size := int(binary.BigEndian.Uint32(b[off:]))
		if off+4+size > len(b) {
			break
		}
		if off+4+size > n {
			if h := parseHeader(b[off+4 : off+4+size]); h.hasID && isRequestTag(h.tag) {
				lost = append(lost, h.id)
			}
		}
		off += 4 + size
	}
	if len(lost) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range lost {
		for i := len(w.order) - 1; i >= 0; i-- {
			if w.order[i].id == id {
				w.order = append(w.order[:i], w.order[i+1:]...)
				break
			}
		}
	}
}

// neverRanLocked returns a report of which calls in flight provably never
// ran, for a worker whose process has died: those never written, and
// those written after the oldest unanswered request when no request could
// have nested. Worker.mu held.
func (*native) neverRanLocked(w *Worker) func(*call) fate {
	pos := make(map[uint64]int, len(w.calls))
	oldest := -1
	for i, e := range w.order {
		if c := w.calls[e.id]; c != nil && !c.done {
			if oldest < 0 {
				oldest = i
			}
			pos[e.id] = i
		}
	}
	nested := false
	if oldest >= 0 {
		e := w.order[oldest]
		nested = w.callbacks > e.callbacks || w.calls[e.id].kind == kindStream
	}
	return func(c *call) fate {
		if c.kind == kindHello {
			return mayHaveRun
		}
		i, wrote := pos[c.id]
		if !wrote {
			return notWritten
		}
		if i != oldest && !nested {
			return queuedBehind
		}
		return mayHaveRun
	}
}

// fate is what became of a request in flight when its process died.
type fate uint8

const (
	mayHaveRun   fate = iota // it ran, or may have: never sent again
	notWritten               // it never went into the pipe
	queuedBehind             // it went in, behind one that did not finish
)
