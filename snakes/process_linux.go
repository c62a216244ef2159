package snakes

import "syscall"

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
