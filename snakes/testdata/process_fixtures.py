"""Workers that fork, spawn and flood: the process tree and output tests.

Standard library only (the ErlPort stand-in imports it too).  Each function
that leaves processes behind appends their pids, one a line, to ``path``
before the worker goes on, so that the test can watch them even when the
worker dies right after.
"""

import os
import subprocess
import sys
import time


def _record(path, pids):
    with open(path, "a") as f:
        f.write("".join("%d\n" % p for p in pids))


def _forked_sleeper(path, seconds):
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(seconds)
        finally:
            os._exit(0)
    _record(path, [pid])
    return pid


def fork_then_exit(path, child_seconds, delay, code):
    """Fork a child that sleeps, then die with code."""
    _forked_sleeper(path, child_seconds)
    time.sleep(delay)
    os._exit(code)


def fork_then_sleep(path, child_seconds, seconds):
    """Fork a child that sleeps, then sleep in the call."""
    _forked_sleeper(path, child_seconds)
    time.sleep(seconds)
    return "slept"


def _mp_sleep(seconds):
    time.sleep(seconds)


def mp_child_then_exit(path, child_seconds, code):
    """Start a multiprocessing child (fork) that sleeps, then die with code."""
    import multiprocessing
    p = multiprocessing.get_context("fork").Process(target=_mp_sleep, args=(child_seconds,))
    p.start()
    _record(path, [p.pid])
    os._exit(code)


def _mp_double(q, x):
    print("multiprocessing child says hello")
    sys.stdout.flush()
    q.put(x * 2)


def mp_roundtrip(x):
    """A multiprocessing child (fork) still runs its own code."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_mp_double, args=(q, x))
    p.start()
    v = q.get(timeout=30)
    p.join(30)
    return [v, p.exitcode]


def spawn_sleepers(path, n, seconds):
    """Start n `sleep` subprocesses (holding the worker's stdout and stderr)
    and one shell that starts another (a grandchild); return their pids."""
    pids = [subprocess.Popen(["sleep", str(seconds)]).pid for _ in range(n)]
    sh = subprocess.Popen(["sh", "-c", "sleep %s & echo $!; wait" % seconds],
                          stdout=subprocess.PIPE)
    pids += [sh.pid, int(sh.stdout.readline())]
    _record(path, pids)
    return pids


def spawn_then_exit(path, seconds, code):
    """Start a `sleep` subprocess, then die with code."""
    _record(path, [subprocess.Popen(["sleep", str(seconds)]).pid])
    os._exit(code)


def hold_replies_then_exit(path, seconds, code, new_session):
    """Give the reply pipe (fd 4) to a `sleep` subprocess, in this process
    group or out of it, then die with code."""
    p = subprocess.Popen(["sleep", str(seconds)], pass_fds=(4,),
                         start_new_session=new_session)
    _record(path, [p.pid])
    time.sleep(0.05)
    os._exit(code)


def hold_output_then_return(path, seconds):
    """Leave a `sleep` out of the process group holding stdout and stderr."""
    p = subprocess.Popen(["sleep", str(seconds)], start_new_session=True)
    _record(path, [p.pid])
    return p.pid


def flood_stderr(n):
    """One raw line of n bytes on fd 2, a normal line, then a subprocess that
    writes to stderr; returns the subprocess's exit status."""
    data = memoryview(b"q" * n + b"\n")
    while data:
        data = data[os.write(2, data):]
    os.write(2, b"after the flood\n")
    return subprocess.run(["sh", "-c", "echo subprocess line >&2"]).returncode


def notify_then_sleep(name, seconds):
    """Tell the host (Go function name) that the call runs, then sleep."""
    import taipan
    taipan.host.call(name)
    time.sleep(seconds)
    return "slept"
