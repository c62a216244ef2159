package snakes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

func TestStream(t *testing.T) {
	w := startWorker(t, Options{StreamCredit: 32})
	ctx := context.Background()
	const n = 100000
	next, maxQueued := int64(0), 0
	for v, err := range w.Stream(ctx, "fixtures", "count", n) {
		if err != nil {
			t.Fatal(err)
		}
		if v != next {
			t.Fatalf("item %d: %v", next, v)
		}
		next++
		if next%5000 == 0 {
			// A slow consumer: Python must wait for credit meanwhile.
			time.Sleep(10 * time.Millisecond)
			w.mu.Lock()
			for _, c := range w.calls {
				maxQueued = max(maxQueued, len(c.items))
			}
			w.mu.Unlock()
		}
	}
	if next != n {
		t.Fatalf("got %d items", next)
	}
	if maxQueued > 32 {
		t.Fatalf("%d items queued with a credit of 32: backpressure does not hold", maxQueued)
	}
	if maxQueued == 0 {
		t.Log("note: the consumer never found items queued")
	}
}

func TestStreamAbandoned(t *testing.T) {
	// All the time Python needs to answer the X: past CancelGrace (100 ms
	// by default, which a loaded machine can take to schedule Python) the
	// host escalates, and the worker is stopped.
	w := startWorker(t, Options{CancelGrace: testkit.Patience})
	path := filepath.Join(t.TempDir(), "closed")
	got := 0
	for v, err := range w.Stream(context.Background(), "fixtures", "count_marked", 100000, path) {
		if err != nil {
			t.Fatal(err)
		}
		if got++; got == 50000 {
			_ = v
			break
		}
	}
	// The generator's finally has run by the time the loop is left.
	if b, err := os.ReadFile(path); err != nil || string(b) != "closed" {
		t.Fatalf("generator not closed: %q %v", b, err)
	}
	if v, err := w.Call(context.Background(), "operator", "add", 1, 2); err != nil || v != int64(3) || w.Err() != nil {
		t.Fatalf("worker unusable after an abandoned stream: %v %v %v", v, err, w.Err())
	}
}

func TestStreamErrors(t *testing.T) {
	w := startWorker(t, Options{})
	ctx := context.Background()
	var pe *PythonError
	for _, err := range w.Stream(ctx, "fixtures", "fail", "x") {
		if !errors.As(err, &pe) {
			t.Fatalf("got %v", err)
		}
	}
	if pe == nil {
		t.Fatal("no error from a failing stream")
	}
}
