package snakes

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/supervisor"
)

// actorTree lists the actors of sys by path, protoactor's "$n" suffixes
// cut off: a pool's anonymous top-level manager actor is "", its workers
// "/worker-1"...
func actorTree(sys *actors.System) []string {
	var paths []string
	for _, id := range sys.List() {
		segs := strings.Split(id, "/")
		for i, s := range segs {
			if j := strings.LastIndexByte(s, '$'); j >= 0 {
				segs[i] = s[:j]
			}
		}
		paths = append(paths, strings.Join(segs, "/"))
	}
	slices.Sort(paths)
	return paths
}

// workerActors returns the names of the worker actors under parent in
// tree.
func workerActors(tree []string, parent string) []string {
	var names []string
	for _, p := range tree {
		if rest, ok := strings.CutPrefix(p, parent+"/"); ok && strings.HasPrefix(rest, "worker-") {
			names = append(names, rest)
		}
	}
	return names
}

// isCrashOf matches the supervisor event of the crash of the worker whose
// actor is child.
func isCrashOf(child string) func(supervisor.Event) bool {
	return func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildExited)
		return ok && x.Supervisor == "pool:calc" && x.Child == child
	}
}

// workerActorsOf is a pool layout: where its manager actor sits in the
// actor tree, set up by start.
type workerActorsOf struct {
	name  string
	start func(t *testing.T, sys *actors.System, opts PoolOptions) *Pool
	// parent is the path of the manager actor, the workers' parent.
	parent string
}

var poolLayouts = []workerActorsOf{
	{"standalone: the manager actor at the top", func(t *testing.T, sys *actors.System, opts PoolOptions) *Pool {
		opts.ActorSystem = sys.Actors
		return startPool(t, opts)
	}, ""},
	{"supervised: the manager actor is PoolProps'", func(t *testing.T, sys *actors.System, opts PoolOptions) *Pool {
		p, _, _ := superviseAs(t, sys.Actors, true, supervisor.Spec{Name: "app"}, opts)
		return p
	}, "app/pool"},
}

// Every worker of a pool is an actor under the pool's manager actor, for
// as long as its process lives: its crash is a supervisor event naming
// the pool and the worker's actor, and its replacement takes its place; a
// worker the pool was asked to stop (Slay) is no crash.
func TestPoolWorkersAreActors(t *testing.T) {
	for _, layout := range poolLayouts {
		t.Run(layout.name, func(t *testing.T) {
			sys := actors.NewSystem(actors.Options{})
			t.Cleanup(func() { sys.Stop(context.Background()) })
			var rec testkit.Recorder[supervisor.Event]
			p := layout.start(t, sys, PoolOptions{Name: "calc", Size: 2, OnEvent: rec.Record})
			workers := func() []string { return workerActors(actorTree(sys), layout.parent) }
			if got := workers(); !slices.Equal(got, []string{"worker-1", "worker-2"}) {
				t.Fatalf("worker actors %v, want worker-1 and worker-2 under %q: %v", got, layout.parent, actorTree(sys))
			}
			if anon := slices.Index(actorTree(sys), ""); (anon >= 0) != (layout.parent == "") {
				t.Fatalf("anonymous top-level actor: %v", actorTree(sys))
			}

			// Slain: asked for, no crash; replaced by worker-3.
			if err := p.Slay(testkit.Context(t), "calc-1", SlayBrutal); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, "worker-1 replaced by worker-3", func() bool {
				return slices.Equal(workers(), []string{"worker-2", "worker-3"})
			})

			// Killed: a crash, told to OnEvent; replaced by worker-4.
			var pid int
			for _, w := range p.List() {
				if w.ID == "calc-2" {
					pid = w.Pid
				}
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			ev := rec.Wait(t, "worker-2's crash", isCrashOf("worker-2")).(supervisor.ChildExited)
			var wr *WorkerExitedReason
			var ee *ExitError
			if !errors.As(ev.Reason, &wr) || wr.ID != "calc-2" || !errors.As(ev.Reason, &ee) || ee.Signal != syscall.SIGKILL {
				t.Fatalf("crash reason %v, want calc-2 killed by SIGKILL", ev.Reason)
			}
			if ev.PID == nil || !strings.HasSuffix(ev.PID.Id, "/worker-2") {
				t.Fatalf("crash event PID %v, want worker-2's actor", ev.PID)
			}
			testkit.Eventually(t, "worker-2 replaced by worker-4", func() bool {
				return slices.Equal(workers(), []string{"worker-3", "worker-4"})
			})
			// The manager actor tells of exits in order: worker-1's, had
			// it been a crash, would have come before worker-2's.
			if rec.Has(isCrashOf("worker-1")) {
				t.Fatalf("the slain worker's exit was told as a crash: %v", rec.Events())
			}

			ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
			defer cancel()
			if err := p.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, "the worker actors to go with their processes", func() bool { return len(workers()) == 0 })
			if layout.parent == "" && len(actorTree(sys)) != 0 {
				t.Fatalf("actors left after Stop: %v", actorTree(sys))
			}
		})
	}
}

// A worker that cannot start is a supervisor event too, and its actor
// goes.
func TestPoolWorkerStartFailedIsAnEvent(t *testing.T) {
	for _, layout := range poolLayouts {
		t.Run(layout.name, func(t *testing.T) {
			sys := actors.NewSystem(actors.Options{})
			t.Cleanup(func() { sys.Stop(context.Background()) })
			var rec testkit.Recorder[supervisor.Event]
			// The first worker's init makes the directory; the next ones'
			// fail (it exists).
			dir := filepath.Join(t.TempDir(), "once")
			p := layout.start(t, sys, PoolOptions{Name: "calc", Size: 1, OnEvent: rec.Record,
				Worker: Options{Init: &InitCall{Module: "os", Function: "mkdir", Args: []any{dir}}}})
			if err := p.Slay(testkit.Context(t), "calc-1", SlayBrutal); err != nil {
				t.Fatal(err)
			}
			ev := rec.Wait(t, "worker-2's failed start", func(e supervisor.Event) bool {
				x, ok := e.(supervisor.ChildStartFailed)
				return ok && x.Supervisor == "pool:calc" && x.Child == "worker-2"
			}).(supervisor.ChildStartFailed)
			if !errors.Is(ev.Err, ErrStartFailed) || !strings.Contains(ev.Err.Error(), "FileExistsError") {
				t.Fatalf("start failure %v, want ErrStartFailed with Python's FileExistsError", ev.Err)
			}
			testkit.Eventually(t, "worker-2's actor to go", func() bool {
				return !slices.Contains(workerActors(actorTree(sys), layout.parent), "worker-2")
			})
		})
	}
}

// A Supervised pool's workers live under the incarnation of its actor: a
// restart of the pool (its failure) replaces them with fresh ones under
// the new incarnation, and nothing is left under the old one.
func TestSupervisedPoolRestartMovesItsWorkers(t *testing.T) {
	sys := actors.NewSystem(actors.Options{})
	t.Cleanup(func() { sys.Stop(context.Background()) })
	p, _, events := superviseAs(t, sys.Actors, true, supervisor.Spec{Name: "app", Intensity: supervisor.Intensity{MaxRestarts: 5, Period: time.Minute}},
		PoolOptions{Name: "calc", Size: 2, Intensity: supervisor.Intensity{MaxRestarts: 1, Period: time.Minute}})
	parentOf := func() map[string]bool {
		parents := map[string]bool{}
		for _, id := range sys.List() {
			if i := strings.LastIndex(id, "/worker-"); i >= 0 {
				parents[id[:i]] = true
			}
		}
		return parents
	}
	before := parentOf()
	if len(before) != 1 {
		t.Fatalf("the workers have %d parents: %v", len(before), sys.List())
	}
	killAll(t, p) // 2 crashes, 1 allowed: the pool fails
	waitEvent(t, events, "the pool's restart", func(e supervisor.Event) bool {
		x, ok := e.(supervisor.ChildRestarted)
		return ok && x.Child == "pool"
	})
	if err := p.Ready(testkit.Context(t)); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "2 workers under the pool's new incarnation", func() bool {
		after := parentOf()
		if len(after) != 1 {
			return false
		}
		for parent := range after {
			if before[parent] {
				return false
			}
		}
		return len(workerActors(actorTree(sys), "app/pool")) == 2
	})
	if v, err := p.Call(context.Background(), "operator", "add", 2, 3); err != nil || v != int64(5) {
		t.Fatalf("call on the restarted pool: %v %v", v, err)
	}
}
