package pets

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// snakes.Redispatch, the pools' rule, decides which failed requests go to
// the pet's next incarnation: those its process never received, and no
// other.
func TestNeverRan(t *testing.T) {
	in, err := testInterp()
	if err != nil {
		t.Fatalf("resolving python: %v", err)
	}
	start := func(t *testing.T) *snakes.Worker {
		w, err := snakes.Start(context.Background(), snakes.Options{Interpreter: in, Paths: []string{fixtures(t)}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Stop(context.Background()) })
		return w
	}
	ctx := context.Background()
	again := func(err error) bool { ok, _ := (&snakes.Redispatch{}).Again(err); return ok }
	tests := []struct {
		name string
		run  func(t *testing.T, w *snakes.Worker) error
		want bool
	}{
		{"its process had exited", func(t *testing.T, w *snakes.Worker) error {
			syscall.Kill(w.Pid(), syscall.SIGKILL)
			testkit.Receive(t, "the process's exit", w.Exited())
			// The reader records the exit after the reap: nothing signals it.
			testkit.Eventually(t, "the worker to know it is dead", func() bool { return w.Err() != nil })
			_, err := w.Call(ctx, "operator", "add", 1, 2)
			return err
		}, true},
		{"it died under the call", func(t *testing.T, w *snakes.Worker) error {
			marker := filepath.Join(t.TempDir(), "running")
			running := testkit.Beacon(t, marker)
			go func() {
				<-running // the call has reached Python
				syscall.Kill(w.Pid(), syscall.SIGKILL)
			}()
			_, err := w.Call(ctx, "petmod", "nap", 30, marker)
			return err
		}, false},
		{"a Python exception", func(t *testing.T, w *snakes.Worker) error {
			_, err := w.Call(ctx, "operator", "truediv", 1, 0)
			return err
		}, false},
		{"an unencodable argument", func(t *testing.T, w *snakes.Worker) error {
			_, err := w.Call(ctx, "operator", "add", make(chan int), 1)
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			err := tt.run(t, w)
			if err == nil {
				t.Fatal("the request succeeded")
			}
			if got := again(err); got != tt.want {
				t.Fatalf("Again(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
	if again(errors.New("other")) {
		t.Fatal("an unrelated error counts as never ran")
	}
}
