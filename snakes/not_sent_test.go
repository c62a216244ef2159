package snakes

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// A request refused before it reached the process matches ErrNotSent
// (and keeps its cause and message); one the process may have run does
// not.
func TestNotSent(t *testing.T) {
	killed := func(t *testing.T) *Worker {
		w := startWorker(t, Options{})
		syscall.Kill(w.Pid(), syscall.SIGKILL)
		<-w.Exited()
		for w.Err() == nil { // the reader sees the end of file just after
			time.Sleep(time.Millisecond)
		}
		return w
	}
	stopped := func(t *testing.T) *Worker {
		w := startWorker(t, Options{})
		w.Stop(context.Background())
		return w
	}
	ctx := context.Background()
	call := func(w *Worker) error { _, err := w.Call(ctx, "operator", "add", 1, 2); return err }
	cast := func(w *Worker) error { return w.Cast("operator", "add", 1, 2) }
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
			if !errors.Is(err, ErrNotSent) || !errors.Is(err, tt.cause) {
				t.Fatalf("got %v, want ErrNotSent and %v", err, tt.cause)
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
		done := make(chan error, 1)
		go func() { _, err := w.Call(ctx, "fixtures", "sleep", 30); done <- err }()
		time.Sleep(100 * time.Millisecond)
		syscall.Kill(w.Pid(), syscall.SIGKILL)
		if err := <-done; !errors.Is(err, ErrWorkerExited) || errors.Is(err, ErrNotSent) {
			t.Fatalf("got %v, want ErrWorkerExited without ErrNotSent", err)
		}
	})
	t.Run("unencodable argument", func(t *testing.T) {
		w := startWorker(t, Options{})
		_, err := w.Call(ctx, "fixtures", "echo", make(chan int))
		if err == nil || errors.Is(err, ErrNotSent) {
			t.Fatalf("got %v, want an encoding error without ErrNotSent", err)
		}
	})
}
