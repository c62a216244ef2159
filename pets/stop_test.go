package pets

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

func killPid(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// TestStop leaves no Python process, on a shared actor system too, and
// refuses work afterwards.
func TestStop(t *testing.T) {
	sys := actors.NewSystem(actors.Options{})
	t.Cleanup(func() { sys.Stop(context.Background()) })
	in, err := testInterp()
	if err != nil {
		t.Fatal(err)
	}
	ctx := testkit.Context(t)
	p, err := New(ctx, Options{System: sys, Worker: snakes.Options{Interpreter: in, Paths: []string{fixtures(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"one", "two", "three"} {
		adopt(t, p, n, PetOptions{}, "")
	}
	pids := pidsOf(p)
	if len(pids) != 3 {
		t.Fatalf("pids %v", pids)
	}
	// One busy pet: a polite stop lets its call finish.
	marker := filepath.Join(t.TempDir(), "running")
	running := testkit.Beacon(t, marker)
	done := make(chan error, 1)
	go func() { _, err := p.Call(ctx, "one", "petmod", "nap", 0.3, marker); done <- err }()
	testkit.Receive(t, "the call to run", running)
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if testkit.Alive(pid) {
			t.Fatalf("process %d survived Stop", pid)
		}
	}
	if err := testkit.Receive(t, "the call", done); err != nil {
		t.Fatalf("call during Stop: %v", err)
	}
	if _, err := p.Call(ctx, "two", "petmod", "get"); !errors.Is(err, ErrStopped) {
		t.Fatalf("call after Stop: %v", err)
	}
	if err := p.Adopt(ctx, "four", PetOptions{}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Adopt after Stop: %v", err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestStopEscalates: when Stop's context ends before a pet's call does,
// the process is killed; Stop still returns with no process left.
func TestStopEscalates(t *testing.T) {
	p, _ := newPets(t, Options{Worker: snakes.Options{StopGrace: 20 * time.Second}})
	adopt(t, p, "stubborn", PetOptions{}, "")
	ctx := testkit.Context(t)
	pid := info(t, p, "stubborn").Pid
	marker := filepath.Join(t.TempDir(), "running")
	running := testkit.Beacon(t, marker)
	done := make(chan error, 1)
	go func() { _, err := p.Call(ctx, "stubborn", "petmod", "nap", 60, marker); done <- err }()
	testkit.Receive(t, "the call to run", running)
	sctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := p.Stop(sctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if testkit.Alive(pid) {
		t.Fatal("process survived Stop")
	}
	if err := testkit.Receive(t, "the call", done); !errors.Is(err, snakes.ErrWorkerExited) {
		t.Fatalf("call killed by Stop: %v", err)
	}
}

// TestStopWithinBudget: a pet that ignores end of file (busy) and SIGTERM
// is stopped by SIGKILL after StopGrace and SignalGrace, within the
// worker's StopBudget, which its supervisor waits for in full: Stop
// reports no shutdown timeout.
func TestStopWithinBudget(t *testing.T) {
	wo := snakes.Options{StopGrace: 300 * time.Millisecond, SignalGrace: 200 * time.Millisecond}
	if got, want := wo.StopBudget(), 500*time.Millisecond+3*time.Second; got != want {
		t.Fatalf("StopBudget() = %v, want %v", got, want)
	}
	if got, want := (snakes.Options{}).StopBudget(), snakes.DefaultStopGrace+snakes.DefaultSignalGrace+3*time.Second; got != want {
		t.Fatalf("zero Options: StopBudget() = %v, want %v", got, want)
	}
	p, _ := newPets(t, Options{Worker: wo})
	adopt(t, p, "deaf", PetOptions{Init: &snakes.InitCall{Module: "petmod", Function: "ignore_sigterm"}}, "")
	ctx := testkit.Context(t)
	pid := info(t, p, "deaf").Pid
	marker := filepath.Join(t.TempDir(), "running")
	running := testkit.Beacon(t, marker)
	done := make(chan error, 1)
	go func() { _, err := p.Call(ctx, "deaf", "petmod", "nap", 60, marker); done <- err }()
	testkit.Receive(t, "the call to run", running)
	began := time.Now()
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	took := time.Since(began)
	if took < wo.StopGrace+wo.SignalGrace || took >= wo.StopBudget() {
		t.Fatalf("Stop took %v, want from %v to %v", took, wo.StopGrace+wo.SignalGrace, wo.StopBudget())
	}
	var exit *snakes.ExitError
	if err := testkit.Receive(t, "the call", done); !errors.As(err, &exit) || exit.Signal != syscall.SIGKILL {
		t.Fatalf("call in flight: %v, want the process killed by SIGKILL", err)
	}
	if testkit.Alive(pid) {
		t.Fatal("process survived Stop")
	}
}
