package pets

import (
	"errors"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// fakeClock is a supervisor.Clock that moves only when told to: its
// timers fire when Advance passes them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[int]fakeTimer
	next   int
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), timers: map[int]fakeTimer{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.timers[id] = fakeTimer{at: c.now.Add(d), f: f}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

// Advance moves the clock by d and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for id, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t.f)
			delete(c.timers, id)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}

// TestClockDrivesRestartIntensity: the pets' Clock is their supervisors'
// clock, so their restart intensity follows it: two crashes a (fake) hour
// apart are within a 1-per-minute intensity, two at the same instant are
// not and the pet dies. PetInfo's times come from the same clock.
func TestClockDrivesRestartIntensity(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	p, rec := newPets(t, Options{Clock: clock})
	adopt(t, p, "pet", PetOptions{
		Intensity: supervisor.Intensity{MaxRestarts: 1, Period: time.Minute},
		Backoff:   supervisor.Backoff{Disabled: true},
	}, "")
	ctx := testkit.Context(t)
	crash := func() int {
		t.Helper()
		pid := info(t, p, "pet").Pid
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return pid
	}

	restartedFrom(t, p, rec, "pet", crash())
	clock.Advance(time.Hour) // the first restart leaves the window
	in := restartedFrom(t, p, rec, "pet", crash())
	if in.Restarts != 2 || !in.Adopted.Equal(t0) || !in.Started.Equal(t0.Add(time.Hour)) {
		t.Fatalf("info after two restarts an hour apart: %+v", in)
	}
	if _, err := p.Call(ctx, "pet", "petmod", "incr"); err != nil {
		t.Fatal(err)
	}
	if in := info(t, p, "pet"); !in.LastUsed.Equal(t0.Add(time.Hour)) {
		t.Fatalf("LastUsed %v, want the clock's %v", in.LastUsed, t0.Add(time.Hour))
	}

	crash() // a second restart within the minute: one too many
	var err error
	for err == nil { // each process in turn, until the pet is dead
		var w *snakes.Worker
		if w, err = p.Worker(ctx, "pet"); err == nil {
			select {
			case <-w.Exited():
			case <-ctx.Done():
				t.Fatal("the pet restarted past its intensity")
			}
		}
	}
	var ie *supervisor.IntensityError
	if !errors.Is(err, ErrPetDead) || !errors.As(err, &ie) || ie.Restarts != 2 {
		t.Fatalf("call after two crashes within the period: %v", err)
	}
}
