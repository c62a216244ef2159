"""Fixtures of the pets tests: a pet with module-level state."""
import os
import signal
import time

state = {"count": 0, "tag": None}


def init(tag, log=None):
    """Init: rebuilds the state; appends a line to log for each run."""
    state["count"] = 0
    state["tag"] = tag
    if log:
        with open(log, "a") as f:
            f.write("%d\n" % os.getpid())


def init_once(marker):
    """An Init that succeeds once and fails in every later process."""
    if os.path.exists(marker):
        raise RuntimeError("init fails after the first start")
    open(marker, "w").close()
    init("once")


def incr(n=1):
    state["count"] += n
    return state["count"]


def get():
    return dict(state)


def pid():
    return os.getpid()


def nap(seconds, marker=None):
    """Sleeps; writes marker first, so that a test knows it runs."""
    if marker:
        open(marker, "w").close()
    time.sleep(seconds)
    return seconds


def boom():
    raise ValueError("boom")


def exit_now(code=3):
    os._exit(code)


def count_up(n):
    for i in range(n):
        yield i


def trap_sigterm(marker):
    """Init: SIGTERM writes marker, then ends the process by SIGTERM."""
    def handler(signum, frame):
        open(marker, "w").close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    signal.signal(signal.SIGTERM, handler)


def ignore_sigterm():
    """Init: SIGTERM does nothing (only SIGKILL ends the process)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
