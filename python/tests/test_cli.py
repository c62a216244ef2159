"""taipan.cli, the helpers of the `taipan` command: the target split (in
process) and the resolution and encoder (in a real worker), and the rule that
a function's attribute path never passes through a module."""

import datetime
import os
import sys
import types
import unittest

from taipan import cli
from taipan.terms import Atom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import Worker  # noqa: E402

A = Atom
r, e = A("r"), A("e")


class SplitTest(unittest.TestCase):
    def test_split(self):
        tests = [
            ("len", ("builtins", "len")),
            ("bytes.fromhex", ("builtins", "bytes.fromhex")),
            ("str.upper", ("builtins", "str.upper")),
            ("builtins.bytes.fromhex", ("builtins", "bytes.fromhex")),
            ("operator.add", ("operator", "add")),
            ("os.path.join", ("os.path", "join")),
            ("datetime.date.today", ("datetime", "date.today")),
            ("datetime.datetime.fromisoformat", ("datetime", "datetime.fromisoformat")),
            ("xml.etree.ElementTree.fromstring", ("xml.etree.ElementTree", "fromstring")),
            ("json.decoder.JSONDecoder", ("json.decoder", "JSONDecoder")),
            # unittest imports os, but unittest.os is not a submodule: it
            # stays an attribute path (which the worker then refuses).
            ("unittest.os.getcwd", ("unittest", "os.getcwd")),
        ]
        for name, want in tests:
            with self.subTest(name=name):
                self.assertEqual(cli.split(name), want)

    def test_split_errors(self):
        tests = [
            ("no_such_module_xyz.f", ModuleNotFoundError, "no_such_module_xyz"),
            ("nodot_not_builtin", NameError, "not a builtin;"),
            ("lne", NameError, r"not a builtin \(did you mean len\?\)"),
            ("os.path", TypeError, "is a module"),
            ("json", NameError, "not a builtin"),
            ("a..b", ValueError, "not a dotted Python name"),
            ("no-dash.f", ValueError, "not a dotted Python name"),
            ("", ValueError, "not a dotted Python name"),
        ]
        for name, exc, msg in tests:
            with self.subTest(name=name):
                with self.assertRaisesRegex(exc, msg):
                    cli.split(name)

    def test_near(self):
        # The suggestions of a mistyped name: callable, reachable, and
        # nothing that fails to read (a property, a module __getattr__)
        # escapes or is suggested.
        lazy = types.ModuleType("taipan_test_lazymod")

        def missing(name):
            raise AttributeError(name)
        lazy.__getattr__ = missing

        class Obj:
            @property
            def size(self):
                raise RuntimeError("a property that fails")

            def sise2(self):
                pass
        lazy.obj = Obj()
        lazy.thing = None
        lazy.thingy = len
        sys.modules[lazy.__name__] = lazy
        self.addCleanup(sys.modules.pop, lazy.__name__)
        tests = [
            ("math", "sqr", ["sqrt", "isqrt"]),
            ("math", "tu", []),                        # math.tau is not callable
            ("datetime", "date.todya", ["date.today"]),
            ("datetime", "dat.today", ["date.today"]),
            ("datetime", "dat.tday", []),
            ("builtins", "bytes.fromhx", ["bytes.fromhex"]),
            ("unittest", "os.getcdw", []),            # never through a module
            (lazy.__name__, "obj.sise", ["obj.sise2"]),  # size raises: left out
            (lazy.__name__, "thng", ["thingy"]),         # thing is None: left out
            ("no_such_module_loaded_xyz", "f", []),
        ]
        for module, function, want in tests:
            with self.subTest(path=module + "." + function):
                self.assertEqual(cli._near(module, function), want)
        for name in ["Tru", "Nnoe"]:  # True and None are not callable
            with self.subTest(name=name):
                with self.assertRaises(NameError) as cm:
                    cli.split(name)
                self.assertNotIn("did you mean", str(cm.exception))

    def test_split_missing_import_inside_a_package(self):
        # A submodule that exists but fails to import reports its own
        # missing import, not "no submodule".
        d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
        sys.path.insert(0, d)
        try:
            with self.assertRaises(ModuleNotFoundError) as cm:
                cli.split("clipkg.broken.f")
            self.assertEqual(cm.exception.name, "no_such_dependency_xyz")
            self.assertEqual(cli.split("clipkg.fine.f"), ("clipkg.fine", "f"))
        finally:
            sys.path.remove(d)


class PrintableTest(unittest.TestCase):
    def test_printable(self):
        d = datetime.date(2024, 1, 2)
        tests = [
            (1, 1), (1.5, 1.5), ("s", "s"), (b"\xff", b"\xff"), (None, None),
            (True, True), ([1], [1]), ((1, 2), (1, 2)), ({"a": 1}, {"a": 1}),
            (float("inf"), {A("$float"): "inf"}), (float("-inf"), {A("$float"): "-inf"}),
            (float("nan"), {A("$float"): "nan"}), (bytearray(b"ab"), b"ab"),
            (memoryview(b"ab"), b"ab"), (d, {A("$python"): "datetime.date(2024, 1, 2)"}),
            ({1, 2}, {A("$python"): "{1, 2}"}), (A("x"), A("x")),
        ]
        for x, want in tests:
            with self.subTest(x=x):
                self.assertEqual(cli.printable(x), want)

    def test_marker_is_a_hashable_dict(self):
        m = cli.printable(datetime.date(2024, 1, 2))
        self.assertIsInstance(m, dict)
        self.assertEqual({m: 1}[m], 1)


class WorkerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = Worker()

    @classmethod
    def tearDownClass(cls):
        cls.w.kill()

    def test_target(self):
        tests = [
            ("len", (r, 1, ("builtins", "len"))),
            ("os.path.join", (r, 1, ("os.path", "join"))),
            ("datetime.date.today", (r, 1, ("datetime", "date.today"))),
            ("wfix.Greeter.hello", (r, 1, ("wfix", "Greeter.hello"))),
        ]
        for name, want in tests:
            with self.subTest(name=name):
                self.assertEqual(self.w.call("taipan.cli", "target", [name]), want)

    def test_target_errors(self):
        tests = [
            ("wfix.nope", "builtins.AttributeError", "nope"),
            ("wfix.os.getcwd", "builtins.AttributeError", "wfix.os is a module"),
            ("no_such_module_xyz.f", "builtins.ModuleNotFoundError", "no_such_module_xyz"),
            ("math.pi", "builtins.TypeError", "not callable"),
            # a mistyped name: the close ones that resolve, as the command takes them
            ("math.sqr", "builtins.AttributeError", "; did you mean math.sqrt or math.isqrt?"),
            ("datetime.date.todya", "builtins.AttributeError", "did you mean datetime.date.today?"),
            ("datetime.dat.today", "builtins.AttributeError", "did you mean datetime.date.today?"),
            ("bytes.fromhx", "builtins.AttributeError", "did you mean bytes.fromhex?"),
            # nothing close, or only through a module: no suggestion
            ("math.zzzzzz", "builtins.AttributeError", "has no attribute 'zzzzzz'"),
        ]
        for name, typ, msg in tests:
            with self.subTest(name=name):
                tag, _, err = self.w.call("taipan.cli", "target", [name])
                self.assertEqual((tag, err[1]), (e, typ))
                self.assertIn(msg, err[2])
                if "mean" not in msg:
                    self.assertNotIn("did you mean", err[2])

    def test_attribute_path_never_passes_through_a_module(self):
        # wfix imported os: wfix's functions are callable, os's are not
        # through it.
        tag, _, err = self.w.call("wfix", "os.getcwd")
        self.assertEqual((tag, err[1]), (e, "builtins.AttributeError"))
        self.assertIn("call module 'os', function 'getcwd'", err[2])
        tag, _, err = self.w.call("os", "path.join", ["a", "b"])
        self.assertEqual((tag, err[1]), (e, "builtins.AttributeError"))
        # a dotted path through classes still works
        tag, _, v = self.w.call("datetime", "date.fromisoformat", ["2024-01-02"])
        self.assertEqual(tag, r)
        self.assertEqual(self.w.call("builtins", "bytes.fromhex", ["ff00"]), (r, 1, b"\xff\x00"))

    def test_setup_installs_the_encoder(self):
        # allow_pickle: the frozenset below reaches the worker pickled
        w = Worker({"allow_pickle": True})
        try:
            self.assertEqual(w.call("taipan.cli", "setup"), (r, 1, None))
            self.assertEqual(w.call("datetime", "date", [2024, 1, 2]),
                             (r, 1, {A("$python"): "datetime.date(2024, 1, 2)"}))
            self.assertEqual(w.call("builtins", "float", ["inf"]), (r, 1, {A("$float"): "inf"}))
            self.assertEqual(w.call("builtins", "bytearray", [b"ab"]), (r, 1, b"ab"))
            self.assertEqual(w.call("builtins", "list", [[frozenset(), (1.5, 2)]]),
                             (r, 1, [{A("$python"): "frozenset()"}, (1.5, 2)]))
        finally:
            w.kill()


if __name__ == "__main__":
    unittest.main()
