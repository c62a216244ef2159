// Command supervision runs an application under one supervision tree — a
// pool of Python workers and a plain Go actor, both children of taipan's
// root supervisor — and shows crashes and restarts in the log:
//
//	go run ./examples/supervision
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/supervision   # another interpreter
//
// The Go actor panics and is restarted; the pool's workers are all killed,
// which is past the pool's restart intensity, so the pool fails and the
// root supervisor revives it with fresh workers, behind the same handle.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "supervision:", err)
		os.Exit(1)
	}
}

// counter is a plain Go actor: it counts "tick"s and panics on "crash".
type counter struct{ n int }

func (c *counter) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case string:
		switch m {
		case "tick":
			c.n++
			ctx.Respond(c.n)
		case "crash":
			panic("counter told to crash")
		}
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Every supervision event in the log, and on a channel for the demo.
	events := make(chan supervisor.Event, 64)
	logger := hclog.New(&hclog.LoggerOptions{Name: "app", Output: os.Stdout, Level: hclog.Info, DisableTime: true})
	sys, err := taipan.Start(ctx, taipan.Options{
		// The module path defaults to this program's directory (work.py).
		NoIO:    true,
		Default: taipan.PoolOptions{Size: 2, Intensity: supervisor.Intensity{MaxRestarts: 1, Period: time.Minute}},
		Children: []supervisor.ChildSpec{
			{ID: "counter", Props: func() *actor.Props { return actor.PropsFromProducer(func() actor.Actor { return &counter{} }) }},
		},
		OnEvent: func(e supervisor.Event) { events <- e },
		Logger:  logger,
	})
	if err != nil {
		return err
	}
	defer sys.Stop(context.Background())

	v, err := sys.Call(ctx, "work", "square", 7)
	if err != nil {
		return err
	}
	fmt.Printf("work.square(7) = %v\n", v)

	// 1. The Go actor crashes; the root supervisor restarts it, fresh.
	if n, err := tick(ctx, sys); err != nil || n != 1 {
		return fmt.Errorf("first tick: %v %v", n, err)
	}
	tick(ctx, sys)
	pid, err := childPID(ctx, sys, "counter")
	if err != nil {
		return err
	}
	sys.Actors().Root.Send(pid, "crash")
	if err := waitRestart(ctx, events, "counter"); err != nil {
		return err
	}
	n, err := tick(ctx, sys)
	if err != nil {
		return err
	}
	fmt.Printf("counter restarted: its count starts again at %d\n", n)

	// 2. Every worker of the pool dies: more crashes than its intensity
	// (1 per minute) allows. The pool fails; the root supervisor revives it.
	pool, err := sys.Pool("default")
	if err != nil {
		return err
	}
	var old []int
	for _, w := range pool.List() {
		old = append(old, w.Pid)
		syscall.Kill(w.Pid, syscall.SIGKILL)
	}
	if err := waitRestart(ctx, events, "pool:default"); err != nil {
		return err
	}
	var p int
	for {
		p, err = callPid(ctx, sys)
		if !errors.Is(err, snakes.ErrPoolFailed) || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond) // revived, workers still starting
	}
	if err != nil {
		return err
	}
	if slices.Contains(old, p) {
		return fmt.Errorf("a killed worker (pid %d) still serves", p)
	}
	for len(pool.List()) < 2 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("pool revived: %d fresh workers, the same handle\n", len(pool.List()))

	if err := sys.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("stopped: no Python process left")
	return nil
}

func tick(ctx context.Context, sys *taipan.System) (int, error) {
	pid, err := childPID(ctx, sys, "counter")
	if err != nil {
		return 0, err
	}
	res, err := sys.Actors().Root.RequestFuture(pid, "tick", 5*time.Second).Result()
	if err != nil {
		return 0, err
	}
	return res.(int), nil
}

func callPid(ctx context.Context, sys *taipan.System) (int, error) {
	v, err := sys.Call(ctx, "work", "pid")
	if err != nil {
		return 0, err
	}
	return int(v.(int64)), nil
}

// childPID finds a running child of the root supervisor.
func childPID(ctx context.Context, sys *taipan.System, id string) (*actor.PID, error) {
	for ctx.Err() == nil {
		children, err := sys.Supervisor().Children(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			if c.ID == id && c.PID != nil {
				return c.PID, nil
			}
		}
		time.Sleep(10 * time.Millisecond) // restarting
	}
	return nil, ctx.Err()
}

// waitRestart waits for the supervisor's event that child restarted.
func waitRestart(ctx context.Context, events <-chan supervisor.Event, child string) error {
	for {
		select {
		case e := <-events:
			if r, ok := e.(supervisor.ChildRestarted); ok && r.Child == child {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to restart: %w", child, ctx.Err())
		}
	}
}
