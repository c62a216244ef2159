package actors

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
)

// System is a protoactor-go actor system set up for taipan: it logs
// through hclog and its Stop really stops every actor.
type System struct {
	// Actors is the protoactor system; Root is its root context.
	Actors *actor.ActorSystem
	Root   *actor.RootContext
	logger hclog.Logger
}

// NewSystem returns a running actor system configured by opts.
func NewSystem(opts Options) *System {
	opts = opts.withDefaults()
	logger := opts.Logger.Named(opts.Name)
	cfg := []actor.ConfigOption{
		actor.WithLoggerFactory(func(s *actor.ActorSystem) *slog.Logger {
			return slog.New(quietStopLetters{NewSlogHandler(logger)}).With("system", s.ID)
		}),
	}
	if opts.DeadLetterThrottle < 0 {
		cfg = append(cfg, actor.WithDeadLetterThrottleCount(0), actor.WithDeadLetterRequestLogging(false))
	} else {
		cfg = append(cfg, actor.WithDeadLetterThrottleCount(int32(opts.DeadLetterThrottle)))
	}
	sys := actor.NewActorSystem(cfg...)
	return &System{Actors: sys, Root: sys.Root, logger: logger}
}

// Logger is the system's logger.
func (s *System) Logger() hclog.Logger { return s.logger }

// Stop stops every actor, the most recently spawned top-level actor
// first, each with its children (a supervisor stops its own in reverse
// order), and waits until all are gone or ctx ends (DefaultStopTimeout
// when ctx has no deadline). Actors still alive then are listed in a
// *StopError. protoactor's own Shutdown only closes a channel and leaves
// actors — and the Python processes they own — running; this does not.
func (s *System) Stop(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultStopTimeout)
		defer cancel()
	}
	defer s.Actors.Shutdown()
	for _, pid := range s.topLevel() {
		s.stopOne(ctx, pid)
	}
	// Every actor whose top-level ancestor stopped is gone (protoactor
	// finalizes a parent after its children); what is left was stuck.
	// A moment is given for finalizations in flight.
	for {
		alive := s.alive()
		if len(alive) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return &StopError{Alive: alive, Err: ctx.Err()}
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// stopOne stops one actor and waits for it until ctx ends; past that it
// is still told to stop, without waiting.
func (s *System) stopOne(ctx context.Context, pid *actor.PID) {
	d := time.Until(deadline(ctx))
	if d <= 0 {
		s.Root.Stop(pid)
		return
	}
	fut := actor.NewFuture(s.Actors, d)
	proc, _ := s.Actors.ProcessRegistry.Get(pid)
	proc.SendSystemMessage(pid, &actor.Watch{Watcher: fut.PID()})
	s.Root.Stop(pid)
	if err := fut.Wait(); errors.Is(err, actor.ErrTimeout) {
		s.logger.Warn("actor did not stop in time", "pid", pid.Id)
	}
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// topLevel lists the actors without a parent actor, the most recently
// spawned first (by the sequence number protoactor puts after "$").
func (s *System) topLevel() []*actor.PID {
	var ids []string
	for _, id := range s.alive() {
		if !strings.Contains(id, "/") {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return int(seqOf(b) - seqOf(a)) })
	pids := make([]*actor.PID, len(ids))
	for i, id := range ids {
		pids[i] = s.Actors.NewLocalPID(id)
	}
	return pids
}

// alive lists the ids of the actors (not futures, guardians or the event
// stream) in the registry.
func (s *System) alive() []string {
	var ids []string
	for _, bucket := range s.Actors.ProcessRegistry.LocalPIDs.LocalPIDs {
		if bucket.Count() == 0 {
			continue // Items spawns goroutines per shard: skip the empty
		}
		for id, proc := range bucket.Items() {
			if _, ok := proc.(*actor.ActorProcess); ok {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// seqOf decodes protoactor's "$<base64>" id suffix (0 when there is none).
func seqOf(id string) int64 {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ~+"
	i := strings.LastIndexByte(id, '$')
	if i < 0 {
		return 0
	}
	var n int64
	for _, c := range id[i+1:] {
		d := strings.IndexRune(digits, c)
		if d < 0 {
			return 0
		}
		n = n<<6 | int64(d)
	}
	return n
}
