package taipan

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/supervisor"
)

// awaitDead waits, on the pet's own exits, until the pet named name is
// dead, and returns the error its calls get.
func awaitDead(t *testing.T, ctx context.Context, p *pets.Pets, name string) error {
	t.Helper()
	for {
		w, err := p.Worker(ctx, name)
		if err != nil {
			return err
		}
		select {
		case <-w.Exited():
		case <-ctx.Done():
			t.Fatalf("pet %s is still alive", name)
		}
	}
}

// TestPetsUnderTheRoot: the pets live under the root supervisor's "pets"
// child, one supervisor each. A pet that crashes past its own intensity
// dies alone: the other pet and the root go on. When the root gives up,
// the pets go down with it.
func TestPetsUnderTheRoot(t *testing.T) {
	var events testkit.Recorder[supervisor.Event] // unbounded: OnEvent must not block
	s := startSystem(t, Options{
		Paths:       []string{fixtures(t)},
		NoIO:        true,
		Default:     PoolOptions{Size: 1},
		Supervision: Supervision{Intensity: supervisor.Intensity{MaxRestarts: -1}},
		Pets: map[string]pets.PetOptions{
			"loopy":  {Intensity: supervisor.Intensity{MaxRestarts: -1}}, // no restart at all
			"steady": {},
		},
		Children: []supervisor.ChildSpec{{ID: "fragile", Props: func() *actor.Props {
			return actor.PropsFromFunc(func(c actor.Context) {
				if c.Message() == "boom" {
					panic("boom")
				}
			})
		}}},
		OnEvent: events.Record,
	})
	ctx := testkit.Context(t)

	paths, _ := liveTree(s)
	for _, want := range []string{"taipan/pets/pet:loopy/loopy.1", "taipan/pets/pet:steady/steady.1"} {
		if !slices.Contains(paths, want) {
			t.Fatalf("no %s in the actor tree %v", want, paths)
		}
	}

	loopy, _ := s.Pets().Info("loopy")
	if err := syscall.Kill(loopy.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := awaitDead(t, ctx, s.Pets(), "loopy"); !errors.Is(err, pets.ErrPetDead) || !errors.Is(err, supervisor.ErrIntensityExceeded) {
		t.Fatalf("the crashed pet: %v", err)
	}
	// Its supervisor's end reaches the program's OnEvent, from "pets".
	events.Wait(t, "pets: pet:loopy exited", func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildExited)
		return ok && x.Supervisor == "pets" && x.Child == "pet:loopy" && !x.Normal()
	})
	if v, err := s.Pets().Call(ctx, "steady", "facade_mod", "pid"); err != nil || v == int64(loopy.Pid) {
		t.Fatalf("the other pet: %v %v", v, err)
	}
	select {
	case <-s.Done():
		t.Fatalf("a pet's death took the root down: %v", s.Err())
	default:
	}
	ch, err := s.Supervisor().Children(ctx)
	if err != nil || !slices.ContainsFunc(ch, func(c supervisor.Child) bool { return c.ID == "pets" && c.PID != nil }) {
		t.Fatalf("root's children %v, %v", ch, err)
	}

	// The root gives up (its intensity allows no restart): the tree goes
	// down, the pets with it.
	steady, _ := s.Pets().Info("steady")
	for _, c := range ch {
		if c.ID == "fragile" {
			s.Actors().Root.Send(c.PID, "boom")
		}
	}
	testkit.Receive(t, "the root to give up", s.Done())
	if err := s.Err(); !errors.Is(err, supervisor.ErrIntensityExceeded) {
		t.Fatalf("root: %v", err)
	}
	if _, err := s.Pets().Call(ctx, "steady", "facade_mod", "pid"); !errors.Is(err, pets.ErrPetDead) {
		t.Fatalf("a pet outlived the root: %v", err)
	}
	if testkit.Alive(steady.Pid) {
		t.Fatalf("the pet's process %d outlived the root", steady.Pid)
	}
}
