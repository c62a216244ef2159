"""Streaming calls: credit, cancel, async generators, errors."""

import os
import sys
import tempfile
import unittest

from taipan.terms import Atom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import Worker  # noqa: E402

A = Atom
r, e, s, S, G, X, C = (A(c) for c in "resSGXC")


class StreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = Worker()

    @classmethod
    def tearDownClass(cls):
        cls.w.kill()

    def test_credit_100k(self):
        w = self.w
        n = 100000
        credit = 64
        w.send((S, 1, A("wfix"), A("count"), [n], {}, credit))
        # the worker stops when the credit is spent
        first = [w.recv_nolog() for _ in range(credit)]
        self.assertEqual(first, [(s, 1, i) for i in range(credit)])
        self.assertIsNone(w.poll(0.1))
        got = credit
        outstanding = 0
        expect = credit
        w.send((G, 1, 32))
        outstanding = 32
        while True:
            t = w.recv_nolog()
            if t[0] == r:
                self.assertEqual(t, (r, 1, None))
                break
            self.assertEqual(t, (s, 1, expect))
            expect += 1
            got += 1
            outstanding -= 1
            self.assertGreaterEqual(outstanding, 0)
            if outstanding <= 16:
                w.send((G, 1, 32))
                outstanding += 32
        self.assertEqual(got, n)

    def test_cancel_closes_generator(self):
        w = self.w
        marker = os.path.join(tempfile.mkdtemp(), "closed")
        w.send((S, 2, A("wfix"), A("count"), [1000], {"marker": marker}, 10))
        got = 0
        while got < 500:
            t = w.recv_nolog()
            self.assertEqual(t, (s, 2, got))
            got += 1
            if got % 10 == 0 and got < 500:
                w.send((G, 2, 10))
        w.send((X, 2))
        t = w.recv_nolog()
        self.assertEqual((t[0], t[1], t[2][1]), (e, 2, "taipan.Cancelled"))
        with open(marker) as f:
            self.assertEqual(f.read(), "closed")
        self.assertEqual(w.call("operator", "add", [1, 2]), (r, 1, 3))

    def test_async_generator(self):
        w = self.w
        w.send((S, 3, A("wfix"), A("acount"), [5], {}, 100))
        got = [w.recv_nolog() for _ in range(6)]
        self.assertEqual(got, [(s, 3, i) for i in range(5)] + [(r, 3, None)])

    def test_plain_iterable(self):
        w = self.w
        w.send((S, 4, A("builtins"), A("range"), [3], {}, 10))
        got = [w.recv_nolog() for _ in range(4)]
        self.assertEqual(got, [(s, 4, 0), (s, 4, 1), (s, 4, 2), (r, 4, None)])

    def test_errors(self):
        w = self.w
        w.send((S, 5, A("wfix"), A("not_iterable"), [], {}, 10))
        t = w.recv_nolog()
        self.assertEqual((t[0], t[1], t[2][1]), (e, 5, "builtins.TypeError"))
        w.send((S, 6, A("wfix"), A("gen_fail"), [], {}, 10))
        self.assertEqual(w.recv_nolog(), (s, 6, 1))
        t = w.recv_nolog()
        self.assertEqual((t[0], t[1], t[2][1]), (e, 6, "builtins.KeyError"))

    def test_calls_run_while_waiting_for_credit(self):
        w = self.w
        w.send((S, 7, A("wfix"), A("count"), [3], {}, 1))
        self.assertEqual(w.recv_nolog(), (s, 7, 0))
        w.send((C, 8, A("operator"), A("add"), [1, 1]))
        self.assertEqual(w.recv_nolog(), (r, 8, 2))
        w.send((G, 7, 5))
        got = [w.recv_nolog() for _ in range(3)]
        self.assertEqual(got, [(s, 7, 1), (s, 7, 2), (r, 7, None)])

    def test_zero_credit(self):
        w = self.w
        w.send((S, 9, A("wfix"), A("count"), [2], {}, 0))
        self.assertIsNone(w.poll(0.05))
        w.send((G, 9, 2))
        got = [w.recv_nolog() for _ in range(2)]
        self.assertEqual(got, [(s, 9, 0), (s, 9, 1)])
        # the end is found when the worker asks for the next item: that
        # needs a credit too (nothing is computed ahead of credit)
        self.assertIsNone(w.poll(0.05))
        w.send((G, 9, 1))
        self.assertEqual(w.recv_nolog(), (r, 9, None))


if __name__ == "__main__":
    unittest.main()
