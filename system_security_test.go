package taipan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
)

// TestAllowlistReachesPoolsAndPets: Options.Worker.Allow, set once, locks
// down the default pool, a pool a route leads to, and the pets: os.system
// is refused on each, operator.add runs on each.
func TestAllowlistReachesPoolsAndPets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	s := startSystem(t, Options{
		Paths:   []string{fixtures(t)},
		NoIO:    true,
		Default: PoolOptions{Size: 1},
		Pools:   map[string]PoolOptions{"side": {Size: 1}},
		Routes:  map[string]string{"os": "side"},
		Pets:    map[string]pets.PetOptions{"pet": {}},
		Worker:  snakes.Options{Allow: []string{"operator"}},
	})
	ctx := testkit.Context(t)
	def, err := s.Pool("default")
	if err != nil {
		t.Fatal(err)
	}
	side, err := s.Pool("side")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		call func(ctx context.Context, module, function string, args ...any) (any, error)
	}{
		{"the default pool", def.Call},
		{"a route to another pool", s.Call}, // os → side
		{"the side pool", side.Call},
		{"a pet", func(ctx context.Context, module, function string, args ...any) (any, error) {
			return s.Pets().Call(ctx, "pet", module, function, args...)
		}},
	} {
		_, err := c.call(ctx, "os", "system", "mkdir "+dir)
		var ne *snakes.NotAllowedError
		if !errors.Is(err, snakes.ErrNotAllowed) || !errors.As(err, &ne) || ne.Module != "os" || ne.Function != "system" {
			t.Fatalf("%s: os.system: %v", c.name, err)
		}
		if v, err := c.call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
			t.Fatalf("%s: operator.add: %v, %v", c.name, v, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("os.system ran: %v", err)
	}
}
