package snakes

import (
	"os"
	"os/exec"
	"syscall"
)

// The lifeline lets a worker's process group die with the host, even when
// the host is killed with SIGKILL (Pdeathsig covers only the worker
// itself). It is a pipe whose only write end the host holds (close on
// exec). Its read end goes to the worker's reaper: a shell that the host
// starts in the worker's process group, next to the worker, which blocks
// reading it. At end of file (the host is gone, or it closed the pipe after
// reaping the worker) the reaper kills the group, itself included. It
// ignores the signals of the escalation ladder, which reach the whole group.
// Being the host's child, not the worker's, it costs the worker's start
// nothing and serves both profiles.

// reaperShell runs the reaper.
const reaperShell = "/bin/sh"

// reaperScript is the reaper: the lifeline is its fd 3 (a shell that cannot
// read it stops at the redirection, killing nothing).
const reaperScript = "trap '' INT TERM HUP; exec 0<&3 3<&-; while read -r _; do :; done; kill -9 0"

// startReaper starts the reaper of the process group pgid and returns it
// with the host's end of its lifeline.
func startReaper(pgid int) (*exec.Cmd, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(reaperShell, "-c", reaperScript, "taipan-reaper")
	cmd.ExtraFiles = []*os.File{r} // fd 3
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return cmd, w, nil
}

// stopReaper closes the lifeline and reaps the reaper, once the worker's
// group has been killed (the reaper with it).
func stopReaper(cmd *exec.Cmd, lifeline *os.File) {
	if cmd == nil {
		return
	}
	lifeline.Close()
	cmd.Wait()
}
