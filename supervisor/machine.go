package supervisor

import (
	"fmt"
	"slices"
	"time"
)

// Machine is the pure core of a supervisor: it knows the children (in
// start order), which of them run, their consecutive failures and the
// recent restarts, and turns each event into Actions. It does no I/O,
// reads no clock (every event carries its time) and draws jitter from the
// source it was given, so it is tested without processes and replayed
// exactly. The engine (the Supervisor actor) tells it what happened —
// Started, Exited, StartFailed — and carries out what it returns. Not safe
// for concurrent use: the actor owns it.
type Machine struct {
	strategy  Strategy
	intensity Intensity
	backoff   Backoff
	jitter    func() float64
	children  []*machineChild
	window    window
}

type machineChild struct {
	id        string
	restart   Restart
	running   bool
	failures  int // consecutive abnormal exits or start failures
	startedAt time.Time
}

// NewMachine returns a Machine with no children. jitter draws from [0, 1)
// (nil means no jitter: the draw 0.5). Zero fields of intensity and backoff
// mean the defaults.
func NewMachine(strategy Strategy, intensity Intensity, backoff Backoff, jitter func() float64) *Machine {
	if jitter == nil {
		jitter = func() float64 { return 0.5 }
	}
	return &Machine{
		strategy:  strategy,
		intensity: intensity.withDefaults(),
		backoff:   backoff.withDefaults(),
		jitter:    jitter,
	}
}

// Add appends a child, not yet running, after the existing ones.
func (m *Machine) Add(id string, restart Restart) error {
	if m.index(id) >= 0 {
		return fmt.Errorf("%w: %q", ErrDuplicateChild, id)
	}
	m.children = append(m.children, &machineChild{id: id, restart: restart})
	return nil
}

// Remove forgets a child (it should have been stopped first).
func (m *Machine) Remove(id string) {
	if i := m.index(id); i >= 0 {
		m.children = slices.Delete(m.children, i, i+1)
	}
}

// Started records that the child now runs, since at.
func (m *Machine) Started(id string, at time.Time) {
	if i := m.index(id); i >= 0 {
		m.children[i].running = true
		m.children[i].startedAt = at
	}
}

// Stopping records that the engine is stopping the child on request (not
// a failure): its exit will be ignored.
func (m *Machine) Stopping(id string) {
	if i := m.index(id); i >= 0 {
		m.children[i].running = false
	}
}

// Running returns the ids of the running children, in start order.
func (m *Machine) Running() []string {
	var ids []string
	for _, c := range m.children {
		if c.running {
			ids = append(ids, c.id)
		}
	}
	return ids
}

// Children returns the ids of all the children, in start order.
func (m *Machine) Children() []string {
	ids := make([]string, len(m.children))
	for i, c := range m.children {
		ids[i] = c.id
	}
	return ids
}

// StopAll returns the actions that stop every running child in reverse
// start order (for the supervisor's own shutdown) and marks them stopped.
func (m *Machine) StopAll() Actions {
	return Actions{Stop: m.stopRunning(0, "")}
}

// Exited is a running child's exit at time at with reason (nil, ErrNormal
// and ErrShutdown are normal). The exit of a child that is not running —
// one the engine was stopping, or an unknown one — is ignored.
func (m *Machine) Exited(id string, reason error, at time.Time) Actions {
	i := m.index(id)
	if i < 0 || !m.children[i].running {
		return Actions{}
	}
	c := m.children[i]
	c.running = false
	if at.Sub(c.startedAt) >= m.backoff.Reset {
		c.failures = 0
	}
	if !IsNormal(reason) {
		c.failures++
	}
	return m.decide(i, reason, at)
}

// StartFailed is a child's failure to start, at time at. As in OTP it
// counts as a restart and the child is tried again (after its backoff),
// unless it is temporary.
func (m *Machine) StartFailed(id string, reason error, at time.Time) Actions {
	i := m.index(id)
	if i < 0 {
		return Actions{}
	}
	c := m.children[i]
	c.running = false
	c.failures++
	if reason == nil {
		reason = ErrStartFailed
	}
	return m.decide(i, &StartError{Child: id, Err: reason}, at)
}

// decide applies the restart type, the intensity and the strategy to the
// exit of child i.
func (m *Machine) decide(i int, reason error, at time.Time) Actions {
	c := m.children[i]
	if !c.restart.restarts(reason) {
		// A temporary child, or a transient one that exited normally:
		// its siblings are not touched (OTP). Temporary children and the
		// children of a simple_one_for_one supervisor are forgotten.
		if c.restart == Temporary || m.strategy == SimpleOneForOne {
			m.Remove(c.id)
			return Actions{Forget: []string{c.id}}
		}
		return Actions{}
	}
	if exceeded, n := m.window.add(at, m.intensity); exceeded {
		return Actions{
			Stop: m.stopRunning(0, ""),
			Escalate: &IntensityError{
				Restarts: n, Intensity: m.intensity, Child: c.id, Reason: reason,
			},
		}
	}
	delay := m.backoff.Delay(c.failures, m.jitter())
	switch m.strategy {
	case OneForAll:
		return m.restartFrom(0, c.id, delay)
	case RestForOne:
		return m.restartFrom(i, c.id, delay)
	}
	return Actions{Start: []string{c.id}, Delay: delay}
}

// restartFrom stops the running children from index from on (all but
// failed, which is already down) in reverse order and restarts them in
// order; temporary ones among them are stopped and forgotten, as in OTP.
func (m *Machine) restartFrom(from int, failed string, delay time.Duration) Actions {
	a := Actions{Stop: m.stopRunning(from, failed), Delay: delay}
	for _, c := range slices.Clone(m.children[from:]) {
		if c.restart == Temporary {
			a.Forget = append(a.Forget, c.id)
			m.Remove(c.id)
			continue
		}
		a.Start = append(a.Start, c.id)
	}
	return a
}

// stopRunning marks the running children from index from on (except
// skip) as stopped and returns them in reverse start order.
func (m *Machine) stopRunning(from int, skip string) []string {
	var ids []string
	for j := len(m.children) - 1; j >= from; j-- {
		if c := m.children[j]; c.running && c.id != skip {
			c.running = false
			ids = append(ids, c.id)
		}
	}
	return ids
}

func (m *Machine) index(id string) int {
	return slices.IndexFunc(m.children, func(c *machineChild) bool { return c.id == id })
}
