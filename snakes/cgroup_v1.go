package snakes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// findCgroupV1 returns the host process's own cgroup in the cgroup v1
// memory hierarchy when this process may make cgroups there: the
// hierarchy is mounted (mountinfo: a "cgroup" file system with the
// memory controller), and the process's memory cgroup (the line of
// cgroupFile whose controllers hold "memory") is writable
// (writableCgroupV1). Otherwise the error says why not.
//
// Unlike v2, a v1 cgroup may hold processes and child cgroups alike, and
// delegating one is making it writable: a host that may write there may
// put its workers under it.
func findCgroupV1(cgroupFile, mountinfoFile string) (string, error) {
	mount, root, err := cgroupMount(mountinfoFile, "cgroup", "memory")
	if err != nil {
		return "", err
	}
	own, err := ownCgroup(cgroupFile, func(controllers string) bool {
		return hasWord(strings.ReplaceAll(controllers, ",", " "), "memory")
	}, "cgroup v1 memory")
	if err != nil {
		return "", err
	}
	dir, err := underMount(mount, root, own)
	if err != nil {
		return "", err
	}
	if err := writableCgroupV1(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// isCgroupV1 reports whether dir is a cgroup v1 memory cgroup.
func isCgroupV1(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "memory.limit_in_bytes"))
	return err == nil
}

// writableCgroupV1 checks that dir is a cgroup v1 memory cgroup in which
// this process may make a child and move a worker into it.
func writableCgroupV1(dir string) error {
	if !isCgroupV1(dir) {
		return errors.New(dir + " is not a cgroup v1 memory cgroup (no memory.limit_in_bytes)")
	}
	for _, p := range []string{dir, filepath.Join(dir, "cgroup.procs")} {
		if err := unix.Access(p, unix.W_OK); err != nil {
			return fmt.Errorf("%s is not writable: %w", p, err)
		}
	}
	return nil
}
