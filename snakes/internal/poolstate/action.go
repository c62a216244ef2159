package poolstate

import (
	"fmt"
	"strings"
	"time"
)

// Kind is what an Action asks of the executor.
type Kind uint8

const (
	// SpawnWorker: start a worker for Member (Starting), then report
	// Started or StartFailed. Why says what it is for.
	SpawnWorker Kind = iota
	// RetireWorker: Member takes no new work, for Why. Nothing to do but
	// tell (a free member also gets StopWorker).
	RetireWorker
	// StopWorker: Member left the pool: stop its worker (gracefully; one
	// that exited only has its goroutines to end), then report Exited.
	StopWorker
	// KillWorker: Member was cut short (Cut): stop it at once.
	KillWorker
	// GrantWaiter: hand Member to Waiter, which is off the queue.
	GrantWaiter
	// FailWaiter: fail Waiter with Err; it is off the queue.
	FailWaiter
	// NoteCrash: Member's exit was a crash (counted).
	NoteCrash
	// NoteStartFailure: Member's start failed with Err (counted).
	NoteStartFailure
	// ScheduleRetry: call RetryRefill after Delay.
	ScheduleRetry
	// PoolDown: the pool failed with Err: tell its supervisor.
	PoolDown
	// WarmedUp: every start of Open has started or failed; Err is the
	// first failure, if any.
	WarmedUp

	numKinds = int(WarmedUp) + 1
)

var kindNames = [numKinds]string{"spawn", "retire", "stop", "kill", "grant", "fail", "crash", "start-failure", "retry", "pool-down", "warmed-up"}

func (k Kind) String() string {
	if int(k) < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Reason is why a member is started, retired or stopped.
type Reason uint8

const (
	WhyNone         Reason = iota
	WhyWarm                // one of the first Size workers (Open)
	WhyRefill              // the pool is below Size, or a waiter needs one
	WhyMaxCalls            // served (or was handed) Config.MaxCalls calls
	WhyMaxAge              // older than Config.MaxAge
	WhyMaxRSS              // over the memory limit (the executor's measure)
	WhyRestart             // a restart of the pool (Recycle)
	WhyReplaced            // its replacement is ready
	WhyIdle                // above Size and idle for Config.IdleTTL (reaped)
	WhyBroken              // given back broken: its state is unknown
	WhySlain               // Slay
	WhyPoolFailed          // the pool failed
	WhyPoolStopping        // the pool stops
	WhyExited              // its process exited

	numReasons = int(WhyExited) + 1
)

var reasonNames = [numReasons]string{"", "warm-up", "refill", "max calls", "max age", "max rss", "restart", "replaced", "idle", "broken", "slain", "pool failed", "pool stopping", "exited"}

func (r Reason) String() string {
	if int(r) < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Outcome is how a member comes back (Release).
type Outcome uint8

const (
	// Whole: its state is known; it may serve again.
	Whole Outcome = iota
	// Broken: its state is unknown (an abandoned call, an exit, a Python
	// exception under KillOnException): it retires.
	Broken
)

// Verdict is Acquire's answer.
type Verdict uint8

const (
	// Granted: the member returned is the caller's.
	Granted Verdict = iota
	// Wait: queue the caller (Wait) for a member given back or started.
	Wait
	// Full: no free member and none the pool can start (a caller that
	// does not wait for a busy one: ErrPoolFull).
	Full
	// Overloaded: the wait queue is full, or (fail fast) the caller would
	// wait for a busy member.
	Overloaded
	// Closed: the pool is stopped.
	Closed
	// Down: the pool is failed (Failure says why).
	Down
)

var verdictNames = [...]string{"granted", "wait", "full", "overloaded", "closed", "down"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// Action is one thing the executor is to do, in order.
type Action[W, C any] struct {
	Kind   Kind
	Member *Member[W]
	Waiter *Waiter[C]
	Why    Reason
	Err    error
	Delay  time.Duration
}

func (a Action[W, C]) String() string {
	var b strings.Builder
	b.WriteString(a.Kind.String())
	if a.Member != nil {
		b.WriteString(" " + a.Member.ID)
	}
	if a.Why != WhyNone {
		b.WriteString(" (" + a.Why.String() + ")")
	}
	if a.Delay != 0 {
		b.WriteString(" " + a.Delay.String())
	}
	if a.Err != nil {
		b.WriteString(": " + a.Err.Error())
	}
	return b.String()
}

// Counts are the Machine's cumulative figures.
type Counts struct {
	Spawned       uint64 // workers that joined the pool
	Reaped        uint64 // idle members retired by Tick
	Recycled      uint64 // members retired for recycling (MaxCalls at once; age, memory, restart once replaced)
	Crashes       uint64 // members that exited unasked
	StartFailures uint64 // starts that failed while the pool served
}
