"""Malformed and hostile input: decode must raise DecodeError, quickly and
without large allocations, and nothing else (no IndexError, struct.error,
RecursionError, MemoryError...)."""

import itertools
import os
import random
import resource
import struct
import subprocess
import sys
import time
import unittest
import zlib

from taipan import etf
from taipan.etf import DecodeError, LimitError, decode, decode_from, encode
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

    def test_list_tail_chain_depth(self):
        # [1 | [1 | ... []]]: each tail that is a list is a level, as in the
        # Go decoder (erlterm.DefaultMaxDepth, same number): 1000 links
        # decode, 1001 and a million are refused, naming max_depth.
        link = b"l\x00\x00\x00\x01a\x01"
        self.assertEqual(decode(b"\x83" + link * 1000 + b"j"), [1] * 1000)
        self.assertEqual(decode(b"\x83" + link * 1000 + b"a\x02"),
                         ImproperList([1] * 1000, 2))
        for n, end in ((1001, b"j"), (1001, b"a\x02"), (1000000, b"j")):
            with self.subTest(links=n, end=end):
                e = self.bad(b"\x83" + link * n + end, "max_depth")
                self.assertIsInstance(e, LimitError)
                self.assertEqual(e.limit, "max_depth")
                self.assertEqual(e.offset, 1 + 1000 * len(link))

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


_P61 = (1 << 61) - 1  # Python's int hash is the value modulo this


def _zeros_bomb(n, declared):
    """A compressed term (a binary of n - 5 zero bytes) declaring
    ``declared`` bytes, built without holding the n bytes."""
    z = zlib.compressobj(9)
    parts = [z.compress(b"m" + u32(n - 5))]
    chunk = bytes(1 << 20)
    left = n - 5
    while left:
        k = min(left, len(chunk))
        parts.append(z.compress(chunk[:k]))
        left -= k
    parts.append(z.flush())
    return b"\x83P" + u32(declared) + b"".join(parts)


def _map_of(keys):
    """The ETF of a map of keys to 0, built without a dict (building one of
    colliding keys is the quadratic work under test)."""
    return b"\x83t" + u32(len(keys)) + b"".join(encode(k)[1:] + b"a\x00" for k in keys)


class MapCollisionTest(unittest.TestCase):
    """Map keys that share one hash make a dict quadratic to build: 20k big
    integers i * (2**61 - 1) took 4 s, and 15-tuples of -1 and -2 (hash(-1)
    == hash(-2)) 10 s.  Past max_key_collisions keys of one hash the map is
    refused."""

    def refused(self, keys, **kw):
        data = _map_of(keys)
        with self.assertRaises(LimitError) as cm:
            decode(data, **kw)
        self.assertEqual(cm.exception.limit, "max_key_collisions")
        self.assertIn("max_key_collisions=", str(cm.exception))
        return cm.exception

    def test_colliding_big_integers(self):
        keys = [i * _P61 for i in range(1, 20001)]
        self.assertEqual(len({hash(k) for k in keys}), 1)
        self.refused(keys)

    def test_colliding_tuples_of_small_integers(self):
        keys = list(itertools.islice(itertools.product((-1, -2), repeat=15), 20000))
        self.assertEqual(len({hash(k) for k in keys}), 1)
        self.refused(keys)

    def test_colliding_floats_and_nested(self):
        self.refused([(i * _P61, "x") for i in range(1, 200)])
        self.refused([(1.5, (i * _P61,)) for i in range(1, 200)])

    def test_limit_is_an_option(self):
        keys = [i * _P61 for i in range(1, 201)]
        data = _map_of(keys)
        self.assertEqual(len(decode(data, max_key_collisions=200)), 200)
        self.refused(keys, max_key_collisions=199)
        e = self.refused(keys[:etf.DEFAULT_MAX_KEY_COLLISIONS + 1])
        self.assertEqual(e.max, etf.DEFAULT_MAX_KEY_COLLISIONS)
        self.assertEqual(len(decode(_map_of(keys[:64]))), 64)
        with self.assertRaises(ValueError):
            decode(data, max_key_collisions=0)
        # decode_from takes it too
        with self.assertRaises(LimitError):
            decode_from(data, 0, max_key_collisions=10)

    def test_keys_that_cannot_collide_are_not_limited(self):
        # Big maps of the usual keys, and of big integers that do not share
        # a hash, decode as before.
        for d in ({"k%d" % i: i for i in range(20000)},
                  {Atom("a%d" % i): i for i in range(5000)},
                  {i: i for i in range(-10000, 10000)},
                  {(i, "x"): i for i in range(20000)},
                  {(1 << 64) + i: i for i in range(20000)},
                  {i + 0.5: i for i in range(20000)}):
            self.assertEqual(decode(encode(d)), d)


_RSS_CHILD = r"""
import sys, zlib
sys.path.insert(0, sys.argv[1])
from taipan import etf
from tests.test_safety import _zeros_bomb
n, declared, limit = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
data = _zeros_bomb(n, declared)
def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) << 10
    return 0
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak restarts from the current RSS
except OSError:
    pass
before = hwm()
kw = {"max_uncompressed": limit} if limit else {}
try:
    v = etf.decode(data, **kw)
    result = "ok"
except etf.LimitError as e:
    result = "limit %s %s" % (e.limit, e)
except etf.DecodeError as e:
    result = "invalid %s" % e
print("before", before)
print("growth", hwm() - before)
print("result", result)
"""


class InflateMemoryTest(unittest.TestCase):
    """Compressed terms cost at most their declared size, within the
    max_uncompressed budget, whatever their stream holds: peak RSS growth
    measured in a fresh interpreter."""

    def measure(self, n, declared, limit=0):
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run([sys.executable, "-c", _RSS_CHILD, here, str(n),
                              str(declared), str(limit)],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = dict(line.split(" ", 1) for line in out.stdout.splitlines())
        self.assertGreater(int(got["before"]), 0, "no VmHWM in /proc/self/status")
        return int(got["growth"]), got["result"]

    @unittest.skipUnless(os.path.exists("/proc/self/status"), "peak RSS from /proc (Linux)")
    def test_peak_rss(self):
        budget = etf.DEFAULT_MAX_UNCOMPRESSED
        self.assertEqual(budget, 16 << 20)
        for name, n, declared, limit, ok, bound in (
            # The 100 KB zero-byte bomb that inflates to 100 MB, declaring
            # it: refused on its declared size, nothing inflated (it was
            # inflated in full, +205 MB, under the old 256 MiB default).
            ("100 MB bomb", 100 << 20, 100 << 20, 0, "limit max_uncompressed", 4 << 20),
            # The 61 KB term of a 60 MB binary, likewise.
            ("60 MB term", 60 << 20, 60 << 20, 0, "limit max_uncompressed", 4 << 20),
            # Declaring the budget while the stream holds 60 MB: inflated
            # to the budget, refused at the byte after.
            ("60 MB declaring 16 MiB", 60 << 20, budget, 0, "invalid", 2 * budget),
            # Within a budget that admits it: decoded, which costs the
            # inflated bytes, the binary sliced from them and its str.
            ("60 MB in a 64 MiB budget", 60 << 20, 60 << 20, 64 << 20, "ok", 4 * (60 << 20)),
        ):
            with self.subTest(name):
                growth, result = self.measure(n, declared, limit)
                self.assertTrue(result.startswith(ok), result)
                self.assertLess(growth, bound, "%s: peak grew %d MiB" % (name, growth >> 20))


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
    # The amplification cases, in forms that decode: a compressed binary of
    # 256 KiB zeros (3 KB of input: mutations change its declared size and
    # stream), a chain of 1000 list tails, and a map of 64 colliding keys.
    corpus.append(_zeros_bomb(256 << 10, 256 << 10))
    corpus.append(b"\x83" + b"l\x00\x00\x00\x01a\x01" * 1000 + b"j")
    corpus.append(_map_of([i * _P61 for i in range(1, 65)]))
    with open("/work/shared/bench/reference_term.etf", "rb") as f:
        corpus.append(f.read())
    return corpus


def _hostile():
    """The amplification cases themselves, each refused with LimitError."""
    return [
        _zeros_bomb(1 << 20, etf.DEFAULT_MAX_UNCOMPRESSED + 1),
        b"\x83" + b"l\x00\x00\x00\x01a\x01" * 1001 + b"j",
        _map_of([i * _P61 for i in range(1, 66)]),
    ]


class FuzzTest(unittest.TestCase):
    """Seeded mutation fuzzing for a bounded time: only DecodeError may
    come out (unpickle=False: mutated pickles must not run).  2 s with a
    fixed seed in the test command; .ci/run fuzzes longer with a new seed
    (TAIPAN_PYFUZZ_SECONDS, TAIPAN_PYFUZZ_SEED: a failure names its seed)."""

    SECONDS = float(os.environ.get("TAIPAN_PYFUZZ_SECONDS", "2"))
    SEED = int(os.environ.get("TAIPAN_PYFUZZ_SEED", "20261123"))

    def test_fuzz(self):
        rng = random.Random(self.SEED)
        corpus = _corpus()
        for data in corpus:
            decode(data, unpickle=False)  # the corpus itself is valid
        for data in _hostile():
            with self.assertRaises(LimitError):
                decode(data, unpickle=False)
        corpus += _hostile()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
        slowest = 0.0
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
            t0 = time.perf_counter()
            try:
                decode(bytes(data), unpickle=False)
            except DecodeError:
                pass
            except Exception as exc:  # pragma: no cover - a failure report
                self.fail("seed %d: decode(%r) raised %s: %s"
                          % (self.SEED, bytes(data)[:200], type(exc).__name__, exc))
            slowest = max(slowest, time.perf_counter() - t0)
            try:
                decode_from(bytes(data), 0, unpickle=False)
            except DecodeError:
                pass
        self.assertGreater(runs, 1000)
        # No mutation hangs or balloons: the slowest decode is far from a
        # hang, and the process's peak RSS grows by less than twice the
        # inflation budget (a mutated bomb inflates to its declared size).
        self.assertLess(slowest, 2.0)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10) - peak
        self.assertLess(grown, 2 * etf.DEFAULT_MAX_UNCOMPRESSED)


if __name__ == "__main__":
    unittest.main()
