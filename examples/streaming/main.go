// Command streaming consumes Python generators from Go as iterators:
//
//	go run ./examples/streaming
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/streaming   # another interpreter
//
// for item, err := range w.Stream(...) pulls the items as Python yields
// them, with backpressure (Python runs at most StreamCredit items ahead).
// Breaking out of the loop closes the generator: its finally block runs
// before the loop statement returns. The Python side is numbers.py.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan"
	"github.com/taipan-go/taipan/snakes"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "streaming:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	dir := taipan.ProgramDir() // this program's directory: its .py module is there
	interp, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{})
	if err != nil {
		return err
	}
	// Python's print() and logging arrive through this logger.
	logger := hclog.New(&hclog.LoggerOptions{Name: "python", Output: os.Stdout, DisableTime: true})
	w, err := snakes.Start(ctx, snakes.Options{
		Interpreter:  interp,
		Paths:        []string{dir},
		Logger:       logger,
		StreamCredit: 8, // Python may run at most 8 items ahead of the loop (default 64)
	})
	if err != nil {
		return err
	}
	defer w.Stop(context.Background())

	// 1. A whole stream: the loop ends when the generator returns.
	sum := int64(0)
	n := 0
	for item, err := range w.Stream(ctx, "numbers", "count", 10) {
		if err != nil {
			return err
		}
		sum += item.(map[string]any)["square"].(int64)
		n++
	}
	fmt.Printf("count(10): %d items, sum of squares %d\n", n, sum)
	if n != 10 || sum != 285 {
		return fmt.Errorf("count(10) gave %d items, sum %d; want 10, 285", n, sum)
	}

	// 2. Stop half way: break closes the generator (its finally runs).
	const total, stopAt = 100, 50
	n = 0
	for item, err := range w.Stream(ctx, "numbers", "count", total) {
		if err != nil {
			return err
		}
		n++
		if item.(map[string]any)["i"].(int64) == stopAt-1 {
			break
		}
	}
	fmt.Printf("count(%d): stopped after %d items\n", total, n)

	var last struct {
		Produced int  `erl:"produced"`
		Closed   bool `erl:"closed"`
		Finished bool `erl:"finished"`
	}
	if err := w.CallInto(ctx, &last, "numbers", "last_run"); err != nil {
		return err
	}
	fmt.Printf("generator closed: %v, ran to the end: %v, produced %d of %d items (credit 8 ahead of the consumer)\n",
		last.Closed, last.Finished, last.Produced, total)
	if !last.Closed || last.Finished || last.Produced >= total {
		return fmt.Errorf("the generator was not closed early: %+v", last)
	}

	// 3. An async generator, consumed the same way.
	for item, err := range w.Stream(ctx, "numbers", "ticks", 3, 0.01) {
		if err != nil {
			return err
		}
		fmt.Println("async generator:", item)
	}

	if err := w.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("worker stopped")
	return nil
}
