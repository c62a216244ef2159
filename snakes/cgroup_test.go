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
)

// fakeCgroupTree writes a /proc/self/cgroup, a /proc/self/mountinfo and a
// cgroup2 tree under a temporary directory, for findCgroup.
type fakeCgroupTree struct {
	cgroup    string            // /proc/self/cgroup's content
	mountinfo string            // with %s for the fake mount point
	dirs      map[string]string // directory under the mount → its cgroup.subtree_control ("-": none; "v1": a v1 memory cgroup)
}

func (f fakeCgroupTree) write(t *testing.T) (cgroupFile, mountinfoFile, mount string) {
	t.Helper()
	root := t.TempDir()
	mount = filepath.Join(root, "sys fs cgroup") // a space: mountinfo escapes it
	for dir, ctl := range f.dirs {
		d := filepath.Join(mount, dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		switch ctl {
		case "-":
		case "v1":
			if err := os.WriteFile(filepath.Join(d, "memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(filepath.Join(d, "cgroup.subtree_control"), []byte(ctl+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cgroupFile = filepath.Join(root, "cgroup")
	mountinfoFile = filepath.Join(root, "mountinfo")
	escaped := strings.ReplaceAll(mount, " ", `\040`)
	for name, content := range map[string]string{cgroupFile: f.cgroup, mountinfoFile: strings.ReplaceAll(f.mountinfo, "%s", escaped)} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cgroupFile, mountinfoFile, mount
}

const (
	v2Mountinfo = "25 1 0:23 / / rw - ext4 /dev/sda1 rw\n" +
		"31 25 0:28 / %s rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
	v1Mountinfo = "25 1 0:23 / / rw - ext4 /dev/sda1 rw\n" +
		"34 30 0:31 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
		"35 31 0:32 / %s rw,relatime - cgroup cgroup rw,memory\n"
	// v1 memory and v2 (without memory) both mounted: this machine's shape
	hybridMountinfo = v1Mountinfo +
		"36 31 0:33 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)

// TestFindCgroup: the detection of a delegated cgroup v2 or a writable
// v1 memory cgroup, on fake trees of the shapes machines have (this one's
// is tested by TestCgroupHere).
func TestFindCgroup(t *testing.T) {
	cases := []struct {
		name string
		tree fakeCgroupTree
		dir  string // want: the directory found, or "" and an error holding why
		v1   bool
		why  string
	}{
		{"delegated root", fakeCgroupTree{"0::/\n", v2Mountinfo, map[string]string{".": "cpu io memory pids"}}, ".", false, ""},
		{"delegated child", fakeCgroupTree{"0::/app.slice/taipan\n", v2Mountinfo, map[string]string{"app.slice/taipan": "memory"}}, "app.slice/taipan", false, ""},
		{"hybrid lines", fakeCgroupTree{"4:memory:/x\n1:name=systemd:/\n0::/svc\n", v2Mountinfo, map[string]string{"svc": "memory pids"}}, "svc", false, ""},
		{"namespace root", fakeCgroupTree{"0::/box/app\n", strings.Replace(v2Mountinfo, " / %s", " /box %s", 1), map[string]string{"app": "memory"}}, "app", false, ""},
		{"memory not delegated", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": "cpu pids"}}, "", false, "memory controller is not enabled"},
		{"nothing delegated", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": ""}}, "", false, "memory controller is not enabled"},
		{"memoryless word", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": "memoryx"}}, "", false, "memory controller is not enabled"},
		{"no subtree_control", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": "-"}}, "", false, "cgroup.subtree_control"},
		{"cgroup gone", fakeCgroupTree{"0::/gone\n", v2Mountinfo, map[string]string{".": "memory"}}, "", false, "gone"},
		{"not in v2", fakeCgroupTree{"4:memory:/x\n", v2Mountinfo, map[string]string{".": "memory"}}, "", false, "no cgroup v2 hierarchy"},
		{"outside the mount", fakeCgroupTree{"0::/other\n", strings.Replace(v2Mountinfo, " / %s", " /box %s", 1), nil}, "", false, "outside"},
		// cgroup v1: the memory hierarchy, where v2 has no memory to give
		{"v1 only", fakeCgroupTree{"5:cpu:/\n4:memory:/x\n", v1Mountinfo, map[string]string{"x": "v1"}}, "x", true, ""},
		{"v1 root", fakeCgroupTree{"4:memory:/\n", v1Mountinfo, map[string]string{".": "v1"}}, ".", true, ""},
		{"v1 beside v2 without memory", fakeCgroupTree{"9:name=systemd:/\n4:memory:/box/x\n0::/\n", hybridMountinfo, map[string]string{"box/x": "v1"}}, "box/x", true, ""},
		{"v1 combined controllers", fakeCgroupTree{"4:cpu,memory:/x\n", strings.Replace(v1Mountinfo, "rw,memory", "rw,cpu,memory", 1), map[string]string{"x": "v1"}}, "x", true, ""},
		{"v1 namespace root", fakeCgroupTree{"4:memory:/box/x\n", strings.Replace(v1Mountinfo, " / %s", " /box %s", 1), map[string]string{"x": "v1"}}, "x", true, ""},
		{"v1 not a memory cgroup", fakeCgroupTree{"4:memory:/x\n", v1Mountinfo, map[string]string{"x": "-"}}, "", false, "no memory.limit_in_bytes"},
		{"v1 says both", fakeCgroupTree{"4:memory:/x\n", v1Mountinfo, map[string]string{"x": "-"}}, "", false, "cgroup v2: no cgroup2 file system is mounted; cgroup v1: "},
		{"v1 memory not mounted", fakeCgroupTree{"4:memory:/x\n0::/\n", strings.Replace(v1Mountinfo, "rw,memory", "rw,pids", 1), map[string]string{"x": "v1"}}, "", false, "no cgroup v1 memory hierarchy is mounted"},
		{"v1 no memory line", fakeCgroupTree{"5:cpu:/x\n", v1Mountinfo, map[string]string{"x": "v1"}}, "", false, "in no cgroup v1 memory hierarchy"},
		{"v1 memory-ish name", fakeCgroupTree{"4:name=memoryx:/x\n", v1Mountinfo, map[string]string{"x": "v1"}}, "", false, "in no cgroup v1 memory hierarchy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cg, mi, mount := c.tree.write(t)
			got, err := findCgroup(cg, mi)
			if c.why != "" {
				if err == nil || !strings.Contains(err.Error(), c.why) {
					t.Fatalf("findCgroup = %+v, %v; want an error about %q", got, err, c.why)
				}
				return
			}
			if want := (memoryParent{dir: filepath.Join(mount, c.dir), v1: c.v1}); err != nil || got != want {
				t.Fatalf("findCgroup = %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

// TestFindCgroupFiles: missing proc files are errors, not a cgroup.
func TestFindCgroupFiles(t *testing.T) {
	cg, mi, _ := fakeCgroupTree{"0::/\n", v2Mountinfo, map[string]string{".": "memory"}}.write(t)
	missing := filepath.Join(t.TempDir(), "missing")
	for _, files := range [][2]string{{missing, mi}, {cg, missing}} {
		if dir, err := findCgroup(files[0], files[1]); err == nil {
			t.Errorf("findCgroup(%q, %q) = %+v", files[0], files[1], dir)
		}
	}
}

// TestWorkerCgroupFailure: a cgroup that cannot be set up (here a plain
// directory, whose interface files do not appear by themselves) is an
// error and leaves nothing behind, v2 or v1.
func TestWorkerCgroupFailure(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		parent := t.TempDir()
		if dir, err := newWorkerCgroup(memoryParent{dir: parent, v1: v1}, 12345, 1<<20); err == nil {
			t.Fatalf("v1 %v: newWorkerCgroup = %q on a plain directory", v1, dir)
		}
		if entries, _ := os.ReadDir(parent); len(entries) != 0 {
			t.Fatalf("v1 %v: left behind: %v", v1, entries)
		}
	}
}

// TestWorkerCgroupLeftover: a cgroup of the worker's name left by an
// earlier host (pids are reused) is removed and made again when empty,
// and kept (an error) when something is still in it.
func TestWorkerCgroupLeftover(t *testing.T) {
	parent := t.TempDir()
	stale := filepath.Join(parent, workerCgroupName(12345))
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	// A plain directory gets no interface files: the setup fails after
	// the leftover was replaced, and removes what it made.
	if _, err := newWorkerCgroup(memoryParent{dir: parent}, 12345, 1<<20); err == nil || errors.Is(err, os.ErrExist) {
		t.Fatalf("newWorkerCgroup over an empty leftover: %v; want the setup's error, not EEXIST", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the empty leftover is still there: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(stale, "held"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := newWorkerCgroup(memoryParent{dir: parent}, 12345, 1<<20); !errors.Is(err, os.ErrExist) {
		t.Fatalf("newWorkerCgroup over a leftover in use: %v; want EEXIST", err)
	}
	if _, err := os.Stat(filepath.Join(stale, "held")); err != nil {
		t.Fatalf("a leftover in use was touched: %v", err)
	}
}

// TestCgroupOOMKills reads memory.events (v2) and memory.oom_control (v1).
func TestCgroupOOMKills(t *testing.T) {
	cases := []struct {
		v1     bool
		events string
		want   int
	}{
		{false, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n", 1},
		{false, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", 0},
		{false, "oom_kill 12", 12},
		{false, "", 0},
		{true, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", 2},
		{true, "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", 0},
		{true, "oom_kill_disable 0\nunder_oom 0\n", 0}, // before Linux 4.13
	}
	for _, c := range cases {
		dir := t.TempDir()
		name := map[bool]string{false: "memory.events", true: "memory.oom_control"}[c.v1]
		if err := os.WriteFile(filepath.Join(dir, name), []byte(c.events), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := cgroupOOMKills(dir, c.v1); got != c.want {
			t.Errorf("%s %q: %d, want %d", name, c.events, got, c.want)
		}
		if got := cgroupOOMKills(dir, !c.v1); got != 0 { // the other version's file is not read
			t.Errorf("%s read as the other version's: %d", name, got)
		}
	}
}

// TestCgroupHere: on this machine, a memory limit goes where findCgroup
// says: the worker's own cgroup with its memory limit (removed with the
// worker, and with it a process that left the worker's process group)
// where the host's cgroup is delegated (v2) or writable (v1), else
// RLIMIT_AS.
func TestCgroupHere(t *testing.T) {
	parent, why := findCgroup(procSelfCgroup, procSelfMountinfo)
	t.Logf("cgroup for the workers: %+v (%v)", parent, why)
	w := startWorker(t, Options{Limits: Limits{Memory: 256 << 20}})
	soft, hard := procLimits(t, w.Pid(), "Max address space")
	if why != nil {
		if soft != "268435456" || hard != "268435456" || w.limits.cgroup != "" || w.limits.memBy != "RLIMIT_AS" {
			t.Fatalf("not delegated: address space %s/%s, limits %+v; want RLIMIT_AS", soft, hard, w.limits)
		}
		return
	}
	dir := filepath.Join(parent.dir, workerCgroupName(w.Pid()))
	if w.limits.cgroup != dir || w.limits.cgroupV1 != parent.v1 || soft != "unlimited" {
		t.Fatalf("delegated: cgroup %q (v1 %v), address space %s; want %s and no RLIMIT_AS", w.limits.cgroup, w.limits.cgroupV1, soft, dir)
	}
	limitFile, line := "memory.max", "::/"
	if parent.v1 {
		limitFile, line = "memory.limit_in_bytes", "memory:/"
	}
	if max, err := os.ReadFile(filepath.Join(dir, limitFile)); err != nil || strings.TrimSpace(string(max)) != "268435456" {
		t.Fatalf("%s = %q, %v", limitFile, max, err)
	}
	own, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", w.Pid()))
	if err != nil || !strings.Contains(string(own), line) || !strings.Contains(string(own), "/"+workerCgroupName(w.Pid())+"\n") {
		t.Fatalf("the worker's cgroup: %q, %v", own, err)
	}
	// A subprocess in a session of its own: out of the process group the
	// worker's end kills, in the worker's cgroup, whose removal kills it.
	path := pidFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), promptly)
	defer cancel()
	if _, err := w.Call(ctx, "process_fixtures", "hold_output_then_return", path, 100); err != nil {
		t.Fatal(err)
	}
	pw := watchPids(t, readPids(t, path))
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the worker's cgroup outlived it: %v", err)
	}
	pw.waitGone(t, promptly)
}

// TestCgroupParent: a CgroupParent that cannot hold the workers' cgroups
// fails the start (no quiet fallback to RLIMIT_AS when a cgroup was asked
// for), and NewPool at once; nothing is left in it.
func TestCgroupParent(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string // in the parent
		why   string
	}{
		{"not a cgroup", nil, "cgroup.subtree_control"},
		{"not delegated", map[string]string{"cgroup.subtree_control": "cpu\n", "cgroup.procs": ""}, "memory controller is not enabled"},
		// Looks delegated, but a plain directory's child gets no
		// interface files: the worker's cgroup cannot be set up.
		{"setup fails", map[string]string{"cgroup.subtree_control": "memory\n", "cgroup.procs": ""}, "making the worker's cgroup"},
		// Looks like a v1 memory cgroup: the same.
		{"v1 setup fails", map[string]string{"memory.limit_in_bytes": "9223372036854771712\n", "cgroup.procs": ""}, "making the worker's cgroup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			for name, content := range c.files {
				if err := os.WriteFile(filepath.Join(parent, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts := Options{Interpreter: interp(t), Limits: Limits{Memory: 512 << 20, CgroupParent: parent}}
			w, err := Start(context.Background(), opts)
			if err == nil {
				w.Stop(context.Background())
				t.Fatal("started")
			}
			var oe *OptionError
			if !errors.Is(err, ErrStartFailed) || !errors.As(err, &oe) || oe.Option != "Limits.CgroupParent" || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("Start: %v; want an *OptionError on Limits.CgroupParent about %q", err, c.why)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != len(c.files) {
				t.Fatalf("left in the parent: %v", entries)
			}
			if strings.Contains(c.name, "setup fails") {
				return // NewPool checks the parent, not the setup: its workers fail as Start did
			}
			if _, err := NewPool(context.Background(), PoolOptions{Size: 1, Worker: opts}); !errors.As(err, &oe) || oe.Option != "Limits.CgroupParent" {
				t.Fatalf("NewPool: %v", err)
			}
		})
	}
}

// TestCgroupParentHere: a CgroupParent of the user's (here a cgroup made
// for the test under the one findCgroup finds, v2 with memory delegated to
// its children, or v1) holds the workers' cgroups; nothing is left in it.
func TestCgroupParentHere(t *testing.T) {
	found, err := findCgroup(procSelfCgroup, procSelfMountinfo)
	if err != nil {
		t.Logf("no cgroup here (%v): TestCgroupParent covers the refusals", err)
		return
	}
	parent := filepath.Join(found.dir, fmt.Sprintf("taipan-test-%d", os.Getpid()))
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := removeWorkerCgroup(parent); err != nil {
			t.Error(err)
		}
	})
	if !found.v1 {
		if err := writeCgroupFile(parent, "cgroup.subtree_control", "+memory"); err != nil {
			t.Fatal(err)
		}
	} else if err := writeCgroupFile(parent, "memory.oom_control", "1"); err != nil {
		// v1 copies oom_kill_disable to children: a worker at its limit
		// would hang unkilled, were its own not set back.
		t.Fatal(err)
	}
	w := startWorker(t, Options{Limits: Limits{Memory: 256 << 20, CgroupParent: parent}})
	dir := filepath.Join(parent, workerCgroupName(w.Pid()))
	if w.limits.cgroup != dir || w.limits.cgroupV1 != found.v1 {
		t.Fatalf("cgroup %q (v1 %v), want %s", w.limits.cgroup, w.limits.cgroupV1, dir)
	}
	if found.v1 {
		if oc, err := os.ReadFile(filepath.Join(dir, "memory.oom_control")); err != nil || !strings.Contains(string(oc), "oom_kill_disable 0\n") {
			t.Fatalf("the worker's memory.oom_control under a parent with the OOM killer off: %q, %v", oc, err)
		}
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(parent); hasDir(entries) {
		t.Fatalf("left in the parent: %v", entries)
	}
}

// hasDir reports whether entries hold a directory (a cgroup's
// children are its only directories).
func hasDir(entries []os.DirEntry) bool {
	for _, e := range entries {
		if e.IsDir() {
			return true
		}
	}
	return false
}

// deadWorkerCgroups lists the worker cgroups under the one findCgroup
// finds whose worker is gone. A worker's cgroup is removed before its
// process is reaped, so that one there is a leak (or a host's that was
// killed, before the tests: TestMain compares).
func deadWorkerCgroups() []string {
	parent, err := findCgroup(procSelfCgroup, procSelfMountinfo)
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir(parent.dir)
	var dead []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name()[strings.LastIndex(e.Name(), "-")+1:])
		if e.IsDir() && strings.HasPrefix(e.Name(), "taipan-worker-") && err == nil && syscall.Kill(pid, 0) == syscall.ESRCH {
			dead = append(dead, e.Name())
		}
	}
	return dead
}

// TestWorkerCgroupName: the pid namespace keeps apart the workers of
// hosts in different containers; the pid ends the name.
func TestWorkerCgroupName(t *testing.T) {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		t.Fatal(err)
	}
	inode := strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
	if got, want := workerCgroupName(42), "taipan-worker-"+inode+"-42"; got != want {
		t.Fatalf("workerCgroupName(42) = %q, want %q (namespace %s)", got, want, ns)
	}
}
