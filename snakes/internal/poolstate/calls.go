package poolstate

import "time"

// Acquire takes a member for use, at once: an idle one (by Config.FIFO),
// else for a Shared use with Pipeline > 1 the least loaded Busy one. It
// takes none while callers wait (first come, first served). Without one
// the Verdict says whether the caller may Wait (block: it would wait for
// a member given back; without block only for one the pool can start).
// It allocates nothing.
func (m *Machine[W, C]) Acquire(use Use, block bool) (*Member[W], Verdict, []Action[W, C]) {
	m.begin()
	switch m.mode {
	case Stopped:
		return nil, Closed, m.acts
	case Failed:
		return nil, Down, m.acts
	}
	if m.waiters.n == 0 {
		if x := m.take(use); x != nil {
			return x, Granted, m.acts
		}
	}
	return nil, m.admit(block), m.acts
}

// admit decides whether a caller that found no free member may wait: for
// a member given back, or for one the pool starts for it. The pool may
// still start max-live members (those starting included), and each waiter
// ahead has claimed one of them: a caller beyond that would wait for a
// busy member. A caller that does not block never waits for a busy member
// (Full), nor does any caller under fail-fast (MaxWaiters < 0:
// Overloaded); otherwise the queue holds at most MaxWaiters callers.
// Fail-fast and non-blocking callers thus still get the overflow members
// a pool may start.
func (m *Machine[W, C]) admit(block bool) Verdict {
	startable := m.waiters.n < m.cfg.max()-m.Live()
	switch {
	case !block && !startable:
		return Full
	case !block:
		return Wait
	case m.cfg.MaxWaiters < 0 && !startable:
		return Overloaded
	case m.cfg.MaxWaiters >= 0 && m.waiters.n >= m.cfg.MaxWaiters:
		return Overloaded
	}
	return Wait
}

// Wait queues a caller that Acquire told to wait, with c attached, and
// starts the members the waiters need.
func (m *Machine[W, C]) Wait(use Use, c C) (*Waiter[C], []Action[W, C]) {
	m.begin()
	w := &Waiter[C]{C: c, use: use}
	m.waiters.push(w)
	m.refill()
	return w, m.acts
}

// Cancel takes a waiter that gives up off the queue and reports whether it
// was still there. When it was not, it was granted a member (or failed)
// in the meantime: the grant is the caller's, to Release.
func (m *Machine[W, C]) Cancel(w *Waiter[C]) bool {
	if w.queued != &m.waiters {
		return false
	}
	m.waiters.remove(w)
	return true
}

// take hands out a free member for use, or returns nil.
func (m *Machine[W, C]) take(use Use) *Member[W] {
	if n := len(m.idle); n > 0 {
		var x *Member[W]
		if m.cfg.FIFO {
			x = m.idle[0]
			copy(m.idle, m.idle[1:])
		} else {
			x = m.idle[n-1]
		}
		m.idle[n-1] = nil
		m.idle = m.idle[:n-1]
		x.users = 1
		if use == Exclusive {
			x.state = Leased
			return x
		}
		x.state = Busy
		m.spend(x)
		return x
	}
	if use == Exclusive || m.cfg.Pipeline <= 1 {
		return nil
	}
	var best *Member[W]
	for _, x := range m.members {
		if x.state != Busy || x.users >= m.cfg.Pipeline {
			continue
		}
		if best == nil || x.users < best.users {
			best = x
		}
	}
	if best != nil {
		best.users++
		m.spend(best)
	}
	return best
}

// spend retires x once it has been handed the last pool call that
// MaxCalls allows it (served and in flight together), so that MaxCalls is
// exact: x finishes the calls it has and stops, and its replacement
// starts now, alongside them. Calls that never ran are not counted (they
// are not served), so x may retire having served fewer.
func (m *Machine[W, C]) spend(x *Member[W]) {
	if m.cfg.MaxCalls > 0 && x.served+uint64(x.users) >= uint64(m.cfg.MaxCalls) {
		m.counts.Recycled++
		m.retire(x, WhyMaxCalls)
	}
}

// Release gives x back after one use, at now: served is how many calls it
// served (a pool call: 0 or 1; a lease: all of its). A Broken member
// retires; so does one at MaxCalls (a lease's calls are counted as they
// ran, never refused: checked here) and one in a stopped pool; one past
// MaxAge gets a replacement started. A member left free goes back to the
// idle list, or stops if retiring, and the waiters are served. It
// allocates nothing unless the pool must start a worker.
func (m *Machine[W, C]) Release(x *Member[W], served int, out Outcome, now time.Time) []Action[W, C] {
	m.begin()
	switch x.state {
	case Busy, Leased, Retiring:
	default:
		return m.acts // not handed out, or out of the pool already
	}
	x.served += uint64(served)
	x.lastUsed = now
	x.users--
	if x.state != Retiring {
		switch {
		case out == Broken:
			m.retire(x, WhyBroken)
		case m.mode == Stopped:
			m.retire(x, WhyPoolStopping)
		case m.cfg.MaxCalls > 0 && x.served >= uint64(m.cfg.MaxCalls):
			m.counts.Recycled++
			m.retire(x, WhyMaxCalls)
		default:
			m.maybeRecycle(x, now)
		}
	}
	if x.users == 0 {
		switch x.state {
		case Retiring:
			x.state = Stopping
			m.emit(Action[W, C]{Kind: StopWorker, Member: x, Why: x.retired})
		case Busy, Leased:
			x.state = Idle
			m.idle = append(m.idle, x)
		}
	}
	m.dispatch()
	return m.acts
}

// dispatch hands free members to the waiters, in order.
func (m *Machine[W, C]) dispatch() {
	for m.waiters.n > 0 {
		w := m.waiters.head
		x := m.take(w.use)
		if x == nil {
			return
		}
		m.waiters.remove(w)
		m.emit(Action[W, C]{Kind: GrantWaiter, Member: x, Waiter: w})
	}
}

// failWaiters fails every queued caller with err, in order.
func (m *Machine[W, C]) failWaiters(err error) {
	for m.waiters.n > 0 {
		w := m.waiters.head
		m.waiters.remove(w)
		m.emit(Action[W, C]{Kind: FailWaiter, Waiter: w, Err: err})
	}
}
