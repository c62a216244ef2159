"""End-to-end tests of the worker runtime (python -m taipan.worker): each test
spawns real worker processes and speaks frames to them."""

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

from taipan import etf
from taipan.terms import Atom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import FIXTURES, PYDIR, PYTHON, Worker  # noqa: E402

A = Atom
r, e, C, K, L, M, X, R, E = (A(c) for c in "reCKLMXRE")


class SharedWorkerTest(unittest.TestCase):
    """Tests that can share one worker."""

    @classmethod
    def setUpClass(cls):
        cls.w = Worker()

    @classmethod
    def tearDownClass(cls):
        cls.w.kill()

    def test_handshake(self):
        tag, version, info = self.w.info
        self.assertEqual((tag, version), (A("hello"), 1))
        self.assertEqual(info["pid"], self.w.proc.pid)
        self.assertIsInstance(info["python"], str)
        self.assertTrue(info["executable"])
        for f in ("kwargs", "cancel", "stream", "log", "reload", "callback"):
            self.assertIn(A(f), info["features"])
        self.assertNotIn(A("eval"), info["features"])

    def test_call(self):
        self.assertEqual(self.w.call("operator", "add", [1, 2]), (r, 1, 3))
        # module and function may be binaries too
        self.w.send((C, 5, "operator", "mul", [6, 7]))
        self.assertEqual(self.w.recv_nolog(), (r, 5, 42))

    def test_kwargs(self):
        self.assertEqual(self.w.call("wfix", "echo", [1], {"a": 2}),
                         (r, 1, [[1], {"a": 2}]))
        self.assertEqual(self.w.call("builtins", "int", ["ff"], {"base": 16}), (r, 1, 255))

    def test_dotted(self):
        self.assertEqual(self.w.call("builtins", "str.upper", ["abc"]), (r, 1, "ABC"))
        self.assertEqual(self.w.call("wfix", "Greeter.hello", ["go"]), (r, 1, "hello go"))
        self.assertEqual(self.w.call("os.path", "join", ["a", "b"]), (r, 1, "a/b"))

    def test_error_traceback(self):
        tag, id, err = self.w.call("wfix", "nested_boom")
        self.assertEqual((tag, id), (e, 1))
        self.assertEqual(err[0], A("python"))
        self.assertEqual(err[1], "builtins.ValueError")
        self.assertEqual(err[2], "deep")
        tb = err[3]
        self.assertEqual([f[2] for f in tb], ["nested_boom", "boom"])
        self.assertTrue(tb[-1][0].endswith("wfix.py"))
        self.assertIsInstance(tb[-1][1], int)
        self.assertEqual(tb[-1][3], "raise ValueError(msg)")

    def test_missing(self):
        err = self.w.call("wfix", "nope")[2]
        self.assertEqual(err[1], "builtins.AttributeError")
        err = self.w.call("no_such_module_xyz", "f")[2]
        self.assertEqual(err[1], "builtins.ModuleNotFoundError")

    def test_pipelining(self):
        data = b""
        for i in range(1, 65):
            t = etf.encode((C, i, A("operator"), A("add"), [i, 1]))
            data += struct.pack(">I", len(t)) + t
        self.w.send_raw(data)
        got = [self.w.recv_nolog() for _ in range(64)]
        self.assertEqual(got, [(r, i, i + 1) for i in range(1, 65)])

    def test_unicode_atoms(self):
        for name in ("ĉx", "日本", "plain"):
            self.assertEqual(self.w.call("wfix", "echo", [A(name)]), (r, 1, A(name)))

    def test_big_binary(self):
        big = bytes(range(256)) * (16 * 4096)  # 16 MiB
        self.assertEqual(len(big), 16 << 20)
        tag, id, back = self.w.call("wfix", "echo", [big])
        self.assertEqual((tag, id), (r, 1))
        self.assertEqual(back, big)
        n = 3 << 20
        self.assertEqual(self.w.call("wfix", "bigbin", [n])[2], b"x" * n)

    def test_big_frames_in_turn(self):
        # Big frames share one reused read buffer: frames of other sizes
        # (smaller, bigger than the buffer kept, small ones between) must
        # each come back whole and unmixed.
        sizes = [2 << 20, 300 << 10, 1 << 20, 9 << 20, 130 << 10, 2 << 20]
        for i, n in enumerate(sizes):
            big = bytes([i + 1]) * (n - 1) + b"\xff"  # not UTF-8: stays bytes
            self.assertEqual(self.w.call("wfix", "echo", [big]), (r, 1, big))
            self.assertEqual(self.w.call("operator", "add", [i, 1]), (r, 1, i + 1))

    def test_opaque_and_unencodable(self):
        self.assertEqual(self.w.call("wfix", "opaque_obj"), (r, 1, {1, 2, 3}))
        tag, id, err = self.w.call("wfix", "unpicklable")
        self.assertEqual((tag, id), (e, 1))
        self.assertIn("EncodeError", err[1])

    def test_print_flood(self):
        logs = []
        n = 3000
        for i in range(1, 4):
            self.w.send((C, i, A("wfix"), A("printer"), [n]))
            self.w.send((C, 100 + i, A("operator"), A("add"), [i, i]))
        replies = [self.w.recv_nolog(logs=logs) for _ in range(6)]
        self.assertEqual(replies, [(r, 1, n), (r, 101, 2), (r, 2, n), (r, 102, 4),
                                   (r, 3, n), (r, 103, 6)])
        out = [t[3] for t in logs if t[2] == "stdout"]
        self.assertEqual(out, ["line %d" % i for i in range(n)] * 3)
        err = [t for t in logs if t[2] == "stderr"]
        self.assertEqual([t[3] for t in err], ["err-partial"] * 3)
        self.assertEqual(err[0][1], 30)
        self.assertEqual([t for t in logs if t[2] == "stdout"][0][1], 20)

    def test_print_from_thread(self):
        logs = []
        self.w.send((C, 1, A("wfix"), A("bg_print"), [500]))
        self.assertEqual(self.w.recv_nolog(logs=logs), (r, 1, 500))
        self.assertEqual([t[3] for t in logs], ["bg %d" % i for i in range(500)])

    def test_logging(self):
        logs = []
        self.w.send((C, 1, A("wfix"), A("log_things"), []))
        self.assertEqual(self.w.recv_nolog(logs=logs), (r, 1, True))
        self.assertEqual([(t[1], t[2], t[3]) for t in logs],
                         [(20, "wfix", "info 1"), (40, "wfix", "oops")])
        extra = logs[1][4]
        self.assertIn("ZeroDivisionError", extra["exc_text"])
        self.assertTrue(extra["file"].endswith("wfix.py"))
        self.assertEqual(extra["function"], "log_things")

    def test_cast_and_messages(self):
        self.assertEqual(self.w.call("wfix", "install_handler"), (r, 1, True))
        self.w.send((M, "hi"))
        self.w.send((M, (A("note"), 42)))
        self.assertEqual(self.w.call("wfix", "messages"), (r, 1, ["hi", (A("note"), 42)]))
        # worker -> host cast
        self.w.send((C, 2, A("wfix"), A("cast_back"), [[1, "x"]]))
        self.assertEqual(self.w.recv(), (M, None, [1, "x"]))
        self.assertEqual(self.w.recv(), (r, 2, True))
        # host -> worker cast: no reply; an exception is logged at ERROR
        self.w.send((A("A"), A("wfix"), A("boom"), ["cast!"], {}))
        t = self.w.call("operator", "add", [1, 1])
        while t[0] == L:
            self.assertEqual(t[1], 40)
            self.assertIn("cast!", t[3])
            self.assertIn("ValueError", t[4]["exc_text"])
            t = self.w.recv()
        self.assertEqual(t, (r, 1, 2))

    def test_cancel_queued(self):
        self.w.send((C, 1, A("wfix"), A("sleep"), [0.3]))
        # The worker reads no input while a call runs, so the call to cancel
        # and its X must arrive together for X to find it still queued.
        frames = b""
        for term in ((C, 2, A("operator"), A("add"), [1, 1]), (X, 2)):
            data = etf.encode(term)
            frames += struct.pack(">I", len(data)) + data
        self.w.send_raw(frames)
        got = {}
        for _ in range(2):
            t = self.w.recv_nolog()
            got[t[1]] = t
        self.assertEqual(got[1], (r, 1, "slept"))
        self.assertEqual(got[2][0], e)
        self.assertEqual(got[2][2][1], "taipan.Cancelled")
        self.w.send((X, 999))  # unknown: ignored
        self.assertEqual(self.w.call("operator", "add", [2, 2]), (r, 1, 4))

    def test_eval_refused(self):
        self.w.send((E, 1, A("eval"), "1+1"))
        tag, id, err = self.w.recv_nolog()
        self.assertEqual((tag, id, err[1]), (e, 1, "builtins.PermissionError"))

    def test_codec_hooks(self):
        w = Worker()
        try:
            self.assertEqual(w.call("wfix", "set_codecs"), (r, 1, True))
            z = ("complex", 1.0, 2.0)
            self.assertEqual(w.call("wfix", "cplx", [z]),
                             (r, 1, [("complex", 2.0, 4.0), {"k": z}]))
        finally:
            w.kill()

    def test_erlport_api(self):
        self.w.send((C, 1, A("wfix"), A("erlport_call"), ["m", "f", [1, 2]]))
        cb = self.w.recv_nolog()
        self.assertEqual((cb[0], cb[2], cb[3], cb[4], cb[5]),
                         (C, A("m"), A("f"), [1, 2], A("N")))
        self.w.send((r, cb[1], "answer"))
        self.assertEqual(self.w.recv_nolog(), (r, 1, "answer"))
        self.w.send((C, 2, A("wfix"), A("erlport_call_fail"), []))
        cb = self.w.recv_nolog()
        self.w.send((e, cb[1], (A("go"), "bad")))
        self.assertEqual(self.w.recv_nolog(), (r, 2, ["callerror", A("go"), "bad"]))
        import erlport.erlterms as et
        self.assertTrue(all(hasattr(et, n) for n in ("Atom", "List", "ImproperList",
                                                     "OpaqueObject")))


class EvalTest(unittest.TestCase):
    def test_eval_exec(self):
        w = Worker({"eval": True})
        try:
            self.assertIn(A("eval"), w.info[2]["features"])
            w.send((E, 1, A("exec"), "x = 41\ndef f(y):\n    return x + y\n"))
            self.assertEqual(w.recv_nolog(), (r, 1, None))
            w.send((E, 2, A("eval"), "f(1)"))
            self.assertEqual(w.recv_nolog(), (r, 2, 42))
            w.send((E, 3, A("eval"), "1/0"))
            self.assertEqual(w.recv_nolog()[2][1], "builtins.ZeroDivisionError")
        finally:
            w.kill()


class ProcessTest(unittest.TestCase):
    def test_eof_exit_0(self):
        w = Worker()
        self.assertEqual(w.close(), 0)

    def test_eof_before_hello(self):
        w = Worker(hello=False)
        self.assertEqual(w.close(), 0)

    def test_garbage_exit_3(self):
        w = Worker()
        w.send_raw(b"\x00\x00\x00\x05hello")
        rc = w.proc.wait(10)
        err = w.proc.stderr.read().decode()
        self.assertEqual(rc, 3)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("protocol violation", err)
        w.close()

    def test_oversized_exit_3(self):
        w = Worker({"max_frame": 1 << 20})
        w.send_raw(struct.pack(">I", (1 << 20) + 1) + b"\x83")
        self.assertEqual(w.proc.wait(10), 3)
        w.close()

    def test_compressed_call_budget(self):
        # A compressed request inflates within the hello's max_uncompressed
        # (etf.DEFAULT_MAX_UNCOMPRESSED when the hello has none); one that
        # declares more is a protocol violation (exit 3), not inflated.
        def frame(n):
            data = etf.encode((C, 1, A("builtins"), A("len"), [b"\x00" * n]),
                              compressed=9)
            self.assertEqual(data[1], 80)
            return struct.pack(">I", len(data)) + data

        for opts, n, ok in (({}, 2 << 20, True),
                            ({}, etf.DEFAULT_MAX_UNCOMPRESSED, False),
                            ({"max_uncompressed": 4 << 20}, 3 << 20, True),
                            ({"max_uncompressed": 1 << 20}, 2 << 20, False)):
            with self.subTest(opts=opts, n=n):
                w = Worker(opts)
                w.send_raw(frame(n))
                if ok:
                    self.assertEqual(w.recv_nolog(), (r, 1, n))
                    self.assertEqual(w.close(), 0)
                else:
                    self.assertEqual(w.proc.wait(10), 3)
                    self.assertIn("max_uncompressed", w.proc.stderr.read().decode())
                    w.close()

    def test_bad_hello_exit_3(self):
        w = Worker(hello=False)
        w.send((C, 1, A("operator"), A("add"), [1, 2]))
        self.assertEqual(w.proc.wait(10), 3)
        w.close()

    def test_os_exit(self):
        w = Worker()
        w.send((C, 1, A("wfix"), A("exit_now"), [7]))
        self.assertEqual(w.proc.wait(10), 7)
        w.close()

    def test_sigint(self):
        w = Worker()
        marker = os.path.join(tempfile.mkdtemp(), "running")
        self.addCleanup(shutil.rmtree, os.path.dirname(marker))
        try:
            w.send((C, 1, A("wfix"), A("sleep_marked"), [10, marker]))
            # SIGINT while no call runs is dropped: send it once the call
            # runs (a fixed pause before it could come first on a loaded
            # machine, and the call would sleep its 10 s out).
            deadline = time.monotonic() + 60
            while not os.path.exists(marker):
                self.assertLess(time.monotonic(), deadline, "the call never began")
                time.sleep(0.01)
            w.proc.send_signal(signal.SIGINT)
            tag, id, err = w.recv_nolog()
            self.assertEqual((tag, id, err[1]), (e, 1, "builtins.KeyboardInterrupt"))
            w.proc.send_signal(signal.SIGINT)  # idle: ignored
            time.sleep(0.1)
            self.assertEqual(w.call("operator", "add", [1, 2]), (r, 1, 3))
        finally:
            w.kill()

    def test_init_failure(self):
        w = Worker(hello=False)
        w.send((A("hello"), 1, {"paths": [FIXTURES],
                                "init": (A("wfix"), A("boom"), ["no"], {})}))
        t = w.recv_nolog()
        self.assertEqual((t[0], t[1], t[2][1]), (e, 0, "builtins.ValueError"))
        self.assertEqual(w.proc.wait(10), 1)
        w.close()

    def test_init_ok_no_capture(self):
        w = Worker({"init": (A("wfix"), A("install_handler"), [], {}),
                    "capture_output": False})
        try:
            w.send((C, 1, A("wfix"), A("printer"), [2]))
            self.assertEqual(w.recv(), (r, 1, 2))  # no L frames
            w.send((M, "m"))
            self.assertEqual(w.call("wfix", "messages"), (r, 1, ["m"]))
        finally:
            w.kill()

    def test_stdio_mode(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = PYDIR
        p = subprocess.Popen([PYTHON, "-m", "taipan.worker", "--stdio"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        frames = b""
        for t in [(A("hello"), 1, {"paths": [FIXTURES], "capture_output": False}),
                  (C, 1, A("wfix"), A("printer"), [1])]:
            d = etf.encode(t)
            frames += struct.pack(">I", len(d)) + d
        out, _ = p.communicate(frames, timeout=10)
        self.assertEqual(p.returncode, 0)
        got = []
        while out:
            n = struct.unpack(">I", out[:4])[0]
            got.append(etf.decode(out[4:4 + n]))
            out = out[4 + n:]
        self.assertEqual(got[0][0], A("hello"))
        self.assertEqual([g for g in got[1:] if g[0] != L], [(r, 1, 1)])
        self.assertEqual([g[3] for g in got[1:] if g[0] == L and g[2] == "stdout"], ["line 0"])


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.write("relmod.py", "def f():\n    return 1\n")
        self.write("reldep.py", "from relmod import f\n\ndef g():\n    return f() * 10\n")
        self.w = Worker({"paths": [FIXTURES, self.dir]})

    def tearDown(self):
        self.w.kill()
        shutil.rmtree(self.dir)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def test_reload(self):
        w = self.w
        self.assertEqual(w.call("relmod", "f"), (r, 1, 1))
        self.assertEqual(w.call("reldep", "g"), (r, 1, 10))
        self.write("relmod.py", "def f():\n    return 2\n")
        w.send((R, 7, ["relmod"]))
        self.assertEqual(w.recv_nolog(), (r, 7, [("relmod", A("ok")), ("reldep", A("ok"))]))
        self.assertEqual(w.call("relmod", "f"), (r, 1, 2))
        self.assertEqual(w.call("reldep", "g"), (r, 1, 20))
        # a syntax error keeps the old code and is reported
        self.write("relmod.py", "def f(:\n    return 3\n")
        w.send((R, 8, ["relmod"]))
        tag, id, report = w.recv_nolog()
        self.assertEqual((tag, id), (r, 8))
        self.assertEqual(report[0][0], "relmod")
        self.assertEqual(report[0][1][0], A("error"))
        self.assertEqual(report[0][1][1][1], "builtins.SyntaxError")
        self.assertEqual(report[1][0], "reldep")
        self.assertEqual(report[1][1][1][1], "taipan.ReloadSkipped")
        self.assertEqual(w.call("relmod", "f"), (r, 1, 2))
        self.assertEqual(w.call("reldep", "g"), (r, 1, 20))


if __name__ == "__main__":
    unittest.main()
