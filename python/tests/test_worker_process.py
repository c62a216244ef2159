"""The worker's process tree: a child it forks or spawns never holds the
protocol."""

import os
import sys
import unittest

from taipan.terms import Atom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import Worker  # noqa: E402

r = Atom("r")


class ForkTest(unittest.TestCase):
    def setUp(self):
        self.w = Worker()

    def tearDown(self):
        self.w.kill()

    def test_forked_child_has_no_protocol(self):
        tag, _, got = self.w.call("procfix", "fork_probe")
        self.assertEqual(tag, r)
        # fds 3 and 4 are /dev/null in the child, taipan.host is off, and
        # the child ran to its end.
        self.assertEqual(got, [True, True, False, 0])
        # The worker still speaks the protocol.
        self.assertEqual(self.w.call("procfix", "echo", [7])[2], 7)
        os.close(self.w.wfd)  # the worker exits; its stdout ends
        self.assertIn(b"forked child prints", self.w.proc.stdout.read())

    def test_subprocesses_do_not_get_the_protocol(self):
        self.assertEqual(self.w.call("procfix", "protocol_inheritable")[2], [False, False])


if __name__ == "__main__":
    unittest.main()
