package poolstate

import (
	"errors"
	"slices"
	"strconv"
	"time"
)

// Machine is the pool's member lifecycle: its members, its waiters, its
// mode, the starts in progress and the restart intensity window. Its
// events return the Actions for the executor; see the package doc.
type Machine[W, C any] struct {
	cfg     Config
	mode    Mode
	members []*Member[W] // joined or stopping, in the order they joined
	idle    []*Member[W]
	waiters queue[C]

	starting  int // starts in progress
	replacing int // of which replacements for live members
	stale     int // of which begun before the pool last failed (doomed)
	epoch     int // how many times the pool failed: a start's epoch is its pool's
	warming   int // starts of Open not yet reported
	warmErr   error
	seq       int
	backoff   time.Duration
	restarts  []time.Time // crashes and failed starts within Period
	failure   error
	counts    Counts

	acts []Action[W, C] // the buffer every event returns
}

// New returns a Machine with no member; Open starts the first ones.
func New[W, C any](cfg Config) *Machine[W, C] {
	if cfg.Failure == nil {
		cfg.Failure = func(int, time.Duration, error) error { return errors.New("poolstate: restart intensity exceeded") }
	}
	return &Machine[W, C]{cfg: cfg, backoff: cfg.SpawnBackoff}
}

// Mode returns the pool's mode.
func (m *Machine[W, C]) Mode() Mode { return m.mode }

// Failure returns why the pool failed (Fail's error), nil unless Failed.
func (m *Machine[W, C]) Failure() error { return m.failure }

// Members returns the members in the pool or stopping, in the order they
// joined. The slice is the Machine's: read it, do not keep it.
func (m *Machine[W, C]) Members() []*Member[W] { return m.members }

// IdleCount, Waiting and Starting count the idle members, the queued
// callers and the starts in progress.
func (m *Machine[W, C]) IdleCount() int { return len(m.idle) }
func (m *Machine[W, C]) Waiting() int   { return m.waiters.n }
func (m *Machine[W, C]) Starting() int  { return m.starting }

// Counts returns the cumulative figures.
func (m *Machine[W, C]) Counts() Counts { return m.counts }

// Live counts the Idle, Busy and Leased members.
func (m *Machine[W, C]) Live() int {
	n := 0
	for _, x := range m.members {
		if x.state.live() {
			n++
		}
	}
	return n
}

// Joined counts the members in the pool: live or retiring.
func (m *Machine[W, C]) Joined() int {
	n := 0
	for _, x := range m.members {
		if x.state.joined() {
			n++
		}
	}
	return n
}

// begin empties the action buffer for an event.
func (m *Machine[W, C]) begin() { clear(m.acts); m.acts = m.acts[:0] }

func (m *Machine[W, C]) emit(a Action[W, C]) { m.acts = append(m.acts, a) }

// Open starts the pool's first Size workers; WarmedUp follows once each
// has been reported.
func (m *Machine[W, C]) Open() []Action[W, C] {
	m.begin()
	m.warming = m.cfg.Size
	for range m.cfg.Size {
		m.spawn(WhyWarm)
	}
	if m.warming == 0 {
		m.emit(Action[W, C]{Kind: WarmedUp})
	}
	return m.acts
}

// spawn starts a member for why.
func (m *Machine[W, C]) spawn(why Reason) *Member[W] {
	m.seq++
	x := &Member[W]{ID: m.cfg.Name + "-" + strconv.Itoa(m.seq), why: why, epoch: m.epoch}
	m.starting++
	m.emit(Action[W, C]{Kind: SpawnWorker, Member: x, Why: why})
	return x
}

// refill starts members so that the pool has Size live ones, and one for
// each waiter that no start in progress will serve, up to the maximum.
// Replacements in progress are not counted: each takes over a live member.
func (m *Machine[W, C]) refill() {
	if m.mode != Serving {
		return
	}
	live, starting := m.Live(), m.starting-m.replacing-m.stale
	need := max(m.cfg.Size-(live+starting), m.waiters.n-starting)
	need = min(need, m.cfg.max()-(live+starting))
	for range need {
		m.spawn(WhyRefill)
	}
}

// Started: x's worker w started, at now. It joins the pool idle (and is
// granted to the first waiter), unless the pool failed or stopped
// meanwhile — or failed and was revived: a start begun before the pool
// failed never joins it (the revived pool starts its own, fresh); a
// member it replaces retires.
func (m *Machine[W, C]) Started(x *Member[W], w W, now time.Time) []Action[W, C] {
	m.begin()
	if x.state != Starting {
		return m.acts
	}
	stale := x.epoch != m.epoch
	old := m.startDone(x)
	m.warmed(x, nil)
	x.Worker = w
	m.members = append(m.members, x)
	if m.mode == Failed || m.mode == Stopped || stale {
		x.state, x.retired = Stopping, m.closing()
		m.emit(Action[W, C]{Kind: StopWorker, Member: x, Why: x.retired})
		return m.acts
	}
	m.counts.Spawned++
	m.backoff = m.cfg.SpawnBackoff
	x.state, x.since, x.lastUsed = Idle, now, now
	m.idle = append(m.idle, x)
	if old != nil {
		m.counts.Recycled++
		m.retire(old, WhyReplaced)
	}
	m.dispatch()
	m.refill()
	return m.acts
}

// StartFailed: x's start failed with err, at now. While the pool serves
// it is counted against the intensity (not during Open), the waiters
// fail when nothing could serve them, and a refill is scheduled after the
// backoff.
func (m *Machine[W, C]) StartFailed(x *Member[W], err error, now time.Time) []Action[W, C] {
	m.begin()
	if x.state != Starting {
		return m.acts
	}
	x.state = Gone
	if old := x.replaces; old != nil {
		old.recycleNext = now.Add(m.cfg.RecycleRetry)
	}
	stale := x.epoch != m.epoch
	m.startDone(x)
	m.warmed(x, err)
	if m.mode == Failed || m.mode == Stopped || stale {
		return m.acts
	}
	m.counts.StartFailures++
	m.emit(Action[W, C]{Kind: NoteStartFailure, Member: x, Err: err})
	if x.why != WhyWarm && m.countRestart(err, now) {
		return m.acts
	}
	if m.Joined() == 0 && m.starting == 0 {
		m.failWaiters(err)
	}
	if m.mode == Serving {
		m.mode = BackingOff
		m.emit(Action[W, C]{Kind: ScheduleRetry, Delay: m.backoff})
		m.backoff = min(2*m.backoff, m.cfg.MaxSpawnBackoff)
	}
	return m.acts
}

// startDone books the end of x's start and returns the member it was
// to replace, if that one still waits for it.
func (m *Machine[W, C]) startDone(x *Member[W]) *Member[W] {
	m.starting--
	if x.epoch != m.epoch {
		m.stale--
	}
	old := x.replaces
	x.replaces = nil
	if old == nil || old.replacement != x {
		return nil // it left the pool first: x was a plain start
	}
	old.replacement = nil
	m.replacing--
	return old
}

// warmed books the report of one of Open's starts.
func (m *Machine[W, C]) warmed(x *Member[W], err error) {
	if x.why != WhyWarm {
		return
	}
	if err != nil && m.warmErr == nil {
		m.warmErr = err
	}
	if m.warming--; m.warming == 0 {
		m.emit(Action[W, C]{Kind: WarmedUp, Err: m.warmErr})
	}
}

// Exited: x's process exited, at now; crash is the exit's error when
// nobody asked for it (nil when the pool or the worker did). x leaves the
// pool at once (its calls in flight fail on their own) and is replaced.
// The exit of a live member that nobody asked for is a crash, counted
// against the intensity; a retiring or stopping member's never is.
//
// A Starting member's exit is ignored: the executor reports a start whose
// process already exited as StartFailed.
func (m *Machine[W, C]) Exited(x *Member[W], crash error, now time.Time) []Action[W, C] {
	m.begin()
	switch x.state {
	case Starting, Gone:
		return m.acts
	case Stopping:
		m.forget(x)
		return m.acts
	}
	crashed := crash != nil && x.state.live() && m.mode != Stopped
	m.endReplacement(x)
	if x.state == Idle {
		m.dropIdle(x)
	}
	m.forget(x)
	m.emit(Action[W, C]{Kind: StopWorker, Member: x, Why: WhyExited})
	if crashed {
		m.counts.Crashes++
		m.emit(Action[W, C]{Kind: NoteCrash, Member: x, Err: crash})
		m.countRestart(crash, now)
	}
	m.refill()
	m.dispatch()
	return m.acts
}

// forget takes x, exited, out of the Machine.
func (m *Machine[W, C]) forget(x *Member[W]) {
	x.state = Gone
	if i := slices.Index(m.members, x); i >= 0 {
		m.members = slices.Delete(m.members, i, i+1)
	}
}

// retire stops handing x out, for why: a free member stops now, a busy or
// leased one once given back; the pool refills.
func (m *Machine[W, C]) retire(x *Member[W], why Reason) {
	if !x.state.live() {
		return
	}
	m.endReplacement(x)
	x.retired = why
	m.emit(Action[W, C]{Kind: RetireWorker, Member: x, Why: why})
	if x.state == Idle {
		m.dropIdle(x)
	}
	if x.users == 0 {
		x.state = Stopping
		m.emit(Action[W, C]{Kind: StopWorker, Member: x, Why: why})
	} else {
		x.state = Retiring
	}
	m.refill()
}

// endReplacement ends x's wait for a replacement, as x leaves: the start
// in progress then counts as a plain one (so that x is not replaced
// twice).
func (m *Machine[W, C]) endReplacement(x *Member[W]) {
	if x.replacement != nil {
		x.replacement = nil
		m.replacing--
	}
}

func (m *Machine[W, C]) dropIdle(x *Member[W]) {
	if i := slices.Index(m.idle, x); i >= 0 {
		m.idle = slices.Delete(m.idle, i, i+1)
	}
}

// replace starts a replacement for x (recycling): x retires once it is
// ready.
func (m *Machine[W, C]) replace(x *Member[W], why Reason) {
	r := m.spawn(why)
	r.replaces, x.replacement = x, r
	m.replacing++
}

// closing is why a member that joins a failed or stopped pool stops.
func (m *Machine[W, C]) closing() Reason {
	if m.mode == Stopped {
		return WhyPoolStopping
	}
	return WhyPoolFailed
}
