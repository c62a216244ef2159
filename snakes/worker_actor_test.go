package snakes

import (
	"context"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/taipan-go/taipan/internal/testkit"
)

func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
}

func getWorker(t *testing.T, sys *actor.ActorSystem, pid *actor.PID) *Worker {
	t.Helper()
	res, err := sys.Root.RequestFuture(pid, &GetWorker{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := res.(*Worker)
	return w
}

func TestWorkerActor(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	strategy := actor.NewOneForOneStrategy(3, time.Minute, func(reason any) actor.Directive {
		if _, ok := reason.(*WorkerExitedReason); ok {
			return actor.RestartDirective
		}
		return actor.StopDirective
	})
	opts := Options{Interpreter: interp(t), Paths: []string{fixturesDir(t)}}
	parent := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case string:
			if m == "spawn" {
				ctx.Respond(ctx.Spawn(WorkerProps(opts)))
			}
		}
	}, actor.WithSupervisor(strategy)))
	res, err := sys.Root.RequestFuture(parent, "spawn", 10*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	child := res.(*actor.PID)

	w := getWorker(t, sys, child)
	if w == nil {
		t.Fatal("no worker")
	}
	if v, err := w.Call(context.Background(), "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("call through the actor's worker: %v %v", v, err)
	}
	// The process dies: the actor fails, its supervisor restarts it with a
	// new process.
	oldPid := w.Pid()
	syscall.Kill(oldPid, syscall.SIGKILL)
	// Bounded by Patience, not 10 s: a restart is a Python start, seconds
	// under -race on a loaded machine.
	var w2 *Worker
	testkit.Eventually(t, "the worker restarted", func() bool {
		w2 = getWorker(t, sys, child)
		return w2 != nil && w2.Pid() != oldPid
	})
	if v, err := w2.Call(context.Background(), "operator", "add", 2, 2); err != nil || v != int64(4) {
		t.Fatalf("restarted worker: %v %v", v, err)
	}
	// Stopping the actor stops the process.
	if err := sys.Root.StopFuture(child).Wait(); err != nil {
		t.Fatal(err)
	}
	testkit.Receive(t, "the process to go with its actor", w2.Exited())
}
