package snakes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"
)

// Limits are a worker's resource limits, set on its process before it
// takes any call (docs/security.md, "Resource limits"). Zero fields: no
// limit. Each one binds the worker and whatever it starts (children
// inherit rlimits and cgroups).
type Limits struct {
	// Memory is the most memory the worker may use, in bytes: a cgroup
	// memory limit of the worker's own (resident memory and page cache of
	// the worker and its children; over it the kernel's OOM killer kills
	// the worker) where the host's own cgroup, or CgroupParent, lets this
	// process make one (a delegated cgroup v2: memory.max; a writable
	// cgroup v1 memory hierarchy: memory.limit_in_bytes), else its address
	// space (RLIMIT_AS: an allocation over it fails, Python raises
	// MemoryError). MemoryBy chooses one. Either way the call fails with a
	// *LimitError (LimitMemory).
	Memory int64
	// MemoryBy is how Memory is enforced: MemoryAuto (the zero value: a
	// cgroup where one can be made, else the address space),
	// MemoryCgroup, or MemoryAddressSpace. Not read without Memory.
	MemoryBy MemoryBy
	// CgroupParent is a cgroup directory under which each worker with a
	// Memory limit gets a cgroup of its own: a cgroup v2 one delegated to
	// this process (memory in its cgroup.subtree_control, writable), or a
	// writable cgroup v1 memory cgroup. A start fails when it cannot.
	// Default: the host's own cgroup when it is such a directory, else
	// Memory is an RLIMIT_AS (or, under MemoryCgroup, the start fails).
	// Not read under MemoryAddressSpace. A systemd unit with Delegate=yes
	// whose main process moved into a leaf names the unit's cgroup here
	// ("/sys/fs/cgroup/system.slice/app.service").
	CgroupParent string
	// CPUTime is the CPU time the worker may use over its whole life
	// (RLIMIT_CPU, whole seconds, rounded up): past it the kernel sends
	// SIGXCPU, and SIGKILL a second later. It is not per call: a
	// long-lived worker spends it across calls (pair it with
	// PoolOptions.MaxCalls or MaxAge; a call's deadline bounds its wall
	// time).
	CPUTime time.Duration
	// OpenFiles is the most file descriptors the worker may hold
	// (RLIMIT_NOFILE); the runtime holds about 8 itself.
	OpenFiles int
	// Processes is RLIMIT_NPROC: a fork fails once the worker's user (the
	// real user id, on the whole machine, not the worker's own children)
	// has this many processes. The kernel does not enforce it for root
	// (CAP_SYS_RESOURCE, CAP_SYS_ADMIN). Useful when workers run under a
	// user of their own.
	Processes int
}

// MemoryBy is how a worker's memory limit is enforced (Limits.MemoryBy).
type MemoryBy uint8

const (
	// MemoryAuto (the zero value) is a cgroup of the worker's own where
	// this process can make one (Limits.CgroupParent, or its own cgroup:
	// delegated v2, writable v1), else the address space.
	MemoryAuto MemoryBy = iota
	// MemoryCgroup is a cgroup or nothing: a start fails (an *OptionError
	// on Limits.MemoryBy) where no cgroup can be made. It counts what the
	// worker really uses, its children included; over it the worker is
	// killed.
	MemoryCgroup
	// MemoryAddressSpace is RLIMIT_AS even where a cgroup could be made:
	// an allocation over it fails with a MemoryError that Python survives,
	// so that a worker may catch it and go on. It counts address space,
	// which many threads or a library that reserves large regions use
	// several times over.
	MemoryAddressSpace
)

// String names the choice as the Go constant does.
func (m MemoryBy) String() string {
	switch m {
	case MemoryAuto:
		return "MemoryAuto"
	case MemoryCgroup:
		return "MemoryCgroup"
	case MemoryAddressSpace:
		return "MemoryAddressSpace"
	}
	return fmt.Sprintf("MemoryBy(%d)", uint8(m))
}

// IsZero reports whether no limit is set.
func (l Limits) IsZero() bool {
	return l.Memory == 0 && l.CPUTime == 0 && l.OpenFiles == 0 && l.Processes == 0
}

// String lists the limits set ("Memory 512 MiB, CPUTime 2s").
func (l Limits) String() string {
	var parts []string
	if l.Memory > 0 {
		parts = append(parts, "Memory "+limitValue(LimitMemory, l.Memory))
	}
	if l.CPUTime > 0 {
		parts = append(parts, "CPUTime "+l.CPUTime.String())
	}
	if l.OpenFiles > 0 {
		parts = append(parts, fmt.Sprintf("OpenFiles %d", l.OpenFiles))
	}
	if l.Processes > 0 {
		parts = append(parts, fmt.Sprintf("Processes %d", l.Processes))
	}
	if l.MemoryBy != MemoryAuto {
		parts = append(parts, "MemoryBy "+l.MemoryBy.String())
	}
	if l.CgroupParent != "" {
		parts = append(parts, "CgroupParent "+l.CgroupParent)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// check refuses negative limits, and a CgroupParent that cannot be one.
func (l Limits) check() error {
	for _, f := range []struct {
		name string
		bad  bool
	}{
		{"Limits.Memory", l.Memory < 0},
		{"Limits.CPUTime", l.CPUTime < 0},
		{"Limits.OpenFiles", l.OpenFiles < 0},
		{"Limits.Processes", l.Processes < 0},
	} {
		if f.bad {
			return &OptionError{Option: f.name, Problem: "negative (zero means no limit)"}
		}
	}
	// MemoryBy and CgroupParent are only read for a Memory limit, and
	// CgroupParent not under MemoryAddressSpace: not refused otherwise, so
	// that a template may set them for whichever of its pools and pets set
	// Memory, and a pool or pet may choose MemoryAddressSpace under a
	// template's CgroupParent (Inherit cannot unset a field).
	switch {
	case l.MemoryBy > MemoryAddressSpace:
		return &OptionError{Option: "Limits.MemoryBy", Problem: fmt.Sprintf("unknown choice %d", uint8(l.MemoryBy))}
	case l.CgroupParent != "" && !filepath.IsAbs(l.CgroupParent):
		return &OptionError{Option: "Limits.CgroupParent", Problem: fmt.Sprintf("%q is not an absolute path", l.CgroupParent)}
	}
	return nil
}

// cgroupOption is the option that asked for a cgroup, for its errors.
func (l Limits) cgroupOption() string {
	if l.CgroupParent != "" {
		return "Limits.CgroupParent"
	}
	return "Limits.MemoryBy"
}

// cpuSeconds is CPUTime in whole seconds, rounded up (RLIMIT_CPU's unit).
func (l Limits) cpuSeconds() int64 {
	return int64((l.CPUTime + time.Second - 1) / time.Second)
}

// workerLimits are the limits in force on one worker process, and how.
type workerLimits struct {
	Limits
	memBy    string // "RLIMIT_AS", "cgroup memory.max" or "cgroup v1 memory.limit_in_bytes"
	cgroup   string // the worker's own cgroup directory, or ""
	cgroupV1 bool   // in the cgroup v1 memory hierarchy
	oomKills int    // the OOM kills its cgroup counted, read by retire
}

// applyLimits sets l on the process pid, which has not taken any
// request yet. The rlimits are set by the host with prlimit(2) right
// after the process starts, rather than by the Python runtime at boot:
// they are in force whatever the process runs (the ErlPort profile too),
// and soft and hard limits are set alike, so that nothing in the worker
// can raise them again (short of CAP_SYS_RESOURCE). Memory goes to a
// cgroup of the worker's own where the host's cgroup is delegated
// (cgroup.go, cgroup_v1.go), else to RLIMIT_AS.
func applyLimits(pid int, l Limits, log hclog.Logger) (*workerLimits, error) {
	wl := &workerLimits{Limits: l}
	if l.Memory > 0 {
		wl.memBy = "RLIMIT_AS"
	}
	if l.Memory > 0 && l.MemoryBy != MemoryAddressSpace {
		parent, explicit, err := memoryCgroup(l)
		if err == nil {
			var dir string
			if dir, err = newWorkerCgroup(parent, pid, l.Memory); err == nil {
				wl.memBy, wl.cgroup, wl.cgroupV1 = "cgroup memory.max", dir, parent.v1
				if parent.v1 {
					wl.memBy = "cgroup v1 memory.limit_in_bytes"
				}
			} else if explicit {
				err = &OptionError{Option: l.cgroupOption(), Problem: "making the worker's cgroup: " + err.Error()}
			} else {
				// Delegated, yet it failed: not what the pool said it would do.
				log.Warn("memory limit by RLIMIT_AS (address space): the worker's cgroup failed", "under", parent.dir, "error", err)
			}
		} else if !explicit {
			log.Debug("memory limit by RLIMIT_AS (address space): no cgroup can be made", "why", err)
		}
		if err != nil && explicit {
			return nil, err // asked for a cgroup: no quiet fallback
		}
	}
	var set []rlimit
	if l.Memory > 0 && wl.cgroup == "" {
		set = append(set, rlimit{unix.RLIMIT_AS, uint64(l.Memory), uint64(l.Memory)})
	}
	if l.CPUTime > 0 {
		// The soft limit sends SIGXCPU (its default action ends the
		// process); the hard one, a second later, SIGKILL, should the
		// worker ignore SIGXCPU.
		s := uint64(l.cpuSeconds())
		set = append(set, rlimit{unix.RLIMIT_CPU, s, s + 1})
	}
	if l.OpenFiles > 0 {
		set = append(set, rlimit{unix.RLIMIT_NOFILE, uint64(l.OpenFiles), uint64(l.OpenFiles)})
	}
	if l.Processes > 0 {
		set = append(set, rlimit{unix.RLIMIT_NPROC, uint64(l.Processes), uint64(l.Processes)})
	}
	for _, r := range set {
		if err := setRlimit(pid, r); err != nil {
			wl.retire()
			return nil, fmt.Errorf("setting the worker's limits: prlimit %s: %w", rlimitName(r.resource), err)
		}
	}
	return wl, nil
}

// setRlimit sets r on pid. A limit above the hard limit the worker
// inherited from the host cannot be raised to without CAP_SYS_RESOURCE
// (EPERM): the inherited one, tighter, is kept for both values then.
func setRlimit(pid int, r rlimit) error {
	err := unix.Prlimit(pid, r.resource, &unix.Rlimit{Cur: r.cur, Max: r.max}, nil)
	if err != unix.EPERM {
		return err
	}
	var old unix.Rlimit
	if err := unix.Prlimit(pid, r.resource, nil, &old); err != nil {
		return err
	}
	if r.max <= old.Max {
		return unix.EPERM // not a raise: something else forbids it
	}
	return unix.Prlimit(pid, r.resource, &unix.Rlimit{Cur: min(r.cur, old.Max), Max: old.Max}, nil)
}

// rlimit is one rlimit to set: its soft (cur) and hard (max) values.
type rlimit struct {
	resource int
	cur, max uint64
}

// rlimitName names an rlimit resource for errors.
func rlimitName(resource int) string {
	switch resource {
	case unix.RLIMIT_AS:
		return "RLIMIT_AS"
	case unix.RLIMIT_CPU:
		return "RLIMIT_CPU"
	case unix.RLIMIT_NOFILE:
		return "RLIMIT_NOFILE"
	case unix.RLIMIT_NPROC:
		return "RLIMIT_NPROC"
	}
	return fmt.Sprint(resource)
}

// fromPython names the limit behind a Python exception, when a limit is
// the likely cause: a MemoryError under the memory limit, an OSError
// EMFILE ("[Errno 24] Too many open files") under the open files one.
// Anything else is returned as it is.
func (wl *workerLimits) fromPython(err error) error {
	pe, ok := err.(*PythonError)
	if !ok {
		return err
	}
	switch {
	case wl.Memory > 0 && pe.Type == "builtins.MemoryError":
		return &LimitError{Limit: LimitMemory, Value: wl.Memory, By: wl.memBy, Err: pe}
	case wl.OpenFiles > 0 && strings.HasPrefix(pe.Message, "[Errno 24]"):
		return &LimitError{Limit: LimitOpenFiles, Value: int64(wl.OpenFiles), By: "RLIMIT_NOFILE", Err: pe}
	}
	return err
}

// exitReason names the limit the kernel killed the worker for, or nil:
// SIGXCPU, or SIGKILL once its CPU time reached the hard limit, is the CPU
// limit; SIGKILL with an OOM kill counted in its cgroup (read by retire)
// is the memory limit.
func (wl *workerLimits) exitReason(state *os.ProcessState) error {
	ws, ok := state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return nil
	}
	cpu := &LimitError{Limit: LimitCPU, Value: wl.cpuSeconds(), By: "RLIMIT_CPU", Killed: true}
	switch ws.Signal() {
	case syscall.SIGXCPU:
		if wl.CPUTime > 0 {
			return cpu
		}
	case syscall.SIGKILL:
		if wl.oomKills > 0 {
			return &LimitError{Limit: LimitMemory, Value: wl.Memory, By: wl.memBy, Killed: true}
		}
		if wl.CPUTime > 0 && state.UserTime()+state.SystemTime() >= time.Duration(wl.cpuSeconds()+1)*time.Second {
			return cpu
		}
	}
	return nil
}

// retire removes the worker's cgroup, if it has one, killing whatever
// is left in it, after counting the OOM kills there for exitReason. It is
// called once the worker has exited and before it is reaped: its pid, in
// the cgroup's name, is still reserved, so that no new worker can have
// made a cgroup of that name, which this one's removal would kill.
func (wl *workerLimits) retire() error {
	if wl == nil || wl.cgroup == "" {
		return nil
	}
	wl.oomKills = cgroupOOMKills(wl.cgroup, wl.cgroupV1)
	return removeWorkerCgroup(wl.cgroup)
}
