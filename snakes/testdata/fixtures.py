"""Python functions the snakes tests call."""

import asyncio
import os
import sys
import threading
import time

import taipan


def echo(x):
    return x


def add(a, b):
    return a + b


def kw(a, b=2, *, c=3):
    return [a, b, c]


def fail(msg):
    raise ValueError(msg)


def sleep(seconds):
    time.sleep(seconds)
    return "slept"


def busy(seconds):
    # A loop that ignores nothing but still gets KeyboardInterrupt.
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


def _mark(path):
    """Write the marker file (a beacon the test waits on) when given one."""
    if path:
        open(path, "w").close()


def ignore_sigint(seconds, marker=None):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _mark(marker)
    time.sleep(seconds)
    return "done"


def exit_now(delay, code, marker=None):
    _mark(marker)
    time.sleep(delay)
    os._exit(code)


def sleep_marked(path, seconds):
    _mark(path)
    time.sleep(seconds)
    return "done"


def wait_for_file(path):
    """Block until path exists: a gate the test opens (an Init that holds
    worker starts back)."""
    while not os.path.exists(path):
        time.sleep(0.01)


def gate_marked(marker, gate):
    """Write the marker (the call runs), then wait at the gate until the
    test opens it: a call that is surely still running when the test acts,
    however slow the machine."""
    _mark(marker)
    wait_for_file(gate)
    return "done"


def segfault(delay, marker=None):
    import ctypes
    _mark(marker)
    time.sleep(delay)
    ctypes.string_at(0)


def garbage():
    os.write(4, b"this is not a frame at all\n")
    time.sleep(5)


def oversized():
    os.write(4, (200 << 20).to_bytes(4, "big") + b"\x83")
    time.sleep(5)


def compressed_frame(n, declared):
    """Write a compressed frame (a binary of n - 5 zero bytes, declaring
    ``declared`` bytes) to the reply pipe, as a hostile worker could, then
    return n."""
    import zlib
    z = zlib.compressobj(9)
    parts = [z.compress(b"m" + (n - 5).to_bytes(4, "big"))]
    chunk = bytes(1 << 20)
    left = n - 5
    while left:
        k = min(left, len(chunk))
        parts.append(z.compress(chunk[:k]))
        left -= k
    parts.append(z.flush())
    term = b"\x83P" + declared.to_bytes(4, "big") + b"".join(parts)
    os.write(4, len(term).to_bytes(4, "big") + term)
    return n


def noisy(n):
    for i in range(n):
        print("line", i)
    sys.stderr.write("to stderr\n")
    return n


def raw_noise(n):
    # Straight to fd 1, bypassing sys.stdout capture.
    for i in range(n):
        os.write(1, b"raw line %d\n" % i)
    return n


def count(n):
    for i in range(n):
        yield i


def count_marked(n, path):
    try:
        for i in range(n):
            yield i
    finally:
        with open(path, "w") as f:
            f.write("closed")


def big(n):
    return b"x" * n


def length(b):
    return len(b)


class Thing:
    def __init__(self, v):
        self.v = v


def make_thing(v):
    return Thing(v)


def thing_value(t):
    return t.v


def call_go(name, *args):
    return taipan.host.call(name, *args)


def threads_call_go(name, n):
    results = [None] * n
    errors = []

    def run(i):
        try:
            results[i] = taipan.host.call(name, i)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(errors)
    return results


async def async_call_go(name, x):
    v = await taipan.host.acall(name, x)
    await asyncio.sleep(0)
    return v


def recurse(n):
    # Python -> Go -> Python ... n deep.
    if n == 0:
        return 0
    return 1 + taipan.host.call("recurse", n - 1)


def send_messages(n):
    for i in range(n):
        taipan.host.cast(i)
    return n


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


def close_requests():
    """Replace the request pipe (fd 3) by /dev/null: the host's next write
    gets EPIPE, and the worker reads end of file and exits."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 3)
    os.close(null)
    return os.getpid()


def ignore_sigterm():
    """Init: SIGTERM does nothing (only SIGKILL ends the process)."""
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def allocate(n):
    """Allocate n bytes (zero-filled, so every page is touched)."""
    return len(bytearray(n))


def spin():
    """Burn CPU until something stops it."""
    while True:
        pass


def open_files(n):
    """Open n descriptors and keep them until the call ends."""
    fds = []
    try:
        for _ in range(n):
            fds.append(os.open(os.devnull, os.O_RDONLY))
        return len(fds)
    finally:
        for fd in fds:
            os.close(fd)
