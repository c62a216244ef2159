package supervisor

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// supervisorActor is the engine: a protoactor actor that owns a Machine,
// spawns the children as its protoactor children, learns of their
// failures (HandleFailure) and exits (Terminated), and carries out the
// Machine's Actions as jobs. Nothing in it waits on a future while it
// runs; only its own shutdown (Stopping) stops the children one after the
// other synchronously, because protoactor stops whatever children remain
// as soon as Stopping returns, all at once.
type supervisorActor struct {
	spec   Spec
	handle *Supervisor // nil when spawned with Props
	ctx    actor.Context
	m      *Machine

	specs    map[string]ChildSpec
	pids     map[string]*actor.PID // the current incarnation of each child
	byPID    map[string]string     // pid.Id → child id, abandoned incarnations included
	failed   map[string]failure    // pid.Id → the failure protoactor reported
	stopping map[string]bool       // pid.Id → stopped on purpose
	started  map[string]bool       // child id → has started once

	cur    *job
	queue  []*job
	parked map[uint64]*job
	token  map[string]uint64 // child id → the job allowed to start it
	seq    uint64
	timers map[uint64]func() bool
	nextID int

	ack    func() // tells a parent supervisor that this one is ready
	ending bool   // given up or shutting down
}

// failure is a child's panic as HandleFailure saw it.
type failure struct {
	reason  error
	inStart bool // it panicked in its Started handler
}

var (
	_ actor.Actor              = (*supervisorActor)(nil)
	_ actor.SupervisorStrategy = (*supervisorActor)(nil)
	_ readyDeferrer            = (*supervisorActor)(nil)
)

func newSupervisorActor(spec Spec, h *Supervisor) *supervisorActor {
	return &supervisorActor{
		spec:     spec,
		handle:   h,
		m:        NewMachine(spec.Strategy, spec.Intensity, spec.Backoff, spec.Jitter),
		specs:    make(map[string]ChildSpec),
		pids:     make(map[string]*actor.PID),
		byPID:    make(map[string]string),
		failed:   make(map[string]failure),
		stopping: make(map[string]bool),
		started:  make(map[string]bool),
		parked:   make(map[uint64]*job),
		token:    make(map[string]uint64),
		timers:   make(map[uint64]func() bool),
	}
}

// deferReady implements readyDeferrer: a parent supervisor hears that this
// one started only once all its children have.
func (a *supervisorActor) deferReady(ack func()) { a.ack = ack }

// Receive implements actor.Actor.
func (a *supervisorActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *actor.Terminated:
		a.terminated(m.Who)
	case *childReady:
		a.ready(m.pid)
	case *startDue:
		delete(a.timers, m.seq)
		if j, ok := a.parked[m.seq]; ok {
			delete(a.parked, m.seq)
			a.queue = append(a.queue, j)
			a.advance()
		}
	case *shutdownDue:
		a.shutdownDue(m.pid)
	case *startChildRequest:
		a.startChild(m)
	case *terminateChildRequest:
		a.terminateChild(m)
	case *childrenRequest:
		m.reply <- a.children()
	case *actor.Stopping, *actor.Restarting:
		a.shutdown()
	case *actor.Stopped:
		a.emit(SupervisorStopped{Supervisor: a.spec.Name, Reason: a.reason()})
		if a.handle != nil {
			a.handle.finish()
		}
	}
}

// HandleFailure implements actor.SupervisorStrategy: protoactor calls it
// on this actor's goroutine when a child panics. The child is stopped
// (never restarted in place: a restart is a fresh spawn decided by the
// Machine) and the reason kept for its Terminated.
func (a *supervisorActor) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason any, message any) {
	_, inStart := message.(*actor.Started)
	a.failed[child.Id] = failure{reason: reasonOf(reason), inStart: inStart}
	sup.StopChildren(child)
}

func (a *supervisorActor) start(ctx actor.Context) {
	a.ctx = ctx
	j := &job{initial: true}
	for _, c := range a.spec.Children {
		a.specs[c.ID] = c
		_ = a.m.Add(c.ID, c.Restart) // ids were checked by withDefaults
		j.start = append(j.start, c.ID)
	}
	a.push(j)
	a.advance()
}

// push queues a job and lets it, alone, start the children it names.
func (a *supervisorActor) push(j *job) {
	a.seq++
	j.seq = a.seq
	for _, id := range j.start {
		a.token[id] = j.seq
	}
	a.queue = append(a.queue, j)
}

// apply turns the Machine's decision into a job.
func (a *supervisorActor) apply(act Actions) {
	if act.IsZero() {
		return
	}
	if act.Escalate != nil {
		a.giveUp(act.Escalate)
		return
	}
	a.push(&job{stop: act.Stop, forget: act.Forget, start: act.Start, delay: act.Delay, restart: true})
}

// advance runs jobs until one has to wait (for a child to stop, for a
// child to be ready) or none is left.
func (a *supervisorActor) advance() {
	for !a.ending {
		j := a.cur
		if j == nil {
			if len(a.queue) == 0 {
				return
			}
			j, a.queue = a.queue[0], a.queue[1:]
			a.cur = j
		}
		if j.waiting != nil || j.starting != nil {
			return
		}
		if len(j.stop) > 0 {
			id := j.stop[0]
			j.stop = j.stop[1:]
			a.stopChild(j, id)
			continue
		}
		for _, id := range j.forget {
			a.forget(id)
		}
		j.forget = nil
		if j.escalate != nil {
			a.giveUp(j.escalate)
			return
		}
		if j.onDone != nil {
			j.onDone()
			j.onDone = nil
		}
		if len(j.start) > 0 && j.delay > 0 && !j.delayed {
			j.delayed = true
			a.park(j)
			a.cur = nil
			continue
		}
		if len(j.start) > 0 {
			id := j.start[0]
			j.start = j.start[1:]
			a.spawnChild(j, id)
			continue
		}
		if j.initial {
			a.initialDone()
		}
		a.cur = nil
	}
}

// park sets a job aside for its delay, so that other children's events
// are handled meanwhile.
func (a *supervisorActor) park(j *job) {
	a.parked[j.seq] = j
	system, self, seq := a.ctx.ActorSystem(), a.ctx.Self(), j.seq
	a.timers[seq] = a.spec.Clock.AfterFunc(j.delay, func() {
		system.Root.Send(self, &startDue{seq: seq})
	})
}

// stopChild tells a child to stop and, unless its Shutdown is
// BrutalKill, makes the job wait for its Terminated.
func (a *supervisorActor) stopChild(j *job, id string) {
	pid := a.pids[id]
	a.m.Stopping(id)
	if pid == nil {
		return
	}
	delete(a.pids, id)
	a.stopping[pid.Id] = true
	a.ctx.Stop(pid)
	sh := a.specs[id].Shutdown.orDefault()
	if sh == BrutalKill {
		return
	}
	j.waiting, j.waitID = pid, id
	if sh != Infinity {
		system, self := a.ctx.ActorSystem(), a.ctx.Self()
		j.cancel = a.spec.Clock.AfterFunc(time.Duration(sh), func() {
			system.Root.Send(self, &shutdownDue{pid: pid})
		})
	}
}

// shutdownDue abandons a child that did not stop within its timeout.
func (a *supervisorActor) shutdownDue(pid *actor.PID) {
	j := a.cur
	if j == nil || j.waiting == nil || !j.waiting.Equal(pid) {
		return
	}
	a.emit(ChildShutdownTimeout{Supervisor: a.spec.Name, Child: j.waitID, PID: pid, Timeout: a.specs[j.waitID].Shutdown.orDefault()})
	j.waiting, j.cancel = nil, nil
	a.advance()
}

// spawnChild starts one child, if this job may: a later job may have
// taken the child over, or it may already run.
func (a *supervisorActor) spawnChild(j *job, id string) {
	spec, ok := a.specs[id]
	if !ok || a.pids[id] != nil || a.token[id] != j.seq {
		return
	}
	pid, err := a.spawn(spec)
	if err != nil {
		a.startFailed(j, id, err)
		return
	}
	a.pids[id] = pid
	a.byPID[pid.Id] = id
	j.starting, j.startID = pid, id
}

// spawn spawns one incarnation of a child, with the ready middleware. A
// Props function that panics is a start failure, not the supervisor's.
func (a *supervisorActor) spawn(spec ChildSpec) (pid *actor.PID, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = reasonOf(r)
		}
	}()
	props := spec.Props()
	if props == nil {
		return nil, fmt.Errorf("%w: child %q: Props returned nil", ErrInvalidSpec, spec.ID)
	}
	props = props.Clone(actor.WithReceiverMiddleware(readyMiddleware))
	return a.ctx.SpawnNamed(props, spec.ID+a.ctx.ActorSystem().ProcessRegistry.NextId())
}

// ready: a child's Started returned.
func (a *supervisorActor) ready(pid *actor.PID) {
	j := a.cur
	if j == nil || j.starting == nil || !j.starting.Equal(pid) {
		return // an incarnation that died before its ack was read
	}
	a.childUp(j)
	a.advance()
}

// childUp records the start of the child the job was waiting for.
func (a *supervisorActor) childUp(j *job) {
	id, pid := j.startID, j.starting
	j.starting = nil
	a.m.Started(id, a.spec.Clock.Now())
	if a.started[id] {
		a.emit(ChildRestarted{Supervisor: a.spec.Name, Child: id, PID: pid, Delay: j.delay})
	} else {
		a.started[id] = true
		a.emit(ChildStarted{Supervisor: a.spec.Name, Child: id, PID: pid})
	}
	if j.onStarted != nil {
		j.onStarted(pid)
		j.onStarted, j.onStartFailed = nil, nil
	}
}

// terminated: a child's incarnation is gone.
func (a *supervisorActor) terminated(who *actor.PID) {
	id, known := a.byPID[who.Id]
	if !known || a.ending {
		return
	}
	f, failed := a.failed[who.Id]
	purposeful := a.stopping[who.Id]
	delete(a.byPID, who.Id)
	delete(a.failed, who.Id)
	delete(a.stopping, who.Id)
	current := a.pids[id] != nil && a.pids[id].Equal(who)
	if current {
		delete(a.pids, id)
	}
	if purposeful {
		a.emit(ChildStopped{Supervisor: a.spec.Name, Child: id, PID: who})
		if j := a.cur; j != nil && j.waiting != nil && j.waiting.Equal(who) {
			if j.cancel != nil {
				j.cancel()
			}
			j.waiting, j.cancel = nil, nil
		}
		a.advance()
		return
	}
	if !current {
		return
	}
	reason := f.reason
	if !failed {
		reason = ErrNormal // it stopped itself
	}
	if j := a.cur; j != nil && j.starting != nil && j.starting.Equal(who) {
		var se *StartError
		if f.inStart || errors.As(reason, &se) {
			j.starting = nil
			a.startFailed(j, id, reason)
			a.advance()
			return
		}
		a.childUp(j) // it started, but its ack is still in the mailbox
	}
	a.emit(ChildExited{Supervisor: a.spec.Name, Child: id, PID: who, Reason: reason})
	a.apply(a.m.Exited(id, reason, a.spec.Clock.Now()))
	a.advance()
}

// startFailed: a child of job j could not start; the job starts no more
// children, and the Machine decides (or, during the supervisor's own start
// or a StartChild, the failure is the caller's).
func (a *supervisorActor) startFailed(j *job, id string, reason error) {
	a.emit(ChildStartFailed{Supervisor: a.spec.Name, Child: id, Err: reason})
	j.start = nil
	switch {
	case j.onStartFailed != nil:
		j.onStartFailed(&StartError{Child: id, Err: reason})
		j.onStarted, j.onStartFailed = nil, nil
		a.forget(id)
	case j.initial:
		a.giveUp(&StartError{Child: id, Err: reason})
	default:
		a.apply(a.m.StartFailed(id, reason, a.spec.Clock.Now()))
	}
}

// forget removes a child for good.
func (a *supervisorActor) forget(id string) {
	a.m.Remove(id)
	delete(a.specs, id)
	delete(a.token, id)
	delete(a.started, id)
}

// giveUp stops the supervisor with reason: the children are stopped in
// order by shutdown (Stopping), and the panic tells the parent, whose
// strategy decides, as an OTP supervisor's exit does.
func (a *supervisorActor) giveUp(reason error) {
	var ie *IntensityError
	if errors.As(reason, &ie) {
		a.emit(IntensityExceeded{Supervisor: a.spec.Name, Err: ie})
	}
	if a.handle != nil {
		a.handle.setReason(reason)
	}
	a.ending = true
	a.cancelAll(ErrStopped)
	panic(reason)
}

func (a *supervisorActor) initialDone() {
	if a.ack != nil {
		a.ack()
		a.ack = nil
	}
	if a.handle != nil {
		a.handle.started()
	}
}

// cancelAll drops every job and timer, answering waiting callers.
func (a *supervisorActor) cancelAll(err error) {
	jobs := append(slices.Clone(a.queue), a.cur)
	for _, j := range a.parked {
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		if j == nil {
			continue
		}
		if j.cancel != nil {
			j.cancel()
		}
		if j.onStartFailed != nil {
			j.onStartFailed(err)
		}
		if j.onDone != nil {
			j.onDone()
		}
	}
	for _, stop := range a.timers {
		stop()
	}
	a.cur, a.queue, a.parked, a.timers = nil, nil, map[uint64]*job{}, map[uint64]func() bool{}
}

// shutdown stops every child in reverse start order, each within its
// Shutdown, before protoactor stops whatever is left all at once. It
// waits on futures of its own (not on this actor's mailbox), so a child
// that is slow to stop only delays it by its timeout.
func (a *supervisorActor) shutdown() {
	a.ending = true
	a.cancelAll(ErrStopped)
	if a.ctx == nil {
		return
	}
	system := a.ctx.ActorSystem()
	var late []string
	ids := a.m.Children()
	for i := len(ids) - 1; i >= 0; i-- {
		id := ids[i]
		pid := a.pids[id]
		if pid == nil {
			continue
		}
		delete(a.pids, id)
		delete(a.byPID, pid.Id)
		sh := a.specs[id].Shutdown.orDefault()
		if sh == BrutalKill {
			a.ctx.Stop(pid)
			continue
		}
		d := time.Duration(sh)
		if sh == Infinity {
			d = -1 // a future without a timeout
		}
		fut := actor.NewFuture(system, d)
		proc, _ := system.ProcessRegistry.Get(pid)
		proc.SendSystemMessage(pid, &actor.Watch{Watcher: fut.PID()})
		a.ctx.Stop(pid)
		if err := fut.Wait(); errors.Is(err, actor.ErrTimeout) {
			a.emit(ChildShutdownTimeout{Supervisor: a.spec.Name, Child: id, PID: pid, Timeout: sh})
			late = append(late, id)
			continue
		}
		a.emit(ChildStopped{Supervisor: a.spec.Name, Child: id, PID: pid})
	}
	if len(late) > 0 && a.handle != nil {
		a.handle.setShutdownErr(&ShutdownTimeoutError{Children: late})
	}
}

func (a *supervisorActor) reason() error {
	if a.handle != nil {
		return a.handle.Err()
	}
	return nil
}

// startChild adds a child at run time (StartChild).
func (a *supervisorActor) startChild(r *startChildRequest) {
	fail := func(err error) { r.reply <- startChildReply{err: err} }
	if a.ending {
		fail(ErrStopped)
		return
	}
	spec := r.spec
	if a.spec.Strategy == SimpleOneForOne {
		t := a.spec.Template
		if spec.ID == "" {
			a.nextID++
			spec.ID = fmt.Sprintf("%s-%d", t.ID, a.nextID)
		}
		if spec.Props == nil {
			spec.Props = t.Props
		}
		spec.Restart, spec.Shutdown = t.Restart, t.Shutdown
	}
	if err := spec.check(); err != nil {
		fail(err)
		return
	}
	if err := a.m.Add(spec.ID, spec.Restart); err != nil {
		fail(err)
		return
	}
	a.specs[spec.ID] = spec
	a.push(&job{
		start:         []string{spec.ID},
		onStarted:     func(pid *actor.PID) { r.reply <- startChildReply{pid: pid} },
		onStartFailed: fail,
	})
	a.advance()
}

// terminateChild stops a child and forgets it (TerminateChild).
func (a *supervisorActor) terminateChild(r *terminateChildRequest) {
	if a.ending {
		r.reply <- ErrStopped
		return
	}
	if _, ok := a.specs[r.id]; !ok {
		r.reply <- fmt.Errorf("%w: %q", ErrUnknownChild, r.id)
		return
	}
	delete(a.token, r.id) // a pending restart of it must not happen
	a.push(&job{stop: []string{r.id}, forget: []string{r.id}, onDone: func() { r.reply <- nil }})
	a.advance()
}

func (a *supervisorActor) children() []Child {
	ids := a.m.Children()
	out := make([]Child, len(ids))
	for i, id := range ids {
		out[i] = Child{ID: id, PID: a.pids[id], Restart: a.specs[id].Restart}
	}
	return out
}

func (a *supervisorActor) emit(ev Event) {
	a.spec.Logger.Log(ev.level(), ev.String())
	if a.spec.OnEvent != nil {
		a.spec.OnEvent(ev)
	}
}
