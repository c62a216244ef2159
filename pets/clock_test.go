package pets

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// newFakeClock is a clock that moves only when a test advances it.
func newFakeClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
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
