"""The lifeline: the worker's process group dies with the host.

The host gives the worker the read end of a pipe whose only write end it
holds, and names its fd in ``TAIPAN_LIFELINE``.  At start-up the worker
starts a reaper that ignores the signals the host's escalation sends the
group and blocks reading the pipe.  End of file means the host is gone (even
killed with SIGKILL, which the kernel's parent-death signal answers for the
worker alone) or done with the worker: the reaper then kills the process
group with SIGKILL, itself included, so that no subprocess of the worker
outlives the host.  Processes that left the group (``setsid``, daemons) are
out of its reach.

The reaper is a shell (``/bin/sh``, spawned with vfork: it costs the worker
well under a millisecond and no memory); without one, a fork of the worker.
"""

from __future__ import annotations

import os

__all__ = ["ENV", "start", "stop"]

ENV = "TAIPAN_LIFELINE"

# The shell reaper: fds 0-2 are /dev/null, the lifeline is fd %d (a shell
# that cannot read it exits at the redirection, killing nothing).
_SCRIPT = "trap '' INT TERM HUP; exec 0<&%d; while read -r _; do :; done; kill -9 0"


def start() -> int:
    """Start the reaper when the host gave a lifeline; return its pid, or 0.
    The worker's copy of the lifeline is closed either way."""
    spec = os.environ.pop(ENV, None)
    if spec is None:
        return 0
    try:
        fd = int(spec)
        os.fstat(fd)
    except (ValueError, OSError):
        return 0
    if os.getpgrp() != os.getpid():
        # Not the leader of its own group: killing the group would kill
        # whoever started the worker.
        os.close(fd)
        return 0
    pid = spawn_reaper(fd)
    os.close(fd)
    return pid


def spawn_reaper(fd: int, shell: str = "/bin/sh") -> int:
    """Start a reaper watching fd (a shell, else a fork); return its pid."""
    null = os.devnull
    actions = [(os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, null, os.O_WRONLY, 0)]
    actions += [(os.POSIX_SPAWN_CLOSE, f) for f in (3, 4) if f != fd]
    os.set_inheritable(fd, True)
    try:
        return os.posix_spawn(shell, ["sh", "-c", _SCRIPT % fd, "taipan-reaper"], {},
                              file_actions=actions)
    except OSError:
        pass
    # A copy of the worker costs more: the worker pays a copy-on-write
    # fault for each page it touches while the copy lives.
    pid = os.fork()
    if pid == 0:
        _reap(fd)
    return pid


def _reap(fd: int) -> None:
    """The forked reaper's life: wait for end of file on fd, kill the group."""
    kill = False
    try:
        import _signal
        for s in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
            _signal.signal(s, _signal.SIG_IGN)
        os.closerange(0, fd)
        os.closerange(fd + 1, max(os.sysconf("SC_OPEN_MAX"), fd + 2))
        while os.read(fd, 512):
            pass
        kill = True
    finally:
        if kill:
            import _signal
            os.killpg(0, _signal.SIGKILL)
        os._exit(0)


def stop(pid: int) -> None:
    """The worker ends on its own: its reaper goes first (and is reaped, so
    that it is nobody's orphan)."""
    if pid <= 0:
        return
    try:
        import _signal
        os.kill(pid, _signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
