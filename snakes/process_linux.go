package snakes

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// fSetPipeSz is fcntl's F_SETPIPE_SZ (linux/fcntl.h), absent from syscall.
const fSetPipeSz = 1031

// sysProcAttr puts the worker in its own process group (so that signals
// reach whatever it spawned) and asks the kernel to SIGKILL it when the
// host dies, even by SIGKILL. (Pdeathsig fires when the host thread that
// forked exits; Go's threads live as long as the process unless a
// goroutine locked to one exits, and the worker also exits on end of file
// of its request pipe, which the host's death causes anyway.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// setPipeSize asks for a 1 MiB pipe buffer: large payloads then move in
// far fewer wake-ups. Failure (a lower /proc/sys/fs/pipe-max-size) only
// costs speed.
func setPipeSize(fd int) {
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), fSetPipeSz, pipeBufferSize)
}

// waitExited blocks until the process has exited, without reaping it: a
// zombie's pid, and so its process group's id, cannot be reused, so the
// group can be killed safely before the reap.
func waitExited(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// killGroup sends SIGKILL to the process group pgid: whatever the worker
// left in it does not outlive it.
func killGroup(pgid int) error {
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}
