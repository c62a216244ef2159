package actors

import (
	"context"
	"slices"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// TestList: List shows each live actor by its path, children included,
// and nothing once they are stopped.
func TestList(t *testing.T) {
	sys := NewSystem(Options{})
	spawned := make(chan struct{})
	parent, err := sys.Root.SpawnNamed(actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			c.SpawnNamed(actor.PropsFromFunc(func(actor.Context) {}), "child")
			close(spawned)
		}
	}), "parent")
	if err != nil {
		t.Fatal(err)
	}
	<-spawned
	if got, want := sys.List(), []string{"parent", "parent/child"}; !slices.Equal(got, want) {
		t.Fatalf("List() = %v, want %v (parent %s)", got, want, parent.Id)
	}
	if err := sys.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := sys.List(); len(got) != 0 {
		t.Fatalf("List() after Stop = %v", got)
	}
}
