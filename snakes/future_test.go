package snakes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

func TestFutureWaiters(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true})
	ctx := context.Background()
	f := ps.Go(ctx, "pools_fixtures", "slow_square", 7, 0.2)

	// A waiter that gives up gets a timeout; the call goes on.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := f.Wait(wctx); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past its deadline = %v", err)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if v, err := f.Wait(ctx); err != nil || v != int64(49) {
				t.Errorf("Wait = %v, %v", v, err)
			}
		})
	}
	wg.Wait()
	select {
	case <-f.Done():
	default:
		t.Fatal("Done not closed after the result")
	}
	// Once done, Wait answers whatever its context.
	dead, cancel2 := context.WithCancel(ctx)
	cancel2()
	if v, err := f.Wait(dead); err != nil || v != int64(49) {
		t.Fatalf("Wait after Done with a dead context = %v, %v", v, err)
	}

	// Errors reach every waiter.
	f = ps.Go(ctx, "pools_fixtures", "fail_on", 1, 1)
	for range 2 {
		var pe *PythonError
		if _, err := f.Wait(ctx); !errors.As(err, &pe) || pe.Type != "builtins.ValueError" {
			t.Fatalf("Wait of a failing call = %v", err)
		}
	}

	// Cancel abandons the call.
	marker, running := beacon(t, "running")
	f = ps.Go(ctx, "fixtures", "sleep_marked", marker, 5)
	testkit.Receive(t, "the call to run", running)
	f.Cancel()
	if _, err := f.Wait(ctx); !errors.Is(err, ErrCancelled) {
		t.Fatalf("Wait after Cancel = %v", err)
	}
}

func TestMap(t *testing.T) {
	ps := startPools(t, PoolsOptions{NoIO: true, Default: PoolOptions{Size: 2}})
	p, _ := ps.Get("default")
	ctx := context.Background()

	inputs := make([]any, 20)
	for i := range inputs {
		// Uneven delays, so that calls complete out of order.
		inputs[i] = Args{i, float64((i*7)%5) / 1000}
	}
	tests := []struct {
		name     string
		pool     string
		function string
		inputs   []any
		want     func(i int) any
	}{
		{"args spread", "default", "slow_square", inputs, func(i int) any { return int64(i * i) }},
		{"single argument", "", "square", []any{3, 4, 5}, func(i int) any { return int64((i + 3) * (i + 3)) }},
		{"a list is one argument", "default", "echo", []any{[]any{1, 2}}, func(int) any { return []any{int64(1), int64(2)} }},
		{"empty", "", "square", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ps.Map(ctx, tt.pool, "pools_fixtures", tt.function, tt.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(tt.inputs) {
				t.Fatalf("%d results for %d inputs", len(out), len(tt.inputs))
			}
			for i, v := range out {
				if want := tt.want(i); !equalAny(v, want) {
					t.Fatalf("result %d = %v, want %v", i, v, want)
				}
			}
		})
	}

	// The first error stops the Map; the calls running finish, and no
	// worker is killed for it.
	failing := make([]any, 20)
	for i := range failing {
		failing[i] = Args{i, 2, 0.02}
	}
	out, err := p.Map(ctx, "pools_fixtures", "fail_on", failing)
	var me *MapError
	var pe *PythonError
	if !errors.As(err, &me) || me.Index != 2 || !errors.As(err, &pe) || pe.Type != "builtins.ValueError" {
		t.Fatalf("Map with a failing item = %v", err)
	}
	if out[0] != int64(0) || out[len(out)-1] != nil {
		t.Fatalf("results of a failed Map = %v", out)
	}
	if st := p.Stats(); st.Spawned != 2 || st.Crashes != 0 || st.Idle != 2 {
		t.Fatalf("a failed Map cost workers: %+v", st)
	}

	// A dead context: nothing runs.
	dead, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Map(dead, "pools_fixtures", "square", []any{1, 2}); !errors.Is(err, ErrCancelled) {
		t.Fatalf("Map with a cancelled context = %v", err)
	}
	if _, err := ps.Map(ctx, "nope", "pools_fixtures", "square", []any{1}); !errors.Is(err, ErrNoSuchPool) {
		t.Fatalf("Map on a missing pool = %v", err)
	}
}

func equalAny(a, b any) bool {
	la, ok1 := a.([]any)
	lb, ok2 := b.([]any)
	if ok1 && ok2 {
		if len(la) != len(lb) {
			return false
		}
		for i := range la {
			if !equalAny(la[i], lb[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}
