package testkit

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Alive reports whether process pid runs: it exists and is not a zombie
// (a zombie has exited; only its parent's wait is pending, and Census
// counts it when the parent is the test).
func Alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	st, ok := procStat(pid)
	return ok && st.state != 'Z'
}

// stat is what the tests read of /proc/PID/stat.
type stat struct {
	state byte
	ppid  int
}

// procStat reads /proc/PID/stat; false when the process is gone.
func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	// "pid (comm) S ppid ...": comm may hold spaces and parentheses, so
	// the fields start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 || len(f[0]) != 1 {
		return stat{}, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return stat{}, false
	}
	return stat{state: f[0][0], ppid: ppid}, true
}

// WaitExit waits until process pid has exited (a zombie has), woken by
// its pidfd rather than polling, failing the test with what it was waiting
// for after Patience. A pid already gone returns at once.
func WaitExit(t testing.TB, what string, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return
	}
	if errors.Is(err, unix.ENOSYS) { // a kernel before 5.3
		Eventually(t, what, func() bool { return !Alive(pid) })
		return
	}
	if err != nil {
		t.Fatalf("pidfd_open(%d): %v", pid, err)
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(Patience)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("timed out after %v waiting for %s", Patience, what)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("waiting for process %d: %v", pid, err)
		}
		if n > 0 {
			return
		}
	}
}
