package pets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// pet is one named worker: the control plane is its supervisor (and the
// event loop that follows it), the data plane the current *Worker, which
// callers use directly.
type pet struct {
	p       *Pets
	name    string
	opts    PetOptions // resolved: opts.Worker is set
	adopted time.Time

	// stopMu serialises stopSupervisor, and supGone records that it
	// finished: a later call (the background stop after a temporary
	// pet's death, racing a re-adoption's) must not send its parent a
	// TerminateChild for the id the next incarnation already holds.
	stopMu  sync.Mutex
	supGone bool

	mu       sync.Mutex
	sup      *supervisor.Supervisor
	worker   *snakes.Worker            // the incarnation that serves; nil while none does
	child    string                    // the supervisor child whose workers serve
	byChild  map[string]*snakes.Worker // each child's latest worker
	retired  map[string]bool           // children being replaced: never attached
	nchild   int                       // children made (child ids)
	ninc     int                       // processes started (worker ids)
	state    State
	started  time.Time
	restarts int
	request  bool  // the next attach is a requested restart
	lastErr  error // why the last incarnation exited
	dead     error // the error calls get once the pet is gone for good
	changed  chan struct{}
	reloads  snakes.ReloadLog  // the latest reloads
	sinceOf  map[string]uint64 // each incarnation (worker id): the log's mark when it was made

	calls    atomic.Uint64
	lastUsed atomic.Int64

	// The supervisor's events, handed to the loop in order (OnEvent must
	// not block).
	qmu   sync.Mutex
	queue []supervisor.Event
	qsig  chan struct{}
	quit  chan struct{}
	ended sync.Once
}

func newPet(p *Pets, name string, opts PetOptions) *pet {
	return &pet{
		p: p, name: name, opts: opts, adopted: p.opts.Clock.Now(),
		byChild: make(map[string]*snakes.Worker),
		retired: make(map[string]bool),
		sinceOf: make(map[string]uint64),
		changed: make(chan struct{}),
		qsig:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
	}
}

// notifyLocked wakes the callers waiting for a change.
func (pt *pet) notifyLocked() {
	close(pt.changed)
	pt.changed = make(chan struct{})
}

// newChild names the next supervisor child of the pet.
func (pt *pet) newChild() string {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	pt.nchild++
	return fmt.Sprintf("%s.%d", pt.name, pt.nchild)
}

// childSpec is the supervisor child that runs the pet's process: a
// snakes.WorkerActor whose options are made afresh for each incarnation.
func (pt *pet) childSpec(id string) supervisor.ChildSpec {
	return supervisor.ChildSpec{
		ID:       id,
		Props:    func() *actor.Props { return snakes.WorkerProps(pt.workerOptions()) },
		Restart:  pt.opts.Restart,
		Shutdown: pt.opts.shutdown(),
	}
}

// workerOptions are one incarnation's options: its own id, and an OnExit
// that detaches it at once (callers then wait for the next one instead of
// finding a dead worker).
func (pt *pet) workerOptions() snakes.Options {
	pt.mu.Lock()
	pt.ninc++
	n := pt.ninc
	id := fmt.Sprintf("%s#%d", pt.name, n)
	pt.sinceOf[id] = pt.reloads.Mark()
	pt.mu.Unlock()
	o := *pt.opts.Worker
	o.ID = id
	userExit := o.OnExit
	o.OnExit = func(err error) {
		if userExit != nil {
			userExit(err)
		}
		pt.workerExited(id, err)
	}
	return o
}

// workerExited detaches the worker named id if it serves.
func (pt *pet) workerExited(id string, err error) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	delete(pt.sinceOf, id)
	if pt.worker == nil || pt.worker.ID() != id {
		return
	}
	pt.worker = nil
	pt.lastErr = err
	if pt.dead == nil {
		pt.state = Restarting
	}
	pt.notifyLocked()
}

// await returns the serving worker, waiting while the pet (re)starts,
// bounded by ctx.
func (pt *pet) await(ctx context.Context) (*snakes.Worker, error) {
	for {
		pt.mu.Lock()
		dead, w, ch := pt.dead, pt.worker, pt.changed
		pt.mu.Unlock()
		if dead != nil {
			return nil, dead
		}
		if w != nil && w.Err() == nil {
			return w, nil
		}
		// None, or one that is stopping: its exit or its replacement
		// will change the pet.
		select {
		case <-ch:
		case <-ctx.Done():
			cause := snakes.ErrCancelled
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				cause = snakes.ErrTimeout
			}
			return nil, fmt.Errorf("%w: waiting for pet %q to start: %w", cause, pt.name, ctx.Err())
		}
	}
}

// attach makes w, the worker of child, the one that serves, once it has
// caught up with the reloads made while it started.
func (pt *pet) attach(child string, w *snakes.Worker) {
	pt.catchUpReloads(w)
	pt.mu.Lock()
	if pt.dead != nil || pt.retired[child] {
		pt.mu.Unlock()
		return
	}
	pt.byChild[child] = w
	if w.Err() != nil { // died already: its exit event follows
		pt.mu.Unlock()
		return
	}
	delete(pt.sinceOf, w.ID()) // serving: later reloads reach it
	first := pt.state == Starting
	pt.worker, pt.child, pt.state, pt.started = w, child, Running, pt.p.opts.Clock.Now()
	requested := pt.request
	pt.request = false
	if !first {
		pt.restarts++
	}
	restarts := pt.restarts
	pt.notifyLocked()
	pt.mu.Unlock()
	if first {
		pt.p.emit(PetAdopted{Name: pt.name, Worker: w.ID(), Pid: w.Pid()})
	} else {
		pt.p.emit(PetRestarted{Name: pt.name, Worker: w.ID(), Pid: w.Pid(), Restarts: restarts, Requested: requested})
	}
}

// die marks the pet down for good with reason; it reports whether it was
// alive.
func (pt *pet) die(reason error) bool {
	if !pt.kill(&DeadError{Name: pt.name, Err: reason}) {
		return false
	}
	pt.p.emit(PetDied{Name: pt.name, Err: reason})
	return true
}

// kill marks the pet gone: calls get err from now on. It reports whether
// the pet was alive.
func (pt *pet) kill(err error) bool {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.dead != nil {
		return false
	}
	pt.dead, pt.state, pt.worker = err, Dead, nil
	pt.notifyLocked()
	return true
}

// workers lists every worker the pet's children have run last.
func (pt *pet) workers() []*snakes.Worker {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	out := make([]*snakes.Worker, 0, len(pt.byChild))
	for _, w := range pt.byChild {
		out = append(out, w)
	}
	return out
}

// stopSupervisor stops the pet's supervisor, which stops its workers
// politely; when ctx ends first, the workers are killed (SIGKILL) and
// waited for.
func (pt *pet) stopSupervisor(ctx context.Context) error {
	pt.stopMu.Lock()
	defer pt.stopMu.Unlock()
	pt.mu.Lock()
	sup := pt.sup
	pt.mu.Unlock()
	if sup == nil || pt.supGone {
		return nil
	}
	err := sup.Stop(ctx)
	if ctx.Err() == nil {
		pt.supGone = true
		return err
	}
	for _, w := range pt.workers() {
		killNow(w)
	}
	select {
	case <-sup.Done():
		pt.supGone = true
		return nil
	case <-time.After(time.Duration(pt.opts.shutdown())):
		return err
	}
}

// killNow kills a worker's process group at once and waits for its exit:
// Stop with a context that has ended goes straight to SIGKILL.
func killNow(w *snakes.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Stop(ctx)
}

// end stops the pet's event loop.
func (pt *pet) end() { pt.ended.Do(func() { close(pt.quit) }) }

// enqueue is the supervisor's OnEvent: it hands the event to the loop.
func (pt *pet) enqueue(e supervisor.Event) {
	pt.qmu.Lock()
	pt.queue = append(pt.queue, e)
	pt.qmu.Unlock()
	select {
	case pt.qsig <- struct{}{}:
	default:
	}
}

// loop follows the pet's supervisor, one event at a time, until end.
func (pt *pet) loop() {
	defer pt.p.wg.Done()
	for {
		select {
		case <-pt.qsig:
		case <-pt.quit:
			return
		}
		pt.qmu.Lock()
		events := pt.queue
		pt.queue = nil
		pt.qmu.Unlock()
		for _, e := range events {
			pt.handle(e)
		}
	}
}

// handle turns one supervisor event into the pet's state.
func (pt *pet) handle(e supervisor.Event) {
	switch e := e.(type) {
	case supervisor.ChildStarted:
		pt.fetch(e.Child, e.PID)
	case supervisor.ChildRestarted:
		pt.fetch(e.Child, e.PID)
	case supervisor.ChildExited:
		pt.childExited(e.Child, e.Reason)
	case supervisor.ChildStopped:
		pt.mu.Lock()
		delete(pt.byChild, e.Child)
		pt.mu.Unlock()
	case supervisor.ChildStartFailed:
		pt.mu.Lock()
		pt.lastErr = e.Err
		pt.mu.Unlock()
	case supervisor.IntensityExceeded:
		pt.die(e.Err)
	case supervisor.SupervisorStopped:
		// Stopped without a reason, by neither Slay nor Stop (those mark
		// the pet gone first): its parent stopped — the tree is going
		// down. The pet is dead either way.
		reason := e.Reason
		if reason == nil {
			reason = supervisor.ErrStopped
		}
		pt.die(reason)
	}
}

// fetch asks a freshly started worker actor for its *Worker (control
// plane: one request per start) and attaches it.
func (pt *pet) fetch(child string, pid *actor.PID) {
	pt.mu.Lock()
	skip := pt.dead != nil || pt.retired[child]
	pt.mu.Unlock()
	if skip || pid == nil {
		return
	}
	res, err := pt.p.sys.Root.RequestFuture(pid, &snakes.GetWorker{}, fetchTimeout).Result()
	if err != nil {
		return // it is gone already: its exit event follows
	}
	if w, _ := res.(*snakes.Worker); w != nil {
		pt.attach(child, w)
	}
}

// childExited: a child's process exited without being asked to.
func (pt *pet) childExited(child string, reason error) {
	pt.mu.Lock()
	w := pt.byChild[child]
	delete(pt.byChild, child)
	dead := pt.dead != nil
	current := false
	if !dead {
		if w != nil && pt.worker == w {
			pt.worker = nil
			pt.notifyLocked()
		}
		current = child == pt.child && !pt.retired[child]
		if current {
			pt.lastErr = reason
			pt.state = Restarting
		}
	}
	pt.mu.Unlock()
	if w != nil {
		pt.p.background(func() { pt.stopWorker(w) })
	}
	if dead {
		return
	}
	if w != nil {
		pt.p.emit(PetExited{Name: pt.name, Worker: w.ID(), Pid: w.Pid(), Err: reason})
	}
	if current && pt.opts.Restart == supervisor.Temporary {
		if pt.die(reason) {
			// Its supervisor has nothing left to run.
			pt.p.background(func() {
				ctx, cancel := context.WithTimeout(context.Background(), stopFallback)
				defer cancel()
				pt.stopSupervisor(ctx)
			})
		}
	}
}

// served books a call that reached the pet's worker w, and retires w
// after a Python exception under KillOnException: its supervisor restarts
// the pet, as after a crash.
func (pt *pet) served(w *snakes.Worker, err error) {
	pt.calls.Add(1)
	pt.lastUsed.Store(pt.p.opts.Clock.Now().UnixNano())
	var pe *snakes.PythonError
	if err == nil || !pt.opts.KillOnException || !errors.As(err, &pe) {
		return
	}
	pt.p.log.Warn("pet raised under KillOnException: restarting it", "pet", pt.name, "worker", w.ID(), "error", err)
	// Detached now, so that the next call waits for the new process
	// instead of finding this one on its way out.
	pt.mu.Lock()
	if pt.worker == w {
		pt.worker = nil
		if pt.dead == nil {
			pt.state = Restarting
		}
		pt.notifyLocked()
	}
	pt.mu.Unlock()
	pt.p.background(func() { pt.stopWorker(w) })
}

// stopWorker stops w within the worker's stop budget: a worker retired
// under KillOnException, or one whose process ended on its own (its actor
// does not stop it, and its request pipe and goroutines would outlive it).
func (pt *pet) stopWorker(w *snakes.Worker) {
	ctx, cancel := context.WithTimeout(context.Background(), pt.opts.Worker.StopBudget())
	defer cancel()
	w.Stop(ctx)
}

// info is a snapshot of the pet.
func (pt *pet) info() PetInfo {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	in := PetInfo{
		Name: pt.name, State: pt.state, Restart: pt.opts.Restart,
		Adopted: pt.adopted, Started: pt.started, Restarts: pt.restarts,
		Calls: pt.calls.Load(), Err: pt.lastErr,
	}
	if pt.worker != nil {
		in.Worker, in.Pid = pt.worker.ID(), pt.worker.Pid()
	}
	if n := pt.lastUsed.Load(); n != 0 {
		in.LastUsed = time.Unix(0, n)
	}
	var de *DeadError
	if errors.As(pt.dead, &de) {
		in.Err = de.Err
	}
	return in
}
