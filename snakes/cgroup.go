package snakes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Where the process finds its own cgroup (cgroups(7)).
const (
	procSelfCgroup    = "/proc/self/cgroup"
	procSelfMountinfo = "/proc/self/mountinfo"
)

// How long removing a worker's cgroup waits for what cgroup.kill killed
// to be gone (rmdir fails with EBUSY until then).
const (
	cgroupRemoveTries = 100
	cgroupRemoveWait  = 10 * time.Millisecond
	cgroupKillRounds  = 100 // reads of cgroup.procs per try, where there is no cgroup.kill
)

// memoryParent is a cgroup under which each worker with a memory limit
// gets a cgroup of its own.
type memoryParent struct {
	dir string
	v1  bool // a cgroup v1 memory hierarchy (memory.limit_in_bytes), not v2 (memory.max)
}

// findCgroup returns the host process's own cgroup when the machine lets
// it hold the workers' cgroups: a delegated cgroup v2 (findCgroupV2), else
// a writable cgroup v1 memory hierarchy (findCgroupV1, cgroup_v1.go: the
// machines that still mount memory there). Otherwise the error says why
// neither.
func findCgroup(cgroupFile, mountinfoFile string) (memoryParent, error) {
	dir, err2 := findCgroupV2(cgroupFile, mountinfoFile)
	if err2 == nil {
		return memoryParent{dir: dir}, nil
	}
	dir, err1 := findCgroupV1(cgroupFile, mountinfoFile)
	if err1 == nil {
		return memoryParent{dir: dir, v1: true}, nil
	}
	return memoryParent{}, fmt.Errorf("cgroup v2: %w; cgroup v1: %w", err2, err1)
}

// findCgroupV2 returns the host process's own cgroup v2 directory when the
// machine delegates it: the cgroup2 file system is mounted (mountinfo),
// and the process's cgroup (the "0::" line of cgroupFile) is a delegated
// parent (delegatedCgroup). Otherwise the error says why not.
//
// cgroup v2 lets a non-root cgroup with controllers enabled for its
// children hold no process itself, so the host's own cgroup qualifies
// only where it is a root: the machine's, or one a container runtime
// prepared. A systemd unit with Delegate=yes whose main process moved
// itself into a leaf names the unit's cgroup in Limits.CgroupParent.
func findCgroupV2(cgroupFile, mountinfoFile string) (string, error) {
	mount, root, err := cgroupMount(mountinfoFile, "cgroup2", "")
	if err != nil {
		return "", err
	}
	own, err := ownCgroup(cgroupFile, func(controllers string) bool { return controllers == "" }, "cgroup v2")
	if err != nil {
		return "", err
	}
	dir, err := underMount(mount, root, own)
	if err != nil {
		return "", err
	}
	if err := delegatedCgroup(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// ownCgroup is the path of the process's cgroup in the hierarchy whose
// controllers field (the second of a "N:controllers:path" line of
// cgroupFile) match accepts; which names that hierarchy in errors.
func ownCgroup(cgroupFile string, match func(controllers string) bool, which string) (string, error) {
	data, err := os.ReadFile(cgroupFile)
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		_, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		controllers, path, ok := strings.Cut(rest, ":")
		if ok && match(controllers) {
			return path, nil
		}
	}
	return "", fmt.Errorf("%s: the process is in no %s hierarchy", cgroupFile, which)
}

// underMount is the directory of cgroup own where the hierarchy whose root
// is the cgroup root is mounted at mount.
func underMount(mount, root, own string) (string, error) {
	if root != "/" {
		rel, ok := strings.CutPrefix(own, root)
		if !ok {
			return "", fmt.Errorf("cgroup %s is outside the cgroup mount's root %s", own, root)
		}
		own = rel
	}
	return filepath.Join(mount, own), nil
}

// delegatedCgroup checks that dir can be the parent of the workers'
// cgroups: the memory controller is enabled for its children
// (cgroup.subtree_control), and this process may make a child there and
// move a worker into it (dir and its cgroup.procs are writable).
func delegatedCgroup(dir string) error {
	ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	if err != nil {
		return err
	}
	if !hasWord(string(ctl), "memory") {
		return fmt.Errorf("the memory controller is not enabled in %s/cgroup.subtree_control (not delegated)", dir)
	}
	for _, p := range []string{dir, filepath.Join(dir, "cgroup.procs")} {
		if err := unix.Access(p, unix.W_OK); err != nil {
			return fmt.Errorf("%s is not writable: %w", p, err)
		}
	}
	return nil
}

// memoryCgroup is the parent of the workers' cgroups under l:
// l.CgroupParent when set (a v1 one when it has memory.limit_in_bytes),
// else the host's own cgroup when it can be one (findCgroup). explicit:
// l asked for a cgroup (CgroupParent, MemoryCgroup), so that an error is
// an *OptionError, the caller's to report rather than to fall back from.
func memoryCgroup(l Limits) (parent memoryParent, explicit bool, err error) {
	if l.CgroupParent != "" {
		parent = memoryParent{dir: l.CgroupParent, v1: isCgroupV1(l.CgroupParent)}
		check := delegatedCgroup
		if parent.v1 {
			check = writableCgroupV1
		}
		if err := check(parent.dir); err != nil {
			return memoryParent{}, true, &OptionError{Option: "Limits.CgroupParent", Problem: err.Error()}
		}
		return parent, true, nil
	}
	parent, err = findCgroup(procSelfCgroup, procSelfMountinfo)
	if err != nil && l.MemoryBy == MemoryCgroup {
		return memoryParent{}, true, &OptionError{Option: "Limits.MemoryBy", Problem: "MemoryCgroup, but no cgroup can be made here: " + err.Error()}
	}
	return parent, l.MemoryBy == MemoryCgroup, err
}

// cgroupMount finds in mountinfo the file system of type fstype ("cgroup2",
// or "cgroup" for v1) whose super options hold the word controller (any,
// when ""): its mount point and the cgroup its root is.
func cgroupMount(mountinfoFile, fstype, controller string) (mount, root string, err error) {
	f, err := os.Open(mountinfoFile)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source super
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		p := strings.Fields(post)
		if len(p) < 3 || p[0] != fstype || controller != "" && !hasWord(strings.ReplaceAll(p[2], ",", " "), controller) {
			continue
		}
		f := strings.Fields(pre)
		if len(f) < 5 {
			continue
		}
		return unescapeMountinfo(f[4]), unescapeMountinfo(f[3]), nil
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	if fstype == "cgroup2" {
		return "", "", errors.New("no cgroup2 file system is mounted")
	}
	return "", "", fmt.Errorf("no cgroup v1 %s hierarchy is mounted", controller)
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hasWord reports whether the space-separated list s holds w.
func hasWord(s, w string) bool {
	for f := range strings.FieldsSeq(s) {
		if f == w {
			return true
		}
	}
	return false
}

// workerCgroupName names the cgroup of the worker pid:
// "taipan-worker-<pid namespace>-<pid>". A pid is unique in its namespace
// (and reserved until the reap, before which its cgroup is removed); the
// namespace's inode keeps apart the workers of hosts in different
// containers sharing one parent. Without /proc/self/ns/pid,
// "taipan-worker-<pid>".
func workerCgroupName(pid int) string {
	ns, err := os.Readlink("/proc/self/ns/pid") // "pid:[4026531836]"
	if _, n, ok := strings.Cut(ns, "["); err == nil && ok {
		if n, ok := strings.CutSuffix(n, "]"); ok && n != "" {
			return "taipan-worker-" + n + "-" + strconv.Itoa(pid)
		}
	}
	return "taipan-worker-" + strconv.Itoa(pid)
}

// newWorkerCgroup makes the cgroup parent/workerCgroupName(pid) with its
// memory limit set to limit (memory.max, or memory.limit_in_bytes under
// v1) and no swap to spill into, and moves the process pid into it. On
// failure nothing is left behind.
//
// A cgroup of that name already there is a leftover: pid is ours (in our
// pid namespace), so no live worker is in it; a host killed before it could remove its
// workers' cgroups leaves them, and pids are reused. An empty one is
// removed and made again (rmdir refuses a cgroup that still holds a
// process, which is then an error).
func newWorkerCgroup(parent memoryParent, pid int, limit int64) (_ string, err error) {
	dir := filepath.Join(parent.dir, workerCgroupName(pid))
	err = os.Mkdir(dir, 0o755)
	if errors.Is(err, os.ErrExist) && syscall.Rmdir(dir) == nil {
		err = os.Mkdir(dir, 0o755)
	}
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			syscall.Rmdir(dir)
		}
	}()
	// Where swap is accounted, the memory limit alone would let the
	// worker spill into it instead of meeting its limit. v1 counts memory
	// and swap together, at least the memory limit: set after it.
	value := strconv.FormatInt(limit, 10)
	files := [][2]string{{"memory.max", value}, {"memory.swap.max", "0"}}
	if parent.v1 {
		files = [][2]string{{"memory.limit_in_bytes", value}, {"memory.memsw.limit_in_bytes", value}}
		// A v1 cgroup copies oom_kill_disable from its parent (docker
		// --oom-kill-disable): the worker would hang at its limit instead
		// of being killed.
		if err := writeCgroupFile(dir, "memory.oom_control", "0"); err != nil {
			return "", err
		}
	}
	if err := writeCgroupFile(dir, files[0][0], files[0][1]); err != nil {
		return "", err
	}
	if err := writeCgroupFile(dir, files[1][0], files[1][1]); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := writeCgroupFile(dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
		return "", err
	}
	return dir, nil
}

// writeCgroupFile writes value to an existing interface file of dir (a
// cgroup's files are never created by writing).
func writeCgroupFile(dir, name, value string) error {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return fmt.Errorf("writing %s to %s: %w", value, f.Name(), err)
	}
	return f.Close()
}

// cgroupOOMKills is the count of processes the OOM killer killed in dir
// under its memory limit (the oom_kill line of memory.events, or of
// memory.oom_control under v1), or 0.
func cgroupOOMKills(dir string, v1 bool) int {
	name := "memory.events"
	if v1 {
		name = "memory.oom_control"
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("oom_kill ")); ok {
			n, _ := strconv.Atoi(string(bytes.TrimSpace(v)))
			return n
		}
	}
	return 0
}

// removeWorkerCgroup kills whatever is left in a worker's cgroup (a
// descendant that left the worker's process group is there still) and
// removes it once it is empty. cgroup.kill does it at once where there is
// one (v2, Linux ≥ 5.14); elsewhere each process in cgroup.procs is
// killed, again at each try, should one have forked meanwhile.
func removeWorkerCgroup(dir string) error {
	noKillFile := false
	if err := writeCgroupFile(dir, "cgroup.kill", "1"); errors.Is(err, os.ErrNotExist) {
		noKillFile = true
	} else if err != nil {
		return err
	}
	var err error
	for range cgroupRemoveTries {
		if noKillFile {
			// Until a read finds none: a process forking as fast as it is
			// killed is outpaced between two waits.
			for range cgroupKillRounds {
				if killCgroupProcs(dir) == 0 {
					break
				}
			}
		}
		err = syscall.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(cgroupRemoveWait)
	}
	return fmt.Errorf("removing the worker's cgroup %s: %w", dir, err)
}

// killCgroupProcs sends SIGKILL to every process in dir's cgroup.procs
// and returns how many it found. A pid read there was a live process of
// that cgroup; between the read and the kill it could exit and, if reaped
// by its parent that quickly, its pid be reused — the window of any
// kill(2) by pid, and what is left in a dead worker's cgroup is orphaned,
// reaped by init.
func killCgroupProcs(dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return 0
	}
	n := 0
	for f := range strings.FieldsSeq(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
			n++
		}
	}
	return n
}
