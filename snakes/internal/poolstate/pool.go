package poolstate

import (
	"math"
	"slices"
	"time"
)

// Tick is the cleaner's round, at now: the live members above Size idle
// for IdleTTL retire (the least recently used first), and the members
// older than MaxAge get a replacement started.
func (m *Machine[W, C]) Tick(now time.Time) []Action[W, C] {
	m.begin()
	if m.mode == Stopped {
		return m.acts
	}
	if excess := m.Live() - m.cfg.Size; m.cfg.IdleTTL > 0 && excess > 0 {
		var old []*Member[W]
		for _, x := range m.idle {
			if now.Sub(x.lastUsed) >= m.cfg.IdleTTL {
				old = append(old, x)
			}
		}
		slices.SortStableFunc(old, func(a, b *Member[W]) int { return a.lastUsed.Compare(b.lastUsed) })
		for _, x := range old[:min(excess, len(old))] {
			m.counts.Reaped++
			m.retire(x, WhyIdle)
		}
	}
	for _, x := range m.members {
		m.maybeRecycle(x, now)
	}
	return m.acts
}

// maybeRecycle starts a replacement for x when MaxAge says it is due.
func (m *Machine[W, C]) maybeRecycle(x *Member[W], now time.Time) {
	if m.cfg.MaxAge > 0 && now.Sub(x.since) >= m.cfg.MaxAge {
		m.recycle(x, WhyMaxAge, now)
	}
}

// Recycle starts a replacement for x, at now, for why (the executor's
// measures: WhyMaxRSS; or WhyRestart, which does not wait for
// RecycleRetry after a failed replacement). x retires once it is ready;
// nothing happens when x is not live or a replacement is already
// starting.
func (m *Machine[W, C]) Recycle(x *Member[W], why Reason, now time.Time) []Action[W, C] {
	m.begin()
	m.recycle(x, why, now)
	return m.acts
}

func (m *Machine[W, C]) recycle(x *Member[W], why Reason, now time.Time) {
	if !x.state.live() || x.replacement != nil || m.mode == Stopped {
		return
	}
	if why != WhyRestart && now.Before(x.recycleNext) {
		return
	}
	m.replace(x, why)
}

// Slay retires x (WhySlain; the executor may then signal its process):
// its exit will not count as a crash, and the pool replaces it. Nothing
// happens when x is not live.
func (m *Machine[W, C]) Slay(x *Member[W]) []Action[W, C] {
	m.begin()
	m.retire(x, WhySlain)
	return m.acts
}

// Stop stops the pool for good: the waiters fail with err, every member
// retires (free ones stop now, the others once given back), and nothing
// starts any more.
func (m *Machine[W, C]) Stop(err error) []Action[W, C] {
	m.begin()
	if m.mode == Stopped {
		return m.acts
	}
	m.mode = Stopped
	m.failWaiters(err)
	for _, x := range m.members {
		m.retire(x, WhyPoolStopping)
	}
	return m.acts
}

// Cut stops the members still in the pool at once (KillWorker): Stop's
// grace is over.
func (m *Machine[W, C]) Cut() []Action[W, C] {
	m.begin()
	for _, x := range m.members {
		if x.state.joined() {
			m.endReplacement(x)
			m.dropIdle(x)
			x.state = Stopping
			m.emit(Action[W, C]{Kind: KillWorker, Member: x, Why: WhyPoolStopping})
		}
	}
	return m.acts
}

// Fail takes the pool down with err (its supervisor's order): as when the
// intensity is exceeded.
func (m *Machine[W, C]) Fail(err error) []Action[W, C] {
	m.begin()
	m.fail(err)
	return m.acts
}

// fail takes the pool down: PoolDown, the waiters fail at once, every
// member retires, and nothing starts until Revive.
func (m *Machine[W, C]) fail(err error) {
	if m.mode == Failed || m.mode == Stopped {
		return
	}
	m.mode, m.failure = Failed, err
	m.epoch++
	m.stale = m.starting // the starts in progress will not join
	m.restarts = m.restarts[:0]
	m.emit(Action[W, C]{Kind: PoolDown, Err: err})
	m.failWaiters(err)
	for _, x := range m.members {
		m.retire(x, WhyPoolFailed)
	}
}

// countRestart records a crash or failed start at now for the intensity,
// and fails the pool (reporting true) when it is exceeded.
func (m *Machine[W, C]) countRestart(cause error, now time.Time) bool {
	if m.cfg.MaxRestarts == math.MaxInt || m.mode == Failed || m.mode == Stopped {
		return false
	}
	cutoff := now.Add(-m.cfg.Period)
	m.restarts = slices.DeleteFunc(m.restarts, func(t time.Time) bool { return !t.After(cutoff) })
	m.restarts = append(m.restarts, now)
	if n := len(m.restarts); n > max(m.cfg.MaxRestarts, 0) {
		m.fail(m.cfg.Failure(n, m.cfg.Period, cause))
		return true
	}
	return false
}

// Revive brings a failed pool back: a fresh intensity window and backoff,
// and Size members started. A pool that is not failed is left alone.
func (m *Machine[W, C]) Revive() []Action[W, C] {
	m.begin()
	if m.mode != Failed {
		return m.acts
	}
	m.mode, m.failure = Serving, nil
	m.backoff = m.cfg.SpawnBackoff
	m.restarts = m.restarts[:0]
	m.refill()
	return m.acts
}

// RetryRefill ends a backoff (ScheduleRetry's delay passed): the pool
// starts what it lacks.
func (m *Machine[W, C]) RetryRefill() []Action[W, C] {
	m.begin()
	if m.mode == BackingOff {
		m.mode = Serving
		m.refill()
	}
	return m.acts
}
