package snakes

import "syscall"

// Signal sends sig to the worker's process group: the Python process and
// what it started in its group. A worker that has exited is not signalled
// (its pid may belong to another process by now). It does not wait: see
// Exited. Pets use it for a polite slay (SIGTERM now, SIGKILL after the
// grace).
func (w *Worker) Signal(sig syscall.Signal) { w.kill(sig) }
