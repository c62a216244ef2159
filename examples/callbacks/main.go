// Command callbacks shows Python calling Go: functions registered with
// Worker.RegisterFunc, called through taipan.host from the worker's main
// thread, from four Python threads at once, and from asyncio.
//
//	go run ./examples/callbacks
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/callbacks   # another interpreter
//
// The Python side is hostcalls.py, next to this file.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/taipan-go/taipan"
	"github.com/taipan-go/taipan/snakes"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "callbacks:", err)
		os.Exit(1)
	}
}

// concurrency tracks how many slow_square calls run at once.
var running, peak atomic.Int64

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	dir := taipan.ProgramDir() // this program's directory: its .py module is there
	interp, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{})
	if err != nil {
		return err
	}
	w, err := snakes.Start(ctx, snakes.Options{Interpreter: interp, Paths: []string{dir}})
	if err != nil {
		return err
	}
	defer w.Stop(context.Background())

	// Go functions Python may call: taipan.host.call(name, *args). Python
	// ints arrive as int64, floats as float64, str as string. Each call runs
	// on its own goroutine.
	w.RegisterFunc("double", func(ctx context.Context, args []any) (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("double takes 1 argument, got %d", len(args))
		}
		n, ok := args[0].(int64)
		if !ok {
			return nil, fmt.Errorf("double: want an int, got %T", args[0])
		}
		return n * 2, nil
	})
	w.RegisterFunc("slow_square", func(ctx context.Context, args []any) (any, error) {
		n, ok := args[0].(int64)
		if !ok {
			return nil, fmt.Errorf("slow_square: want an int, got %T", args[0])
		}
		now := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		select {
		case <-time.After(200 * time.Millisecond): // some slow Go work
		case <-ctx.Done(): // the callback timed out or the worker stopped
			return nil, ctx.Err()
		}
		return n * n, nil
	})
	w.RegisterFunc("fail", func(ctx context.Context, args []any) (any, error) {
		return nil, fmt.Errorf("lookup failed: %v", args[0])
	})

	// 1. From the main thread.
	var d int64
	if err := w.CallInto(ctx, &d, "hostcalls", "from_main", 21); err != nil {
		return err
	}
	fmt.Printf("main thread: taipan.host.call(\"double\", 21) = %d\n", d)
	if d != 42 {
		return fmt.Errorf("double(21) = %d, want 42", d)
	}

	// 2. From 4 Python threads at once: the Go calls overlap.
	peak.Store(0)
	start := time.Now()
	var squares []int64
	if err := w.CallInto(ctx, &squares, "hostcalls", "from_threads", 4); err != nil {
		return err
	}
	fmt.Printf("4 threads: results %v in %v, up to %d Go calls at once\n",
		squares, time.Since(start).Round(10*time.Millisecond), peak.Load())
	if !slices.Equal(squares, []int64{0, 1, 4, 9}) {
		return fmt.Errorf("from_threads returned %v", squares)
	}

	// 3. From asyncio: await taipan.host.acall(...) keeps the loop running.
	peak.Store(0)
	start = time.Now()
	var res struct {
		Results []int64 `erl:"results"`
		Ticks   int     `erl:"ticks"`
	}
	if err := w.CallInto(ctx, &res, "hostcalls", "from_asyncio", 4); err != nil {
		return err
	}
	fmt.Printf("asyncio: results %v in %v, up to %d Go calls at once; the event loop ticked %d times meanwhile\n",
		res.Results, time.Since(start).Round(10*time.Millisecond), peak.Load(), res.Ticks)
	if !slices.Equal(res.Results, []int64{0, 1, 4, 9}) {
		return fmt.Errorf("from_asyncio returned %v", res.Results)
	}

	// 4. A Go error reaches Python as taipan.HostError.
	var msg string
	if err := w.CallInto(ctx, &msg, "hostcalls", "host_error"); err != nil {
		return err
	}
	fmt.Println("go error:", msg)

	// 5. A function Python calls but Go never registered.
	_, err = w.Call(ctx, "taipan.host", "call", "nope")
	var pyErr *snakes.PythonError
	if !errors.As(err, &pyErr) {
		return fmt.Errorf("calling an unregistered function: want a *snakes.PythonError, got %v", err)
	}
	fmt.Printf("unregistered: %s: %s\n", pyErr.Type, pyErr.Message)

	if err := w.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("worker stopped")
	return nil
}
