package snakes

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// A Lease and a Session whose holder's context ends follow one rule: no
// call is admitted any more; with no call in flight the worker goes back
// whole; a call made with that context is abandoned and its worker
// replaced; a call made with a context of its own finishes, and the worker
// then goes back whole.
func TestHoldContextEnds(t *testing.T) {
	type holder interface {
		Call(ctx context.Context, module, function string, args ...any) (any, error)
	}
	holders := []struct {
		name    string
		open    func(context.Context, *Pool) (holder, error)
		refused error
	}{
		{"lease", func(ctx context.Context, p *Pool) (holder, error) { return p.Acquire(ctx) }, ErrLeaseReleased},
		{"session", func(ctx context.Context, p *Pool) (holder, error) { return p.Session(ctx) }, ErrSessionClosed},
	}
	cases := []struct {
		name string
		// call is the call in flight when the holder's context ends (nil:
		// none), made with ctx (the holder's) or not.
		call     bool
		withHold bool
		replaced bool
		callErr  error // nil: it succeeds
	}{
		{"no call in flight", false, false, false, nil},
		{"a call with the holder's context", true, true, true, ErrCancelled},
		{"a call with a context of its own", true, false, false, nil},
	}
	for _, hd := range holders {
		for _, tc := range cases {
			t.Run(hd.name+", "+tc.name, func(t *testing.T) {
				p := startPool(t, PoolOptions{Size: 1})
				pid := pidsOf(p)[0]
				hctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				h, err := hd.open(hctx, p)
				if err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				// The call in flight waits at a gate, opened once the
				// holder's context ended for a call that is to finish (an
				// abandoned one is interrupted): it used to sleep 1 s, and
				// a slower test found it done (no abandonment, no error).
				gatePath, open := gate(t, "gate")
				if tc.call {
					cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
					defer ccancel()
					if tc.withHold {
						cctx = hctx
					}
					marker, running := beacon(t, "running")
					go func() {
						_, err := h.Call(cctx, "fixtures", "gate_marked", marker, gatePath)
						done <- err
					}()
					testkit.Receive(t, "the call to run", running)
				}
				cancel() // the holder goes away
				if tc.call {
					if !tc.withHold {
						open()
					}
					if err := testkit.Receive(t, "the call in flight", done); tc.callErr == nil && err != nil || tc.callErr != nil && !errors.Is(err, tc.callErr) {
						t.Fatalf("the call in flight: %v, want %v", err, tc.callErr)
					}
				}
				testkit.Eventually(t, "the worker back in the pool", func() bool {
					st := p.Stats()
					return st.Leased == 0 && st.Idle == 1 && st.Workers == 1
				})
				// (A session whose worker was stopped says it is lost.)
				if _, err := h.Call(context.Background(), "fixtures", "echo", 1); !errors.Is(err, hd.refused) &&
					!(tc.replaced && errors.Is(err, ErrSessionLost)) {
					t.Fatalf("a call after the holder's context ended: %v, want %v", err, hd.refused)
				}
				if got := pidsOf(p); (got[0] != pid) != tc.replaced {
					t.Fatalf("worker %d, was %d: replaced %v, want %v", got[0], pid, got[0] != pid, tc.replaced)
				}
				if st := p.Stats(); st.Crashes != 0 {
					t.Fatalf("%+v", st)
				}
			})
		}
	}
}

// A holder that ends its hold while the end of its context is giving the
// worker back returns once the worker is back in the pool, not before:
// of the two ends that race, the one that finds the other giving the
// worker back waits for it. (Before, Release returned at once, and a
// caller reading Stats right after it could find the worker still leased:
// TestManagerWaiterGivesUp's storm failed so under load.)
//
// The race is forced: the test holds the pool's mutex, so the end of the
// context takes the worker back from the holder and stops there, before
// the pool has it.
func TestHoldEndWaitsForTheWorker(t *testing.T) {
	holders := []struct {
		name string
		// open takes a worker for a holder bound to ctx and returns its
		// hold and its end (Release, Close).
		open func(context.Context, *Pool) (*hold, func(), error)
		// frame is the end's frame in a goroutine's stack.
		frame string
	}{
		{"lease", func(ctx context.Context, p *Pool) (*hold, func(), error) {
			l, err := p.Acquire(ctx)
			if err != nil {
				return nil, nil, err
			}
			return &l.h, l.Release, nil
		}, "snakes.(*Lease).Release("},
		{"session", func(ctx context.Context, p *Pool) (*hold, func(), error) {
			s, err := p.Session(ctx)
			if err != nil {
				return nil, nil, err
			}
			return &s.h, func() { s.Close() }, nil
		}, "snakes.(*Session).Close("},
	}
	for _, hd := range holders {
		t.Run(hd.name, func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 1})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h, end, err := hd.open(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			p.mu.Lock()
			locked := true
			defer func() {
				if locked {
					p.mu.Unlock()
				}
			}()
			cancel()
			testkit.Eventually(t, "the end of the context to take the worker back", func() bool {
				h.mu.Lock()
				defer h.mu.Unlock()
				return h.released
			})
			returned := make(chan struct{})
			go func() {
				end()
				close(returned)
			}()
			testkit.Eventually(t, "the holder's end to return or to wait", func() bool {
				select {
				case <-returned:
					return true
				default:
					return parkedIn("", hd.frame)
				}
			})
			select {
			case <-returned:
				t.Fatalf("the holder's end returned while its worker was still out of the pool (%s)", p.mach.Members()[0].State())
			default:
			}
			p.mu.Unlock()
			locked = false
			testkit.Receive(t, "the holder's end", returned)
			if st := p.Stats(); st.Leased != 0 || st.Idle != 1 || st.Workers != 1 {
				t.Fatalf("after the holder's end returned: %+v", st)
			}
		})
	}
}
