"""Compile taipan's installed runtime for one interpreter, replacing every
compiled file that differs from the compile.

The Go side (python.Check) runs this source as ``python -s -S -c SOURCE DIR
LEVEL NAME...`` in DIR, after checking the sources NAME... of DIR against the
runtime embedded in the Go binary. It is never imported from the cache: a
check that ran compiled code from the directory it checks would trust what
it checks. Standard library only, and only what the interpreter has loaded
at start or frozen.

It prints the interpreter's executable, version and cache tag, one a line,
then ``replaced NAME`` for each compiled file that existed and differed.
An existing compiled file is read and compared byte for byte, never loaded
(unmarshalling is not safe against crafted data). The bytes it writes are
the same from one run to the next: the compile order is fixed, marshal
marks shared objects by this script's own references, and the Go side sets
PYTHONHASHSEED=0 for the Pythons before 3.11 that write frozensets in hash
order.
"""

import os
import sys

# sys.path[0] is the working directory for -c: nothing is imported from it.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

# The import system's own module (importlib._bootstrap_external, without
# importing importlib): loaded at start, nothing read from disk.
from _frozen_importlib_external import (  # noqa: E402
    _code_to_timestamp_pyc, _write_atomic, cache_from_source)

# (the optimization tag of cache_from_source, the compile's level): the
# plain file and those of the workers' level (PYTHONOPTIMIZE) are always
# written, the others checked where a worker run with -O left them.
LEVELS = (("", 0), ("1", 1), ("2", 2))


def compiled(path, level):
    """The bytes py_compile would write for the source at path: a
    timestamp-checked .pyc, as the import system validates it."""
    with open(path, "rb") as f:
        source = f.read()
    st = os.stat(path)
    code = compile(source, path, "exec", dont_inherit=True, optimize=level)
    return bytes(_code_to_timestamp_pyc(code, int(st.st_mtime), st.st_size))


def check(root, names, level_made=0):
    """Compile each source and write its compiled files where they differ
    (and at levels 0 and level_made where they are missing); return the
    names (relative to root, slash-separated) of the ones that existed and
    differed."""
    replaced = []
    for name in names:
        path = os.path.join(root, *name.split("/"))
        for tag, level in LEVELS:
            pyc = cache_from_source(path, optimization=tag)
            try:
                with open(pyc, "rb") as f:
                    have = f.read()
            except FileNotFoundError:
                if level not in (0, level_made):
                    continue
                have = None
            want = compiled(path, level)
            if have == want:
                continue
            os.makedirs(os.path.dirname(pyc), mode=0o755, exist_ok=True)
            _write_atomic(pyc, want, 0o644)
            if have is not None:
                replaced.append(os.path.relpath(pyc, root).replace(os.sep, "/"))
    return replaced


def main(argv):
    root, level, names = argv[0], int(argv[1]), argv[2:]
    tag = sys.implementation.cache_tag
    out = [sys.executable, "%d.%d.%d" % sys.version_info[:3], tag or ""]
    if tag:
        out += ["replaced " + n for n in check(root, names, level)]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
