package snakes

import (
	"context"
	"fmt"
	"iter"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// Session binds its holder to one worker of a pool (erlang_python's
// context affinity) so that Python state lives across calls: module
// globals, and the names Exec and Eval define. The worker is leased: no
// pool call and no other session uses it while the session lasts.
//
// A session ends when Close is called or when the context it was created
// with ends (context.AfterFunc: no finalizer, no goroutine per session),
// whichever comes first, by the rule a Lease follows too: later calls
// fail with ErrSessionClosed; the calls in flight run to their own end (a
// call made with the session's own context is abandoned as it ends, and
// its worker is replaced); then the worker goes back to the pool, whole
// when its state is known. The names that Exec and Eval defined are then
// cleared, so the next holder of the worker does not see them; module
// globals stay (they belong to the worker, as a module's state does in a
// long-lived Python process).
//
// A session whose worker dies (it crashed, was killed, or was stopped
// after an abandoned call) is lost: its calls fail with an error matching
// ErrSessionLost, and with the cause (ErrWorkerExited, ErrTimeout...). It
// never moves to another worker, where the state it relies on would be
// missing; the pool replaces the worker.
//
// A Session is safe for concurrent use (its calls then share the worker,
// pipelined).
type Session struct {
	h hold

	lost error // non-nil once the worker died; guarded by h.mu
}

// Session leases a worker of the pool (waiting like Acquire, bounded by
// ctx) and binds a session to it. The session is released when ctx ends
// or Close is called: with context.Background() only Close releases it.
// Eval and Exec need the pool's workers started with AllowEval.
func (p *Pool) Session(ctx context.Context) (*Session, error) {
	m, err := p.acquire(ctx, poolstate.Exclusive, true)
	for err == nil && workerDown(m.Worker) != nil { // died idle: take another
		p.release(m, 0, true)
		m, err = p.acquire(ctx, poolstate.Exclusive, true)
	}
	if err != nil {
		return nil, err
	}
	s := &Session{h: hold{p: p, m: m}}
	s.h.watch(ctx)
	return s, nil
}

// WithSession runs fn with a session on the pool and closes it
// afterwards. A panic in fn releases the worker as broken (its state is
// unknown) and goes on.
func (p *Pool) WithSession(ctx context.Context, fn func(*Session) error) error {
	s, err := p.Session(ctx)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			s.close(true)
		}
	}()
	err = fn(s)
	ok = true
	s.Close()
	return err
}

// Session opens a session on the pool named pool ("" is "default"); see
// Pool.Session.
func (ps *Pools) Session(ctx context.Context, pool string) (*Session, error) {
	p, err := ps.pool(pool)
	if err != nil {
		return nil, err
	}
	return p.Session(ctx)
}

// WithSession runs fn with a session on the pool named pool ("" is
// "default") and closes it afterwards; see Pool.WithSession.
func (ps *Pools) WithSession(ctx context.Context, pool string, fn func(*Session) error) error {
	p, err := ps.pool(pool)
	if err != nil {
		return err
	}
	return p.WithSession(ctx, fn)
}

// ID returns the id of the session's worker.
func (s *Session) ID() string { return s.h.m.ID }

// Pool returns the name of the session's pool.
func (s *Session) Pool() string { return s.h.p.opts.Name }

// Err returns nil while the session is usable, ErrSessionClosed once it
// ended, or the ErrSessionLost error once its worker died.
func (s *Session) Err() error {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return s.stateLocked()
}

// stateLocked is Err; a session found lost ends (a dead worker serves
// nobody). hold.mu held.
func (s *Session) stateLocked() error {
	if s.lost == nil {
		if err := workerDown(s.h.m.Worker); err != nil {
			s.lost = fmt.Errorf("%w: worker %s: %w", ErrSessionLost, s.h.m.ID, err)
			s.h.ended = true
		}
	}
	switch {
	case s.lost != nil:
		return s.lost
	case s.h.ended:
		return ErrSessionClosed
	}
	return nil
}

// begin admits a call.
func (s *Session) begin(eval bool) error {
	h := &s.h
	h.mu.Lock()
	if err := s.stateLocked(); err != nil {
		last := h.endLocked() // lost between calls: give the worker back now
		h.mu.Unlock()
		if last {
			h.release()
		}
		return err
	}
	h.beginLocked()
	if eval && h.p.opts.Worker.AllowEval && h.p.opts.Worker.Profile != ProfileErlPort {
		h.dirty = true // (without AllowEval, Eval and Exec define nothing)
	}
	h.mu.Unlock()
	return nil
}

// finish ends a call: it books the worker's death (the session is lost,
// and err says so) and gives the worker back when the session ended and
// this was its last call.
func (s *Session) finish(sent bool, err error) error {
	h := &s.h
	broken := false
	h.mu.Lock()
	if err != nil {
		if workerDown(h.m.Worker) != nil || workerGone(err) {
			if s.lost == nil {
				s.lost = fmt.Errorf("%w: worker %s: %w", ErrSessionLost, h.m.ID, err)
			}
			h.ended = true
			err = fmt.Errorf("%w: %w", ErrSessionLost, err)
		} else {
			broken = h.p.callFailed(h.m, sent, err)
		}
	}
	last := h.finishLocked(sent, broken)
	h.mu.Unlock()
	if last {
		h.release()
	}
	return err
}

// Call calls module.function(*args) on the session's worker, with the
// pool's CallTimeout when ctx has no deadline.
func (s *Session) Call(ctx context.Context, module, function string, args ...any) (any, error) {
	var out any
	err := s.CallInto(ctx, &out, module, function, args...)
	return out, err
}

// CallInto is Call decoding the result into target (Worker.CallInto).
func (s *Session) CallInto(ctx context.Context, target any, module, function string, args ...any) error {
	if err := s.begin(false); err != nil {
		return err
	}
	ctx, cancel := s.h.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	sent, err := s.h.m.Worker.callInto(ctx, target, module, function, args)
	return s.finish(sent, err)
}

// Cast sends module.function(*args) to the session's worker without
// waiting for it to run (Worker.Cast).
func (s *Session) Cast(ctx context.Context, module, function string, args ...any) error {
	if err := s.begin(false); err != nil {
		return err
	}
	err := s.h.m.Worker.Cast(ctx, module, function, args...)
	return s.finish(err == nil, err)
}

// Eval evaluates a Python expression in the session's worker namespace
// and returns its value (Worker.Eval; the pool's workers need AllowEval).
func (s *Session) Eval(ctx context.Context, code string) (any, error) {
	if err := s.begin(true); err != nil {
		return nil, err
	}
	ctx, cancel := s.h.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	v, err := s.h.m.Worker.Eval(ctx, code)
	return v, s.finish(true, err)
}

// Exec runs Python statements in the session's worker namespace
// (Worker.Exec; the pool's workers need AllowEval).
func (s *Session) Exec(ctx context.Context, code string) error {
	if err := s.begin(true); err != nil {
		return err
	}
	ctx, cancel := s.h.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	return s.finish(true, s.h.m.Worker.Exec(ctx, code))
}

// Stream runs module.function(*args) as a stream on the session's worker
// (Worker.Stream), bounded by ctx only.
func (s *Session) Stream(ctx context.Context, module, function string, args ...any) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		if err := s.begin(false); err != nil {
			yield(nil, err)
			return
		}
		var last error
		defer func() { s.finish(true, last) }()
		for v, err := range s.h.m.Worker.Stream(ctx, module, function, args...) {
			if err != nil {
				last = err
				if workerDown(s.h.m.Worker) != nil || workerGone(err) {
					err = fmt.Errorf("%w: %w", ErrSessionLost, err)
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// Close ends the session: later calls fail with ErrSessionClosed, and the
// worker goes back to the pool once the calls in flight have finished
// (its Exec and Eval names cleared first). With no call in flight it
// returns once the pool has the worker, even when the end of the
// session's context is giving it back at that moment. It always returns
// nil; calling it again does nothing.
func (s *Session) Close() error {
	s.close(false)
	return nil
}

// close ends the session (broken: its worker's state is unknown).
func (s *Session) close(broken bool) { s.h.end(broken) }
