package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Census counts what a test could leak: the test process's open file
// descriptors, its goroutines, and its children that exited and were not
// reaped (zombies).
type Census struct {
	FDs        []string // "fd→target", in fd order
	Goroutines int
	Zombies    []int // pids
}

// TakeCensus counts now.
func TakeCensus() Census {
	var c Census
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		c.FDs = append(c.FDs, e.Name()+"→"+target)
	}
	c.Goroutines = runtime.NumGoroutine()
	c.Zombies = zombieChildren()
	return c
}

// Within reports whether c holds no more than base: no more fds or
// goroutines, and no zombie.
func (c Census) Within(base Census) bool {
	return len(c.FDs) <= len(base.FDs) && c.Goroutines <= base.Goroutines && len(c.Zombies) == 0
}

// NoLeaks waits until the process is back within base, failing the test
// with what is left after Patience. It polls: nothing signals a goroutine
// or a pipe's other end ending after Stop returned.
func NoLeaks(t testing.TB, base Census) {
	t.Helper()
	var now Census
	deadline := time.Now().Add(Patience)
	for now = TakeCensus(); !now.Within(base); now = TakeCensus() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("leaked: %d fds (%d before), %d goroutines (%d before), zombies %v\nfds now: %v\nfds before: %v\n%s",
				len(now.FDs), len(base.FDs), now.Goroutines, base.Goroutines, now.Zombies,
				now.FDs, base.FDs, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(pollEvery)
	}
}

// String summarises the census.
func (c Census) String() string {
	return fmt.Sprintf("%d fds, %d goroutines, %d zombies", len(c.FDs), c.Goroutines, len(c.Zombies))
}

// zombieChildren lists the zombies whose parent is this process.
func zombieChildren() []int {
	var zs []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	me := os.Getpid()
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.state == 'Z' && st.ppid == me {
			zs = append(zs, pid)
		}
	}
	slices.Sort(zs)
	return zs
}
