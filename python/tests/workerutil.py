"""Test driver for the worker: spawns ``python -m taipan.worker`` with its
request pipe on fd 3 and its reply pipe on fd 4, and speaks frames."""

from __future__ import annotations

import os
import select
import struct
import subprocess
import sys
import time

from taipan import etf
from taipan.terms import Atom

PYDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(PYDIR, "tests", "fixtures")
PYTHON = os.environ.get("TAIPAN_TEST_PYTHON", sys.executable)

A = Atom


class Worker:
    def __init__(self, options=None, hello=True, args=(), python=PYTHON, env=None):
        r1, w1 = os.pipe()  # host -> worker
        r2, w2 = os.pipe()  # worker -> host

        def pre():
            import fcntl
            a = fcntl.fcntl(r1, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(w2, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        e = dict(os.environ)
        e["PYTHONPATH"] = PYDIR + os.pathsep + e.get("PYTHONPATH", "")
        if env:
            e.update(env)
        self.proc = subprocess.Popen(
            [python, "-m", "taipan.worker"] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=pre, pass_fds=(3, 4) if False else (), close_fds=False, env=e)
        os.close(r1)
        os.close(w2)
        self.wfd = w1
        self.rfd = r2
        self.buf = b""
        self.info = None
        if hello:
            opts = {"paths": [FIXTURES]}
            if options:
                opts.update(options)
            self.send((A("hello"), 1, opts))
            self.info = self.recv()

    def send(self, term):
        data = etf.encode(term)
        self.send_raw(struct.pack(">I", len(data)) + data)

    def send_raw(self, data):
        mv = memoryview(data)
        while mv:
            n = os.write(self.wfd, mv)
            mv = mv[n:]

    def _fill(self, timeout):
        r, _, _ = select.select([self.rfd], [], [], timeout)
        if not r:
            raise TimeoutError("no frame within %ss" % timeout)
        d = os.read(self.rfd, 1 << 20)
        if not d:
            raise EOFError
        self.buf += d

    def recv(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    t = etf.decode(self.buf[4:4 + n])
                    self.buf = self.buf[4 + n:]
                    return t
            self._fill(max(0.0, deadline - time.monotonic()))

    def recv_nolog(self, timeout=10.0, logs=None):
        """Next frame that is not an L record (those go to logs)."""
        while True:
            t = self.recv(timeout)
            if type(t) is tuple and t and t[0] == A("L"):
                if logs is not None:
                    logs.append(t)
                continue
            return t

    def poll(self, timeout):
        """A frame if one arrives within timeout, else None."""
        try:
            return self.recv(timeout)
        except TimeoutError:
            return None

    def call(self, mod, fn, args=(), kwargs=None, id=1):
        if kwargs is None:
            self.send((A("C"), id, A(mod), A(fn), list(args)))
        else:
            self.send((A("K"), id, A(mod), A(fn), list(args), kwargs))
        return self.recv_nolog()

    def close(self, timeout=10):
        try:
            os.close(self.wfd)
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        try:
            os.close(self.rfd)
        except OSError:
            pass
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()
