package snakes

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
	"github.com/taipan-go/taipan/supervisor"
)

// managerActor is the pool's control plane. It spawns the workers' actors
// as its children (pool_worker.go: each starts its process in a goroutine
// of its own, so Receive never waits for a start, a stop or a future),
// runs the cleaner (reaping and recycling) and slays, and tells OnEvent of
// the workers' crashes and failed starts; what the machine decides the
// Pool carries out (Pool.exec). The machine lives in the Pool,
// under Pool.mu, which the data plane shares; starts and exits reach
// it from the workers' goroutines, so that none is lost when the actor
// goes.
//
// A standalone pool's manager actor is at the top of its actor system. A
// Supervised pool's is the actor of PoolProps, under its supervisor:
// each start attaches it to the pool (the first opens the pool, a later
// one revives it), the pool's failure fails it, and its stop takes the
// pool down (pool_supervised.go).
type managerActor struct {
	p          *Pool
	supervised bool
	stopping   bool
}

// Messages of the manager actor.
type (
	spawnWorker struct {
		m       *member
		reloads uint64 // Pool.reloads' mark when the start was asked for
	}
	// workerNote is a crash (crashed) or failed start, for OnEvent.
	workerNote struct {
		id      string
		pid     *actor.PID // its actor, if it had one
		err     error
		crashed bool
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
	case *actor.Started:
		if a.supervised {
			p.attach(ctx)
		}
	case *spawnWorker:
		if a.stopping { // its children are being stopped: no new one
			p.mu.Lock()
			p.settlePending()
			p.mu.Unlock()
			return
		}
		p.spawnMember(ctx, m)
	case *workerNote:
		p.emit(m)
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
	case *poolFailed:
		p.supervise(nil)
		panic(m.err) // how a protoactor actor tells its supervisor it failed
	case *actor.Stopping:
		a.stopping = true
		if a.supervised {
			p.detach(ctx.Self())
		}
		p.mu.Lock()
		p.settlePending()
		p.mu.Unlock()
	}
}

// note tells the manager actor of a member's crash (crashed) or failed
// start, for OnEvent. Pool.mu held.
func (p *Pool) note(m *member, err error, crashed bool) {
	if p.opts.OnEvent != nil {
		p.send(&workerNote{id: m.ID, pid: p.actors[m], err: err, crashed: crashed})
	}
}

// emit gives OnEvent the supervisor event of a worker's crash or failed
// start, on the manager actor's goroutine.
func (p *Pool) emit(n *workerNote) {
	sup, child := poolSupervisorName(p.opts.Name), workerActorName(n.id)
	if n.crashed {
		p.opts.OnEvent(supervisor.ChildExited{Supervisor: sup, Child: child, PID: n.pid,
			Reason: &WorkerExitedReason{ID: n.id, Err: n.err}})
		return
	}
	p.opts.OnEvent(supervisor.ChildStartFailed{Supervisor: sup, Child: child, Err: n.err})
}

// poolSupervisorName is the name of the pool named name in its workers'
// supervisor events: "pool:<name>", its child id under taipan.Start.
func poolSupervisorName(name string) string { return "pool:" + name }

// clean reaps the workers above Size idle for IdleTTL, least recently used
// first, and starts replacements for the workers due for recycling (age,
// and memory when MaxRSS is set). Returns how many it reaped.
func (p *Pool) clean() int {
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
func (p *Pool) recycleFat() {
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
func (p *Pool) slay(id string, style SlayStyle) error {
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
// Pool.mu held.
func (p *Pool) armCleaner() {
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
