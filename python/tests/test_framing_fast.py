"""The hand-written frames of the hot paths equal what the general codec
makes (host calls out, replies in), and anything else still goes through
the general codec."""

from __future__ import annotations

import os
import unittest

from taipan.framing import FrameReader, FrameWriter
from taipan.terms import Atom

A = Atom


class HostCallFrameTest(unittest.TestCase):
    def setUp(self) -> None:
        self.fd = os.open(os.devnull, os.O_WRONLY)
        self.w = FrameWriter(self.fd)

    def tearDown(self) -> None:
        os.close(self.fd)

    def test_same_bytes_as_the_codec(self) -> None:
        names = [("", "ident", A("N")), ("mod", "fn☃", A("other")), (A("m"), b"f", 7)]
        argss = [[], [1], ["x", 2.5, None, {"k": [1, 2]}], [(1, 2), b"\x00" * 300]]
        for id in (0, 5, 255, 256, 70000, 2 ** 31 - 1, 2 ** 40):
            for mod, fn, ctx in names:
                for args in argss:
                    with self.subTest(id=id, mod=mod, fn=fn, args=args):
                        self.assertEqual(self.w.host_call(id, mod, fn, args, ctx),
                                         self.w.frame((A("C"), id, mod, fn, args, ctx)))

    def test_too_big(self) -> None:
        self.w.max_frame = 100
        with self.assertRaises(ValueError):
            self.w.host_call(1, "", "f", [b"x" * 200], A("N"))


class ReplyParseTest(unittest.TestCase):
    def parse(self, term):
        w = FrameWriter(-1)
        r = FrameReader(-1)
        r._buf = bytes(w.frame(term))
        r._pos = 0
        return r._parse()

    def test_replies(self) -> None:
        cases = [
            (A("r"), 5, 1),
            (A("r"), 70000, [1, "x", None]),
            (A("r"), 2 ** 40, 1),  # a big id: the general decoder
            (A("e"), 7, (A("go"), "boom")),
            (A("r"), 5, A("ok")),
            (A("r"), 5, {"k": (1.5, b"\x00")}),
        ]
        for term in cases:
            with self.subTest(term=term):
                got = self.parse(term)
                self.assertEqual(got, [term])
                self.assertIs(type(got[0][0]), Atom)
                self.assertIs(got[0][0], term[0])

    def test_other_shapes_untouched(self) -> None:
        for term in [(A("r"), 5), (A("r"), 5, 1, 2), (A("x"), 5, 1), (A("r"), "id", 1)]:
            with self.subTest(term=term):
                self.assertEqual(self.parse(term), [term])


if __name__ == "__main__":
    unittest.main()
