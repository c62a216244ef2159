package snakes

import (
	"context"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// poolWorker is the actor of one pool worker, a child of the pool's
// manager actor named after the worker ("worker-3" for "default-3"): it
// starts the worker's process when it starts, and stops when the process
// has exited (or could not start), so that the actor listing shows the
// pool's workers as they are.
//
// It is a temporary child, in OTP's words: protoactor never restarts it,
// and its exit restarts nothing. What happens to the process — when it
// starts, retires, is stopped or replaced — is the pool's state machine's
// to decide, and the Pool's to carry out; the actor hears of nothing
// but its own start. A worker actor stopped from outside (its manager
// actor restarting or stopping: the pool was taken down) leaves its
// process to the pool, which has retired it and stops it once its calls
// are done.
//
// Calls never go through it: they take the *Worker from the pool.
type poolWorker struct {
	p       *Pool
	s       *spawnWorker
	started bool
}

// workerActorName is the name of the actor of the member named id
// ("<pool>-<n>"): "worker-<n>".
func workerActorName(id string) string {
	return "worker-" + id[strings.LastIndexByte(id, '-')+1:]
}

// spawnMember spawns the actor of the member that s asks for, as a child
// of the manager actor (ctx), unless the pool settled the spawn already
// (its manager actor stopped first: see settlePending).
func (p *Pool) spawnMember(ctx actor.Context, s *spawnWorker) {
	p.mu.Lock()
	if !p.takePending(s.m) {
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	props := actor.PropsFromProducer(func() actor.Actor { return &poolWorker{p: p, s: s} })
	pid, err := ctx.SpawnNamed(props, workerActorName(s.m.ID))
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.exec(p.mach.StartFailed(s.m, err, p.clock.Now()))
		return
	}
	p.actors[s.m] = pid
}

// takePending takes m off the spawns asked for, reporting whether it was
// there. Pool.mu held.
func (p *Pool) takePending(m *member) bool {
	for i, x := range p.pending {
		if x == m {
			p.pending[i] = p.pending[len(p.pending)-1]
			p.pending[len(p.pending)-1] = nil
			p.pending = p.pending[:len(p.pending)-1]
			return true
		}
	}
	return false
}

// settlePending fails the starts asked of a manager actor that stops
// before it took them (protoactor drops its mailbox), so that the machine
// is not left waiting for them. Pool.mu held.
func (p *Pool) settlePending() {
	now := p.clock.Now()
	for len(p.pending) > 0 {
		m := p.pending[0]
		p.takePending(m)
		p.exec(p.mach.StartFailed(m, ErrPoolStopped, now))
	}
}

// Receive implements actor.Actor. It never waits: the process starts in a
// goroutine of its own.
func (a *poolWorker) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok && !a.started {
		a.started = true // once: a restart would be a second process
		go a.p.startWorker(a.s, ctx.ActorSystem(), ctx.Self())
	}
}

// startWorker starts the worker of s's member (in a goroutine of its
// own), reports to the pool's machine, and stops the member's actor
// (self) once the process has exited, or at once when it did not start.
func (p *Pool) startWorker(s *spawnWorker, system *actor.ActorSystem, self *actor.PID) {
	m := s.m
	opts := p.opts.Worker
	opts.ID = m.ID
	userExit := opts.OnExit
	opts.OnExit = func(err error) {
		if userExit != nil {
			userExit(err)
		}
		p.onExited(m)
		system.Root.Stop(self)
	}
	w, err := Start(p.life, opts)
	if err == nil {
		p.catchUpReloads(w, s.reloads)
	}
	if !p.onStarted(m, w, err) {
		system.Root.Stop(self)
	}
}

// onStarted reports a start to the machine, and whether the worker is up.
// A worker whose process already exited (its exit may have been reported
// first, and ignored) is a failed start.
func (p *Pool) onStarted(m *member, w *Worker, err error) bool {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.cond.Broadcast()
	if err == nil {
		if down := workerDown(w); down != nil {
			err = down
			go w.Stop(context.Background()) // ends its goroutines
		}
	}
	if err != nil {
		p.exec(p.mach.StartFailed(m, err, now))
		delete(p.actors, m)
	} else {
		p.log.Debug("worker started", "worker", m.ID, "pid", w.Pid())
		p.exec(p.mach.Started(m, w, now))
	}
	if p.mach.Starting() == 0 {
		p.reloads.Reset() // every start has caught up
	}
	return err == nil
}

// onExited reports a worker's exit to the machine: a crash when nobody
// asked for it.
func (p *Pool) onExited(m *member) {
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.cond.Broadcast()
	var crash error
	if w := m.Worker; w != nil { // nil: its start is not reported yet (onStarted sees the exit)
		crash = exitedUnasked(w)
	}
	p.exec(p.mach.Exited(m, crash, now))
	if m.State() != poolstate.Starting { // else onStarted forgets it
		delete(p.actors, m)
	}
}
