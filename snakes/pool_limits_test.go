package snakes

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPoolRequestTooLarge: an argument over the workers' max frame (here
// the default 64 MiB) fails with ErrTooLarge before anything is sent; no
// worker dies, nothing is re-dispatched, and the pool keeps serving. It
// used to kill every worker in turn until the pool failed.
func TestPoolRequestTooLarge(t *testing.T) {
	p := startPool(t, ManagerOptions{Size: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	big := make([]byte, 70<<20)
	for range 3 {
		_, err := p.Call(ctx, "fixtures", "length", big)
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Limit != DefaultMaxFrame {
			t.Fatalf("70 MiB argument: %v, want a *TooLargeError over %d", err, DefaultMaxFrame)
		}
	}
	if v, err := p.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("the pool after the refusals: %v, %v", v, err)
	}
	if st := p.Stats(); st.Crashes != 0 || st.Redispatched != 0 || st.Spawned != 2 {
		t.Fatalf("stats %+v: want no crash, no re-dispatch, the 2 first workers only", st)
	}
}
