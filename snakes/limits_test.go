package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// procLimits reads the soft and hard values of one line of
// /proc/<pid>/limits ("Max address space", "Max open files"...).
func procLimits(t *testing.T, pid int, name string) (soft, hard string) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	t.Fatalf("no %q in /proc/%d/limits:\n%s", name, pid, data)
	return "", ""
}

// memoryByRlimit says whether a memory limit on this machine is an
// RLIMIT_AS (no delegated cgroup v2).
func memoryByRlimit() bool {
	_, err := findCgroup(procSelfCgroup, procSelfMountinfo)
	return err != nil
}

// TestLimitsSet: each limit is in force on the worker process, soft and
// hard alike (the hard limit is what the worker cannot raise), before its
// first call; a worker without limits keeps the host's.
func TestLimitsSet(t *testing.T) {
	w := startWorker(t, Options{Limits: Limits{Memory: 512 << 20, CPUTime: 1500 * time.Millisecond, OpenFiles: 64, Processes: 4096}})
	want := []struct{ name, soft, hard string }{
		{"Max cpu time", "2", "3"},
		{"Max open files", "64", "64"},
		{"Max processes", "4096", "4096"},
	}
	if memoryByRlimit() {
		want = append(want, struct{ name, soft, hard string }{"Max address space", "536870912", "536870912"})
	}
	for _, l := range want {
		if soft, hard := procLimits(t, w.Pid(), l.name); soft != l.soft || hard != l.hard {
			t.Errorf("%s = %s/%s, want %s/%s", l.name, soft, hard, l.soft, l.hard)
		}
	}
	plain := startWorker(t, Options{})
	for _, l := range want {
		hs, hh := procLimits(t, os.Getpid(), l.name)
		if soft, hard := procLimits(t, plain.Pid(), l.name); soft != hs || hard != hh {
			t.Errorf("without limits: %s = %s/%s, the host's %s/%s", l.name, soft, hard, hs, hh)
		}
	}
}

// TestLimitMemoryWorker: 2 GiB asked under a 512 MiB address space
// limit fails the call with a LimitError that names the memory limit and
// still tells it was a MemoryError; the worker (Python survived it)
// answers the next call. MemoryAddressSpace: whatever cgroup the machine
// could give.
func TestLimitMemoryWorker(t *testing.T) {
	w := startWorker(t, Options{Limits: Limits{Memory: 512 << 20, MemoryBy: MemoryAddressSpace}})
	if soft, hard := procLimits(t, w.Pid(), "Max address space"); soft != "536870912" || hard != soft || w.limits.cgroup != "" {
		t.Fatalf("MemoryAddressSpace: address space %s/%s, cgroup %q", soft, hard, w.limits.cgroup)
	}
	_, err := w.Call(context.Background(), "fixtures", "allocate", int64(2<<30))
	checkMemoryLimit(t, err)
	var le *LimitError
	if errors.As(err, &le); le.Killed || le.By != "RLIMIT_AS" {
		t.Fatalf("MemoryAddressSpace: %v", err)
	}
	if v, err := w.Call(context.Background(), "fixtures", "allocate", int64(1<<20)); err != nil || v != int64(1<<20) {
		t.Fatalf("allocate 1 MiB after: %v, %v", v, err)
	}
}

// checkMemoryLimit checks the error of a call over a 512 MiB memory limit.
func checkMemoryLimit(t *testing.T, err error) {
	t.Helper()
	var le *LimitError
	if !errors.Is(err, ErrLimit) || !errors.As(err, &le) || le.Limit != LimitMemory || le.Value != 512<<20 {
		t.Fatalf("allocate 2 GiB under 512 MiB: %v; want a memory *LimitError", err)
	}
	if le.Killed {
		// A cgroup's memory limit: the OOM killer ended the worker.
		if (le.By != "cgroup memory.max" && le.By != "cgroup v1 memory.limit_in_bytes") || !errors.Is(err, ErrWorkerExited) ||
			!strings.Contains(err.Error(), "killed by SIGKILL (killed: memory limit (512 MiB, "+le.By+"))") {
			t.Fatalf("killed for memory: %v (%+v)", err, le)
		}
		return
	}
	var pe *PythonError
	if le.By != "RLIMIT_AS" || !errors.As(err, &pe) || pe.Type != "builtins.MemoryError" || !strings.Contains(err.Error(), "memory limit (512 MiB, RLIMIT_AS)") {
		t.Fatalf("memory limit: %v (%+v); want the MemoryError under RLIMIT_AS", err, le)
	}
}

// TestLimitMemoryPool is the "done when": a 2 GiB allocation
// under a 512 MiB limit fails with the typed memory error, the worker is
// replaced, and the pool goes on — each way of enforcing it this machine
// has (MemoryCgroup where it has none: the pool does not start).
func TestLimitMemoryPool(t *testing.T) {
	parent, noCgroup := findCgroup(procSelfCgroup, procSelfMountinfo)
	for _, by := range []MemoryBy{MemoryAuto, MemoryCgroup, MemoryAddressSpace} {
		t.Run(by.String(), func(t *testing.T) {
			opts := PoolOptions{Size: 1, Worker: Options{Limits: Limits{Memory: 512 << 20, MemoryBy: by}}}
			if by == MemoryCgroup && noCgroup != nil {
				var oe *OptionError
				if _, err := NewPool(context.Background(), opts); !errors.Is(err, ErrStartFailed) || !errors.As(err, &oe) || oe.Option != "Limits.MemoryBy" {
					t.Fatalf("MemoryCgroup without a cgroup here (%v): NewPool: %v", noCgroup, err)
				}
				return
			}
			p := startPool(t, opts)
			before := pidsOf(p)
			_, err := p.Call(context.Background(), "fixtures", "allocate", int64(2<<30))
			checkMemoryLimit(t, err)
			var le *LimitError
			errors.As(err, &le)
			if wantCgroup := by == MemoryCgroup || by == MemoryAuto && noCgroup == nil; le.Killed != wantCgroup {
				t.Fatalf("%v: %v; want by a cgroup: %v", by, err, wantCgroup)
			}
			testkit.Eventually(t, "the worker replaced", func() bool {
				got := pidsOf(p)
				return len(got) == 1 && got[0] != before[0]
			})
			if v, err := p.Call(context.Background(), "fixtures", "allocate", int64(64<<20)); err != nil || v != int64(64<<20) {
				t.Fatalf("the pool after: %v, %v", v, err)
			}
			if le.Killed { // the killed worker's cgroup went with it
				testkit.Eventually(t, "the killed worker's cgroup removed", func() bool {
					_, err := os.Stat(filepath.Join(parent.dir, workerCgroupName(before[0])))
					return os.IsNotExist(err)
				})
			}
		})
	}
}

// TestLimitCPUPool: a call that spins under a CPU limit of one second
// ends with the kernel's kill, reported as the CPU limit, and the pool
// replaces the worker.
func TestLimitCPUPool(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1, Worker: Options{Limits: Limits{CPUTime: time.Second}}})
	before := pidsOf(p)
	_, err := p.Call(context.Background(), "fixtures", "spin")
	var le *LimitError
	var ee *ExitError
	if !errors.Is(err, ErrLimit) || !errors.As(err, &le) || le.Limit != LimitCPU || !le.Killed || le.Value != 1 ||
		!errors.As(err, &ee) || !strings.Contains(err.Error(), "killed: cpu limit") {
		t.Fatalf("spin under 1 s of CPU: %v; want an *ExitError whose reason is the cpu *LimitError", err)
	}
	if ee.Signal != syscall.SIGXCPU && ee.Signal != syscall.SIGKILL {
		t.Fatalf("signal %v", ee.Signal)
	}
	t.Log(err)
	if v, err := p.Call(context.Background(), "fixtures", "echo", 1); err != nil || v != int64(1) {
		t.Fatalf("the pool after: %v, %v", v, err)
	}
	if got := pidsOf(p); len(got) != 1 || got[0] == before[0] {
		t.Fatalf("workers %v, before %v: not replaced", got, before)
	}
}

// TestLimitOpenFiles: descriptors past OpenFiles fail with the open files
// LimitError (Python's OSError EMFILE inside).
func TestLimitOpenFiles(t *testing.T) {
	w := startWorker(t, Options{Limits: Limits{OpenFiles: 32}})
	if v, err := w.Call(context.Background(), "fixtures", "open_files", 4); err != nil || v != int64(4) {
		t.Fatalf("4 files: %v, %v", v, err)
	}
	_, err := w.Call(context.Background(), "fixtures", "open_files", 64)
	var le *LimitError
	var pe *PythonError
	if !errors.As(err, &le) || le.Limit != LimitOpenFiles || le.Value != 32 || !errors.As(err, &pe) || pe.Type != "builtins.OSError" {
		t.Fatalf("64 files under 32: %v; want an open files *LimitError", err)
	}
}

// TestLimitNotMisnamed: a MemoryError raised with no memory limit set,
// and a process killed by someone else, are not taken for limits.
func TestLimitNotMisnamed(t *testing.T) {
	w := startWorker(t, Options{Limits: Limits{OpenFiles: 256}})
	_, err := w.Call(context.Background(), "builtins", "exec", "raise MemoryError('mine')")
	var pe *PythonError
	if errors.Is(err, ErrLimit) || !errors.As(err, &pe) || pe.Type != "builtins.MemoryError" {
		t.Fatalf("MemoryError without a memory limit: %v", err)
	}
	c := startWorker(t, Options{Limits: Limits{CPUTime: time.Hour}})
	syscall.Kill(c.Pid(), syscall.SIGKILL)
	<-c.Exited()
	if _, err := c.Call(context.Background(), "fixtures", "echo", 1); errors.Is(err, ErrLimit) || !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("a SIGKILL from elsewhere: %v", err)
	}
}

// TestLimitsTooLow: limits Python cannot start under fail the start with
// ErrStartFailed, the limits named in the error, and leave nothing behind.
func TestLimitsTooLow(t *testing.T) {
	for _, l := range []Limits{{Memory: 2 << 20}, {Memory: 2 << 20, MemoryBy: MemoryAddressSpace}, {OpenFiles: 3}} { // 2 MiB: under RLIMIT_AS and under a cgroup alike
		t.Run(l.String(), func(t *testing.T) {
			w, err := Start(context.Background(), Options{Interpreter: interp(t), Limits: l})
			if err == nil {
				w.Stop(context.Background())
				t.Fatal("started")
			}
			if !errors.Is(err, ErrStartFailed) || !strings.Contains(err.Error(), "with Limits "+l.String()) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestLimitsString(t *testing.T) {
	cases := []struct {
		l    Limits
		want string
	}{
		{Limits{}, "none"},
		{Limits{Memory: 512 << 20, CPUTime: 2 * time.Second}, "Memory 512 MiB, CPUTime 2s"},
		{Limits{Memory: 1000, OpenFiles: 64, Processes: 10}, "Memory 1000 bytes, OpenFiles 64, Processes 10"},
		{Limits{Memory: 1 << 20, MemoryBy: MemoryCgroup, CgroupParent: "/c"}, "Memory 1 MiB, MemoryBy MemoryCgroup, CgroupParent /c"},
		{Limits{Memory: 1 << 20, MemoryBy: MemoryBy(9)}, "Memory 1 MiB, MemoryBy MemoryBy(9)"},
	}
	for _, c := range cases {
		if got := c.l.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.l, got, c.want)
		}
	}
}

// TestLimitsCannotBeRaised: the worker cannot raise its hard limits back
// (unless it holds CAP_SYS_RESOURCE, as root usually does: then it can,
// as documented).
func TestLimitsCannotBeRaised(t *testing.T) {
	capable := capSysResource(t)
	w := startWorker(t, Options{Limits: Limits{OpenFiles: 64}})
	_, err := w.Call(context.Background(), "resource", "setrlimit", int64(syscall.RLIMIT_NOFILE), []any{int64(128), int64(128)})
	soft, hard := procLimits(t, w.Pid(), "Max open files")
	var pe *PythonError
	switch {
	case capable && (err != nil || hard != "128"):
		t.Fatalf("with CAP_SYS_RESOURCE: setrlimit = %v, open files %s/%s; want raised", err, soft, hard)
	case !capable && (!errors.As(err, &pe) || pe.Type != "builtins.ValueError" || soft != "64" || hard != "64"):
		t.Fatalf("setrlimit = %v, open files %s/%s; want refused, 64/64", err, soft, hard)
	}
	t.Logf("CAP_SYS_RESOURCE %v: %v", capable, err)
}

// capSysResource reports whether this process holds CAP_SYS_RESOURCE (bit
// 24 of CapEff), which lets it raise hard limits.
func capSysResource(t *testing.T) bool {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			bits, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return bits&(1<<24) != 0
		}
	}
	t.Fatal("no CapEff in /proc/self/status")
	return false
}

// TestLimitAboveHost: a limit above the hard limit the worker inherits
// is set where the host may raise it (CAP_SYS_RESOURCE); elsewhere the
// inherited, tighter one stays, and the worker starts.
func TestLimitAboveHost(t *testing.T) {
	var host syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &host); err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatUint(host.Max, 10)
	if capSysResource(t) {
		want = strconv.FormatUint(host.Max+1, 10)
	}
	w := startWorker(t, Options{Limits: Limits{OpenFiles: int(host.Max + 1)}})
	if soft, hard := procLimits(t, w.Pid(), "Max open files"); soft != want || hard != want {
		t.Fatalf("open files %s/%s, want %s (host's hard limit %d)", soft, hard, want, host.Max)
	}
}

// TestLimitErlPort: the limits bind an ErlPort worker too, and its Python
// exception at a limit is named the same way as a native worker's (the
// compat profile completes a call with its error already decoded).
func TestLimitErlPort(t *testing.T) {
	// fixtures imports taipan: the runtime goes on its PYTHONPATH.
	w := startErlPort(t, Options{Limits: Limits{OpenFiles: 32}, Paths: []string{interp(t).RuntimeDir}})
	if v, err := w.Call(context.Background(), "fixtures", "open_files", 4); err != nil || v != int64(4) {
		t.Fatalf("4 files: %v, %v", v, err)
	}
	_, err := w.Call(context.Background(), "fixtures", "open_files", 64)
	var le *LimitError
	var pe *PythonError
	if !errors.As(err, &le) || le.Limit != LimitOpenFiles || le.Value != 32 || !errors.As(err, &pe) {
		t.Fatalf("64 files under 32: %v; want an open files *LimitError", err)
	}
}

// TestLimitsNotBlamed: a start that fails for another reason (here an
// Init that raises) under limits Python starts under well does not say
// the limits may be too low.
func TestLimitsNotBlamed(t *testing.T) {
	_, err := Start(context.Background(), Options{Interpreter: interp(t), Limits: Limits{OpenFiles: 256},
		Init: &InitCall{Module: "builtins", Function: "exec", Args: []any{"raise ValueError('init')"}}})
	var pe *PythonError
	if !errors.Is(err, ErrStartFailed) || !errors.As(err, &pe) || strings.Contains(err.Error(), "too low") {
		t.Fatalf("Init raised: %v; want ErrStartFailed and its ValueError, the limits not blamed", err)
	}
}

// TestMemoryOptionsUnread: MemoryBy and CgroupParent without Memory, and
// CgroupParent under MemoryAddressSpace, are not read (a template may set
// them for the pools that set Memory): the worker starts with what the
// rest says, whatever the parent named.
func TestMemoryOptionsUnread(t *testing.T) {
	cases := []struct {
		name   string
		limits Limits
		as     string // the address space limit wanted
	}{
		{"MemoryBy without Memory", Limits{MemoryBy: MemoryCgroup}, "unlimited"},
		{"CgroupParent without Memory", Limits{CgroupParent: "/nonexistent/cgroup"}, "unlimited"},
		{"CgroupParent under MemoryAddressSpace", Limits{Memory: 512 << 20, MemoryBy: MemoryAddressSpace, CgroupParent: "/nonexistent/cgroup"}, "536870912"},
		{"inherited by a pool without Memory", Options{}.Inherit(Options{Limits: Limits{MemoryBy: MemoryCgroup, CgroupParent: "/nonexistent/cgroup"}}).Limits, "unlimited"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := startWorker(t, Options{Limits: c.limits})
			if soft, _ := procLimits(t, w.Pid(), "Max address space"); soft != c.as || w.limits != nil && w.limits.cgroup != "" {
				t.Fatalf("address space %s, limits %+v; want %s and no cgroup", soft, w.limits, c.as)
			}
		})
	}
}
