package testkit

import (
	"testing"
	"time"
)

// Receive returns the next value from ch (the zero value once ch is
// closed, so it waits on a Done channel too), failing the test with what
// it was waiting for when none comes within Patience.
func Receive[T any](t testing.TB, what string, ch <-chan T) T {
	t.Helper()
	return receive(t, Patience, what, ch)
}

func receive[T any](t testing.TB, patience time.Duration, what string, ch <-chan T) T {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("timed out after %v waiting for %s", patience, what)
		panic("unreachable") // Fatalf does not return
	}
}
