// Command pets keeps two named Python workers alive — a "model" whose Init
// loads a (fake) model once per process, and a "counter" holding a count —
// calls them by name, kills the model's process and shows it coming back
// under the same name with its Init run again:
//
//	go run ./examples/pets
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/pets   # another interpreter
//
// Its Python module (petshop.py) sits next to this file.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/taipan-go/taipan"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pets:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := taipan.ProgramDir() // this program's directory: its .py module is there
	restarted := make(chan pets.PetRestarted, 4)
	shop, err := pets.New(ctx, pets.Options{
		Worker: snakes.Options{Paths: []string{dir}},
		OnEvent: func(e pets.Event) {
			if r, ok := e.(pets.PetRestarted); ok {
				restarted <- r
			}
		},
	})
	if err != nil {
		return err
	}
	defer shop.Stop(context.Background())

	// 1. Adopt: each pet starts once its Init has run.
	if err := shop.Adopt(ctx, "model", pets.PetOptions{
		Init: &snakes.InitCall{Module: "petshop", Function: "load_model", Args: []any{"tiny-linear", 4}},
	}); err != nil {
		return err
	}
	if err := shop.Adopt(ctx, "counter", pets.PetOptions{
		Init: &snakes.InitCall{Module: "petshop", Function: "start_count", Args: []any{100}},
	}); err != nil {
		return err
	}
	err = shop.Adopt(ctx, "counter", pets.PetOptions{})
	fmt.Printf("adopting \"counter\" again: ErrPetExists=%v\n", errors.Is(err, pets.ErrPetExists))

	// 2. Calls by name; the counter's state lives in its process.
	var desc struct {
		Name    string `erl:"name"`
		Weights int    `erl:"weights"`
	}
	if err := shop.CallInto(ctx, &desc, "model", "petshop", "describe"); err != nil {
		return err
	}
	fmt.Printf("model: %s with %d weights\n", desc.Name, desc.Weights)
	y, err := shop.Call(ctx, "model", "petshop", "predict", 2.0)
	if err != nil {
		return err
	}
	fmt.Printf("model.predict(2.0) = %v\n", y)
	for range 3 {
		if _, err := shop.Call(ctx, "counter", "petshop", "incr"); err != nil {
			return err
		}
	}
	n, err := shop.Call(ctx, "counter", "petshop", "incr")
	if err != nil {
		return err
	}
	fmt.Printf("counter after 4 calls: %v\n", n)
	_, err = shop.Call(ctx, "nobody", "petshop", "incr")
	fmt.Printf("calling \"nobody\": ErrNoSuchPet=%v\n", errors.Is(err, pets.ErrNoSuchPet))

	// 3. Kill the model's process: its supervisor starts a new one under
	// the same name, and Init loads the model again.
	before, err := shop.Info("model")
	if err != nil {
		return err
	}
	if err := syscall.Kill(before.Pid, syscall.SIGKILL); err != nil {
		return err
	}
	fmt.Println("killed the model's process (SIGKILL)")
	select {
	case r := <-restarted:
		fmt.Printf("pet %s restarted: worker %s, new process: %v\n", r.Name, r.Worker, r.Pid != before.Pid)
	case <-ctx.Done():
		return fmt.Errorf("the model did not come back: %w", ctx.Err())
	}
	if err := shop.CallInto(ctx, &desc, "model", "petshop", "describe"); err != nil {
		return err
	}
	fmt.Printf("model after restart: %s with %d weights (rebuilt by Init)\n", desc.Name, desc.Weights)
	if y2, err := shop.Call(ctx, "model", "petshop", "predict", 2.0); err != nil || y2 != y {
		return fmt.Errorf("predict after restart: %v, %v", y2, err)
	}
	n, err = shop.Call(ctx, "counter", "petshop", "incr")
	if err != nil {
		return err
	}
	fmt.Printf("counter, untouched by the model's crash: %v\n", n)

	// 4. List, slay, stop.
	for _, in := range shop.List() {
		fmt.Printf("pet %-8s %-8s restarts=%d calls=%d\n", in.Name, in.State, in.Restarts, in.Calls)
	}
	if err := shop.Slay(ctx, "counter", snakes.SlayPolite); err != nil {
		return err
	}
	fmt.Printf("slew \"counter\": still there=%v\n", shop.Has("counter"))
	if err := shop.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("pets stopped")
	return nil
}
