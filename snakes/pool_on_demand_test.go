package snakes

import (
	"errors"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestPoolOnDemand: a pool that keeps no worker (Size negative) runs no
// process until a call needs one, then starts exactly one overflow worker
// for it.
func TestPoolOnDemand(t *testing.T) {
	p, marker := startPoolMarked(t, PoolOptions{Size: -1, MaxOverflow: 2})
	if got := p.List(); len(got) != 0 {
		t.Fatalf("a pool keeping no worker lists %v before any call", got)
	}
	if procs := pythonsWithMarker(marker); len(procs) != 0 {
		t.Fatalf("Python processes %v before any call", procs)
	}
	pid, err := p.Call(testkit.Context(t), "pools_fixtures", "pid")
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if got := pidsOf(p); len(got) != 1 || int64(got[0]) != pid.(int64) {
		t.Fatalf("workers %v after one call answered by %v, want that one", got, pid)
	}
	if procs := pythonsWithMarker(marker); len(procs) != 1 {
		t.Fatalf("Python processes %v after one call, want 1", procs)
	}
}

// TestPoolWithoutWorkers: a pool that keeps none and may start none is
// refused at once.
func TestPoolWithoutWorkers(t *testing.T) {
	p, err := NewPool(testkit.Context(t), PoolOptions{Name: "empty", Size: -1})
	var se *PoolSizeError
	if !errors.Is(err, ErrPoolSize) || !errors.As(err, &se) || se.Pool != "empty" || se.MaxOverflow != 0 {
		t.Fatalf("NewPool = %v, %v; want a *PoolSizeError for \"empty\"", p, err)
	}
}

// TestPoolsIOOnDemand: the default "io" pool keeps no worker: it starts
// one when a call is routed to it, up to DefaultIOPoolSize.
func TestPoolsIOOnDemand(t *testing.T) {
	var w Options
	marker := markedFixtures(t, &w, "pools")
	ps, err := NewPools(testkit.Context(t), PoolsOptions{Worker: w, Default: PoolOptions{Size: 1},
		Routes: map[string]string{"pools_fixtures.pid": PoolIO}})
	if err != nil {
		t.Fatalf("NewPools: %v", err)
	}
	stopAndCheck(t, marker, ps.Stop)
	io, _ := ps.Get(PoolIO)
	if len(io.List()) != 0 || io.opts.Size != 0 || io.opts.MaxOverflow != DefaultIOPoolSize {
		t.Fatalf("io pool: workers %v, Size %d, MaxOverflow %d; want none kept, up to %d", io.List(),
			io.opts.Size, io.opts.MaxOverflow, DefaultIOPoolSize)
	}
	if procs := pythonsWithMarker(marker); len(procs) != 1 {
		t.Fatalf("Python processes %v before any io call, want the default pool's 1", procs)
	}
	pid, err := ps.Call(testkit.Context(t), "pools_fixtures", "pid")
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if got := pidsOf(io); len(got) != 1 || int64(got[0]) != pid.(int64) {
		t.Fatalf("io workers %v after one call answered by %v, want that one", got, pid)
	}
}
