package pets

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// TestSIGKILLRestartsWithInitRerun kills the pet's process under a call:
// the call gets the *snakes.ExitError, the pet comes back under its name
// with a new process, its Init run again and its state rebuilt.
func TestSIGKILLRestartsWithInitRerun(t *testing.T) {
	p, rec := newPets(t, Options{})
	dir := t.TempDir()
	log := filepath.Join(dir, "inits")
	adopt(t, p, "model", PetOptions{}, log)
	ctx := testkit.Context(t)
	if _, err := p.Call(ctx, "model", "petmod", "incr", 41); err != nil {
		t.Fatal(err)
	}
	old := info(t, p, "model")

	marker := filepath.Join(dir, "running")
	running := testkit.Beacon(t, marker)
	inFlight := make(chan error, 1)
	go func() {
		_, err := p.Call(ctx, "model", "petmod", "nap", 60, marker)
		inFlight <- err
	}()
	testkit.Receive(t, "the call to run", running)
	if err := syscall.Kill(old.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := testkit.Receive(t, "the call in flight to fail", inFlight)
	var exit *snakes.ExitError
	if !errors.As(err, &exit) || !errors.Is(err, snakes.ErrWorkerExited) || exit.Signal != syscall.SIGKILL {
		t.Fatalf("call in flight: %v", err)
	}

	// A call made now waits for the new incarnation.
	v, err := p.Call(ctx, "model", "petmod", "get")
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := v.(map[string]any); m["count"] != int64(0) || m["tag"] != "model" {
		t.Fatalf("state after restart %v (want it rebuilt by Init)", v)
	}
	in := restartedFrom(t, p, rec, "model", old.Pid)
	if in.Restarts != 1 || in.Worker != "model#2" || in.Err == nil {
		t.Fatalf("info %+v", in)
	}
	if n := lines(t, log); n != 2 {
		t.Fatalf("Init ran %d times, want 2", n)
	}
	// PetExited comes once the process is reaped.
	rec.Wait(t, "the old process's exit", is(func(x PetExited) bool { return x.Pid == old.Pid }))
	if testkit.Alive(old.Pid) {
		t.Fatal("the old process lives")
	}
	rec.Wait(t, "the restart", is(func(x PetRestarted) bool { return x.Pid == in.Pid && !x.Requested }))
}

// TestCallTimeoutReplacesPet: a call past its deadline is abandoned, the
// process interrupted and replaced; the next call works on a new process.
// The per-pet CallTimeout applies to a context without deadline.
func TestCallTimeoutReplacesPet(t *testing.T) {
	p, rec := newPets(t, Options{})
	adopt(t, p, "slow", PetOptions{CallTimeout: 300 * time.Millisecond}, "")
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"ctx deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, snakes.ErrTimeout},
		{"pet CallTimeout", func() (context.Context, context.CancelFunc) {
			return context.Background(), func() {}
		}, snakes.ErrTimeout},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, snakes.ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testkit.Context(t)
			pid, err := p.Call(ctx, "slow", "petmod", "pid") // waits for the pet to serve
			if err != nil {
				t.Fatal(err)
			}
			old := int(pid.(int64))
			cctx, cancel := tt.ctx()
			_, err = p.Call(cctx, "slow", "petmod", "nap", 60)
			cancel()
			var ae *snakes.AbandonError
			if !errors.Is(err, tt.want) || !errors.As(err, &ae) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			v, err := p.Call(ctx, "slow", "petmod", "pid")
			if err != nil {
				t.Fatal(err)
			}
			if v == int64(old) {
				t.Fatal("the timed-out process was reused")
			}
			rec.Wait(t, "the old process's exit", is(func(x PetExited) bool { return x.Pid == old }))
			if testkit.Alive(old) {
				t.Fatal("the timed-out process lives")
			}
		})
	}
}

// TestKillOnException: a Python exception retires the pet's process.
func TestKillOnException(t *testing.T) {
	p, _ := newPets(t, Options{})
	adopt(t, p, "touchy", PetOptions{KillOnException: true}, "")
	adopt(t, p, "calm", PetOptions{}, "")
	ctx := testkit.Context(t)
	for _, name := range []string{"touchy", "calm"} {
		old := info(t, p, name).Pid
		_, err := p.Call(ctx, name, "petmod", "boom")
		var pe *snakes.PythonError
		if !errors.As(err, &pe) || pe.Type != "builtins.ValueError" {
			t.Fatalf("%s: %v", name, err)
		}
		v, err := p.Call(ctx, name, "petmod", "pid")
		if err != nil {
			t.Fatal(err)
		}
		if replaced := v != int64(old); replaced != (name == "touchy") {
			t.Fatalf("%s: replaced=%v", name, replaced)
		}
	}
}

// TestTemporaryPetNotRestarted: a temporary pet that dies stays dead, and
// says why.
func TestTemporaryPetNotRestarted(t *testing.T) {
	p, rec := newPets(t, Options{})
	adopt(t, p, "once", PetOptions{Restart: supervisor.Temporary}, "")
	ctx := testkit.Context(t)
	pid := info(t, p, "once").Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	rec.Wait(t, "the pet's death", is(func(x PetDied) bool { return x.Name == "once" }))
	_, err := p.Call(ctx, "once", "petmod", "get")
	var de *DeadError
	var we *snakes.WorkerExitedReason
	if !errors.Is(err, ErrPetDead) || !errors.As(err, &de) || !errors.As(err, &we) {
		t.Fatalf("call to a dead temporary pet: %v", err)
	}
	if in := info(t, p, "once"); in.State != Dead || in.Pid != 0 || in.Restarts != 0 || in.Err == nil {
		t.Fatalf("info %+v", in)
	}
	// A dead pet's name may be adopted again; Reload skips nobody alive.
	adopt(t, p, "once", PetOptions{}, "")
	if v, err := p.Call(ctx, "once", "petmod", "incr"); err != nil || v != int64(1) {
		t.Fatalf("readopted: %v %v", v, err)
	}
}

// TestCrashLoopGivesUp: a pet whose Init fails in every later process
// restarts until its intensity is spent, then dies with the
// *supervisor.IntensityError; a caller waiting meanwhile gets it too,
// and the other pets go on.
func TestCrashLoopGivesUp(t *testing.T) {
	p, rec := newPets(t, Options{})
	marker := filepath.Join(t.TempDir(), "started")
	adopt(t, p, "loopy", PetOptions{
		Init:      &snakes.InitCall{Module: "petmod", Function: "init_once", Args: []any{marker}},
		Intensity: supervisor.Intensity{MaxRestarts: 2, Period: time.Minute},
		Backoff:   supervisor.Backoff{Initial: 50 * time.Millisecond},
	}, "")
	adopt(t, p, "steady", PetOptions{}, "")
	ctx := testkit.Context(t)
	if err := syscall.Kill(info(t, p, "loopy").Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	rec.Wait(t, "loopy's exit", is(func(x PetExited) bool { return x.Name == "loopy" }))
	_, err := p.Call(ctx, "loopy", "petmod", "get") // waits through the restarts
	var ie *supervisor.IntensityError
	if !errors.Is(err, ErrPetDead) || !errors.Is(err, supervisor.ErrIntensityExceeded) || !errors.As(err, &ie) {
		t.Fatalf("call to a crash-looping pet: %v", err)
	}
	if in := info(t, p, "loopy"); in.State != Dead {
		t.Fatalf("info %+v", in)
	}
	// The caller is woken as the pet is marked dead, before PetDied is
	// delivered: wait for it.
	rec.Wait(t, "PetDied", is(func(x PetDied) bool { return x.Name == "loopy" }))
	if v, err := p.Call(ctx, "steady", "petmod", "incr"); err != nil || v != int64(1) {
		t.Fatalf("the other pet: %v %v", v, err)
	}
	if err := p.Slay(ctx, "loopy", SlayPolite); err != nil {
		t.Fatalf("slaying a dead pet: %v", err)
	}
	if p.Has("loopy") {
		t.Fatal("slain pet listed")
	}
}

// TestAdoptStartFailure: an Init that exits the process fails Adopt with
// the start error, and the pet is not kept.
func TestAdoptStartFailure(t *testing.T) {
	p, _ := newPets(t, Options{})
	ctx := testkit.Context(t)
	tests := []struct {
		name string
		init *snakes.InitCall
	}{
		{"os._exit", &snakes.InitCall{Module: "petmod", Function: "exit_now"}},
		{"raises", &snakes.InitCall{Module: "petmod", Function: "boom"}},
		{"no module", &snakes.InitCall{Module: "no_such_module", Function: "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Adopt(ctx, "bad", PetOptions{Init: tt.init})
			if !errors.Is(err, snakes.ErrStartFailed) {
				t.Fatalf("Adopt: %v", err)
			}
			if p.Has("bad") {
				t.Fatal("a pet that failed to start is kept")
			}
		})
	}
}
