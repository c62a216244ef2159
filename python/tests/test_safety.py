"""Malformed and hostile input: decode must raise DecodeError, quickly and
without large allocations, and nothing else (no IndexError, struct.error,
RecursionError, MemoryError...)."""

import random
import struct
import sys
import time
import unittest
import zlib

from taipan import etf
from taipan.etf import DecodeError, decode, decode_from, encode
from taipan.terms import Atom, BitString, ImproperList, OpaqueObject


def u32(n):
    return struct.pack(">I", n)


class MalformedTest(unittest.TestCase):
    def bad(self, data, fragment=None, **kw):
        with self.assertRaises(DecodeError) as cm:
            decode(data, **kw)
        if fragment is not None:
            self.assertIn(fragment, str(cm.exception))
        return cm.exception

    def test_framing(self):
        self.bad(b"", "offset 0")
        self.bad(b"\x83")
        self.bad(b"\x84a\x01", "version byte")
        self.bad(b"\x83\xff", "unknown tag 255")
        self.bad(b"\x83a", "end of data")
        self.bad(b"\x83a\x01\x00", "trailing")
        with self.assertRaises(TypeError):
            decode("not bytes")

    def test_rejected_tags(self):
        self.bad(b"\x83R\x00", "ATOM_CACHE_REF")
        self.bad(b"\x83y" + b"\x00" * 20, "LOCAL_EXT")
        self.bad(b"\x83u" + b"\x00" * 20, "FUN_EXT")
        self.bad(b"\x83h\x01P\x00\x00\x00\x01", "compressed term inside")

    def test_offsets_in_messages(self):
        e = self.bad(b"\x83h\x02a\x01R\x00")
        self.assertEqual(e.offset, 5)
        self.assertIn("at offset 5", str(e))

    def test_huge_declared_lengths_fail_fast(self):
        start = time.perf_counter()
        for data in [
            b"\x83l" + u32(0xFFFFFFFF) + b"a\x01j",       # list
            b"\x83i" + u32(0xFFFFFFFF) + b"a\x01",        # tuple
            b"\x83t" + u32(0xFFFFFFFF) + b"a\x01a\x02",   # map
            b"\x83m" + u32(0xFFFFFFFF) + b"abc",          # binary
            b"\x83M" + u32(0xFFFFFFFF) + b"\x08abc",      # bitstring
            b"\x83k\xff\xffabc",                          # string
            b"\x83o" + u32(0xFFFFFFFF) + b"\x00abc",      # bignum
            b"\x83n\xff\x00abc",
            b"\x83d\xff\xffabc",                          # atoms
            b"\x83v\xff\xffabc",
            b"\x83w\xffabc",
            b"\x83h\x02m" + u32(0xFFFFFFF0) + b"ab",      # inside containers
            b"\x83l" + u32(2) + b"d\xff\xffabc",
            b"\x83t" + u32(1) + b"m" + u32(99) + b"a",
            b"\x83Z\xff\xffd\x00\x01a" + b"\x00" * 8,     # reference ids
            b"\x83p" + u32(0xFFFFFFFF) + b"\x00" * 40,    # fun size
        ]:
            with self.subTest(data=data[:8]):
                self.bad(data)
        self.assertLess(time.perf_counter() - start, 0.5)

    def test_bad_values(self):
        self.bad(b"\x83M\x00\x00\x00\x01\x00a", "bits")      # 0 bits, 1 byte
        self.bad(b"\x83M\x00\x00\x00\x01\x09a", "bits")      # 9 bits
        self.bad(b"\x83M\x00\x00\x00\x00\x08", "bits")       # empty with 8 bits
        self.bad(b"\x83w\x02\xff\xfe", "UTF-8")
        self.bad(b"\x83d\x01\x00" + b"a" * 256, "255")
        self.bad(b"\x83c" + b"x" * 31, "FLOAT_EXT")
        self.bad(b"\x83t" + u32(2) + b"a\x01a\x02a\x01a\x03", "duplicate")
        self.bad(b"\x83t" + u32(2) + b"a\x01a\x02F" + struct.pack(">d", 1.0) + b"a\x03",
                 "duplicate")  # 1 and 1.0: distinct in Erlang, one key in Python
        self.bad(b"\x83t" + u32(1) + b"ja\x01", "hash")
        self.bad(b"\x83Xa\x01" + b"\x00" * 12, "expected an atom")
        self.bad(b"\x83qd\x00\x01md\x00\x01fb\x00\x00\x00\x01", "arity")
        # an opaque python object that does not unpickle
        self.bad(encode((Atom("$erlport.opaque"), Atom("python"), b"\xff\xff")), "unpickle")
        # ... unless asked not to unpickle
        o = decode(encode((Atom("$erlport.opaque"), Atom("python"), b"\xff\xff")), unpickle=False)
        self.assertEqual(o, OpaqueObject(b"\xff\xff", "python"))

    def test_fun_size_must_match(self):
        node = b"d\x00\x01n"
        pid = b"X" + node + b"\x00" * 12
        body = (b"\x01" + b"U" * 16 + u32(5) + u32(0) + b"d\x00\x01m" + b"a\x05"
                + b"a\x07" + pid)
        good = b"\x83p" + u32(len(body) + 4) + body
        decode(good)
        self.bad(b"\x83p" + u32(len(body) + 5) + body + b"j", "size")
        self.bad(b"\x83p" + u32(len(body) + 3) + body, "size")

    def test_depth_limit(self):
        nested = b"\x83" + b"l\x00\x00\x00\x01" * 50 + b"j" * 51
        expected = []
        for _ in range(50):
            expected = [expected]
        self.assertEqual(decode(nested, max_depth=50), expected)
        self.bad(nested, "max_depth", max_depth=49)
        for opener in (b"h\x01", b"l\x00\x00\x00\x01", b"t\x00\x00\x00\x01a\x01",
                       b"h\x02a\x01"):
            data = b"\x83" + opener * 200000
            with self.subTest(opener=opener):
                self.bad(data, "max_depth")
        # the default (1000) works whatever the interpreter's recursion limit
        deep = b"\x83" + b"l\x00\x00\x00\x01" * 1000 + b"j" * 1001
        old = sys.getrecursionlimit()
        try:
            sys.setrecursionlimit(200)
            etf._recursion_ok = 0
            decode(deep)
        finally:
            sys.setrecursionlimit(max(old, sys.getrecursionlimit()))
        self.bad(b"\x83" + b"l\x00\x00\x00\x01" * 1001 + b"j" * 1002, "max_depth")

    def test_depth_applies_to_encode_cycles(self):
        x = {}
        x["self"] = x
        with self.assertRaises(etf.EncodeError):
            encode(x)


class CompressionSafetyTest(unittest.TestCase):
    def compressed(self, raw, declared=None, level=6):
        declared = len(raw) if declared is None else declared
        return b"\x83P" + u32(declared) + zlib.compress(raw, level)

    def test_good(self):
        raw = encode(["x" * 300, 1])[1:]
        self.assertEqual(decode(self.compressed(raw)), ["x" * 300, 1])

    def test_declared_size_mismatch(self):
        raw = encode("y" * 1000)[1:]
        for declared in (len(raw) - 1, len(raw) + 1, 1, 0):
            with self.subTest(declared=declared):
                with self.assertRaises(DecodeError):
                    decode(self.compressed(raw, declared))

    def test_bomb_is_bounded(self):
        # ~100 KB of zlib that inflates to 100 MB; declares 1 MB
        bomb = zlib.compress(b"\x00" * (100 << 20), 9)
        data = b"\x83P" + u32(1 << 20) + bomb
        start = time.perf_counter()
        with self.assertRaises(DecodeError):
            decode(data)
        self.assertLess(time.perf_counter() - start, 1.0)
        # declaring the full size hits max_uncompressed instead
        data = b"\x83P" + u32(100 << 20) + bomb
        with self.assertRaises(DecodeError) as cm:
            decode(data, max_uncompressed=10 << 20)
        self.assertIn("max_uncompressed", str(cm.exception))

    def test_garbage_and_truncation(self):
        raw = encode("z" * 1000)[1:]
        good = self.compressed(raw)
        for data in (good[:-3], good[:8], b"\x83P" + u32(10) + b"garbage!!",
                     b"\x83P\x00\x00"):
            with self.subTest(data=data[:10]):
                with self.assertRaises(DecodeError):
                    decode(data)
        # valid zlib of a truncated term
        with self.assertRaises(DecodeError):
            decode(self.compressed(raw[:-10]))
        # valid zlib of a term followed by junk
        with self.assertRaises(DecodeError):
            decode(self.compressed(raw + b"j"))

    def test_decode_from_after_compressed(self):
        buf = encode("q" * 500, compressed=9) + encode(7)
        t, end = decode_from(buf, 0)
        self.assertEqual(t, "q" * 500)
        self.assertEqual(decode_from(buf, end), (7, len(buf)))


def _corpus():
    """Valid encodings covering every tag the decoder knows."""
    node = b"d\x00\x0dnonode@nohost"
    pid = b"X" + node + b"\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x02"
    fun_body = (b"\x01" + b"U" * 16 + u32(5) + u32(1) + b"d\x00\x01m" + b"a\x05"
                + b"b\x00\x00\x00\x07" + pid + b"a\x2a")
    raw_terms = [
        pid,
        b"g" + node + b"\x00\x00\x00\x09\x00\x00\x00\x00\x01",
        b"Y" + node + b"\x00\x00\x00\x01\x00\x00\x00\x00",
        b"f" + node + b"\x00\x00\x00\x01\x00",
        b"x" + node + b"\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00",
        b"Z\x00\x03" + node + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x01" * 3,
        b"r\x00\x01" + node + b"\x00\x00\x00\x00\x07",
        b"e" + node + b"\x00\x00\x00\x07\x00",
        b"qd\x00\x06erlangd\x00\x03absa\x01",
        b"p" + u32(len(fun_body) + 4) + fun_body,
        b"c1.50000000000000000000e+00" + b"\x00" * 5,
        b"s\x02ok", b"w\x02\xc4\x89", b"v\x00\x02ok", b"k\x00\x03abc",
    ]
    corpus = [b"\x83" + r for r in raw_terms]
    values = [
        0, 255, 256, -1, 2**40, -2**70, 2**3000, 1.5, "", "abc", "ĉ🐍", b"\xff\x00",
        b"", BitString(b"\xe0", 3), True, None, Atom("ok"), Atom("ĉ"), (), (1, 2),
        (1, "a", (2.5, [3])), [], [1, 2, 3], list(range(300)),
        list(range(100)), [i * 0.5 for i in range(20)], ["a", Atom("b"), 1.0],
        ImproperList([1, 2], Atom("t")), {}, {"a": 1, Atom("b"): [2], (1,): {3: 4}},
        [("key%d" % i, i) for i in range(20)], {"k%d" % i: i for i in range(40)},
        OpaqueObject(b"x", "ruby"), {1, 2},
    ]
    corpus += [encode(v) for v in values]
    corpus += [encode(v, compressed=6) for v in (["x" * 200] * 3, {"k": "v" * 300})]
    with open("/work/shared/bench/reference_term.etf", "rb") as f:
        corpus.append(f.read())
    return corpus


class FuzzTest(unittest.TestCase):
    """Seeded mutation fuzzing for a bounded time: only DecodeError may
    come out (unpickle=False: mutated pickles must not run)."""

    SECONDS = 2.0

    def test_fuzz(self):
        rng = random.Random(20261123)
        corpus = _corpus()
        for data in corpus:
            decode(data, unpickle=False)  # the corpus itself is valid
        deadline = time.perf_counter() + self.SECONDS
        runs = 0
        interesting = [0, 1, 2, 0x7F, 0x80, 0xFF, 106, 97, 104, 108, 109, 116, 80, 131]
        while time.perf_counter() < deadline:
            data = bytearray(rng.choice(corpus))
            for _ in range(rng.randint(1, 4)):
                op = rng.random()
                i = rng.randrange(len(data))
                if op < 0.4:
                    data[i] = rng.randrange(256)
                elif op < 0.6:
                    data[i] = rng.choice(interesting)
                elif op < 0.75:
                    del data[i:i + rng.randint(1, 8)]
                elif op < 0.85:
                    data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
                elif op < 0.95 and len(data) > 5:
                    data[i:i + 4] = b"\xff\xff\xff\xff"
                else:
                    data = data[:i]
                if not data:
                    data = bytearray(b"\x83")
            if rng.random() < 0.02:
                data = bytearray(rng.randrange(256) for _ in range(rng.randint(0, 40)))
            runs += 1
            try:
                decode(bytes(data), unpickle=False)
            except DecodeError:
                pass
            except Exception as exc:  # pragma: no cover - a failure report
                self.fail("decode(%r) raised %s: %s" % (bytes(data), type(exc).__name__, exc))
            try:
                decode_from(bytes(data), 0, unpickle=False)
            except DecodeError:
                pass
        self.assertGreater(runs, 1000)


if __name__ == "__main__":
    unittest.main()
