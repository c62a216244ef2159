package taipan

import (
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestIOPoolOnDemand: Start's default "io" pool runs no process until a
// call is routed to it, then one.
func TestIOPoolOnDemand(t *testing.T) {
	s := startSystem(t, Options{
		Paths:   []string{fixtures(t)},
		Default: PoolOptions{Size: 1},
		Routes:  map[string]string{"facade_mod.pid": snakes.PoolIO},
	})
	io, err := s.Pool(snakes.PoolIO)
	if err != nil {
		t.Fatal(err)
	}
	if pids := allPids(s); len(pids) != 1 || len(io.List()) != 0 {
		t.Fatalf("Python processes %v (io: %v) before any io call, want the default pool's one", pids, io.List())
	}
	pid, err := s.Call(testkit.Context(t), "facade_mod", "pid")
	if err != nil {
		t.Fatal(err)
	}
	if ws := io.List(); len(ws) != 1 || int64(ws[0].Pid) != pid.(int64) {
		t.Fatalf("io workers %v after a call answered by %v, want that one", ws, pid)
	}
	if pids := allPids(s); len(pids) != 2 {
		t.Fatalf("Python processes %v after one io call, want 2", pids)
	}
}
