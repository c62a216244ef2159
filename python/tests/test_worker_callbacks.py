"""Worker -> host calls: from the main thread, from threads, from asyncio,
re-entrant recursion, timeouts and end of input."""

import os
import sys
import time
import unittest

from taipan.terms import Atom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import Worker  # noqa: E402

A = Atom
r, e, C = A("r"), A("e"), A("C")


def serve(w, final_id, answer):
    """Answer host calls with answer(name, args) until the reply to
    final_id arrives; return it."""
    while True:
        t = w.recv_nolog()
        if t[0] == C:
            w.send((r, t[1], answer(t[3], t[4])))
        elif t[1] == final_id:
            return t
        else:
            raise AssertionError("unexpected %r" % (t,))


class CallbackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = Worker()

    @classmethod
    def tearDownClass(cls):
        cls.w.kill()

    def test_main_thread(self):
        self.w.send((C, 1, A("wfix"), A("callback"), ["double", 21]))
        t = self.w.recv_nolog()
        self.assertEqual((t[0], t[2], t[3], t[4], t[5]), (C, "", "double", [21], A("N")))
        self.w.send((r, t[1], 42))
        self.assertEqual(self.w.recv_nolog(), (r, 1, 42))

    def test_host_error(self):
        self.w.send((C, 1, A("wfix"), A("callback"), ["fails"]))
        t = self.w.recv_nolog()
        self.w.send((e, t[1], (A("go"), "it broke")))
        tag, id, err = self.w.recv_nolog()
        self.assertEqual((tag, id, err[1], err[2]), (e, 1, "taipan.HostError", "it broke"))

    def test_threads(self):
        self.w.send((C, 1, A("wfix"), A("callback_threads"), [8, "double"]))
        t = serve(self.w, 1, lambda name, args: args[0] * 2)
        self.assertEqual(t, (r, 1, [i * 2 for i in range(8)]))

    def test_threads_out_of_order(self):
        # collect all 8 callbacks first, answer them in reverse order
        self.w.send((C, 1, A("wfix"), A("callback_threads"), [8, "sq"]))
        calls = [self.w.recv_nolog() for _ in range(8)]
        self.assertTrue(all(c[0] == C for c in calls))
        for c in reversed(calls):
            self.w.send((r, c[1], c[4][0] ** 2))
        self.assertEqual(self.w.recv_nolog(), (r, 1, [i * i for i in range(8)]))

    def test_asyncio(self):
        self.w.send((C, 1, A("wfix"), A("callback_async"), ["inc", 8]))
        t = serve(self.w, 1, lambda name, args: args[0] + 1)
        self.assertEqual(t, (r, 1, list(range(1, 9))))

    def test_recursion_10_deep(self):
        w = self.w
        w.send((C, 1, A("wfix"), A("recurse"), [10]))
        next_id = 2
        answers = {}  # our call id -> the worker's callback id it answers
        depth_seen = 0
        while True:
            t = w.recv_nolog()
            if t[0] == C:
                n = t[4][0]
                answers[next_id] = t[1]
                w.send((C, next_id, A("wfix"), A("recurse"), [n - 1]))
                next_id += 1
                depth_seen += 1
            elif t[1] == 1:
                self.assertEqual(t, (r, 1, 10))
                break
            else:
                self.assertEqual(t[0], r)
                w.send((r, answers.pop(t[1]), t[2]))
        self.assertEqual(depth_seen, 10)
        self.assertEqual(answers, {})

    def test_calls_served_while_waiting(self):
        # while the main thread waits for a host reply, a new call runs inline
        self.w.send((C, 1, A("wfix"), A("callback"), ["later"]))
        cb = self.w.recv_nolog()
        self.w.send((C, 2, A("operator"), A("add"), [2, 3]))
        self.assertEqual(self.w.recv_nolog(), (r, 2, 5))
        self.w.send((r, cb[1], "done"))
        self.assertEqual(self.w.recv_nolog(), (r, 1, "done"))

    def test_timeout(self):
        self.w.send((C, 1, A("wfix"), A("callback_timeout"), [0.2]))
        cb = self.w.recv_nolog()
        self.assertEqual(cb[3], "never")
        t = self.w.recv_nolog(timeout=5)
        self.assertEqual(t[:2], (r, 1))
        self.assertTrue(t[2].startswith("timeout: "), t)
        self.w.send((r, cb[1], "too late"))  # dropped
        self.assertEqual(self.w.call("operator", "add", [1, 2]), (r, 1, 3))


class EOFWakesWaiters(unittest.TestCase):
    def test_eof(self):
        w = Worker()
        w.send((C, 1, A("wfix"), A("callback_threads"), [4, "never"]))
        for _ in range(4):
            self.assertEqual(w.recv_nolog()[0], C)
        t0 = time.monotonic()
        self.assertEqual(w.close(), 0)
        self.assertLess(time.monotonic() - t0, 5)


if __name__ == "__main__":
    unittest.main()
