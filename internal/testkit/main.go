package testkit

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs a package's tests and, when they pass, checks that they left
// no goroutine of taipan's (nor an actor mailbox running) and no zombie
// child behind, waiting up to Patience for the ones still ending. It
// returns the exit code:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	deadline := time.Now().Add(Patience)
	for {
		leaked, zombies := leakedGoroutines(), zombieChildren()
		if len(leaked) == 0 && len(zombies) == 0 {
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "testkit: the tests passed but left %d goroutines and zombie children %v:\n\n%s\n",
				len(leaked), zombies, strings.Join(leaked, "\n\n"))
			return 1
		}
		time.Sleep(pollEvery)
	}
}

// leakedGoroutines returns the stacks of the goroutines running taipan's
// code (tests included) or an actor's mailbox, other than the one in Main.
func leakedGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var leaked []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "taipan/internal/testkit.Main") {
			continue
		}
		if strings.Contains(g, "github.com/taipan-go/taipan") || strings.Contains(g, "actor.(*defaultMailbox).run") {
			leaked = append(leaked, g)
		}
	}
	return leaked
}
