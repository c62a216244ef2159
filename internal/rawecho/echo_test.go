package rawecho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testSpin is the workers' default spin (snakes.DefaultSpin, not imported).
const testSpin = 50 * time.Microsecond

func python(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 in PATH")
	}
	return py
}

func start(t *testing.T, spin time.Duration) *Echo {
	t.Helper()
	e, err := Start(python(t), spin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func addFrame(t *testing.T) []byte {
	t.Helper()
	f, err := AddFrame()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// bigFrame is a 3 MiB frame: more than the 1 MiB pipes hold, so both
// sides must loop over partial reads and writes.
func bigFrame() []byte {
	body := make([]byte, 3<<20)
	for i := range body {
		body[i] = byte(i * 7)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestAddFrame(t *testing.T) {
	f := addFrame(t)
	// 131, SMALL_TUPLE 5, ATOM "C", then module and function as binaries
	// (BINARY_EXT 109), as taipan sends a call.
	body := f[4:]
	if got := binary.BigEndian.Uint32(f); int(got) != len(body) {
		t.Fatalf("length prefix %d, body %d bytes", got, len(body))
	}
	if !bytes.HasPrefix(body, []byte{131, 'h', 5}) {
		t.Fatalf("body starts % x", body[:3])
	}
	for _, s := range []string{"operator", "add"} {
		bin := append([]byte{109}, binary.BigEndian.AppendUint32(nil, uint32(len(s)))...)
		if !bytes.Contains(body, append(bin, s...)) {
			t.Errorf("no binary %q in % x", s, body)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	small := addFrame(t)
	big := bigFrame()
	for _, spin := range []time.Duration{0, testSpin} {
		e := start(t, spin)
		for _, tc := range []struct {
			name  string
			frame []byte
		}{{"add", small}, {"3MiB", big}, {"add-after-big", small}, {"3MiB-again", big}} {
			t.Run(spin.String()+"/"+tc.name, func(t *testing.T) {
				if err := e.RoundTrip(tc.frame); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(e.Reply(), tc.frame) {
					t.Fatalf("reply of %d bytes differs from the %d-byte frame", len(e.Reply()), len(tc.frame))
				}
			})
		}
	}
}

func TestMalformedFrame(t *testing.T) {
	e := start(t, 0)
	for _, f := range [][]byte{nil, {0, 0}, {0, 0, 0, 5, 1}} {
		if err := e.RoundTrip(f); err == nil {
			t.Errorf("RoundTrip(% x) succeeded", f)
		}
	}
	if err := e.RoundTrip(addFrame(t)); err != nil {
		t.Fatalf("a good frame after bad ones: %v", err)
	}
}

func TestClose(t *testing.T) {
	for _, spin := range []time.Duration{0, testSpin} {
		t.Run(spin.String(), func(t *testing.T) {
			e := start(t, spin)
			pid := e.cmd.Process.Pid
			if err := e.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := e.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if err := e.RoundTrip(addFrame(t)); !errors.Is(err, ErrClosed) {
				t.Fatalf("RoundTrip after Close: %v, want ErrClosed", err)
			}
			if ps := e.cmd.ProcessState; ps == nil || !ps.Exited() || ps.ExitCode() != 0 {
				t.Fatalf("process state after Close: %v", ps)
			}
			if err := syscall.Kill(pid, 0); err == nil {
				t.Fatalf("process %d still there after Close", pid)
			}
		})
	}
}

func TestEnded(t *testing.T) {
	e := start(t, testSpin)
	if err := e.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := e.RoundTrip(addFrame(t)); err == nil {
		t.Fatal("RoundTrip to a killed echo succeeded")
	} else if !errors.Is(err, ErrEnded) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("RoundTrip to a killed echo: %v, want ErrEnded or EPIPE", err)
	}
}

func TestStartFails(t *testing.T) {
	if _, err := Start("/nonexistent/python3", 0); err == nil {
		t.Fatal("Start of a missing interpreter succeeded")
	}
	// An interpreter that exits at once: the warm-up sees end of file.
	sh, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false in PATH")
	}
	if _, err := Start(sh, testSpin); !errors.Is(err, ErrEnded) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Start of %s: %v, want ErrEnded or EPIPE", sh, err)
	}
}

// cpuTime is the user+system time of process pid (/proc/<pid>/stat
// fields 14 and 15, in USER_HZ = 100 ticks).
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields count from the last ')'; field 3 is the first after it.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	var ticks int64
	for _, s := range f[14-3 : 15-3+1] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// TestIdleSpinIsBounded: a polling echo left idle polls for its spin, then
// sleeps; a script that polled forever would burn the whole 300 ms.
func TestIdleSpinIsBounded(t *testing.T) {
	e := start(t, testSpin)
	if err := e.RoundTrip(addFrame(t)); err != nil {
		t.Fatal(err)
	}
	pid := e.cmd.Process.Pid
	before := cpuTime(t, pid)
	time.Sleep(300 * time.Millisecond) // the idle time measured, not a wait for an event
	if used := cpuTime(t, pid) - before; used >= 100*time.Millisecond {
		t.Fatalf("idle echo used %v of CPU in 300ms", used)
	}
	if err := e.RoundTrip(addFrame(t)); err != nil {
		t.Fatalf("round trip after sleeping: %v", err)
	}
}

// fdNonblock reports whether fd of process pid is non-blocking
// (/proc/<pid>/fdinfo's flags, in octal).
func fdNonblock(t *testing.T, pid, fd int) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		t.Skip("no /proc:", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			if err != nil {
				t.Fatal(err)
			}
			return flags&syscall.O_NONBLOCK != 0
		}
	}
	t.Fatalf("no flags in fdinfo: %s", b)
	return false
}

// TestSpinMode: both sides read non-blocking (and so poll) exactly when
// spin is positive.
func TestSpinMode(t *testing.T) {
	for _, tc := range []struct {
		spin time.Duration
		want bool
	}{{-1, false}, {0, false}, {testSpin, true}} {
		t.Run(tc.spin.String(), func(t *testing.T) {
			e := start(t, tc.spin)
			if got := fdNonblock(t, os.Getpid(), e.r); got != tc.want {
				t.Errorf("Go reply fd non-blocking: %v, want %v", got, tc.want)
			}
			if got := fdNonblock(t, e.cmd.Process.Pid, 3); got != tc.want {
				t.Errorf("Python request fd non-blocking: %v, want %v", got, tc.want)
			}
		})
	}
}
