"""Unit tests of taipan.etf: exact bytes, the type mapping, hooks,
compression, decode_from.  Malformed input: test_safety.py.  Against a
real Erlang: test_erlang.py."""

import collections
import enum
import pickle
import struct
import unittest
import zlib

from taipan import etf
from taipan.etf import DecodeError, EncodeError, decode, decode_from, encode
from taipan.terms import (Atom, BitString, Export, Fun, ImproperList, List,
                          OpaqueObject, Pid, Port, Reference)


def enc(x, **kw):
    """encode without the version byte."""
    b = encode(x, **kw)
    assert b[0] == 131
    return b[1:]


class EncodeBytesTest(unittest.TestCase):
    """What each Python value encodes to, byte for byte."""

    def test_integers(self):
        self.assertEqual(enc(0), b"a\x00")
        self.assertEqual(enc(255), b"a\xff")
        self.assertEqual(enc(256), b"b\x00\x00\x01\x00")
        self.assertEqual(enc(-1), b"b\xff\xff\xff\xff")
        self.assertEqual(enc(2**31 - 1), b"b\x7f\xff\xff\xff")
        self.assertEqual(enc(-2**31), b"b\x80\x00\x00\x00")
        self.assertEqual(enc(2**31), b"n\x04\x00\x00\x00\x00\x80")
        self.assertEqual(enc(-2**31 - 1), b"n\x04\x01\x01\x00\x00\x80")
        self.assertEqual(enc(2**64), b"n\x09\x00" + b"\x00" * 8 + b"\x01")
        self.assertEqual(enc(-2**64), b"n\x09\x01" + b"\x00" * 8 + b"\x01")
        big = 2**(8 * 255)  # 256 bytes: LARGE_BIG
        self.assertEqual(enc(big), b"o\x00\x00\x01\x00\x00" + b"\x00" * 255 + b"\x01")
        self.assertEqual(enc(-(2**(8 * 255) - 1))[:3], b"n\xff\x01")

    def test_floats(self):
        self.assertEqual(enc(1.5), b"F" + struct.pack(">d", 1.5))
        self.assertEqual(enc(-0.0), b"F\x80" + b"\x00" * 7)
        for bad in (float("nan"), float("inf"), -float("inf")):
            with self.assertRaises(EncodeError):
                encode(bad)
        # the hook may stand in for non-finite floats
        self.assertEqual(decode(encode([float("nan")], hook=lambda x: None)), [None])

    def test_atoms_and_specials(self):
        self.assertEqual(enc(None), b"d\x00\x09undefined")
        self.assertEqual(enc(True), b"d\x00\x04true")
        self.assertEqual(enc(False), b"d\x00\x05false")
        self.assertEqual(enc(Atom("ok")), b"d\x00\x02ok")
        self.assertEqual(enc(Atom("é")), b"d\x00\x01\xe9")  # latin-1: ATOM_EXT
        self.assertEqual(enc(Atom("ĉ")), b"w\x02\xc4\x89")  # SMALL_ATOM_UTF8
        long_utf8 = Atom("ĉ" * 200)  # 400 bytes: ATOM_UTF8
        self.assertEqual(enc(long_utf8)[:3], b"v\x01\x90")
        self.assertEqual(enc(Atom("")), b"d\x00\x00")

    def test_binaries(self):
        self.assertEqual(enc("abc"), b"m\x00\x00\x00\x03abc")
        self.assertEqual(enc(""), b"m\x00\x00\x00\x00")
        self.assertEqual(enc("ĉ"), b"m\x00\x00\x00\x02\xc4\x89")
        self.assertEqual(enc(b"ab"), b"M\x00\x00\x00\x02\x08ab")
        self.assertEqual(enc(bytearray(b"ab")), b"M\x00\x00\x00\x02\x08ab")
        self.assertEqual(enc(memoryview(b"xab")[1:]), b"M\x00\x00\x00\x02\x08ab")
        self.assertEqual(enc(memoryview(b"a0b1")[::2]), b"M\x00\x00\x00\x02\x08ab")
        # Erlang rejects BIT_BINARY of length 0 with 8 bits: empty is bits 0
        self.assertEqual(enc(b""), b"M\x00\x00\x00\x00\x00")
        self.assertEqual(enc(bytearray()), b"M\x00\x00\x00\x00\x00")
        self.assertEqual(enc(BitString(b"\xe0", 3)), b"M\x00\x00\x00\x01\x03\xe0")

    def test_containers(self):
        self.assertEqual(enc(()), b"h\x00")
        self.assertEqual(enc((1, 2)), b"h\x02a\x01a\x02")
        t = tuple(range(256))
        self.assertEqual(enc(t)[:5], b"i\x00\x00\x01\x00")
        self.assertEqual(enc([]), b"j")
        self.assertEqual(enc(List()), b"j")
        # Lists of 1..65535 ints in 0..255 are STRING_EXT, as Erlang and
        # the Go encoder write them; they decode back to lists of ints.
        self.assertEqual(enc([1, 2]), b"k\x00\x02\x01\x02")
        self.assertEqual(enc([7]), b"k\x00\x01\x07")
        self.assertEqual(enc(list(range(5))), b"k\x00\x05\x00\x01\x02\x03\x04")
        self.assertEqual(enc(List([255, 0])), b"k\x00\x02\xff\x00")
        self.assertEqual(decode(encode([1, 2])), [1, 2])
        self.assertIs(type(decode(encode([1, 2]))), List)
        big = list(range(256)) * 256  # 65536 elements: too long for STRING_EXT
        self.assertEqual(enc(big)[:5], b"l\x00\x01\x00\x00")
        self.assertEqual(enc(big)[5:9], b"a\x00a\x01")
        self.assertEqual(decode(encode(big)), big)
        self.assertEqual(enc(big[:65535])[:3], b"k\xff\xff")
        self.assertEqual(decode(encode(big[:65535])), big[:65535])
        # not all small ints: LIST
        self.assertEqual(enc([1, 256]), b"l\x00\x00\x00\x02a\x01b\x00\x00\x01\x00j")
        self.assertEqual(enc([1, -1])[:1], b"l")
        self.assertEqual(enc([1, "a"])[:1], b"l")
        # bools stay atoms even in int lists: never STRING_EXT with a bool
        self.assertEqual(enc([True, False]), b"l\x00\x00\x00\x02d\x00\x04trued\x00\x05falsej")
        self.assertEqual(enc([1, True]), b"l\x00\x00\x00\x02a\x01d\x00\x04truej")
        self.assertEqual(enc([0, 0, 1, 1, False]), b"l\x00\x00\x00\x05a\x00a\x00a\x01a\x01d\x00\x05falsej")
        self.assertEqual(decode(encode([0, 1, True, 2, False, 3])), [0, 1, True, 2, False, 3])
        many = [0, 1] * 40 + [True]
        self.assertEqual(decode(encode(many)), many)
        self.assertEqual(enc(ImproperList([1], Atom("t"))), b"l\x00\x00\x00\x01a\x01d\x00\x01t")
        self.assertEqual(enc({}), b"t\x00\x00\x00\x00")
        self.assertEqual(enc({Atom("a"): 1}), b"t\x00\x00\x00\x01d\x00\x01aa\x01")

    def test_str_key_cache(self):
        # Encoded str keys of proplists and maps are cached; the cache must
        # not change the bytes, and must stay bounded.
        from taipan import _etf_enc
        keys = ["k%d" % i for i in range(3000)] + ["ĉ🐍", "", "x" * 300]
        for k in keys:
            kb = k.encode()
            binary = b"m" + struct.pack(">I", len(kb)) + kb
            for _ in range(2):  # miss, then hit
                self.assertEqual(enc([(k, 1)]), b"l\x00\x00\x00\x01h\x02" + binary + b"a\x01j")
                self.assertEqual(enc({k: 1}), b"t\x00\x00\x00\x01" + binary + b"a\x01")
        self.assertLessEqual(len(_etf_enc._pair_keys), _etf_enc._KEY_CACHE_MAX)
        self.assertLessEqual(len(_etf_enc._map_keys), _etf_enc._KEY_CACHE_MAX)
        self.assertNotIn("x" * 300, _etf_enc._pair_keys)
        # str subclasses are not cached (and still encode as binaries)
        class S(str):
            pass
        self.assertEqual(decode(encode([(S("k1"), 1)])), [("k1", 1)])

    def test_opaque(self):
        self.assertEqual(enc(OpaqueObject(b"a\x05", "erlang")), b"a\x05")
        self.assertEqual(enc(OpaqueObject(b"xyz", "ruby")),
                         b"h\x03d\x00\x0f$erlport.opaqued\x00\x04rubym\x00\x00\x00\x03xyz")
        s = enc({1, 2})
        self.assertTrue(s.startswith(b"h\x03d\x00\x0f$erlport.opaqued\x00\x06pythonm"))
        self.assertEqual(pickle.loads(s[34:]), {1, 2})

    def test_compressed(self):
        x = "a" * 1000
        plain = encode(x)
        for level in (1, 6, 9, True):
            z = encode(x, compressed=level)
            self.assertEqual(z[:2], b"\x83P")
            self.assertEqual(struct.unpack(">I", z[2:6])[0], len(plain) - 1)
            self.assertEqual(zlib.decompress(z[6:]), plain[1:])
            self.assertEqual(decode(z), x)
        self.assertEqual(encode(1, compressed=9), encode(1))  # not smaller: plain
        with self.assertRaises(ValueError):
            encode(x, compressed=10)


class MappingTest(unittest.TestCase):
    """Round trips and the decode side of the type mapping."""

    def roundtrip(self, x):
        y = decode(encode(x))
        self.assertEqual(y, x)
        self.assertEqual(type(y), type(x) if type(x) is not list else List)
        return y

    def test_roundtrips(self):
        for x in [0, 1, 255, 256, -1, 2**31, -2**31 - 1, 2**63, -2**63, 2**64,
                  2**1000, -2**1000, 2**5000, 1.5, -0.0, 1e308, 5e-324,
                  "", "abc", "ĉ🐍", "x" * 100000, b"\xff", b"", True, False, None,
                  Atom("ok"), Atom("ĉ"), Atom("🐍" * 255), (), (1, "a", (2,)),
                  tuple(range(300)), [], [1, [2, [3]]], list(range(1000)),
                  [1000, 2000], ImproperList([1, 2], 3),
                  ImproperList([1], 4.5),
                  {}, {"a": 1, Atom("a"): 2, (1, 2): [3], 3: {4: 5}},
                  BitString(b"\xff\x80", 1), OpaqueObject(b"x", "ruby")]:
            with self.subTest(x=repr(x)[:60]):
                self.roundtrip(x)

    def test_float_lists(self):
        # the bulk path must give exactly the bytes of the per-element path
        for n in (7, 8, 63, 64, 65, 200):
            x = [i * 1.5 - 3.25 for i in range(n)]
            want = (b"l" + struct.pack(">I", n)
                    + b"".join(b"F" + struct.pack(">d", v) for v in x) + b"j")
            self.assertEqual(enc(x), want)
            self.roundtrip(x)
        for x in ([1.0] * 9 + [1], [1.0] * 9 + [True], [1.0] * 9 + [None], [1e308] * 10):
            y = decode(encode(x))
            self.assertEqual([(type(v), v) for v in y], [(type(v), v) for v in x])
        with self.assertRaises(EncodeError):
            encode([1.0] * 9 + [float("nan")])
        # a list of floats followed by a non-NIL tail is not a float run
        data = b"\x83l" + struct.pack(">I", 8) + (b"F" + struct.pack(">d", 2.0)) * 8 + b"a\x01"
        self.assertEqual(decode(data), ImproperList([2.0] * 8, 1))

    def test_binary_decoding(self):
        self.assertEqual(decode(b"\x83m\x00\x00\x00\x02\xc4\x89"), "ĉ")
        # invalid UTF-8 -> bytes
        self.assertEqual(decode(b"\x83m\x00\x00\x00\x02\xff\xfe"), b"\xff\xfe")
        self.assertEqual(decode(b"\x83M\x00\x00\x00\x01\x08a"), b"a")  # bytes, not str
        self.assertEqual(decode(b"\x83M\x00\x00\x00\x01\x03\xe0"), BitString(b"\xe0", 3))

    def test_atom_decoding(self):
        self.assertEqual(decode(b"\x83d\x00\x04true"), True)
        self.assertIs(decode(b"\x83w\x05false"), False)
        self.assertIs(decode(b"\x83s\x09undefined"), None)
        self.assertIs(decode(b"\x83v\x00\x02ok"), Atom("ok"))
        self.assertIs(decode(b"\x83d\x00\x01\xe9"), Atom("é"))
        self.assertIs(decode(b"\x83w\x02\xc4\x89"), Atom("ĉ"))
        self.assertIs(decode(b"\x83d\x00\x04none"), Atom("none"))

    def test_list_decoding(self):
        self.assertEqual(decode(b"\x83j"), [])
        self.assertIs(type(decode(b"\x83j")), List)
        s = decode(b"\x83k\x00\x03abc")
        self.assertEqual(s, [97, 98, 99])
        self.assertEqual(s.to_string(), "abc")
        # [1 | [2]] written as nested LIST_EXT reads as [1, 2]
        self.assertEqual(decode(b"\x83l\x00\x00\x00\x01a\x01l\x00\x00\x00\x01a\x02j"), [1, 2])
        self.assertEqual(decode(b"\x83l\x00\x00\x00\x01a\x01k\x00\x01\x02"), [1, 2])
        self.assertEqual(decode(b"\x83l\x00\x00\x00\x01a\x01l\x00\x00\x00\x01a\x02a\x03"),
                         ImproperList([1, 2], 3))
        self.assertEqual(decode(b"\x83l\x00\x00\x00\x01a\x01a\x02"), ImproperList([1], 2))

    def test_old_float(self):
        text = b"1.50000000000000000000e+00"
        data = b"\x83c" + text + b"\x00" * (31 - len(text))
        self.assertEqual(decode(data), 1.5)

    def test_subclasses(self):
        class Color(enum.IntEnum):
            RED = 1
        Point = collections.namedtuple("Point", "x y")

        class S(str):
            pass
        self.assertEqual(enc(Color.RED), enc(1))
        self.assertEqual(enc([Color.RED, 300]), enc([1, 300]))
        self.assertEqual(enc(Point(1, 2)), enc((1, 2)))
        self.assertEqual(enc(collections.OrderedDict(a=1)), enc({"a": 1}))
        self.assertEqual(enc(S("x")), enc("x"))

    def test_str_bytes_key_clash(self):
        with self.assertRaises(EncodeError):
            encode({"a": 1, b"a": 2})
        encode({"a": 1, b"\xff": 2})

    def test_unpicklable(self):
        with self.assertRaises(EncodeError):
            encode(lambda: 1)

    def test_cycles(self):
        a = []
        a.append(a)
        with self.assertRaises(EncodeError):
            encode(a)

    def test_opaque_decoding(self):
        self.assertEqual(decode(encode({1, 2})), {1, 2})
        kept = decode(encode({1, 2}), unpickle=False)
        self.assertEqual(type(kept), OpaqueObject)
        self.assertIs(kept.language, Atom("python"))
        self.assertEqual(pickle.loads(kept.data), {1, 2})
        # an erlang opaque as ErlPort's Erlang side sends it; re-encodes raw
        inner = enc({Atom("a"): 1})
        wire = encode((Atom("$erlport.opaque"), Atom("erlang"), inner))
        o = decode(wire)
        self.assertEqual(o, OpaqueObject(inner, "erlang"))
        self.assertEqual(enc(o), inner)
        # a 3-tuple with the marker but not an opaque shape stays a tuple
        t = (Atom("$erlport.opaque"), 1, 2)
        self.assertEqual(decode(encode(t)), t)


class IdentifierTest(unittest.TestCase):
    NODE = b"d\x00\x0dnonode@nohost"

    def check(self, raw, cls):
        term = decode(b"\x83" + raw)
        self.assertIs(type(term), cls)
        self.assertEqual(enc(term), raw)
        self.assertEqual(pickle.loads(pickle.dumps(term)), term)
        return term

    def test_pids(self):
        p = self.check(b"X" + self.NODE + b"\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x02", Pid)
        self.assertEqual((p.node, p.id, p.serial, p.creation), (Atom("nonode@nohost"), 9, 0, 2))
        self.check(b"g" + self.NODE + b"\x00\x00\x00\x09\x00\x00\x00\x00\x01", Pid)
        self.check(b"gw\x03a@b" + b"\x00\x00\x00\x09\x00\x00\x00\x00\x01", Pid)

    def test_ports_refs(self):
        self.check(b"Y" + self.NODE + b"\x00\x00\x00\x01\x00\x00\x00\x00", Port)
        self.check(b"f" + self.NODE + b"\x00\x00\x00\x01\x00", Port)
        self.check(b"x" + self.NODE + b"\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", Port)
        r = self.check(b"Z\x00\x03" + self.NODE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x01" * 3, Reference)
        self.assertEqual(r.ids, (1, 1, 1))
        self.check(b"r\x00\x01" + self.NODE + b"\x00\x00\x00\x00\x07", Reference)
        self.check(b"e" + self.NODE + b"\x00\x00\x00\x07\x00", Reference)

    def test_funs(self):
        e = self.check(b"qd\x00\x06erlangd\x00\x03absa\x01", Export)
        self.assertEqual((e.module, e.function, e.arity), (Atom("erlang"), Atom("abs"), 1))
        pid = b"X" + self.NODE + b"\x00" * 12
        body = (b"\x01" + b"U" * 16 + b"\x00\x00\x00\x05" + b"\x00\x00\x00\x01"
                + b"d\x00\x01m" + b"a\x05" + b"b\x00\x00\x00\x07" + pid + b"a\x2a")
        raw = b"p" + struct.pack(">I", len(body) + 4) + body
        f = self.check(raw, Fun)
        self.assertEqual((f.module, f.arity, f.index, f.num_free), (Atom("m"), 1, 5, 1))


class HookTest(unittest.TestCase):
    def test_encode_hook(self):
        class P:
            def __init__(self, x):
                self.x = x
        seen = []

        def hook(v):
            seen.append(type(v).__name__)
            return {"p": v.x} if isinstance(v, P) else v
        self.assertEqual(decode(encode([P(P(1))], hook=hook)), [{"p": {"p": 1}}])
        self.assertEqual(seen, ["P", "P"])
        # returning the value itself falls back to pickle
        self.assertEqual(decode(encode({1}, hook=lambda v: v)), {1})

    def test_decode_hook(self):
        def hook(v):
            if type(v) is tuple and len(v) == 2 and v[0] is Atom("point"):
                return complex(*v[1])
            return v
        term = [(Atom("point"), (1.0, 2.0)), {"k": (Atom("point"), (0.0, 1.0))}]
        self.assertEqual(decode(encode(term), hook=hook), [1 + 2j, {"k": 1j}])
        order = []
        decode(encode((1, [2])), hook=lambda v: order.append(v) or v)
        self.assertEqual(order, [1, 2, [2], (1, [2])])


class DecodeFromTest(unittest.TestCase):
    def test_many_frames_one_buffer(self):
        terms = [1, "two", (3,), [4.0], {5: 6}, None, "x" * 5000]
        buf = b"".join(encode(t, compressed=6) for t in terms)
        pos, out = 0, []
        while pos < len(buf):
            t, pos = decode_from(buf, pos)
            out.append(t)
        self.assertEqual(out, terms)
        self.assertEqual(pos, len(buf))

    def test_buffer_types(self):
        data = b"junk" + encode((1, "a"))
        for buf in (data, bytearray(data), memoryview(data)):
            self.assertEqual(decode_from(buf, 4), ((1, "a"), len(data)))
        self.assertEqual(decode(bytearray(encode("x"))), "x")
        self.assertEqual(decode(memoryview(encode("x"))), "x")

    def test_trailing(self):
        with self.assertRaises(DecodeError):
            decode(encode(1) + b"\x00")

    def test_encode_into(self):
        out = bytearray(b"\x00\x00\x00\x00")
        etf.encode_into(out, ("r", 1))
        self.assertEqual(bytes(out[4:]), encode(("r", 1)))
        before = bytes(out)
        with self.assertRaises(EncodeError):
            etf.encode_into(out, [float("nan")])
        self.assertEqual(bytes(out), before)  # nothing half-written


if __name__ == "__main__":
    unittest.main()
