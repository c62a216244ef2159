package snakes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestReleasedAtDeadline: a caller whose deadline passes while its call
// runs gets its error at the deadline, not after the escalation (here a
// CancelGrace of 30 s would hold it that long), whether it sleeps in the
// kernel holding the reader role (polling or blocking pipe) or waits as a
// follower behind another caller.
func TestReleasedAtDeadline(t *testing.T) {
	tests := []struct {
		name    string
		spin    time.Duration
		callers int
	}{
		{"reader role, polling pipe", 0, 1},
		{"reader role, blocking pipe", -1, 1},
		{"reader and follower, polling pipe", 0, 2},
		{"reader and follower, blocking pipe", -1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startWorker(t, Options{Spin: tt.spin, CancelGrace: 30 * time.Second})
			var wg sync.WaitGroup
			errs := make([]error, tt.callers)
			took := make([]time.Duration, tt.callers)
			for i := range tt.callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
					defer cancel()
					start := time.Now()
					_, errs[i] = w.Call(ctx, "fixtures", "sleep", 60)
					took[i] = time.Since(start)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				var ae *AbandonError
				if !errors.As(err, &ae) || !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("caller %d: %v, want an *AbandonError matching ErrTimeout and DeadlineExceeded", i, err)
				}
				if !ae.Timeout() {
					t.Errorf("caller %d: Timeout() false", i)
				}
				// Far below CancelGrace: released at the deadline.
				if took[i] > 15*time.Second {
					t.Errorf("caller %d released after %v", i, took[i])
				}
			}
			if w.Err() == nil {
				t.Error("the worker of an abandoned running call still takes calls")
			}
		})
	}
}

// TestTimeoutIsNotAPythonError: whatever stage the escalation reached, the
// caller's error is a timeout; the KeyboardInterrupt Python raised is in
// the Outcome, with its traceback.
func TestTimeoutIsNotAPythonError(t *testing.T) {
	// SIGINT at once, and all the time Python needs to raise
	// KeyboardInterrupt before SIGTERM (a loaded machine may take more
	// than the default 100 ms).
	w := startWorker(t, Options{CancelGrace: time.Millisecond, SignalGrace: testkit.Patience})
	// The deadline passes once the call runs: a real short one could pass
	// before Python read the request (X drops it unrun) or entered the
	// call (the SIGINT is dropped, and the sleep runs on).
	ctx := newExpiringContext()
	marker, running := beacon(t, "running")
	res := make(chan error, 1)
	go func() {
		_, err := w.Call(ctx, "fixtures", "sleep_marked", marker, 60)
		res <- err
	}()
	testkit.Receive(t, "the call to run", running)
	ctx.expire()
	err := testkit.Receive(t, "the call's release", res)
	var pe *PythonError
	if errors.As(err, &pe) {
		t.Fatalf("a timeout matched *PythonError: %v", err)
	}
	var ae *AbandonError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *AbandonError", err)
	}
	testkit.Receive(t, "the abandoned call to settle", ae.Settled())
	stage, final := ae.Outcome()
	if stage != "interrupted (SIGINT)" || !errors.As(final, &pe) || pe.Type != "builtins.KeyboardInterrupt" || len(pe.Traceback) == 0 {
		t.Fatalf("outcome %q, %v: want the KeyboardInterrupt with its traceback", stage, final)
	}
}

// TestRequestTooLarge: a request over the worker's MaxFrame is refused
// before it is sent, with a typed error naming the limit; the worker stays
// up and serves the next call (it used to exit with a protocol violation,
// and a pool re-dispatched the call until every worker had died).
func TestRequestTooLarge(t *testing.T) {
	const limit = 1 << 20
	w := startWorker(t, Options{MaxFrame: limit})
	big := make([]byte, limit+1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tests := []struct {
		name string
		run  func() error
	}{
		{"call", func() error { _, err := w.Call(ctx, "fixtures", "length", big); return err }},
		{"call with kwargs", func() error {
			_, err := w.Call(ctx, "fixtures", "kw", big, Kwargs{"c": 1})
			return err
		}},
		{"cast", func() error { return w.Cast(ctx, "fixtures", "length", big) }},
		{"stream", func() error {
			for _, err := range w.Stream(ctx, "fixtures", "count", big) {
				return err
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var tl *TooLargeError
			if !errors.Is(err, ErrTooLarge) || !errors.As(err, &tl) || tl.Limit != limit || tl.Size <= limit {
				t.Fatalf("got %v, want a *TooLargeError over %d", err, limit)
			}
			if errors.Is(err, ErrNotRun) {
				t.Errorf("%v matches ErrNotRun: a pool would send it to every worker", err)
			}
			if v, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
				t.Fatalf("the worker after a refused request: %v, %v", v, err)
			}
		})
	}
	// Just under the limit still goes through.
	if v, err := w.Call(ctx, "fixtures", "length", big[:limit-64]); err != nil || v != int64(limit-64) {
		t.Fatalf("a request under the limit: %v, %v", v, err)
	}
}

// TestBrokenPipeIsNotRun: a request whose write fails with EPIPE (the
// process had closed its request pipe) never reached Python: it fails
// with ErrNotRun, so a pool may send it elsewhere. It used to be a bare
// *ExitError ("may have run") most of the time.
func TestBrokenPipeIsNotRun(t *testing.T) {
	tests := []struct {
		name string
		spin time.Duration
	}{{"polling", 0}, {"blocking", -1}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 10 {
				w := startWorker(t, Options{Spin: tt.spin})
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				if _, err := w.Call(ctx, "fixtures", "close_requests"); err != nil {
					cancel()
					t.Fatal(err)
				}
				_, err := w.Call(ctx, "operator", "add", 1, 2)
				cancel()
				if !errors.Is(err, ErrNotRun) {
					t.Fatalf("try %d: the call after the pipe broke: %v (%T), want ErrNotRun", i, err, err)
				}
			}
		})
	}
}

// TestRequestWriteHonoursDeadline: a big request to a worker that does
// not read (it runs a long call) gives up at its caller's deadline instead
// of waiting for the pipe (it used to return after the running call).
// Part of its frame is in the pipe: the worker is killed, and the call
// never ran.
func TestRequestWriteHonoursDeadline(t *testing.T) {
	for _, spin := range []time.Duration{0, -1} {
		w := startWorker(t, Options{Spin: spin})
		busy := make(chan error, 1)
		go func() {
			_, err := w.Call(context.Background(), "fixtures", "sleep", 20)
			busy <- err
		}()
		waitWritten(t, w, 1) // the sleep
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		_, err := w.Call(ctx, "fixtures", "length", make([]byte, 4<<20))
		took := time.Since(start)
		cancel()
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNotRun) {
			t.Fatalf("spin %v: %v, want ErrTimeout, DeadlineExceeded and ErrNotRun", spin, err)
		}
		if took > 10*time.Second {
			t.Fatalf("spin %v: the write gave up after %v", spin, took)
		}
		if err := testkit.Receive(t, "the worker left with half a frame in its pipe to be killed", busy); !errors.Is(err, ErrWorkerExited) {
			t.Fatalf("the running call: %v, want the exit of the killed worker", err)
		}
	}
}

// TestCastTakesContext: a Cast with an ended context sends nothing, and
// one whose worker does not read its requests gives up at its deadline
// (Worker.Cast took no context: it blocked until the worker read).
func TestCastTakesContext(t *testing.T) {
	w := startWorker(t, Options{})
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Cast(ended, "fixtures", "echo", 1); !errors.Is(err, ErrCancelled) || !errors.Is(err, ErrNotRun) {
		t.Fatalf("a Cast with an ended context: %v, want ErrCancelled and ErrNotRun", err)
	}
	marker, running := beacon(t, "running")
	busy := make(chan error, 1)
	go func() {
		_, err := w.Call(context.Background(), "fixtures", "sleep_marked", marker, 20)
		busy <- err
	}()
	testkit.Receive(t, "the sleep to run", running)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := w.Cast(ctx, "fixtures", "length", make([]byte, 4<<20))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a Cast to a worker that does not read: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the Cast gave up after %v", d)
	}
	testkit.Receive(t, "the worker left with half a frame to be killed", busy)
}
