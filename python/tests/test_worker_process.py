"""The worker's process tree: forked children without the protocol, the
lifeline's reaper (taipan.lifeline)."""

import os
import select
import signal
import subprocess
import sys
import time
import unittest

from taipan import lifeline
from taipan.terms import Atom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workerutil import Worker  # noqa: E402

A = Atom
r = A("r")


def gone(pid, timeout):
    """Whether process pid exits within timeout seconds."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        return bool(p.poll(timeout * 1000))
    finally:
        os.close(fd)


class ForkTest(unittest.TestCase):
    def setUp(self):
        self.w = Worker()

    def tearDown(self):
        self.w.kill()

    def test_forked_child_has_no_protocol(self):
        tag, _, got = self.w.call("procfix", "fork_probe")
        self.assertEqual(tag, r)
        self.assertEqual(got, [True, True, False, 0])
        # The worker still speaks the protocol.
        self.assertEqual(self.w.call("procfix", "protocol_inheritable")[2], [False, False])
        os.close(self.w.wfd)  # the worker exits; its stdout ends
        self.assertIn(b"forked child prints", self.w.proc.stdout.read())


class LifelineTest(unittest.TestCase):
    def start(self, own_group):
        rd, self.wr = os.pipe()
        self.w = Worker(fd5=rd, own_group=own_group, env={"TAIPAN_LIFELINE": "5"})
        os.close(rd)
        self.addCleanup(self.w.kill)
        self.addCleanup(self.close_lifeline)

    def close_lifeline(self):
        if self.wr >= 0:
            os.close(self.wr)
            self.wr = -1

    def test_reaper_kills_the_group_at_end_of_file(self):
        self.start(own_group=True)
        reapers = self.w.call("procfix", "children")[2]
        self.assertEqual(len(reapers), 1)
        sleeper = self.w.call("procfix", "spawn_sleep", [60])[2]
        self.close_lifeline()  # as when the host dies
        self.assertEqual(self.w.proc.wait(30), -signal.SIGKILL)
        self.assertTrue(gone(sleeper, 30))
        self.assertTrue(gone(reapers[0], 30))

    def test_worker_that_ends_takes_its_reaper(self):
        self.start(own_group=True)
        reaper = self.w.call("procfix", "children")[2][0]
        self.assertEqual(self.w.close(), 0)
        self.assertTrue(gone(reaper, 0))

    def test_no_reaper_outside_its_own_group(self):
        # Killing the group would kill whoever started the worker.
        self.start(own_group=False)
        self.assertEqual(self.w.call("procfix", "children")[2], [])
        self.close_lifeline()
        self.assertEqual(self.w.call("procfix", "protocol_inheritable")[0], r)


class ReaperTest(unittest.TestCase):
    """The reaper alone, in a stand-in worker that leads its own group."""

    def check(self, shell):
        rd, wr = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(wr)
                os.close(rep_r)
                os.setpgid(0, 0)
                p = subprocess.Popen(["sleep", "60"])
                sleeper = p.pid
                reaper = lifeline.spawn_reaper(rd, shell)
                os.close(rd)
                os.write(rep_w, b"%d %d" % (sleeper, reaper))
                time.sleep(60)
            finally:
                os._exit(0)
        os.close(rd)
        os.close(rep_w)
        try:
            sleeper, reaper = map(int, os.read(rep_r, 64).split())
            os.close(rep_r)
            cmdline = b""
            deadline = time.monotonic() + 30
            while not cmdline and time.monotonic() < deadline:  # set by its exec
                with open("/proc/%d/cmdline" % reaper, "rb") as f:
                    cmdline = f.read()
            self.assertFalse(gone(reaper, 0.1) or gone(sleeper, 0), "the reaper did not wait")
        finally:
            os.close(wr)  # as when the host dies
            _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), -signal.SIGKILL)
        self.assertTrue(gone(sleeper, 30))
        self.assertTrue(gone(reaper, 30))
        return cmdline

    def test_shell(self):
        self.assertIn(b"taipan-reaper", self.check("/bin/sh"))

    def test_fork_without_a_shell(self):
        self.assertNotIn(b"taipan-reaper", self.check("/nonexistent/sh"))


if __name__ == "__main__":
    unittest.main()
