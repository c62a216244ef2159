package snakes

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

// Stats is a snapshot of a pool (Pool.Stats).
type Stats struct {
	// Now: live workers (not retiring) and how they are used.
	Workers int // live workers
	Idle    int // in the idle list
	Busy    int // running pool calls
	Leased  int // checked out
	Waiting int // callers in the wait queue
	// Starting is how many worker starts are in progress.
	Starting int

	// Since the pool started.
	Spawned        uint64 // workers started
	Reaped         uint64 // idle workers reaped by the cleaner
	Recycled       uint64 // workers replaced by recycling
	Timeouts       uint64 // calls that timed out
	Crashes        uint64 // workers that exited unasked
	StartFailures  uint64 // worker starts that failed
	Redispatched   uint64 // calls sent again because their worker died before they reached it
	ExceptionKills uint64 // workers retired by KillOnException
}

// counters are the pool's cumulative figures of its calls (those of its
// workers' lives are the state machine's: poolstate.Counts).
type counters struct {
	timeouts, redispatched, exceptionKills atomic.Uint64
}

// Stats returns a snapshot of the pool (poolboy's status).
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	s := Stats{Idle: p.mach.IdleCount(), Waiting: p.mach.Waiting(), Starting: p.mach.Starting()}
	for _, m := range p.mach.Members() {
		switch m.State() {
		case poolstate.Idle:
		case poolstate.Busy:
			s.Busy++
		case poolstate.Leased:
			s.Leased++
		default:
			continue
		}
		s.Workers++
	}
	n := p.mach.Counts()
	p.mu.Unlock()
	s.Spawned, s.Reaped, s.Recycled, s.Crashes, s.StartFailures = n.Spawned, n.Reaped, n.Recycled, n.Crashes, n.StartFailures
	c := &p.stats
	s.Timeouts, s.Redispatched, s.ExceptionKills = c.timeouts.Load(), c.redispatched.Load(), c.exceptionKills.Load()
	return s
}

// WorkerState is a pool worker's state in List.
type WorkerState string

const (
	StateIdle     WorkerState = "idle"
	StateBusy     WorkerState = "busy"     // running pool calls
	StateLeased   WorkerState = "leased"   // checked out
	StateRetiring WorkerState = "retiring" // finishing its calls before it stops
)

// WorkerInfo describes one worker of a pool (Pool.List).
type WorkerInfo struct {
	ID        string
	Pid       int
	State     WorkerState
	InFlight  int    // pool calls in flight (1 for a lease)
	Calls     uint64 // calls served (a lease's or a session's counted when it ends)
	Started   time.Time
	LastUsed  time.Time // when it was last given back
	Recycling bool      // its replacement is starting
}

// List returns the pool's workers that are alive, oldest first.
func (p *Pool) List() []WorkerInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]WorkerInfo, 0, len(p.mach.Members()))
	for _, m := range p.mach.Members() {
		st := StateIdle
		switch m.State() {
		case poolstate.Retiring:
			st = StateRetiring
		case poolstate.Leased:
			st = StateLeased
		case poolstate.Busy:
			st = StateBusy
		case poolstate.Idle:
		default:
			continue // out of the pool
		}
		out = append(out, WorkerInfo{
			ID: m.ID, Pid: m.Worker.Pid(), State: st, InFlight: m.Users(), Calls: m.Served(),
			Started: m.Since(), LastUsed: m.LastUsed(), Recycling: m.Replacing(),
		})
	}
	return out
}

// Clean runs the cleaner now (reaping and recycling checks) and returns
// how many idle workers it reaped.
func (p *Pool) Clean(ctx context.Context) (int, error) {
	res, err := p.request(ctx, &cleanRequest{})
	if err != nil {
		return 0, err
	}
	return res.(int), nil
}

// Slay stops the worker named id (an id from List) as style says:
// SlayPolite sends SIGTERM now and SIGKILL after StopGrace, SlayBrutal
// SIGKILL, SlayDrain lets its calls finish first. Either way it takes no
// new call, its exit is not a crash, and the pool replaces it. An unknown
// id is ErrNoSuchWorker, an unknown style ErrInvalidSlayStyle.
func (p *Pool) Slay(ctx context.Context, id string, style SlayStyle) error {
	if !style.Valid() {
		return fmt.Errorf("%w: %v", ErrInvalidSlayStyle, style)
	}
	res, err := p.request(ctx, &slayRequest{id: id, style: style})
	if err != nil {
		return err
	}
	return res.(*slayResult).err
}

// request asks the manager actor and waits for its answer (from the
// caller's goroutine, never from inside the actor).
func (p *Pool) request(ctx context.Context, msg any) (any, error) {
	p.mu.Lock()
	stopped := p.mach.Mode() == poolstate.Stopped
	p.mu.Unlock()
	if stopped {
		return nil, ErrPoolStopped
	}
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), time.Millisecond)
	}
	c := p.ctl.Load()
	if c == nil { // Supervised, and its supervisor has not started it (or is restarting it)
		if err := p.Err(); err != nil {
			return nil, err
		}
		return nil, ErrPoolNotStarted
	}
	res, err := c.system.Root.RequestFuture(c.pid, msg, timeout).Result()
	if err != nil {
		return nil, fmt.Errorf("snakes: pool %s: %w", p.opts.Name, err)
	}
	return res, nil
}

// readRSS returns the resident memory of a process, in bytes, from
// /proc/<pid>/statm.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, fmt.Errorf("snakes: unexpected statm %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}
