package supervisor_test

// An external test: package snakes imports supervisor, so a test of
// supervisor that runs real Python workers lives outside the package.

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/actors"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// TestPythonWorkerRestartedAfterSIGKILL supervises real Python workers:
// the process is SIGKILLed, the worker actor fails, the supervisor
// restarts it with a new process and says so.
func TestPythonWorkerRestartedAfterSIGKILL(t *testing.T) {
	in, err := snakes.ResolveInterpreter(context.Background(), snakes.InterpreterOptions{})
	if err != nil {
		t.Skipf("no python3: %v", err)
	}
	sys := actors.NewSystem(actors.Options{})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sys.Stop(ctx)
	}()
	events := make(chan supervisor.Event, 1000)
	waitFor := func(what string, pred func(supervisor.Event) bool) supervisor.Event {
		t.Helper()
		timeout := time.After(testkit.Patience) // a Python start under -race on a loaded machine takes seconds
		for {
			select {
			case e := <-events:
				if pred(e) {
					return e
				}
			case <-timeout:
				t.Fatalf("no %s", what)
			}
		}
	}
	worker := func(id string) supervisor.ChildSpec {
		return supervisor.ChildSpec{ID: id, Props: func() *actor.Props {
			return snakes.WorkerProps(snakes.Options{Interpreter: in, ID: id})
		}}
	}
	s, err := supervisor.Start(context.Background(), sys.Root, supervisor.Spec{Name: "py", OnEvent: func(e supervisor.Event) { events <- e }, Children: []supervisor.ChildSpec{worker("w1"), worker("w2")}})
	if err != nil {
		t.Fatal(err)
	}
	pidOf := func(id string) *actor.PID {
		ch, err := s.Children(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			if c.ID == id {
				return c.PID
			}
		}
		t.Fatalf("no child %s in %v", id, ch)
		return nil
	}
	getWorker := func(id string) *snakes.Worker {
		res, err := sys.Root.RequestFuture(pidOf(id), &snakes.GetWorker{}, testkit.Patience).Result()
		if err != nil {
			t.Fatal(err)
		}
		w, _ := res.(*snakes.Worker)
		if w == nil {
			t.Fatalf("%s has no worker", id)
		}
		return w
	}
	ctx := context.Background()
	old, sibling := getWorker("w1"), getWorker("w2")
	if v, err := old.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("call: %v %v", v, err)
	}
	if err := syscall.Kill(old.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ex := waitFor("exit of w1", func(e supervisor.Event) bool { x, ok := e.(supervisor.ChildExited); return ok && x.Child == "w1" }).(supervisor.ChildExited)
	var we *snakes.WorkerExitedReason
	if !errors.As(ex.Reason, &we) || ex.Normal() {
		t.Fatalf("exit reason %v", ex.Reason)
	}
	waitFor("restart of w1", func(e supervisor.Event) bool { x, ok := e.(supervisor.ChildRestarted); return ok && x.Child == "w1" })
	w := getWorker("w1")
	if w.Pid() == old.Pid() {
		t.Fatal("same process after restart")
	}
	if v, err := w.Call(ctx, "operator", "add", 2, 2); err != nil || v != int64(4) {
		t.Fatalf("call after restart: %v %v", v, err)
	}
	if getWorker("w2") != sibling {
		t.Fatal("one_for_one replaced the sibling")
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*snakes.Worker{w, sibling} {
		testkit.Receive(t, fmt.Sprintf("process %d to exit after Stop", x.Pid()), x.Exited())
	}
}
