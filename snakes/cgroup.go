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
)

// findCgroup returns the host process's own cgroup v2 directory when the
// machine delegates it: the cgroup2 file system is mounted (mountinfo),
// and the process's cgroup (the "0::" line of cgroupFile) is a delegated
// parent (delegatedCgroup). Otherwise the error says why not.
//
// cgroup v2 lets a non-root cgroup with controllers enabled for its
// children hold no process itself, so the host's own cgroup qualifies
// only where it is a root: the machine's, or one a container runtime
// prepared. A systemd unit with Delegate=yes whose main process moved
// itself into a leaf names the unit's cgroup in Limits.CgroupParent.
func findCgroup(cgroupFile, mountinfoFile string) (string, error) {
	mount, root, err := cgroup2Mount(mountinfoFile)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(cgroupFile)
	if err != nil {
		return "", err
	}
	var own string
	found := false
	for line := range strings.SplitSeq(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			own, found = p, true
			break
		}
	}
	if !found {
		return "", fmt.Errorf("%s: the process is in no cgroup v2 hierarchy", cgroupFile)
	}
	if root != "/" {
		rel, ok := strings.CutPrefix(own, root)
		if !ok {
			return "", fmt.Errorf("cgroup %s is outside the cgroup2 mount's root %s", own, root)
		}
		own = rel
	}
	dir := filepath.Join(mount, own)
	if err := delegatedCgroup(dir); err != nil {
		return "", err
	}
	return dir, nil
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
// l.CgroupParent when set (an error then is the caller's to report: it
// was asked for), else the host's own cgroup when delegated.
func memoryCgroup(l Limits) (dir string, explicit bool, err error) {
	if l.CgroupParent != "" {
		if err := delegatedCgroup(l.CgroupParent); err != nil {
			return "", true, &OptionError{Option: "Limits.CgroupParent", Problem: err.Error()}
		}
		return l.CgroupParent, true, nil
	}
	dir, err = findCgroup(procSelfCgroup, procSelfMountinfo)
	return dir, false, err
}

// cgroup2Mount finds the cgroup2 file system in mountinfo: its mount
// point and the cgroup its root is.
func cgroup2Mount(mountinfoFile string) (mount, root string, err error) {
	f, err := os.Open(mountinfoFile)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source super
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
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
	return "", "", errors.New("no cgroup2 file system is mounted")
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

// newWorkerCgroup makes the cgroup parent/taipan-worker-<pid> with
// memory.max set to limit (and no swap to spill into), and moves the
// process pid into it. On failure nothing is left behind.
//
// A cgroup of that name already there is a leftover: pid is ours, so no
// live worker is in it; a host killed before it could remove its
// workers' cgroups leaves them, and pids are reused. An empty one is
// removed and made again (rmdir refuses a cgroup that still holds a
// process, which is then an error).
func newWorkerCgroup(parent string, pid int, limit int64) (_ string, err error) {
	dir := filepath.Join(parent, "taipan-worker-"+strconv.Itoa(pid))
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
	if err := writeCgroupFile(dir, "memory.max", strconv.FormatInt(limit, 10)); err != nil {
		return "", err
	}
	// Where swap is accounted, memory.max alone would let the worker
	// spill into it instead of meeting its limit.
	if err := writeCgroupFile(dir, "memory.swap.max", "0"); err != nil && !errors.Is(err, os.ErrNotExist) {
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
// under its memory.max (memory.events' oom_kill), or 0.
func cgroupOOMKills(dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, "memory.events"))
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

// removeWorkerCgroup kills whatever is left in a worker's cgroup
// (cgroup.kill, Linux ≥ 5.14: a descendant that left the worker's process
// group is there still) and removes it once it is empty.
func removeWorkerCgroup(dir string) error {
	if err := writeCgroupFile(dir, "cgroup.kill", "1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var err error
	for range cgroupRemoveTries {
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
