package taipan

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
	"github.com/taipan-go/taipan/watcher"
)

// docTree reads the tree drawn in the first fenced block after the
// heading that starts with heading in the markdown file path: one actor
// per line, its name the first word after the ├── / └── / │ indentation
// (4 columns a level). It returns each actor's path ("taipan/pets/...")
// in drawing order, and the placeholders: names in parentheses, which
// stand for what is not an actor yet, skipped with what they hold.
func docTree(t *testing.T, path, heading string) (paths, placeholders []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading)
	if !ok {
		t.Fatalf("%s: no heading %q", path, heading)
	}
	var block []string
	in := false
	for line := range strings.Lines(rest) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "```") {
			if in {
				break
			}
			// The tree is the text block, not the Go one above it.
			in = strings.TrimPrefix(line, "```") == "text"
			continue
		}
		if in && strings.TrimSpace(line) != "" {
			block = append(block, line)
		}
	}
	if len(block) == 0 {
		t.Fatalf("%s: no ```text block under %q", path, heading)
	}
	var stack []string
	skipBelow := -1 // the depth of a placeholder whose lines are skipped
	for _, line := range block {
		r := []rune(line)
		i := 0
		for i < len(r) && strings.ContainsRune("│├└─ \u00a0", r[i]) {
			i++
		}
		if i%4 != 0 {
			t.Fatalf("%s: %q: indentation of %d columns, not a multiple of 4", path, line, i)
		}
		depth := i / 4
		name, _, _ := strings.Cut(string(r[i:]), " ")
		if depth > len(stack) {
			t.Fatalf("%s: %q is %d levels below its parent", path, line, depth-len(stack))
		}
		stack = append(stack[:depth], name)
		if skipBelow >= 0 && depth > skipBelow {
			continue
		}
		skipBelow = -1
		if strings.HasPrefix(name, "(") {
			placeholders = append(placeholders, strings.Join(stack[:depth], "/")+"/"+strings.TrimSpace(string(r[i:])))
			skipBelow = depth
			continue
		}
		paths = append(paths, strings.Join(stack, "/"))
	}
	return paths, placeholders
}

// liveTree lists the actors of s by path, protoactor's "$n" suffixes cut
// off, and counts the anonymous top-level ones (a bare "$n").
func liveTree(s *System) (paths []string, anonymous int) {
	for _, id := range s.Actors().List() {
		segs := strings.Split(id, "/")
		for i, seg := range segs {
			if j := strings.LastIndexByte(seg, '$'); j >= 0 {
				segs[i] = seg[:j]
			}
		}
		if len(segs) == 1 && segs[0] == "" {
			anonymous++
			continue
		}
		paths = append(paths, strings.Join(segs, "/"))
	}
	return paths, anonymous
}

// TestTreeMatchesTheDocs: the live actor tree of taipan.Start — one pool
// of 3, one pet, hot reload, one child of the program — is the one
// docs/supervision.md draws, to the actor: a change to either fails
// here until the other follows.
func TestTreeMatchesTheDocs(t *testing.T) {
	want, placeholders := docTree(t, "docs/supervision.md", "## The tree of `taipan.Start`")
	s := startSystem(t, Options{
		Paths:     []string{t.TempDir()},
		Default:   PoolOptions{Size: 3},
		NoIO:      true,
		Pets:      map[string]pets.PetOptions{"model": {}},
		HotReload: &watcher.Options{},
		Children: []supervisor.ChildSpec{{ID: "api", Props: func() *actor.Props {
			return actor.PropsFromFunc(func(actor.Context) {})
		}}},
	})
	got, anonymous := liveTree(s)
	slices.Sort(got)
	sorted := slices.Sorted(slices.Values(want))
	if !slices.Equal(got, sorted) {
		t.Fatalf("live tree:\n  %s\ndocs/supervision.md draws:\n  %s", strings.Join(got, "\n  "), strings.Join(sorted, "\n  "))
	}
	// The drawing's order is the start order.
	ch, err := s.Supervisor().Children(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var order, drawn []string
	for _, c := range ch {
		order = append(order, rootName+"/"+c.ID)
	}
	for _, p := range want {
		if strings.Count(p, "/") == 1 {
			drawn = append(drawn, p)
		}
	}
	if !slices.Equal(order, drawn) {
		t.Fatalf("root's children in start order %v, drawn %v", order, drawn)
	}

	// Nothing is drawn in parentheses (a placeholder for what is not an
	// actor yet), and nothing runs outside the tree: no pool's manager
	// actor at the top of the actor system.
	if len(placeholders) != 0 {
		t.Fatalf("placeholders in the drawing: %q", placeholders)
	}
	if anonymous != 0 {
		t.Fatalf("%d anonymous top-level actors, want none: %v", anonymous, s.Actors().List())
	}
}

// A pool worker's crash is a supervisor event that names the pool and the
// worker's actor, with the worker's id and exit status; the worker's actor
// goes, and the pool's replacement joins the tree in its place.
func TestPoolWorkerCrashIsAnEvent(t *testing.T) {
	var rec testkit.Recorder[supervisor.Event]
	s := startSystem(t, Options{
		Paths:   []string{t.TempDir()},
		Default: PoolOptions{Size: 2},
		NoIO:    true,
		OnEvent: rec.Record,
	})
	p, err := s.Pool(snakes.PoolDefault)
	if err != nil {
		t.Fatal(err)
	}
	victim := p.List()[0]
	child := "worker-" + victim.ID[strings.LastIndexByte(victim.ID, '-')+1:]
	path := rootName + "/pool:default/" + child
	if got, _ := liveTree(s); !slices.Contains(got, path) {
		t.Fatalf("worker %s has no actor %s: %v", victim.ID, path, got)
	}

	if err := syscall.Kill(victim.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ev := rec.Wait(t, "the worker's exit", func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildExited)
		return ok && x.Supervisor == "pool:default"
	}).(supervisor.ChildExited)
	var wr *snakes.WorkerExitedReason
	var ee *snakes.ExitError
	switch {
	case ev.Child != child:
		t.Fatalf("event names child %q, want %q (%v)", ev.Child, child, ev)
	case ev.Normal():
		t.Fatalf("a SIGKILL reads as a normal exit: %v", ev)
	case !errors.As(ev.Reason, &wr) || wr.ID != victim.ID:
		t.Fatalf("reason %v, want a *snakes.WorkerExitedReason for %s", ev.Reason, victim.ID)
	case !errors.As(ev.Reason, &ee) || ee.Signal != syscall.SIGKILL:
		t.Fatalf("reason %v, want an exit by SIGKILL", ev.Reason)
	case ev.PID == nil || !strings.Contains(ev.PID.Id, "/"+child):
		t.Fatalf("event PID %v, want the actor of %s", ev.PID, child)
	}
	testkit.Eventually(t, "the crashed worker's actor to go and a replacement to join", func() bool {
		got, _ := liveTree(s)
		n := 0
		for _, g := range got {
			if strings.HasPrefix(g, rootName+"/pool:default/") {
				n++
			}
		}
		return !slices.Contains(got, path) && n == 2
	})
	// The pool replaced its worker: the root saw no child of its exit.
	if rec.Has(func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildExited)
		return ok && x.Supervisor == rootName
	}) {
		t.Fatalf("the root saw a child exit: %v", rec.Events())
	}
}
