package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// startPools starts a Pools on the fixtures with small pools (default 1,
// io 1 unless NoIO), stopped at the end of the test, and checks then that
// none of its Python processes remains.
func startPools(t testing.TB, opts PoolsOptions) *Pools {
	t.Helper()
	ps, _ := startPoolsMarked(t, opts)
	return ps
}

func startPoolsMarked(t testing.TB, opts PoolsOptions) (*Pools, string) {
	t.Helper()
	marker := markedFixtures(t, &opts.Worker, "pools")
	if opts.Default.Size == 0 {
		opts.Default.Size = 1
	}
	if opts.IO.Size == 0 {
		opts.IO.Size = 1
	}
	ps, err := NewPools(testkit.Context(t), opts)
	if err != nil {
		t.Fatalf("NewPools: %v", err)
	}
	stopAndCheck(t, marker, ps.Stop)
	return ps, marker
}

// poolOfPid names the pool whose worker has OS pid pid.
func poolOfPid(ps *Pools, pid int64) string {
	for _, name := range ps.Names() {
		p, _ := ps.Get(name)
		for _, w := range p.List() {
			if int64(w.Pid) == pid {
				return name
			}
		}
	}
	return ""
}

func TestPoolsRouting(t *testing.T) {
	ps := startPools(t, PoolsOptions{
		Pools:  map[string]PoolOptions{"gpu": {Size: 1}},
		Routes: map[string]string{"pools_fixtures": "io"},
	})
	if got, want := ps.Names(), []string{"default", "gpu", "io"}; !slices.Equal(got, want) {
		t.Fatalf("Names = %v, want %v", got, want)
	}
	if err := ps.Route("pools_fixtures.pid", "gpu"); err != nil {
		t.Fatal(err)
	}
	if err := ps.Route("os.path", "gpu"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		module, function, want string
	}{
		{"pools_fixtures", "pid", "gpu"},       // function entry beats module entry
		{"pools_fixtures", "square", "io"},     // module entry
		{"operator", "add", "default"},         // no route
		{"pools_fixtures.sub", "x", "default"}, // module entries match exactly
		{"os.path", "join", "gpu"},             // dotted module
		{"os", "path", "gpu"},                  // the same dotted name as a function
		{"pools", "fixtures", "default"},
	}
	for _, tt := range tests {
		if got := ps.PoolFor(tt.module, tt.function); got != tt.want {
			t.Errorf("PoolFor(%s, %s) = %s, want %s", tt.module, tt.function, got, tt.want)
		}
	}

	// Calls really go there: the worker's pid belongs to the routed pool.
	ctx := context.Background()
	calls := []struct {
		route, want string
	}{
		{"pools_fixtures.pid", "gpu"},
		{"pools_fixtures", "io"},
		{"", "default"},
	}
	for _, c := range calls {
		// Leave only the routes up to c.route in force.
		if c.route == "pools_fixtures" {
			ps.Unroute("pools_fixtures.pid")
		}
		if c.route == "" {
			ps.Unroute("pools_fixtures")
		}
		var pid int64
		if err := ps.CallInto(ctx, &pid, "pools_fixtures", "pid"); err != nil {
			t.Fatal(err)
		}
		if got := poolOfPid(ps, pid); got != c.want {
			t.Errorf("routes %v: call ran on %q, want %q", ps.Routes(), got, c.want)
		}
	}
	if got, want := ps.Routes(), []RouteInfo{{"os.path", "gpu"}}; !slices.Equal(got, want) {
		t.Fatalf("Routes = %v, want %v", got, want)
	}
	if ps.Unroute("nothing") {
		t.Error("Unroute of a missing key reported true")
	}
	// Cast, Stream and Go route too.
	ps.Route("pools_fixtures", "gpu")
	if err := ps.Cast(ctx, "pools_fixtures", "incr"); err != nil {
		t.Fatal(err)
	}
	var items []any
	for v, err := range ps.Stream(ctx, "pools_fixtures", "count_to", 3) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
	if !slices.Equal(items, []any{int64(0), int64(1), int64(2)}) {
		t.Fatalf("Stream = %v", items)
	}
	if v, err := ps.Go(ctx, "pools_fixtures", "pid").Wait(ctx); err != nil || poolOfPid(ps, v.(int64)) != "gpu" {
		t.Fatalf("Go = %v, %v", v, err)
	}
	st := ps.Stats()
	if len(st) != 3 || st["gpu"].Workers != 1 || st["default"].Workers != 1 {
		t.Fatalf("Stats = %+v", st)
	}
}

func TestPoolsRouteErrors(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	for _, key := range []string{"", ".", "a.", ".a", "a..b", "a. b"} {
		if err := ps.Route(key, "default"); !errors.Is(err, ErrInvalidRoute) {
			t.Errorf("Route(%q) = %v, want ErrInvalidRoute", key, err)
		}
	}
	if err := ps.Route("m", "nope"); !errors.Is(err, ErrNoSuchPool) {
		t.Errorf("Route to a missing pool = %v", err)
	}
	if len(ps.Routes()) != 0 {
		t.Errorf("failed routes were kept: %v", ps.Routes())
	}
}

func TestPoolsAddRemove(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	ctx := context.Background()
	if _, err := ps.Add(ctx, "default", PoolOptions{Size: 1}); !errors.Is(err, ErrPoolExists) {
		t.Fatalf("Add of an existing name = %v", err)
	}
	x, err := ps.Add(ctx, "x", PoolOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ps.Get("x"); got != x || x.Name() != "x" {
		t.Fatalf("Get(x) = %v", got)
	}
	if _, err := ps.Get("y"); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Get(y) = %v", err)
	}
	if err := ps.Route("pools_fixtures", "x"); err != nil {
		t.Fatal(err)
	}
	if v, err := ps.Call(ctx, "pools_fixtures", "square", 3); err != nil || v != int64(9) {
		t.Fatalf("Call = %v, %v", v, err)
	}
	if err := ps.Remove(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if err := ps.Remove(ctx, "x"); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("second Remove = %v", err)
	}
	if _, err := x.Call(ctx, "pools_fixtures", "square", 3); !errors.Is(err, ErrPoolStopped) {
		t.Fatalf("removed pool still calls: %v", err)
	}
	// The route stays, and fails loudly rather than falling back.
	if _, err := ps.Call(ctx, "pools_fixtures", "square", 3); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Call routed to a removed pool = %v", err)
	}
	for range ps.Stream(ctx, "pools_fixtures", "count_to", 1) {
	}
	if _, err := ps.Go(ctx, "pools_fixtures", "square", 3).Wait(ctx); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Go routed to a removed pool = %v", err)
	}
	if _, err := ps.Session(ctx, "x"); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Session on a removed pool = %v", err)
	}
	// Adding it again brings the route back.
	if _, err := ps.Add(ctx, "x", PoolOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	if v, err := ps.Call(ctx, "pools_fixtures", "square", 4); err != nil || v != int64(16) {
		t.Fatalf("Call after re-Add = %v, %v", v, err)
	}
	if got := ps.Names(); !slices.Equal(got, []string{"default", "x"}) {
		t.Fatalf("Names = %v", got)
	}
	// Concurrent Adds of one name: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { _, errs[i] = ps.Add(ctx, "z", PoolOptions{Size: 1}) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrPoolExists):
			t.Errorf("concurrent Add: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent Adds of one name succeeded", won)
	}
}

func TestPoolsNoDefaults(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoDefault: true, NoIO: true})
	if n := ps.Names(); len(n) != 0 {
		t.Fatalf("Names = %v", n)
	}
	ctx := context.Background()
	if _, err := ps.Call(ctx, "operator", "add", 1, 2); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Call with no default pool = %v", err)
	}
	if _, err := ps.Map(ctx, "", "operator", "neg", []any{1}); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Map with no default pool = %v", err)
	}
}

// TestPoolsConcurrentRoutes changes routes while callers pick pools and
// call; run it under -race.
func TestPoolsConcurrentRoutes(t *testing.T) {
	ps := startPools(t, PoolsOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Two goroutines change the routes until the callers are done.
	stop := make(chan struct{})
	var changers, callers sync.WaitGroup
	for i := range 2 {
		changers.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				key := "pools_fixtures"
				if (n+i)%2 == 0 {
					key = "pools_fixtures.square"
				}
				if n%3 == 0 {
					ps.Unroute(key)
				} else if err := ps.Route(key, []string{"default", "io"}[n%2]); err != nil {
					t.Error(err)
					return
				}
				_ = ps.Routes()
			}
		})
	}
	for range 4 {
		callers.Go(func() {
			for n := range 100 {
				if p := ps.PoolFor("pools_fixtures", "square"); p != "default" && p != "io" {
					t.Errorf("PoolFor = %q", p)
				}
				if n%10 == 0 {
					if v, err := ps.Call(ctx, "pools_fixtures", "square", n); err != nil || v != int64(n*n) {
						t.Errorf("Call = %v, %v", v, err)
					}
				}
			}
		})
	}
	callers.Wait()
	close(stop)
	changers.Wait()
}

func TestPoolsStop(t *testing.T) {
	ps, marker := startPoolsMarked(t, PoolsOptions{Pools: map[string]PoolOptions{"extra": {Size: 1}}})
	ctx := context.Background()
	if len(pythonsWithMarker(marker)) != 3 {
		t.Fatalf("want 3 Python processes, have %v", pythonsWithMarker(marker))
	}
	s, err := ps.Session(ctx, "extra")
	if err != nil {
		t.Fatal(err)
	}
	// An open session is a lease: Stop waits for it until its context
	// ends, then cuts it.
	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := ps.Stop(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop with a session open = %v", err)
	}
	if left := pythonsWithMarker(marker); len(left) > 0 {
		t.Fatalf("Python processes left after Stop: %v", left)
	}
	if !errors.Is(s.Err(), ErrSessionLost) {
		t.Errorf("session after Stop: %v", s.Err())
	}
	s.Close()
	if _, err := ps.Call(ctx, "operator", "add", 1, 2); !errors.Is(err, ErrPoolStopped) {
		t.Errorf("Call after Stop = %v", err)
	}
	if _, err := ps.Add(ctx, "late", PoolOptions{Size: 1}); !errors.Is(err, ErrPoolStopped) {
		t.Errorf("Add after Stop = %v", err)
	}
	if err := ps.Remove(ctx, "extra"); !errors.Is(err, ErrPoolStopped) {
		t.Errorf("Remove after Stop = %v", err)
	}
	if err := ps.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Stop = %v, want the first one's outcome", err)
	}
}

func TestNewPoolsFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	marker := fmt.Sprintf("poolsfail-%d-%d", os.Getpid(), time.Now().UnixNano())
	_, err := NewPools(ctx, PoolsOptions{
		Worker:  Options{Interpreter: interp(t), Env: []string{"SNAKES_MARKER=" + marker}},
		Default: PoolOptions{Size: 1},
		NoIO:    true,
		Pools: map[string]PoolOptions{"broken": {Size: 1, Worker: Options{
			Interpreter: interp(t), Env: []string{"SNAKES_MARKER=" + marker},
			Init: &InitCall{Module: "no_such_module_here", Function: "f"},
		}}},
	})
	if err == nil || !errors.Is(err, ErrStartFailed) {
		t.Fatalf("NewPools = %v, want ErrStartFailed", err)
	}
	if left := pythonsWithMarker(marker); len(left) > 0 {
		t.Fatalf("Python processes left after a failed NewPools: %v", left)
	}
}

// BenchmarkPoolsRoute measures picking a pool with 200 routes: a function
// entry, a module entry and the fallback.
func BenchmarkPoolsRoute(b *testing.B) {
	ps := &Pools{}
	routes := map[string]string{}
	for i := range 100 {
		routes[fmt.Sprintf("mod%d", i)] = "io"
		routes[fmt.Sprintf("mod%d.fn%d", i, i)] = "gpu"
	}
	ps.routes.Store(&routes)
	pools := map[string]*Pool{"default": {}, "io": {}, "gpu": {}}
	ps.pools.Store(&pools)
	for _, c := range []struct{ name, module, function, want string }{
		{"function", "mod42", "fn42", "gpu"},
		{"module", "mod42", "other", "io"},
		{"fallback", "numpy.linalg", "solve", "default"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p, err := ps.pick(c.module, c.function); err != nil || p != pools[c.want] {
					b.Fatal("wrong pool")
				}
			}
		})
	}
}
