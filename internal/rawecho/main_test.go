package rawecho

import (
	"os"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestMain fails the package when its tests leave a goroutine of taipan's
// or an unreaped echo process behind.
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
