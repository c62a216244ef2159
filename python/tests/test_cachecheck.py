"""cachecheck.py, run as the Go side runs it (python.Check): a compile of
the runtime that replaces the compiled files that differ."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from importlib._bootstrap_external import _code_to_timestamp_pyc

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cachecheck.py")
NAMES = ["pkg/__init__.py", "pkg/mod.py"]


def run_check(root, level=0):
    """Run the check on root as python.Check does; return its lines."""
    with open(SCRIPT) as f:
        source = f.read()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"
    out = subprocess.run([sys.executable, "-s", "-S", "-c", source, root, str(level)] + NAMES,
                         cwd=root, env=env, check=True, capture_output=True, text=True).stdout
    return out.splitlines()


def tamper(src, extra):
    """Write src's compiled file as a compile of src plus extra, with src's
    own mtime and size in its header; return its path."""
    with open(src, "rb") as f:
        code = compile(f.read() + extra, src, "exec", dont_inherit=True)
    st = os.stat(src)
    pyc = importlib.util.cache_from_source(src)
    with open(pyc, "wb") as f:
        f.write(_code_to_timestamp_pyc(code, int(st.st_mtime), st.st_size))
    return pyc


class CacheCheckTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root)
        os.mkdir(os.path.join(self.root, "pkg"))
        self.write("pkg/__init__.py", "")
        # A constant set: written in hash order by Pythons before 3.11.
        self.write("pkg/mod.py", "def f(x):\n    return x in {'alpha', 'beta', 'gamma', 'delta'}\nVALUE = 1\n")

    def write(self, name, text):
        with open(os.path.join(self.root, *name.split("/")), "w") as f:
            f.write(text)

    def pyc(self, name, opt=""):
        return importlib.util.cache_from_source(os.path.join(self.root, *name.split("/")), optimization=opt)

    def import_value(self, *flags):
        out = subprocess.run([sys.executable, *flags, "-c", "import pkg.mod; print(pkg.mod.VALUE)"],
                             cwd=self.root, env=dict(os.environ, PYTHONPATH=self.root, PYTHONDONTWRITEBYTECODE="1"),
                             check=True, capture_output=True, text=True).stdout
        return out.strip()

    def test_reports_the_interpreter_and_compiles(self):
        lines = run_check(self.root)
        self.assertEqual(lines[0], sys.executable)
        self.assertEqual(lines[1], "%d.%d.%d" % sys.version_info[:3])
        self.assertEqual(lines[2], sys.implementation.cache_tag)
        self.assertEqual(lines[3:], [])
        for name in NAMES:
            self.assertTrue(os.path.isfile(self.pyc(name)), name)
            self.assertEqual(os.stat(self.pyc(name)).st_mode & 0o022, 0)
        # Optimized files are checked where they exist, not made.
        self.assertFalse(os.path.exists(self.pyc("pkg/mod.py", "1")))

    def test_optimized_files_made_for_the_workers_level(self):
        run_check(self.root, level=2)
        self.assertTrue(os.path.isfile(self.pyc("pkg/mod.py")))
        self.assertTrue(os.path.isfile(self.pyc("pkg/mod.py", "2")))
        self.assertFalse(os.path.exists(self.pyc("pkg/mod.py", "1")))
        self.assertEqual(run_check(self.root, level=2)[3:], [])

    def test_output_is_stable(self):
        run_check(self.root)
        with open(self.pyc("pkg/mod.py"), "rb") as f:
            first = f.read()
        self.assertEqual(run_check(self.root)[3:], [])
        with open(self.pyc("pkg/mod.py"), "rb") as f:
            self.assertEqual(f.read(), first)

    def test_tampered_file_replaced(self):
        run_check(self.root)
        tamper(os.path.join(self.root, "pkg", "mod.py"), b"\nVALUE = 'tampered'\n")
        self.assertEqual(self.import_value(), "tampered")  # the attack works without the check
        self.assertEqual(run_check(self.root)[3:], ["replaced pkg/__pycache__/mod.%s.pyc" % sys.implementation.cache_tag])
        self.assertEqual(self.import_value(), "1")

    def test_tampered_optimized_file_replaced(self):
        run_check(self.root)
        pyc = tamper(os.path.join(self.root, "pkg", "mod.py"), b"\nVALUE = 'tampered'\n")
        os.replace(pyc, self.pyc("pkg/mod.py", "1"))
        self.assertEqual(self.import_value("-O"), "tampered")
        lines = run_check(self.root)[3:]
        # The plain file was moved away: written again, not reported.
        self.assertEqual(lines, ["replaced pkg/__pycache__/mod.%s.opt-1.pyc" % sys.implementation.cache_tag])
        self.assertEqual(self.import_value("-O"), "1")


if __name__ == "__main__":
    unittest.main()
