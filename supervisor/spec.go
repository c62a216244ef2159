package supervisor

import (
	"fmt"
	"math/rand/v2"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
)

// ChildSpec describes one child, as OTP's child spec does.
type ChildSpec struct {
	// ID names the child among its siblings. For SimpleOneForOne an empty
	// ID is generated from the template's.
	ID string
	// Props makes the props of each incarnation; it is called on every
	// (re)start. The props must not have a guardian.
	Props func() *actor.Props
	// Restart: Permanent (the zero value), Transient or Temporary.
	Restart Restart
	// Shutdown: how long to wait for the child to stop (zero:
	// DefaultShutdown), BrutalKill or Infinity.
	Shutdown Shutdown
}

// Spec configures a supervisor: every option in one place. The zero value
// of each field means its default (defaults.go).
type Spec struct {
	// Name names the supervisor in events, logs and its PID; default
	// "supervisor".
	Name string
	// Strategy: OneForOne (the zero value), OneForAll, RestForOne or
	// SimpleOneForOne.
	Strategy Strategy
	// Intensity: how many restarts within which period before giving up.
	Intensity Intensity
	// Backoff: the per-child delay before a restart.
	Backoff Backoff
	// Children are started in this order, each once the one before it has
	// started, and stopped in the reverse order. Empty for SimpleOneForOne.
	Children []ChildSpec
	// Template is the child of a SimpleOneForOne supervisor: StartChild
	// fills the fields a ChildSpec leaves zero from it.
	Template ChildSpec
	// OnEvent receives every Event, on the supervisor's goroutine: it
	// must not block (send to a buffered channel, count, log).
	OnEvent func(Event)
	// Logger logs the events; default a logger that discards.
	Logger hclog.Logger
	// Clock is the source of time and timers; default the real clock.
	Clock Clock
	// Jitter draws the backoff jitter in [0, 1); default math/rand/v2.
	Jitter func() float64
}

// withDefaults fills the zero fields and checks the spec.
func (s Spec) withDefaults() (Spec, error) {
	if s.Name == "" {
		s.Name = "supervisor"
	}
	if s.Logger == nil {
		s.Logger = hclog.NewNullLogger()
	}
	if s.Clock == nil {
		s.Clock = RealClock{}
	}
	if s.Jitter == nil {
		s.Jitter = rand.Float64
	}
	s.Intensity = s.Intensity.withDefaults()
	s.Backoff = s.Backoff.withDefaults()
	if s.Strategy == SimpleOneForOne {
		if len(s.Children) > 0 {
			return s, fmt.Errorf("%w: simple_one_for_one takes a Template, not Children", ErrInvalidSpec)
		}
		if s.Template.ID == "" {
			s.Template.ID = "child"
		}
	}
	seen := make(map[string]bool, len(s.Children))
	for _, c := range s.Children {
		if err := c.check(); err != nil {
			return s, err
		}
		if seen[c.ID] {
			return s, fmt.Errorf("%w: %q", ErrDuplicateChild, c.ID)
		}
		seen[c.ID] = true
	}
	return s, nil
}

func (c ChildSpec) check() error {
	if c.ID == "" {
		return fmt.Errorf("%w: a child needs an ID", ErrInvalidSpec)
	}
	if c.Props == nil {
		return fmt.Errorf("%w: child %q has no Props", ErrInvalidSpec, c.ID)
	}
	return nil
}
