"""Measure the worker runtime from a Python driver:

    python3 bench_worker.py [PYTHON ...]

For each interpreter: sequential operator.add(1,2) calls/s, calls/s with 8
in flight, and start-to-hello time against a bare ``python -c pass``
(medians).  Run it with pre-compiled .pyc files for start-up figures that
match a shipped runtime (PYTHONDONTWRITEBYTECODE=1 otherwise makes every
start compile the runtime)."""

import os
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "tests"))

from taipan import etf  # noqa: E402
from taipan.terms import Atom  # noqa: E402
from workerutil import Worker  # noqa: E402


def frame(t):
    d = etf.encode(t)
    return struct.pack(">I", len(d)) + d


def recv(w):
    """Blocking read of one frame (no select: the bench measures the worker)."""
    buf = w.buf
    while True:
        if len(buf) >= 4:
            n = struct.unpack_from(">I", buf)[0]
            if len(buf) >= 4 + n:
                t = etf.decode(buf[4:4 + n])
                w.buf = buf[4 + n:]
                return t
        buf += os.read(w.rfd, 65536)


def sequential(w, n):
    req = frame((Atom("C"), 1, Atom("operator"), Atom("add"), [1, 2]))
    t0 = time.perf_counter()
    for _ in range(n):
        w.send_raw(req)
        recv(w)
    return n / (time.perf_counter() - t0)


def inflight(w, n, k):
    reqs = [frame((Atom("C"), i, Atom("operator"), Atom("add"), [1, 2])) for i in range(k)]
    t0 = time.perf_counter()
    for r in reqs:
        w.send_raw(r)
    done = 0
    sent = k
    while done < n:
        recv(w)
        done += 1
        if sent < n:
            w.send_raw(reqs[sent % k])
            sent += 1
    return n / (time.perf_counter() - t0)


def start_hello(py, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        w = Worker(python=py)
        ts.append(time.perf_counter() - t0)
        w.close()
    return statistics.median(ts) * 1000


def bare(py, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([py, "-c", "pass"])
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1000


def main():
    pys = sys.argv[1:] or [sys.executable]
    for py in pys:
        w = Worker(python=py)
        sequential(w, 2000)
        seq = max(sequential(w, 20000) for _ in range(3))
        inf = max(inflight(w, 50000, 8) for _ in range(3))
        w.close()
        b = bare(py, 30)
        s = start_hello(py, 30)
        b2 = bare(py, 30)
        b = min(b, b2)
        print("%s\n  sequential add: %.0f calls/s (%.1f us/call)\n"
              "  8 in flight:    %.0f calls/s\n"
              "  start->hello %.1f ms, python -c pass %.1f ms, ratio %.2f"
              % (py, seq, 1e6 / seq, inf, s, b, s / b))


if __name__ == "__main__":
    main()
