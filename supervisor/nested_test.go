package supervisor

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// startNested starts a supervisor of one probe child under parent.
func startNested(t *testing.T, parent *Supervisor, id string, p *probe, rec *testkit.Recorder[Event]) *Supervisor {
	t.Helper()
	s, err := parent.StartSupervisor(testkit.Context(t), id, Spec{
		Name: id, Intensity: Intensity{MaxRestarts: 1, Period: time.Minute}, Backoff: Backoff{Disabled: true},
		Children: []ChildSpec{p.child(id+".a", Permanent)}, OnEvent: rec.Record,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStartSupervisorKeepsTheTreeWhole: supervisors started under a
// parent are its children in the actor tree; one that exceeds its
// intensity dies alone — its handle says why, the parent forgets it and
// goes on, its sibling is untouched — and one stopped by its handle is
// reported stopped by the parent.
func TestStartSupervisorKeepsTheTreeWhole(t *testing.T) {
	sys, p := newSystem(t), newProbe()
	top, inner := newRecorder(), newRecorder()
	parent := start(t, sys, Spec{Name: "parent", Intensity: Intensity{MaxRestarts: -1}, OnEvent: top.Record})
	loopy := startNested(t, parent, "loopy", p, inner)
	steady := startNested(t, parent, "steady", p, newRecorder())
	if got := p.next(t, 2); !slices.Equal(got, []string{"start loopy.a", "start steady.a"}) {
		t.Fatalf("log %v", got)
	}
	ch, err := parent.Children(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 2 || ch[0].ID != "loopy" || !ch[0].PID.Equal(loopy.PID()) || ch[1].ID != "steady" || ch[0].Restart != Temporary {
		t.Fatalf("parent's children %v", ch)
	}
	// The actor tree: parent$n/loopy$m/loopy.a$k.
	a := pidOf(t, loopy, "loopy.a")
	if !strings.HasPrefix(a.Id, loopy.PID().Id+"/") || !strings.HasPrefix(loopy.PID().Id, parent.PID().Id+"/") {
		t.Fatalf("not nested: %s under %s under %s", a.Id, loopy.PID().Id, parent.PID().Id)
	}

	// loopy.a crashes twice, one more than loopy allows.
	sys.Root.Send(a, "boom")
	inner.Next(t, "restart", restarted("loopy.a"))
	sys.Root.Send(pidOf(t, loopy, "loopy.a"), "boom")
	testkit.Receive(t, "loopy to give up", loopy.Done())
	if err := loopy.Err(); !errors.Is(err, ErrIntensityExceeded) || !errors.Is(err, errCrash) {
		t.Fatalf("loopy.Err() = %v", err)
	}
	ex := top.Next(t, "loopy's exit", exited("loopy")).(ChildExited)
	if !errors.Is(ex.Reason, ErrIntensityExceeded) {
		t.Fatalf("parent saw loopy exit with %v", ex.Reason)
	}
	ch, _ = parent.Children(context.Background())
	if len(ch) != 1 || ch[0].ID != "steady" || parent.Err() != nil {
		t.Fatalf("parent after loopy gave up: %v, %v", ch, parent.Err())
	}
	if err := loopy.Stop(context.Background()); err != nil { // a dead one: nothing to do
		t.Fatalf("stopping a supervisor that gave up: %v", err)
	}

	// Stopped by its handle: the parent stopped it (ChildStopped).
	if err := steady.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	top.Next(t, "steady stopped", func(e Event) bool { x, ok := e.(ChildStopped); return ok && x.Child == "steady" })
	if steady.Err() != nil {
		t.Fatalf("steady.Err() = %v", steady.Err())
	}
	ch, _ = parent.Children(context.Background())
	if len(ch) != 0 {
		t.Fatalf("parent's children after Stop: %v", ch)
	}
	// A new one may take the name of a stopped one.
	again := startNested(t, parent, "steady", p, newRecorder())
	if err := parent.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	testkit.Receive(t, "the nested supervisor to stop with its parent", again.Done())
}

// TestStartSupervisorRefusesARestartingTemplate: under simple_one_for_one
// the template's restart type applies; a handle follows one incarnation,
// so it must be temporary.
func TestStartSupervisorRefusesARestartingTemplate(t *testing.T) {
	sys, p := newSystem(t), newProbe()
	for _, tc := range []struct {
		restart Restart
		ok      bool
	}{{Permanent, false}, {Transient, false}, {Temporary, true}} {
		parent := start(t, sys, Spec{Strategy: SimpleOneForOne, Template: ChildSpec{ID: "sub", Restart: tc.restart, Props: p.props("x")}})
		_, err := parent.StartSupervisor(context.Background(), "sub", Spec{Children: []ChildSpec{p.child("a", Permanent)}})
		if (err == nil) != tc.ok || !tc.ok && !errors.Is(err, ErrInvalidSpec) {
			t.Fatalf("%v template: %v", tc.restart, err)
		}
		if err := parent.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
