package testkit

import (
	"context"
	"testing"
	"time"
)

// Patience bounds every wait of this package: a hang fails after it, and
// nothing that works comes near it (a Python start under -race on a loaded
// two-core machine takes seconds, not a minute).
const Patience = time.Minute

// Context returns a context for one step of a test: it ends after
// Patience, or when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	t.Cleanup(cancel)
	return ctx
}
