package snakes

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

func TestCallbacks(t *testing.T) {
	// No timeout the callbacks could meet on a loaded machine (the first
	// of "together" waits for the fourth to start); "hangs" meets a short
	// one, on a worker of its own.
	w := startWorker(t, Options{CallbackTimeout: testkit.Patience})
	short := startWorker(t, Options{CallbackTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	w.RegisterFunc("double", func(ctx context.Context, args []any) (any, error) {
		return args[0].(int64) * 2, nil
	})
	// together is double, but the first four calls wait for each other
	// (each up to CallbackTimeout): they return only if they ran at once.
	var inFlight, peak atomic.Int32
	four := make(chan struct{})
	var fourOnce sync.Once
	w.RegisterFunc("together", func(ctx context.Context, args []any) (any, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n >= 4 {
			fourOnce.Do(func() { close(four) })
		}
		select {
		case <-four:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return args[0].(int64) * 2, nil
	})
	w.RegisterFunc("fails", func(ctx context.Context, args []any) (any, error) {
		return nil, errors.New("go says no")
	})
	w.RegisterFunc("panics", func(ctx context.Context, args []any) (any, error) {
		panic("oops")
	})
	short.RegisterFunc("hangs", func(ctx context.Context, args []any) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	w.RegisterFunc("recurse", func(ctx context.Context, args []any) (any, error) {
		return w.Call(ctx, "fixtures", "recurse", args[0])
	})

	t.Run("simple", func(t *testing.T) {
		if v, err := w.Call(ctx, "fixtures", "call_go", "double", 21); err != nil || v != int64(42) {
			t.Fatalf("got %v %v", v, err)
		}
	})
	t.Run("8 threads at once", func(t *testing.T) {
		v, err := w.Call(ctx, "fixtures", "threads_call_go", "together", 8)
		if err != nil {
			t.Fatal(err)
		}
		got := v.([]any)
		for i, x := range got {
			if x != int64(2*i) {
				t.Fatalf("result %d: %v", i, x)
			}
		}
		if peak.Load() < 4 {
			t.Fatalf("callbacks did not run concurrently (peak %d)", peak.Load())
		}
	})
	t.Run("asyncio", func(t *testing.T) {
		if v, err := w.Call(ctx, "fixtures", "async_call_go", "double", 5); err != nil || v != int64(10) {
			t.Fatalf("got %v %v", v, err)
		}
	})
	t.Run("re-entrant 10 deep", func(t *testing.T) {
		if v, err := w.Call(ctx, "fixtures", "recurse", 10); err != nil || v != int64(10) {
			t.Fatalf("got %v %v", v, err)
		}
	})
	errTests := []struct {
		w        *Worker
		fn, want string
	}{
		{w, "fails", "go says no"},
		{w, "panics", "panic: oops"},
		{short, "hangs", "callback ran past"},
		{w, "missing", "no such Go function"},
	}
	for _, tt := range errTests {
		t.Run("error "+tt.fn, func(t *testing.T) {
			_, err := tt.w.Call(ctx, "fixtures", "call_go", tt.fn)
			var pe *PythonError
			if !errors.As(err, &pe) || pe.Type != "taipan.HostError" || !strings.Contains(pe.Message, tt.want) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if v, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("worker unusable after callbacks: %v %v", v, err)
	}
}
