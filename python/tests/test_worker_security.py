"""The worker's second line of defence (docs/security.md): the allowlist
sent in hello, and pickled python objects from the host refused unless
hello allows them.  The Go host checks both before sending; these tests
send the frames it would refuse, straight to a real worker."""

import os
import shutil
import struct
import sys
import tempfile
import unittest

from taipan import etf
from taipan.terms import Atom, OpaqueObject

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import Worker  # noqa: E402

A = Atom
r, e, C, K, S, L, M = (A(c) for c in "reCKSLM")


class _MakeDir:
    """Unpickling it runs os.mkdir(path): the shape of a pickle exploit,
    with a side effect the test can look for."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def pickled(path):
    import pickle
    return OpaqueObject(pickle.dumps(_MakeDir(path)), "python")


class AllowlistTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = Worker({"allow": ["operator", "wfix.echo", "wfix.loaded", "builtins.str.upper", "os.path"],
                        "init": (A("wfix"), A("install_handler"), [], {})})

    @classmethod
    def tearDownClass(cls):
        cls.w.kill()

    def refused(self, reply, name):
        tag, id, err = reply
        self.assertEqual(tag, e)
        self.assertEqual(err[1], "builtins.PermissionError")
        self.assertIn(name + " is not allowed", err[2])

    def test_allowed(self):
        self.assertEqual(self.w.call("operator", "add", [1, 2]), (r, 1, 3))
        self.assertEqual(self.w.call("wfix", "echo", [5]), (r, 1, 5))
        self.assertEqual(self.w.call("builtins", "str.upper", ["ab"]), (r, 1, "AB"))
        # "os.path" is module os.path, and function path of module os
        self.assertEqual(self.w.call("os.path", "join", ["a", "b"]), (r, 1, "a/b"))

    def test_refused(self):
        for mod, fn in (("os", "system"), ("builtins", "eval"), ("wfix", "boom"),
                        ("builtins", "str.lower"), ("smtplib", "SMTP")):
            self.refused(self.w.call(mod, fn, ["echo owned"]), mod + "." + fn)
        # module and function as binaries, and keyword calls
        self.w.send((K, 2, "os", "system", ["true"], {"x": 1}))
        self.refused(self.w.recv_nolog(), "os.system")
        # refused before it is imported
        self.assertEqual(self.w.call("wfix", "loaded", ["smtplib"]), (r, 1, False))

    def test_dotted_under_module_entry(self):
        # operator's attributes must not lead anywhere through a module entry
        self.refused(self.w.call("operator", "add.__call__", [1, 2]), "operator.add.__call__")
        self.refused(self.w.call("wfix", "os.system", ["true"]), "wfix.os.system")

    def test_stream_and_cast(self):
        self.w.send((S, 3, A("wfix"), A("count"), [3], {}, 10))
        self.refused(self.w.recv_nolog(), "wfix.count")
        logs = []
        self.w.send((A("A"), A("os"), A("system"), ["true"], {}))
        self.w.send((C, 1, A("operator"), A("neg"), [1]))
        self.assertEqual(self.w.recv_nolog(logs=logs), (r, 1, -1))
        self.assertTrue(any("os.system is not allowed" in x[4].get("exc_text", "") for x in logs), logs)


class PickleTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.target = os.path.join(self.dir, "owned")

    def worker(self, options=None):
        w = Worker(options)
        self.addCleanup(w.kill)
        return w

    def assert_refused(self, reply, id=1):
        tag, rid, err = reply
        self.assertEqual((tag, rid, err[1]), (e, id, "taipan.PickleRefused"))
        self.assertIn("AllowPickle", err[2])
        self.assertFalse(os.path.exists(self.target), "the pickle was loaded")

    def test_refused_by_default(self):
        w = self.worker()
        self.assert_refused(w.call("wfix", "echo", [[1, {"k": pickled(self.target)}]]))
        w.send((K, 2, A("wfix"), A("echo"), [], {"a": pickled(self.target)}))
        self.assert_refused(w.recv_nolog(), 2)
        # a compressed frame takes the reader's other path
        data = etf.encode((C, 3, A("wfix"), A("echo"), [pickled(self.target), "x" * 4096]), 6)
        self.assertEqual(data[1], 80)
        w.send_raw(struct.pack(">I", len(data)) + data)
        self.assert_refused(w.recv_nolog(), 3)
        # the worker goes on
        self.assertEqual(w.call("operator", "add", [1, 2]), (r, 1, 3))

    def test_refused_in_a_host_reply(self):
        w = self.worker()
        w.send((C, 1, A("wfix"), A("callback"), ["f"]))
        cb = w.recv_nolog()
        self.assertEqual(cb[0], C)
        w.send((r, cb[1], pickled(self.target)))
        tag, id, err = w.recv_nolog()
        self.assertEqual((tag, id, err[1]), (e, 1, "taipan.HostError"))
        self.assertIn("refused a pickled python object", err[2])
        self.assertFalse(os.path.exists(self.target))

    def test_erlang_opaque_kept(self):
        w = self.worker()
        o = OpaqueObject(b"x", "ruby")
        self.assertEqual(w.call("wfix", "echo", [o]), (r, 1, o))

    def test_allowed(self):
        w = self.worker({"allow_pickle": True})
        tag, id, _ = w.call("wfix", "echo", [pickled(self.target)])
        self.assertEqual((tag, id), (r, 1))
        self.assertTrue(os.path.isdir(self.target))


class ReaderModesTest(unittest.TestCase):
    """FrameReader's pickle modes, and its one-frame mode for the hello:
    the frames behind the hello are decoded as the hello says."""

    def test_modes(self):
        from taipan.framing import BadFrame, FrameReader
        from taipan._etf_dec import PickleRefused
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        target = os.path.join(d, "owned")
        rfd, wfd = os.pipe()
        self.addCleanup(os.close, rfd)
        frames = b""
        for t in ((A("hello"), 1, {}), (C, 1, A("m"), A("f"), [pickled(target)]),
                  (C, 2, A("m"), A("f"), [pickled(target)]),
                  (C, 3, A("m"), A("f"), [OpaqueObject(b"x", "ruby")])):
            data = etf.encode(t)
            frames += struct.pack(">I", len(data)) + data
        os.write(wfd, frames)
        os.close(wfd)
        reader = FrameReader(rfd)
        reader.one = True
        self.assertEqual(reader.read_frames(), [(A("hello"), 1, {})])
        reader.one = False
        reader.set_pickles("refuse")
        got = reader.read_frames()
        self.assertEqual(len(got), 3)
        for f in got[:2]:
            self.assertIs(type(f), BadFrame)
            self.assertIsInstance(f.error, PickleRefused)
            self.assertEqual(f.term[4][0], OpaqueObject(pickled(target).data, "python"))
        self.assertEqual(got[2], (C, 3, A("m"), A("f"), [OpaqueObject(b"x", "ruby")]))
        self.assertFalse(os.path.exists(target))

    def test_refuse_compressed(self):
        # A compressed frame takes the reader's slow path: the pickle in it
        # is refused there too, before pickle.loads could run it.
        import zlib
        from taipan.framing import BadFrame, FrameReader
        from taipan._etf_dec import PickleRefused
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        target = os.path.join(d, "owned")
        rfd, wfd = os.pipe()
        self.addCleanup(os.close, rfd)
        raw = etf.encode((C, 1, A("m"), A("f"), [pickled(target)]))[1:]
        data = bytes([131, 80]) + struct.pack(">I", len(raw)) + zlib.compress(raw)
        os.write(wfd, struct.pack(">I", len(data)) + data)
        os.close(wfd)
        reader = FrameReader(rfd)
        reader.set_pickles("refuse")
        got = reader.read_frames()
        self.assertEqual(len(got), 1)
        self.assertIs(type(got[0]), BadFrame)
        self.assertIsInstance(got[0].error, PickleRefused)
        self.assertFalse(os.path.exists(target))

    def test_keep(self):
        from taipan.framing import FrameReader
        rfd, wfd = os.pipe()
        self.addCleanup(os.close, rfd)
        o = OpaqueObject(b"\x80\x04K*.", "python")
        data = etf.encode((C, 1, A("m"), A("f"), [o]))
        os.write(wfd, struct.pack(">I", len(data)) + data)
        os.close(wfd)
        reader = FrameReader(rfd)
        reader.set_pickles("keep")
        self.assertEqual(reader.read_frames(), [(C, 1, A("m"), A("f"), [o])])


if __name__ == "__main__":
    unittest.main()
