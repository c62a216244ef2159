package snakes

import (
	"context"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// managerActor is the pool's control plane. It starts workers (each in a
// goroutine of its own: Receive never waits for a start, a stop or a
// future) and reports their starts and exits to the pool's state machine,
// runs the cleaner (reaping and recycling) and slays; what the machine
// decides the Manager carries out (Manager.exec). The machine lives in the
// Manager, under Manager.mu, which the data plane shares.
type managerActor struct{ p *Manager }

// Messages of the manager actor.
type (
	spawnWorker struct {
		m       *member
		reloads uint64 // Manager.reloads' mark when the start was asked for
	}
	workerStarted struct {
		m   *member
		w   *Worker
		err error
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
		p.clean()
	case *cleanRequest:
		ctx.Respond(p.clean())
	case *slayRequest:
		ctx.Respond(&slayResult{err: p.slay(m.id, m.style)})
	case *refillRetry:
		p.mu.Lock()
		p.exec(p.mach.RetryRefill())
		p.mu.Unlock()
	}
}

// startWorker starts the worker of member m (a goroutine of its own) and
// reports to the actor.
func (p *Manager) startWorker(s *spawnWorker) {
	m := s.m
	opts := p.opts.Worker
	opts.ID = m.ID
	userExit := opts.OnExit
	opts.OnExit = func(err error) {
		if userExit != nil {
			userExit(err)
		}
		p.send(&poolWorkerExited{m: m, err: err})
	}
	w, err := Start(p.life, opts)
	if err == nil {
		p.catchUpReloads(w, s.reloads)
	}
	p.send(&workerStarted{m: m, w: w, err: err})
}

// onStarted reports a start to the machine. A worker whose process
// already exited (OnExit runs after Exited is closed, so its exit may have
// been reported first, and ignored) is a failed start.
func (p *Manager) onStarted(s *workerStarted) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.cond.Broadcast()
	err := s.err
	if err == nil {
		if down := workerDown(s.w); down != nil {
			err = down
			go s.w.Stop(context.Background()) // ends its goroutines
		}
	}
	if err != nil {
		p.exec(p.mach.StartFailed(s.m, err, now))
	} else {
		p.log.Debug("worker started", "worker", s.m.ID, "pid", s.w.Pid())
		p.exec(p.mach.Started(s.m, s.w, now))
	}
	if p.mach.Starting() == 0 {
		p.reloads.Reset() // every start has caught up
	}
}

// onExited reports a worker's exit to the machine: a crash when nobody
// asked for it.
func (p *Manager) onExited(e *poolWorkerExited) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.cond.Broadcast()
	var crash error
	if w := e.m.Worker; w != nil { // nil: its start is not reported yet (onStarted sees the exit)
		crash = exitedUnasked(w)
	}
	p.exec(p.mach.Exited(e.m, crash, now))
}

// clean reaps the workers above Size idle for IdleTTL, least recently used
// first, and starts replacements for the workers due for recycling (age,
// and memory when MaxRSS is set). Returns how many it reaped.
func (p *Manager) clean() int {
	if p.opts.MaxRSS > 0 {
		p.recycleFat()
	}
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	acts := p.mach.Tick(now)
	reaped := 0
	for _, a := range acts {
		if a.Kind == poolstate.RetireWorker && a.Why == poolstate.WhyIdle {
			reaped++
		}
	}
	p.exec(acts)
	return reaped
}

// recycleFat starts replacements for the live workers whose resident
// memory is above MaxRSS (read outside the lock: /proc is I/O).
func (p *Manager) recycleFat() {
	type fat struct {
		m   *member
		pid int
	}
	var live []fat
	p.mu.Lock()
	for _, m := range p.mach.Members() {
		if m.Live() && !m.Replacing() {
			live = append(live, fat{m, m.Worker.Pid()})
		}
	}
	p.mu.Unlock()
	for _, f := range live {
		rss, err := readRSS(f.pid)
		if err != nil || rss <= p.opts.MaxRSS {
			continue
		}
		now := p.clock.Now()
		p.mu.Lock()
		p.log.Debug("worker over MaxRSS", "worker", f.m.ID, "rss", rss, "max", p.opts.MaxRSS)
		p.exec(p.mach.Recycle(f.m, poolstate.WhyMaxRSS, now))
		p.mu.Unlock()
	}
}

// slay retires the worker named id (its exit is then no crash, and the
// pool replaces it) and signals its process as style says; it does not
// wait for the process.
func (p *Manager) slay(id string, style SlayStyle) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.mach.Members() {
		if m.ID != id || !m.Live() {
			continue
		}
		p.exec(p.mach.Slay(m))
		style.signal(m.Worker)
		return nil
	}
	return ErrNoSuchWorker
}

// armCleaner schedules the cleaner's next round, CleanInterval from now
// on the pool's Clock; each round schedules the next, until Stop.
// Manager.mu held.
func (p *Manager) armCleaner() {
	if p.mach.Mode() == poolstate.Stopped {
		return
	}
	p.cleanOff = p.clock.AfterFunc(p.opts.CleanInterval, func() {
		p.send(&cleanTick{})
		p.mu.Lock()
		p.armCleaner()
		p.mu.Unlock()
	})
}
