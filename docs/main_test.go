// Package docs holds the tests of the user's guide: its snippets compile,
// its links and anchors resolve.
package docs

import (
	"os"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestMain fails the package when its tests leave a goroutine of taipan's
// or an unreaped process behind.
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
