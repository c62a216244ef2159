package supervisor

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// job is the engine's execution of one Actions (or of a request): stop
// children one after the other, waiting for each; forget some; wait the
// delay; start children one after the other, waiting for each to be
// ready. Jobs run one at a time, in order; a job waiting its delay is
// parked so that later jobs run meanwhile.
type job struct {
	seq      uint64
	stop     []string // left to stop, in order
	waiting  *actor.PID
	waitID   string
	cancel   func() bool // the shutdown timer of waiting
	forget   []string
	start    []string // left to start, in order
	delay    time.Duration
	delayed  bool // the delay has been waited (or scheduled)
	starting *actor.PID
	startID  string
	restart  bool  // starts are restarts (events say so)
	initial  bool  // the supervisor's own start
	escalate error // give up after the stop phase

	// onStarted and onStartFailed answer StartChild; onDone answers
	// TerminateChild.
	onStarted     func(*actor.PID)
	onStartFailed func(error)
	onDone        func()
}
