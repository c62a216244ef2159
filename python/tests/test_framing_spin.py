"""The request reader's polling (FrameReader.set_spin): data that arrives
while it polls, after it gave up and sleeps, the budget's adaptation, end of
input and big frames; and a worker started with spin
that goes idle stops burning CPU."""

from __future__ import annotations

import os
import struct
import threading
import time
import unittest

from taipan import etf
from taipan.framing import FrameReader, next_spin

from .workerutil import A, Worker


def frame(term) -> bytes:
    data = etf.encode(term)
    return struct.pack(">I", len(data)) + data


def write_later(fd: int, data: bytes, delay: float) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(delay), os.write(fd, data)))
    t.start()
    return t


class SpinTest(unittest.TestCase):
    def setUp(self) -> None:
        self.r, self.w = os.pipe()
        self.reader = FrameReader(self.r)
        self.reader.set_spin(0.005)

    def tearDown(self) -> None:
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass

    def test_fd_stays_blocking(self) -> None:
        # Polling is poll(2); the fd is left as the host gave it.
        self.assertTrue(os.get_blocking(self.r))

    def test_data_already_there(self) -> None:
        os.write(self.w, frame((A("x"), 1)))
        self.assertEqual(self.reader.read_frames(), [(A("x"), 1)])

    def test_data_arriving_later(self) -> None:
        # Whether it comes while polling or after: read either way.
        for delay in (0.0, 0.0002, 0.02):
            t = write_later(self.w, frame(delay), delay)
            self.assertEqual(self.reader.read_frames(), [delay])
            t.join()

    def test_late_data_stops_polling(self) -> None:
        # 10x the budget, every time: the budget halves down to nothing.
        budgets = []
        for i in range(6):
            t = write_later(self.w, frame(i), 0.05)
            self.assertEqual(self.reader.read_frames(), [i])
            t.join()
            budgets.append(self.reader._spin_cur)
        self.assertEqual(budgets, [0.0025, 0.00125, 0.000625, 0.0003125, 0.0, 0.0])

    def test_next_spin(self) -> None:
        full = 0.004
        cases = [
            ("came within the budget", full, 0.001, full),
            ("came at the budget", full, full, full),
            ("short wait restores a spent budget", 0.0, 0.003, full),
            ("late: halved", full, 0.1, full / 2),
            ("late: halved again", full / 4, 0.1, full / 8),
            ("late at the floor: none", full / 16, 0.1, 0.0),
            ("late with none: none", 0.0, 0.1, 0.0),
        ]
        for name, cur, waited, want in cases:
            with self.subTest(name):
                self.assertEqual(next_spin(full, cur, waited), want)

    def test_end_of_input(self) -> None:
        write_later(self.w, b"", 0).join()
        os.close(self.w)
        with self.assertRaises(EOFError):
            self.reader.read_frames()

    def test_big_frame_in_pieces(self) -> None:
        payload = os.urandom(3 << 20)
        data = frame(payload)

        def writer() -> None:
            for i in range(0, len(data), 100_000):
                os.write(self.w, data[i:i + 100_000])
                time.sleep(0.0005)

        t = threading.Thread(target=writer)
        t.start()
        self.assertEqual(self.reader.read_frames(), [payload])
        t.join()


def cpu_seconds(pid: int) -> float:
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@unittest.skipUnless(os.path.exists("/proc/self/stat"), "needs /proc")
class IdleWorkerTest(unittest.TestCase):
    def test_idle_worker_sleeps(self) -> None:
        w = Worker({"spin": 0.001})
        try:
            for i in range(20):
                self.assertEqual(w.call("operator", "add", [i, 1], id=i + 1),
                                 (A("r"), i + 1, i + 1))
            before = cpu_seconds(w.proc.pid)
            time.sleep(0.5)
            used = cpu_seconds(w.proc.pid) - before
            # Polling forever would take the whole 0.5 s.
            self.assertLess(used, 0.1)
        finally:
            w.close()


if __name__ == "__main__":
    unittest.main()
