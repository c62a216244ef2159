package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeCgroupTree writes a /proc/self/cgroup, a /proc/self/mountinfo and a
// cgroup2 tree under a temporary directory, for findCgroup.
type fakeCgroupTree struct {
	cgroup    string            // /proc/self/cgroup's content
	mountinfo string            // with %s for the fake mount point
	dirs      map[string]string // directory under the mount → its cgroup.subtree_control ("-": none)
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
		if ctl != "-" {
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
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
)

// TestFindCgroup: the detection of a delegated cgroup v2, on fake trees
// of the shapes machines have (this one's is tested by TestCgroupHere).
func TestFindCgroup(t *testing.T) {
	cases := []struct {
		name string
		tree fakeCgroupTree
		dir  string // want: the directory found, or "" and an error holding why
		why  string
	}{
		{"delegated root", fakeCgroupTree{"0::/\n", v2Mountinfo, map[string]string{".": "cpu io memory pids"}}, ".", ""},
		{"delegated child", fakeCgroupTree{"0::/app.slice/taipan\n", v2Mountinfo, map[string]string{"app.slice/taipan": "memory"}}, "app.slice/taipan", ""},
		{"hybrid lines", fakeCgroupTree{"4:memory:/x\n1:name=systemd:/\n0::/svc\n", v2Mountinfo, map[string]string{"svc": "memory pids"}}, "svc", ""},
		{"namespace root", fakeCgroupTree{"0::/box/app\n", strings.Replace(v2Mountinfo, " / %s", " /box %s", 1), map[string]string{"app": "memory"}}, "app", ""},
		{"memory not delegated", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": "cpu pids"}}, "", "memory controller is not enabled"},
		{"nothing delegated", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": ""}}, "", "memory controller is not enabled"},
		{"memoryless word", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": "memoryx"}}, "", "memory controller is not enabled"},
		{"no subtree_control", fakeCgroupTree{"0::/svc\n", v2Mountinfo, map[string]string{"svc": "-"}}, "", "cgroup.subtree_control"},
		{"cgroup gone", fakeCgroupTree{"0::/gone\n", v2Mountinfo, map[string]string{".": "memory"}}, "", "gone"},
		{"v1 only", fakeCgroupTree{"4:memory:/x\n", v1Mountinfo, nil}, "", "no cgroup2 file system"},
		{"not in v2", fakeCgroupTree{"4:memory:/x\n", v2Mountinfo, map[string]string{".": "memory"}}, "", "no cgroup v2 hierarchy"},
		{"outside the mount", fakeCgroupTree{"0::/other\n", strings.Replace(v2Mountinfo, " / %s", " /box %s", 1), nil}, "", "outside"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cg, mi, mount := c.tree.write(t)
			dir, err := findCgroup(cg, mi)
			if c.why != "" {
				if err == nil || !strings.Contains(err.Error(), c.why) {
					t.Fatalf("findCgroup = %q, %v; want an error about %q", dir, err, c.why)
				}
				return
			}
			if want := filepath.Join(mount, c.dir); err != nil || dir != want {
				t.Fatalf("findCgroup = %q, %v; want %q", dir, err, want)
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
			t.Errorf("findCgroup(%q, %q) = %q", files[0], files[1], dir)
		}
	}
}

// TestWorkerCgroupFailure: a cgroup that cannot be set up (here a plain
// directory, whose interface files do not appear by themselves) is an
// error and leaves nothing behind.
func TestWorkerCgroupFailure(t *testing.T) {
	parent := t.TempDir()
	if dir, err := newWorkerCgroup(parent, 12345, 1<<20); err == nil {
		t.Fatalf("newWorkerCgroup = %q on a plain directory", dir)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestWorkerCgroupLeftover: a cgroup of the worker's name left by an
// earlier host (pids are reused) is removed and made again when empty,
// and kept (an error) when something is still in it.
func TestWorkerCgroupLeftover(t *testing.T) {
	parent := t.TempDir()
	stale := filepath.Join(parent, "taipan-worker-12345")
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	// A plain directory gets no interface files: the setup fails after
	// the leftover was replaced, and removes what it made.
	if _, err := newWorkerCgroup(parent, 12345, 1<<20); err == nil || errors.Is(err, os.ErrExist) {
		t.Fatalf("newWorkerCgroup over an empty leftover: %v; want the setup's error, not EEXIST", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the empty leftover is still there: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(stale, "held"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := newWorkerCgroup(parent, 12345, 1<<20); !errors.Is(err, os.ErrExist) {
		t.Fatalf("newWorkerCgroup over a leftover in use: %v; want EEXIST", err)
	}
	if _, err := os.Stat(filepath.Join(stale, "held")); err != nil {
		t.Fatalf("a leftover in use was touched: %v", err)
	}
}

// TestCgroupOOMKills reads memory.events.
func TestCgroupOOMKills(t *testing.T) {
	cases := []struct {
		events string
		want   int
	}{
		{"low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n", 1},
		{"low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", 0},
		{"oom_kill 12", 12},
		{"", 0},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte(c.events), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := cgroupOOMKills(dir); got != c.want {
			t.Errorf("%q: %d, want %d", c.events, got, c.want)
		}
	}
	if got := cgroupOOMKills(t.TempDir()); got != 0 {
		t.Errorf("no memory.events: %d", got)
	}
}

// TestCgroupHere: on this machine, a memory limit goes where findCgroup
// says: the worker's own cgroup with its memory.max (removed with the
// worker) where the host's cgroup is delegated, else RLIMIT_AS.
func TestCgroupHere(t *testing.T) {
	parent, why := findCgroup(procSelfCgroup, procSelfMountinfo)
	t.Logf("delegated cgroup: %q (%v)", parent, why)
	w := startWorker(t, Options{Limits: Limits{Memory: 256 << 20}})
	soft, hard := procLimits(t, w.Pid(), "Max address space")
	if why != nil {
		if soft != "268435456" || hard != "268435456" || w.limits.cgroup != "" || w.limits.memBy != "RLIMIT_AS" {
			t.Fatalf("not delegated: address space %s/%s, limits %+v; want RLIMIT_AS", soft, hard, w.limits)
		}
		return
	}
	dir := filepath.Join(parent, "taipan-worker-"+strconv.Itoa(w.Pid()))
	if w.limits.cgroup != dir || soft != "unlimited" {
		t.Fatalf("delegated: cgroup %q, address space %s; want %s and no RLIMIT_AS", w.limits.cgroup, soft, dir)
	}
	if max, err := os.ReadFile(filepath.Join(dir, "memory.max")); err != nil || strings.TrimSpace(string(max)) != "268435456" {
		t.Fatalf("memory.max = %q, %v", max, err)
	}
	own, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", w.Pid()))
	if err != nil || !strings.Contains(string(own), "/taipan-worker-"+strconv.Itoa(w.Pid())+"\n") {
		t.Fatalf("the worker's cgroup: %q, %v", own, err)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the worker's cgroup outlived it: %v", err)
	}
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
			if c.files["cgroup.subtree_control"] == "memory\n" {
				return // NewPool checks the parent, not the setup: its workers fail as Start did
			}
			if _, err := NewPool(context.Background(), PoolOptions{Size: 1, Worker: opts}); !errors.As(err, &oe) || oe.Option != "Limits.CgroupParent" {
				t.Fatalf("NewPool: %v", err)
			}
		})
	}
}
