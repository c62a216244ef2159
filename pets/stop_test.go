package pets

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/actors"
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
	ctx := ctx30(t)
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
	done := make(chan error, 1)
	go func() { _, err := p.Call(ctx, "one", "petmod", "nap", 0.3, marker); done <- err }()
	waitFile(t, marker)
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Fatalf("process %d survived Stop", pid)
		}
	}
	if err := <-done; err != nil {
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
	ctx := ctx30(t)
	pid := info(t, p, "stubborn").Pid
	marker := filepath.Join(t.TempDir(), "running")
	done := make(chan error, 1)
	go func() { _, err := p.Call(ctx, "stubborn", "petmod", "nap", 60, marker); done <- err }()
	waitFile(t, marker)
	sctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := p.Stop(sctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if alive(pid) {
		t.Fatal("process survived Stop")
	}
	if err := <-done; !errors.Is(err, snakes.ErrWorkerExited) {
		t.Fatalf("call killed by Stop: %v", err)
	}
}
