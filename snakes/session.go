package snakes

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"
)

// Session binds its holder to one worker of a pool (erlang_python's
// context affinity) so that Python state lives across calls: module
// globals, and the names Exec and Eval define. The worker is leased: no
// pool call and no other session uses it while the session lasts.
//
// A session ends when Close is called or when the context it was created
// with ends (context.AfterFunc: no finalizer, no goroutine per session),
// whichever comes first; calls still in flight then finish first, and
// later calls fail with ErrSessionClosed. The names that Exec and Eval
// defined are then cleared, so the next holder of the worker does not see
// them; module globals stay (they belong to the worker, as a module's
// state does in a long-lived Python process).
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
	p *Manager
	m *member

	mu       sync.Mutex
	inflight int
	closing  bool  // Close was called or the owner's context ended
	released bool  // the worker went back to the pool
	broken   bool  // release it as broken (KillOnException)
	lost     error // non-nil once the worker died
	evalUsed bool  // Exec or Eval ran: clear the namespace on release
	unwatch  func() bool
}

// sessionResetCode clears the eval namespace of a worker at the end of a
// session, leaving __name__ and __builtins__ (the comprehension's names
// are local to the lambda: nothing is left behind).
const sessionResetCode = `(lambda g: [g.pop(k) for k in list(g) if k not in ("__name__", "__builtins__")])(globals())`

// sessionResetTimeout bounds that reset when the pool has no CallTimeout.
const sessionResetTimeout = 5 * time.Second

// Session leases a worker of the pool (waiting like Acquire, bounded by
// ctx) and binds a session to it. The session is released when ctx ends
// or Close is called: with context.Background() only Close releases it.
// Eval and Exec need the pool's workers started with AllowEval.
func (p *Manager) Session(ctx context.Context) (*Session, error) {
	m, err := p.acquire(ctx, false, true)
	for err == nil && workerDown(m.w) != nil { // died idle: take another
		p.release(m, false, false, true)
		m, err = p.acquire(ctx, false, true)
	}
	if err != nil {
		return nil, err
	}
	s := &Session{p: p, m: m}
	if ctx.Done() != nil {
		s.unwatch = context.AfterFunc(ctx, s.end)
	}
	return s, nil
}

// WithSession runs fn with a session on the pool and closes it
// afterwards. A panic in fn releases the worker as broken (its state is
// unknown) and goes on.
func (p *Manager) WithSession(ctx context.Context, fn func(*Session) error) error {
	s, err := p.Session(ctx)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			s.mu.Lock()
			s.broken = true
			s.mu.Unlock()
			s.Close()
		}
	}()
	err = fn(s)
	ok = true
	s.Close()
	return err
}

// Session opens a session on the pool named pool ("" is "default"); see
// Manager.Session.
func (ps *Pools) Session(ctx context.Context, pool string) (*Session, error) {
	p, err := ps.pool(pool)
	if err != nil {
		return nil, err
	}
	return p.Session(ctx)
}

// WithSession runs fn with a session on the pool named pool ("" is
// "default") and closes it afterwards; see Manager.WithSession.
func (ps *Pools) WithSession(ctx context.Context, pool string, fn func(*Session) error) error {
	p, err := ps.pool(pool)
	if err != nil {
		return err
	}
	return p.WithSession(ctx, fn)
}

// ID returns the id of the session's worker.
func (s *Session) ID() string { return s.m.id }

// Pool returns the name of the session's pool.
func (s *Session) Pool() string { return s.p.opts.Name }

// Err returns nil while the session is usable, ErrSessionClosed once it
// ended, or the ErrSessionLost error once its worker died.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stateLocked()
}

func (s *Session) stateLocked() error {
	if s.lost == nil {
		if err := workerDown(s.m.w); err != nil {
			s.lost = fmt.Errorf("%w: worker %s: %w", ErrSessionLost, s.m.id, err)
		}
	}
	switch {
	case s.lost != nil:
		return s.lost
	case s.closing:
		return ErrSessionClosed
	}
	return nil
}

// begin admits a call.
func (s *Session) begin(eval bool) error {
	s.mu.Lock()
	if err := s.stateLocked(); err != nil {
		idle := s.lost != nil && s.inflight == 0 // died between calls: give it back now
		s.mu.Unlock()
		if idle {
			s.release()
		}
		return err
	}
	s.inflight++
	if eval && s.p.opts.Worker.AllowEval && s.p.opts.Worker.Profile != ProfileErlPort {
		s.evalUsed = true // (without AllowEval, Eval and Exec define nothing)
	}
	s.mu.Unlock()
	return nil
}

// finish ends a call: it books the worker's death (the session is lost,
// and err says so) and releases the worker when the session ended and
// this was its last call.
func (s *Session) finish(sent bool, err error) error {
	if sent {
		s.m.calls.Add(1)
	}
	s.m.lastUsed.Store(s.p.clock.Now().UnixNano())
	s.mu.Lock()
	s.inflight--
	if err != nil {
		if workerDown(s.m.w) != nil || workerGone(err) {
			if s.lost == nil {
				s.lost = fmt.Errorf("%w: worker %s: %w", ErrSessionLost, s.m.id, err)
			}
			err = fmt.Errorf("%w: %w", ErrSessionLost, err)
		} else if s.p.callFailed(s.m, sent, err) {
			s.broken = true
		}
	}
	last := s.inflight == 0 && (s.closing || s.lost != nil)
	s.mu.Unlock()
	if last {
		s.release()
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
	ctx, cancel := s.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	sent, err := s.m.w.callInto(ctx, target, module, function, args)
	return s.finish(sent, err)
}

// Cast sends module.function(*args) to the session's worker without
// waiting for it to run (Worker.Cast).
func (s *Session) Cast(module, function string, args ...any) error {
	if err := s.begin(false); err != nil {
		return err
	}
	err := s.m.w.Cast(module, function, args...)
	return s.finish(err == nil, err)
}

// Eval evaluates a Python expression in the session's worker namespace
// and returns its value (Worker.Eval; the pool's workers need AllowEval).
func (s *Session) Eval(ctx context.Context, code string) (any, error) {
	if err := s.begin(true); err != nil {
		return nil, err
	}
	ctx, cancel := s.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	v, err := s.m.w.Eval(ctx, code)
	return v, s.finish(true, err)
}

// Exec runs Python statements in the session's worker namespace
// (Worker.Exec; the pool's workers need AllowEval).
func (s *Session) Exec(ctx context.Context, code string) error {
	if err := s.begin(true); err != nil {
		return err
	}
	ctx, cancel := s.p.callContext(ctx)
	if cancel != nil {
		defer cancel()
	}
	return s.finish(true, s.m.w.Exec(ctx, code))
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
		for v, err := range s.m.w.Stream(ctx, module, function, args...) {
			if err != nil {
				last = err
				if workerDown(s.m.w) != nil || workerGone(err) {
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
// (its Exec and Eval names cleared first). It always returns nil; calling
// it again does nothing.
func (s *Session) Close() error {
	if s.unwatch != nil {
		s.unwatch()
	}
	s.end()
	return nil
}

// end marks the session ended and releases the worker when no call is in
// flight (otherwise the last one does).
func (s *Session) end() {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.closing = true
	last := s.inflight == 0
	s.mu.Unlock()
	if last {
		s.release()
	}
}

// release gives the worker back, once: as broken when it died or must be
// retired, after clearing the eval namespace when Exec or Eval ran.
func (s *Session) release() {
	s.mu.Lock()
	if s.released {
		s.mu.Unlock()
		return
	}
	s.released = true
	s.closing = true
	broken := s.broken || s.lost != nil || workerDown(s.m.w) != nil
	reset := s.evalUsed && !broken
	s.mu.Unlock()
	if reset {
		ctx, cancel := context.WithTimeout(context.Background(), max(s.p.opts.CallTimeout, sessionResetTimeout))
		err := s.m.w.Exec(ctx, sessionResetCode)
		cancel()
		broken = err != nil
	}
	if s.unwatch != nil {
		s.unwatch()
	}
	s.p.release(s.m, false, false, broken)
}

// workerDown returns why w takes no more calls, or nil: its Err, or its
// exit status once the process has exited (Err may lag the exit a little:
// the reply pipe is drained first).
func workerDown(w *Worker) error {
	if err := w.Err(); err != nil {
		return err
	}
	select {
	case <-w.Exited():
		return w.exitErr
	default:
		return nil
	}
}
