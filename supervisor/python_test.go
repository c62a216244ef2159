package supervisor

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestPythonWorkerRestartedAfterSIGKILL supervises real Python workers:
// the process is SIGKILLed, the worker actor fails, the supervisor
// restarts it with a new process and says so.
func TestPythonWorkerRestartedAfterSIGKILL(t *testing.T) {
	in, err := snakes.ResolveInterpreter(context.Background(), snakes.InterpreterOptions{})
	if err != nil {
		t.Skipf("no python3: %v", err)
	}
	sys, rec := newSystem(t), newRecorder()
	worker := func(id string) ChildSpec {
		return ChildSpec{ID: id, Props: func() *actor.Props {
			return snakes.WorkerProps(snakes.Options{Interpreter: in, ID: id})
		}}
	}
	s := start(t, sys, Spec{Name: "py", OnEvent: rec.Record, Children: []ChildSpec{worker("w1"), worker("w2")}})
	getWorker := func(id string) *snakes.Worker {
		res, err := sys.Root.RequestFuture(pidOf(t, s, id), &snakes.GetWorker{}, 5*time.Second).Result()
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
	ex := rec.Next(t, "exit of w1", exited("w1")).(ChildExited)
	var we *snakes.WorkerExitedReason
	if !errors.As(ex.Reason, &we) || ex.Normal() {
		t.Fatalf("exit reason %v", ex.Reason)
	}
	rec.Next(t, "restart of w1", restarted("w1"))
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
		testkit.Receive(t, fmt.Sprintf("process %d to end with Stop", x.Pid()), x.Exited())
	}
}
