package snakes

import (
	"fmt"

	"github.com/taipan-go/taipan/erlterm"
)

// callKind says what a call in flight waits for.
type callKind uint8

const (
	kindCall   callKind = iota // one reply: 'r' or 'e'
	kindStream                 // 's' items, then 'r' or 'e'
	kindHello                  // the handshake (id 0)
)

// call is one request in flight: registered under its id until its reply
// (or the worker's death) completes it. Fields below mu are guarded by
// Worker.mu.
type call struct {
	id     uint64
	kind   callKind
	wake   chan struct{} // capacity 1: a reply arrived, or the reader role is free
	target any           // where the result is decoded (kind call)
	// cancellable: the caller's context can end, so a reader holding the
	// role for this call must be wakeable (reader.go). Set before the call
	// is registered.
	cancellable bool

	// guarded by Worker.mu
	done      bool
	counted   bool     // completed while parked: counted in Worker.expect
	waiting   bool     // blocked on wake
	frame     []byte   // the reply frame, when another goroutine read it
	frameOff  int      // where the result starts in frame
	errFrame  bool     // frame is an 'e' frame
	decoded   bool     // the result was decoded into target already
	err       error    // the call's error (exit, protocol, Python)
	items     [][]byte // stream items not yet consumed (frames)
	itemOffs  []int
	abandoned bool          // its context ended: see abandon.go
	released  bool          // abandoned and its caller let go before it completed
	cause     error         // ErrTimeout or ErrCancelled
	stage     string        // how far the escalation went
	watch     chan struct{} // closed on completion, for the escalation
}

// ready reports whether the call's waiter has something to do: the call
// is complete, released (abandon.go), or (a stream) an item is there.
// Worker.mu held.
func (c *call) ready() bool {
	return c.done || c.released || len(c.items) > 0
}

// complete marks the call done and wakes whoever waits for it. Worker.mu
// held.
func (w *Worker) complete(c *call) {
	if c.done {
		return
	}
	c.done = true
	delete(w.calls, c.id)
	if c.watch != nil {
		close(c.watch)
	}
	c.signal()
}

// signal wakes the call's waiter, if any; a token left in the channel
// only causes a spurious wake-up, which the wait loop tolerates.
func (c *call) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// register gives a new call an id and puts it in flight, unless the worker
// is dead or refuses calls.
func (w *Worker) register(kind callKind, target any) (*call, error) {
	c := &call{kind: kind, target: target, wake: make(chan struct{}, 1)}
	w.mu.Lock()
	if err := w.deadOrRefused(); err != nil {
		w.mu.Unlock()
		return nil, err
	}
	w.nextID++
	if kind == kindHello {
		c.id = 0
	} else {
		c.id = w.nextID
	}
	w.calls[c.id] = c
	w.activity++
	w.mu.Unlock()
	return c, nil
}

// unregister drops a call whose request could not be sent.
func (w *Worker) unregister(c *call) {
	w.mu.Lock()
	if !c.done {
		c.done = true
		delete(w.calls, c.id)
	}
	w.mu.Unlock()
}

// deadOrRefused is the error for a new call, if any. Worker.mu held.
func (w *Worker) deadOrRefused() error {
	if w.dead != nil {
		return w.dead
	}
	return w.refuse
}

// result turns a completed call into its outcome: the decoded result in
// c.target, or an error. Only the call's own goroutine calls it.
func (w *Worker) result(c *call) error {
	w.mu.Lock()
	err, frame, off, isErr, decoded := c.err, c.frame, c.frameOff, c.errFrame, c.decoded
	c.frame = nil
	w.mu.Unlock()
	if err == nil && !decoded && frame != nil {
		if isErr {
			err = decodeError(w.decode, frame, off)
		} else if c.target != nil {
			err = decodeAt(w.decode, frame, off, c.target)
		}
	}
	if err != nil && w.limits != nil {
		// Here, not where the error is decoded: the compat profile
		// completes a call with its *PythonError already made.
		err = w.limits.fromPython(err)
	}
	return err
}

// decodeError decodes the error term of an 'e' frame.
func decodeError(opts erlterm.DecodeOptions, f []byte, off int) error {
	var t any
	if err := decodeAt(opts, f, off, &t); err != nil {
		return errProtocolf("undecodable error reply: %v", err)
	}
	return errorFromTerm(t)
}

// errorFromTerm converts {python, Type, Message, Traceback} (or any other
// error term) into a Go error.
func errorFromTerm(t any) error {
	tup, ok := t.(erlterm.Tuple)
	if ok && len(tup) == 4 && isAtom(tup[0], "python") {
		e := &PythonError{Type: text(tup[1]), Message: text(tup[2])}
		if tb, ok := tup[3].([]any); ok {
			for _, fr := range tb {
				ft, ok := fr.(erlterm.Tuple)
				if !ok || len(ft) != 4 {
					continue
				}
				line, _ := ft[1].(int64)
				e.Traceback = append(e.Traceback, TracebackFrame{File: text(ft[0]), Line: int(line), Function: text(ft[2]), Text: text(ft[3])})
			}
		}
		return e
	}
	return &PythonError{Type: "unknown", Message: text(t)}
}

// isAtom reports whether v is the atom a.
func isAtom(v any, a string) bool {
	x, ok := v.(erlterm.Atom)
	return ok && string(x) == a
}

// text renders a decoded term as text: binaries and atoms as themselves.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case erlterm.Atom:
		return string(x)
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
