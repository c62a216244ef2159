"""Tests of taipan.terms and the erlport compatibility shim."""

import copy
import pickle
import threading
import unittest

from taipan.terms import (Atom, BitString, Export, ImproperList, List,
                          OpaqueObject, Pid, Port, Reference)


class AtomTest(unittest.TestCase):
    def test_distinct_from_str_and_bytes(self):
        self.assertNotEqual(Atom("a"), "a")
        self.assertNotEqual(Atom("a"), b"a")
        d = {Atom("a"): 1, "a": 2, b"a": 3}
        self.assertEqual(len(d), 3)
        self.assertEqual(d[Atom("a")], 1)

    def test_interned(self):
        self.assertIs(Atom("ok"), Atom("ok"))
        self.assertIs(Atom(b"ok"), Atom("ok"))
        self.assertIs(Atom(bytearray(b"ok")), Atom("ok"))
        self.assertIs(Atom(Atom("ok")), Atom("ok"))
        self.assertEqual(Atom("ok"), Atom("ok"))
        self.assertNotEqual(Atom("ok"), Atom("error"))

    def test_bytes_utf8_then_latin1(self):
        self.assertEqual(Atom("ĉ".encode()).name, "ĉ")
        self.assertEqual(Atom(b"\xe9").name, "é")  # not UTF-8: latin-1

    def test_str_repr_bytes_decode(self):
        a = Atom("hello")
        self.assertEqual(str(a), "hello")
        self.assertEqual(repr(a), "Atom('hello')")
        self.assertEqual(bytes(a), b"hello")
        self.assertEqual(a.decode(), "hello")

    def test_limits_and_types(self):
        Atom("x" * 255)
        with self.assertRaises(ValueError):
            Atom("x" * 256)
        with self.assertRaises(TypeError):
            Atom(1)
        with self.assertRaises(TypeError):
            class Sub(Atom):  # noqa: F841
                pass

    def test_immutable(self):
        a = Atom("x")
        with self.assertRaises(AttributeError):
            a.name = "y"

    def test_pickle_copy_order(self):
        a = Atom("pick")
        self.assertIs(pickle.loads(pickle.dumps(a)), a)
        self.assertIs(copy.copy(a), a)
        self.assertIs(copy.deepcopy([a])[0], a)
        self.assertEqual(sorted([Atom("b"), Atom("a")]), [Atom("a"), Atom("b")])

    def test_threads_agree(self):
        got = []
        names = ["thread_atom_%d" % i for i in range(200)]

        def make():
            got.append([Atom(n) for n in names])
        ts = [threading.Thread(target=make) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for row in got[1:]:
            for a, b in zip(row, got[0]):
                self.assertIs(a, b)


class ListTest(unittest.TestCase):
    def test_list(self):
        lst = List([104, 105])
        self.assertEqual(lst, [104, 105])
        self.assertEqual(lst.to_string(), "hi")
        self.assertEqual(repr(lst), "List([104, 105])")

    def test_improper(self):
        il = ImproperList([1, 2], Atom("t"))
        self.assertEqual(il, ImproperList([1, 2], Atom("t")))
        self.assertNotEqual(il, ImproperList([1, 2], Atom("u")))
        self.assertNotEqual(il, [1, 2])
        self.assertEqual(pickle.loads(pickle.dumps(il)), il)
        with self.assertRaises(ValueError):
            ImproperList([], 1)
        with self.assertRaises(TypeError):
            ImproperList([1], [2])


class OtherTypesTest(unittest.TestCase):
    def test_bitstring(self):
        b = BitString(b"\xe0", 3)
        self.assertEqual(b, BitString(b"\xe0", 3))
        self.assertEqual(b.bit_length, 3)
        self.assertEqual(hash(b), hash(BitString(b"\xe0", 3)))
        for bad in ((b"\x00", 0), (b"\x00", 9), (b"", 1)):
            with self.assertRaises(ValueError):
                BitString(*bad)
        BitString(b"", 0)

    def test_opaque(self):
        o = OpaqueObject(b"data", "erlang")
        self.assertIs(o.language, Atom("erlang"))
        self.assertEqual(o, OpaqueObject(b"data", Atom("erlang")))
        self.assertEqual(OpaqueObject.decode(pickle.dumps({1}), Atom("python")), {1})
        self.assertEqual(o.encode(), b"data")
        with self.assertRaises(TypeError):
            OpaqueObject("str", "erlang")

    def test_identifiers_from_fields(self):
        p = Pid("n@h", 1, 2, 3)
        self.assertEqual(p, Pid(Atom("n@h"), 1, 2, 3))
        self.assertEqual(pickle.loads(pickle.dumps(p)), p)
        self.assertEqual(len({p, Pid("n@h", 1, 2, 3)}), 1)
        r = Reference("n@h", 1, (1, 2, 3))
        self.assertEqual(r.ids, (1, 2, 3))
        Port("n@h", 5, 1)
        e = Export("erlang", "abs", 1)
        self.assertEqual(e.etf, b"qd\x00\x06erlangd\x00\x03absa\x01")


class ErlportShimTest(unittest.TestCase):
    def test_imports(self):
        from erlport.erlterms import Atom as A2, List as L2, ImproperList as I2, OpaqueObject as O2
        from erlport import Atom as A3
        self.assertIs(A2, Atom)
        self.assertIs(A3, Atom)
        self.assertIs(L2, List)
        self.assertIs(I2, ImproperList)
        self.assertIs(O2, OpaqueObject)
        self.assertIs(A2(b"ok"), Atom("ok"))


if __name__ == "__main__":
    unittest.main()
