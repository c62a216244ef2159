package snakes

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// A failed start, whatever the reason, leaves no descriptor and no
// goroutine behind.
func TestFailedStartsLeakNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts func(t *testing.T) Options
	}{
		{"init raises", func(t *testing.T) Options {
			return Options{Init: &InitCall{Module: "fixtures", Function: "fail", Args: []any{"no"}}}
		}},
		{"start timeout", func(t *testing.T) Options {
			return Options{StartTimeout: 200 * time.Millisecond,
				Init: &InitCall{Module: "fixtures", Function: "sleep", Args: []any{30}}}
		}},
		{"erlport init raises", func(t *testing.T) Options { // the relay too (--packet 2)
			return Options{Profile: ProfileErlPort, Command: erlportCommand(t, 2, false),
				Init: &InitCall{Module: "builtins", Function: "int", Args: []any{"not a number"}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts(t)
			opts.Interpreter = interp(t)
			opts.Paths = []string{fixturesDir(t)}
			base := testkit.TakeCensus()
			for range 20 {
				w, err := Start(testkit.Context(t), opts)
				if !errors.Is(err, ErrStartFailed) {
					if w != nil {
						w.Stop(context.Background())
					}
					t.Fatalf("Start: %v, want ErrStartFailed", err)
				}
			}
			// Start closed them before it returned.
			if after := testkit.TakeCensus(); !slices.Equal(after.FDs, base.FDs) {
				t.Fatalf("descriptors before:\n%v\nafter 20 failed starts:\n%v", base.FDs, after.FDs)
			}
			// Its goroutines may still be ending.
			testkit.NoLeaks(t, base)
		})
	}
}
