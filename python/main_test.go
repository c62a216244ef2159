package python

import (
	"os"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestMain fails the tests if they leave a goroutine or a child process
// behind (Check runs the interpreter).
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
