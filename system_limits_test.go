package taipan

import (
	"context"
	"errors"
	"testing"

	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
)

// TestSystemWorkerPolicy: the environment policy and the limits of
// Options.Worker reach the pools' workers and the pets.
func TestSystemWorkerPolicy(t *testing.T) {
	t.Setenv("TAIPAN_TEST_SECRET", "hunter2")
	s := startSystem(t, Options{
		Paths:   []string{fixtures(t)},
		Worker:  snakes.Options{EnvPolicy: snakes.EnvNone, Limits: snakes.Limits{Memory: 512 << 20}},
		Default: PoolOptions{Size: 1},
		NoIO:    true,
		Pets:    map[string]pets.PetOptions{"kept": {}},
	})
	ctx := context.Background()
	calls := map[string]func(module, function string, args ...any) (any, error){
		"pool": func(m, f string, args ...any) (any, error) { return s.Call(ctx, m, f, args...) },
		"pet":  func(m, f string, args ...any) (any, error) { return s.Pets().Call(ctx, "kept", m, f, args...) },
	}
	for name, call := range calls {
		if v, err := call("os", "getenv", "TAIPAN_TEST_SECRET"); err != nil || v != nil {
			t.Errorf("%s: the secret = %v, %v; want none under EnvNone", name, v, err)
		}
		_, err := call("builtins", "bytearray", int64(2<<30))
		var le *snakes.LimitError
		if !errors.As(err, &le) || le.Limit != snakes.LimitMemory {
			t.Errorf("%s: 2 GiB under 512 MiB: %v; want the memory *LimitError", name, err)
		}
		if v, err := call("facade_mod", "add", 1, 2); err != nil || v != int64(3) {
			t.Errorf("%s after: %v, %v", name, v, err)
		}
	}
}
