package snakes

import (
	"os"
	"strconv"
	"syscall"
)

// The lifeline lets a native worker's process group die with the host,
// even when the host is killed with SIGKILL (Pdeathsig covers only the
// worker itself). It is a pipe whose only write end the host holds (close
// on exec); the worker gets the read end as fd lifelineFd, named by
// lifelineEnv. The runtime forks, at start-up, a small reaper that blocks
// reading it: at end of file (the host is gone, or it closed the pipe
// after reaping the worker) the reaper kills the process group.
// (python/taipan/lifeline.py.)

const (
	// lifelineFd is the lifeline's read end in the worker (after 3, 4).
	lifelineFd = 5
	// lifelineEnv names it for the runtime.
	lifelineEnv = "TAIPAN_LIFELINE"
)

// newLifeline returns the lifeline's two ends: the worker's (for
// ExtraFiles) and the host's.
func newLifeline() (child, host *os.File, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(p[0]), "taipan-lifeline"), os.NewFile(uintptr(p[1]), "taipan-lifeline-host"), nil
}

// lifelineEnvVar is the environment entry that tells the runtime its
// lifeline.
func lifelineEnvVar() string {
	return lifelineEnv + "=" + strconv.Itoa(lifelineFd)
}
