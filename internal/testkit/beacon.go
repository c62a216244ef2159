package testkit

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

// Beacon makes a named pipe at path for the code under test to write, as
// it would a marker file (Python's open(path, "w").close()), and returns a
// channel closed once it has: the writer opened the pipe, wrote and closed
// it (or, if nobody did, as the test ends). A test waits on that instead
// of polling for a file. The writer's open blocks until the test's reader
// is there, which it is from Beacon on, and a second writer's would block
// for good: a beacon is written once. Code that checks whether the file
// exists needs a plain file, not a beacon.
func Beacon(t testing.TB, path string) <-chan struct{} {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("making the beacon %s: %v", path, err)
	}
	lit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(path, os.O_RDONLY, 0) // blocks until a writer opens
		if err != nil {
			return
		}
		io.Copy(io.Discard, f) // to the writer's close
		f.Close()
		close(lit)
	}()
	t.Cleanup(func() {
		// Unblock the reader if nobody wrote: opening read-write never
		// blocks and counts as a writer. Retried: the reader may not have
		// reached its open yet.
		for {
			if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
				f.Close()
			}
			select {
			case <-done:
				return
			case <-time.After(pollEvery):
			}
		}
	})
	return lit
}
