package testkit

import (
	"testing"
	"time"
)

// pollEvery is how often Eventually checks its condition: often enough
// that a test does not idle, rarely enough not to load the machine.
const pollEvery = 10 * time.Millisecond

// Eventually polls cond until it holds, failing the test with what it was
// waiting for after Patience. Use it only for a state nothing signals;
// wait on the channel, event or callback where there is one.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually(t, Patience, what, cond)
}

func eventually(t testing.TB, patience time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", patience, what)
		}
		time.Sleep(pollEvery)
	}
}
