package snakes

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// A request refused before it reached the process matches ErrNotRun
// (and keeps its cause and message); one the process may have run does
// not.
func TestNotRunRefused(t *testing.T) {
	killed := func(t *testing.T) *Worker {
		w := startWorker(t, Options{})
		syscall.Kill(w.Pid(), syscall.SIGKILL)
		testkit.Receive(t, "the worker's exit", w.Exited())
		// The reader sees the end of file just after: nothing announces it.
		testkit.Eventually(t, "the worker marked dead", func() bool { return w.Err() != nil })
		return w
	}
	stopped := func(t *testing.T) *Worker {
		w := startWorker(t, Options{})
		w.Stop(context.Background())
		return w
	}
	ctx := context.Background()
	call := func(w *Worker) error { _, err := w.Call(ctx, "operator", "add", 1, 2); return err }
	cast := func(w *Worker) error { return w.Cast(context.Background(), "operator", "add", 1, 2) }
	eval := func(w *Worker) error { _, err := w.Eval(ctx, "1"); return err }
	stream := func(w *Worker) error {
		for _, err := range w.Stream(ctx, "fixtures", "count", 3) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	tests := []struct {
		name    string
		worker  func(*testing.T) *Worker
		request func(*Worker) error
		cause   error
	}{
		{"call, exited", killed, call, ErrWorkerExited},
		{"cast, exited", killed, cast, ErrWorkerExited},
		{"eval, exited", killed, eval, ErrWorkerExited},
		{"stream, exited", killed, stream, ErrWorkerExited},
		{"call, stopped", stopped, call, ErrWorkerExited},
		{"cast, stopped", stopped, cast, ErrWorkerExited},
		{"stream, stopped", stopped, stream, ErrWorkerExited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.worker(t)
			err := tt.request(w)
			if !errors.Is(err, ErrNotRun) || !errors.Is(err, tt.cause) {
				t.Fatalf("got %v, want ErrNotRun and %v", err, tt.cause)
			}
			{
				var ee *ExitError
				if !errors.As(err, &ee) || err.Error() != w.Err().Error() {
					t.Fatalf("got %q, want the worker's *ExitError %q", err, w.Err())
				}
			}
		})
	}

	t.Run("in flight when it died", func(t *testing.T) {
		w := startWorker(t, Options{})
		marker, running := beacon(t, "running")
		done := make(chan error, 1)
		go func() { _, err := w.Call(ctx, "fixtures", "sleep_marked", marker, 30); done <- err }()
		testkit.Receive(t, "the call to run", running)
		syscall.Kill(w.Pid(), syscall.SIGKILL)
		if err := testkit.Receive(t, "the call's end", done); !errors.Is(err, ErrWorkerExited) || errors.Is(err, ErrNotRun) {
			t.Fatalf("got %v, want ErrWorkerExited without ErrNotRun", err)
		}
	})
	t.Run("unencodable argument", func(t *testing.T) {
		w := startWorker(t, Options{})
		_, err := w.Call(ctx, "fixtures", "echo", make(chan int))
		if err == nil || errors.Is(err, ErrNotRun) {
			t.Fatalf("got %v, want an encoding error without ErrNotRun", err)
		}
	})
}

// When the process dies, the requests written behind the running one never
// ran (ErrNotRun), the running one may have; when the running one waited
// for the host, those behind it may have run nested, and none is marked.
func TestNotRunQueuedBehind(t *testing.T) {
	ctx := context.Background()
	type outcome struct {
		name string
		err  error
	}
	// run starts first (and waits until it runs: ready is closed), then the
	// queued calls (written behind it), then kills the process.
	run := func(t *testing.T, w *Worker, first func() error, queued []string, ready <-chan struct{}) map[string]error {
		out := make(chan outcome, 1+len(queued))
		go func() { out <- outcome{"first", first()} }()
		testkit.Receive(t, "the first call to run", ready)
		for _, name := range queued {
			go func() {
				_, err := w.Call(ctx, "fixtures", "sleep", 30)
				out <- outcome{name, err}
			}()
		}
		waitWritten(t, w, 1+len(queued))
		syscall.Kill(w.Pid(), syscall.SIGKILL)
		errs := map[string]error{}
		for range 1 + len(queued) {
			o := testkit.Receive(t, "the calls' ends", out)
			errs[o.name] = o.err
		}
		return errs
	}

	t.Run("plain", func(t *testing.T) {
		w := startWorker(t, Options{})
		marker, running := beacon(t, "running")
		errs := run(t, w, func() error {
			_, err := w.Call(ctx, "fixtures", "sleep_marked", marker, 30)
			return err
		}, []string{"second", "third"}, running)
		if err := errs["first"]; !errors.Is(err, ErrWorkerExited) || errors.Is(err, ErrNotRun) {
			t.Errorf("running call: %v, want ErrWorkerExited without ErrNotRun", err)
		}
		for _, name := range []string{"second", "third"} {
			if err := errs[name]; !errors.Is(err, ErrNotRun) || !errors.Is(err, ErrWorkerExited) {
				t.Errorf("%s call: %v, want ErrNotRun and ErrWorkerExited", name, err)
			}
		}
	})

	t.Run("nested behind a callback", func(t *testing.T) {
		w := startWorker(t, Options{})
		held := make(chan struct{})
		w.RegisterFunc("hold", func(ctx context.Context, _ []any) (any, error) {
			close(held)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		errs := run(t, w, func() error {
			_, err := w.Call(ctx, "fixtures", "call_go", "hold")
			return err
		}, []string{"second"}, held)
		// While the first waits for Go, Python runs the second inline.
		for _, name := range []string{"first", "second"} {
			if err := errs[name]; !errors.Is(err, ErrWorkerExited) || errors.Is(err, ErrNotRun) {
				t.Errorf("%s call: %v, want ErrWorkerExited without ErrNotRun (it may have run)", name, err)
			}
		}
	})
}
