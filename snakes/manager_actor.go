package snakes

import (
	"context"
	"sort"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// managerActor is the pool's control plane. It starts workers (each in a
// goroutine of its own: Receive never waits for a start, a stop or a
// future), adds them to the pool, hears of their exits and replaces them,
// runs the cleaner (reaping and recycling) and slays. Its state lives in
// the Manager, under Manager.mu, which the data plane shares.
type managerActor struct{ p *Manager }

// Messages of the manager actor.
type (
	spawnWorker struct {
		id       string
		replaces *member // recycling: the worker it replaces
		initial  bool    // one of the first Size workers
		reloads  uint64  // Manager.reloads' mark when the start was asked for
	}
	workerStarted struct {
		m        *member
		err      error
		replaces *member
		initial  bool
	}
	poolWorkerExited struct {
		m   *member
		err error
	}
	cleanTick    struct{}
	cleanRequest struct{}
	refillRetry  struct{}
	slayRequest  struct {
		id    string
		style SlayStyle
	}
	slayResult struct{ err error }
)

// SlayStyle is how Slay stops a worker.
type SlayStyle uint8

const (
	// SlayPolite retires the worker: it takes no new calls, finishes the
	// ones it has, then gets end of file (and SIGTERM, SIGKILL after
	// StopGrace).
	SlayPolite SlayStyle = iota
	// SlayBrutal kills the process group at once (SIGKILL); its calls in
	// flight fail with an *ExitError.
	SlayBrutal
)

// Receive implements actor.Actor.
func (a *managerActor) Receive(ctx actor.Context) {
	p := a.p
	switch m := ctx.Message().(type) {
	case *spawnWorker:
		go p.startWorker(m)
	case *workerStarted:
		p.onStarted(m)
	case *poolWorkerExited:
		p.onExited(m)
	case *cleanTick:
		p.clean(true)
	case *cleanRequest:
		ctx.Respond(p.clean(true))
	case *slayRequest:
		ctx.Respond(&slayResult{err: p.slay(m.id, m.style)})
	case *refillRetry:
		p.mu.Lock()
		p.retrying = false
		p.refillLocked()
		p.mu.Unlock()
	}
}

// startWorker starts one worker (a goroutine of its own) and reports to the
// actor.
func (p *Manager) startWorker(s *spawnWorker) {
	m := &member{id: s.id}
	opts := p.opts.Worker
	opts.ID = s.id
	userExit := opts.OnExit
	opts.OnExit = func(err error) {
		if userExit != nil {
			userExit(err)
		}
		p.send(&poolWorkerExited{m: m, err: err})
	}
	w, err := Start(p.life, opts)
	if err == nil {
		m.w = w
		p.mu.Lock()
		p.procs[w] = struct{}{}
		p.mu.Unlock()
		p.catchUpReloads(w, s.reloads)
	}
	p.send(&workerStarted{m: m, err: err, replaces: s.replaces, initial: s.initial})
}

// onStarted adds a started worker to the pool, or handles a failed start.
func (p *Manager) onStarted(s *workerStarted) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.cond.Broadcast()
	p.pending--
	if p.pending == 0 {
		p.reloads.Reset() // every start has caught up
	}
	if s.replaces != nil {
		p.endRecyclingLocked(s.replaces)
	}
	if s.initial {
		if s.err != nil && p.warmErr == nil {
			p.warmErr = s.err
		}
		if p.warm--; p.warm == 0 {
			close(p.warmDone)
		}
	}
	m := s.m
	err := s.err
	if err == nil && (m.exitSeen || m.w.Err() != nil) {
		err = m.w.Err()
		if err == nil {
			err = ErrWorkerExited
		}
		p.stats.crashes.Add(1)
		if m.exitSeen {
			delete(p.procs, m.w)
		}
		go m.w.Stop(context.Background())
	} else if err == nil && (p.stopped || p.failed != nil) {
		m.expected = true
		p.stopAsync(m)
		return
	}
	if err != nil {
		if s.replaces != nil {
			s.replaces.recycleNext = now.Add(recycleRetry)
		}
		if !p.stopped && p.failed == nil {
			p.stats.startFailures.Add(1)
			p.log.Warn("worker start failed", "worker", m.id, "error", err)
			if !s.initial {
				p.countRestartLocked(err)
			}
			if p.failed == nil {
				p.failStartLocked(err)
			}
		}
		return
	}

	p.stats.spawned.Add(1)
	p.backoff = p.opts.SpawnBackoff
	m.started = now
	m.lastUsed.Store(now.UnixNano())
	m.added = true
	m.idle = true
	p.members = append(p.members, m)
	p.idle = append(p.idle, m)
	p.log.Debug("worker started", "worker", m.id, "pid", m.w.Pid())
	if old := s.replaces; old != nil && !old.gone && !old.retiring {
		p.stats.recycled.Add(1)
		p.retireLocked(old, "recycled")
	}
	p.dispatchLocked()
	p.refillLocked()
}

// failStartLocked handles a failed start: the waiters fail when nothing
// could ever serve them; a refill is tried again after a backoff.
// Manager.mu held.
func (p *Manager) failStartLocked(err error) {
	if len(p.members) == 0 && p.pending == 0 {
		p.failWaitersLocked(err)
	}
	if p.retrying {
		return
	}
	p.retrying = true
	d := p.backoff
	p.backoff = min(2*p.backoff, p.opts.MaxSpawnBackoff)
	time.AfterFunc(d, func() { p.send(&refillRetry{}) })
}

// onExited takes a worker whose process exited out of the pool, and
// refills it. An exit the pool did not ask for is a crash.
func (p *Manager) onExited(e *poolWorkerExited) {
	m := e.m
	p.mu.Lock()
	defer p.mu.Unlock()
	if !m.added { // its start is not processed yet: onStarted sees this
		m.exitSeen = true
		return
	}
	delete(p.procs, m.w)
	p.cond.Broadcast()
	p.noteCrashLocked(m)
	if m.gone {
		return
	}
	m.retiring = true
	p.endRecyclingLocked(m)
	p.removeLocked(m)
	p.stopAsync(m) // ends the worker's goroutines
	p.refillLocked()
	p.dispatchLocked()
}

// noteCrashLocked counts m's exit as a crash, once, when the pool did not
// ask for it (a stop, a slay, the kill of an abandoned call).
// Manager.mu held.
func (p *Manager) noteCrashLocked(m *member) {
	if m.crashed || m.expected || p.stopped {
		return
	}
	w := m.w
	select {
	case <-w.Exited():
	default:
		return // alive, or broken by an abandoned call and being stopped
	}
	w.mu.Lock()
	unasked := w.refuse == nil
	w.mu.Unlock()
	if unasked {
		m.crashed = true
		p.stats.crashes.Add(1)
		p.log.Warn("worker exited", "worker", m.id, "error", w.exitErr)
		p.countRestartLocked(w.exitErr) // set before Exited is closed
	}
}

// clean reaps the workers above Size idle for IdleTTL, least recently used
// first, and starts replacements for the workers due for recycling.
// Returns how many it reaped.
func (p *Manager) clean(checkRSS bool) int {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return 0
	}
	reaped := 0
	if ttl := p.opts.IdleTTL; ttl > 0 {
		var old []*member
		for _, m := range p.idle {
			if now.Sub(time.Unix(0, m.lastUsed.Load())) >= ttl {
				old = append(old, m)
			}
		}
		sort.Slice(old, func(i, j int) bool { return old[i].lastUsed.Load() < old[j].lastUsed.Load() })
		excess := p.liveLocked() - p.opts.Size
		for _, m := range old {
			if reaped >= excess {
				break
			}
			p.retireLocked(m, "idle")
			reaped++
		}
		p.stats.reaped.Add(uint64(reaped))
	}
	for _, m := range append([]*member(nil), p.members...) {
		p.maybeRecycleLocked(m, now, checkRSS)
	}
	return reaped
}

// slay stops the worker named id, politely or brutally; the pool replaces
// it.
func (p *Manager) slay(id string, style SlayStyle) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.members {
		if m.id != id || m.retiring {
			continue
		}
		m.expected = true
		p.retireLocked(m, "slain")
		if style == SlayBrutal {
			m.w.setRefuse(ErrStopped)
			m.w.kill(syscall.SIGKILL)
		}
		return nil
	}
	return ErrNoSuchWorker
}

// cleaner ticks the actor every CleanInterval until the pool stops.
func (p *Manager) cleaner() {
	ch, stop := p.clock.NewTicker(p.opts.CleanInterval)
	defer stop()
	for {
		select {
		case <-ch:
			p.send(&cleanTick{})
		case <-p.life.Done():
			return
		}
	}
}
