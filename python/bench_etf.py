"""Micro benchmark of taipan.etf: decode + re-encode of ETF files.

    python3 bench_etf.py [--erlport PATH/erlterms.py] [FILE.etf ...]

Defaults to the shared reference terms.  For each file it prints the best
(over several timeit repeats) microseconds per decode, per encode of the
decoded term, and per decode+encode.  With --erlport, the same is measured
for ErlPort's codec loaded from that file (your own checkout of
hdima/erlport's priv/python3/erlport/erlterms.py; it is not shipped here),
on the same interpreter, and the ratio is printed.  Not a test: timings are
for reading, and vary a few percent from run to run.
"""

import importlib.util
import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from taipan import etf  # noqa: E402

_DEFAULTS = [
    "/work/shared/bench/reference_proplist.etf",
    "/work/shared/bench/reference_term.etf",
]


def _best_us(fn, number: int, repeat: int = 7) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def _measure(decode, encode, data: bytes):
    """(decode µs, encode µs, decode+encode µs)."""
    term = decode(data)

    def both() -> None:
        encode(decode(data))

    per = _best_us(both, 200, 3)
    number = max(200, int(100_000 / max(per, 0.1)))  # ~0.1 s per repeat
    return (_best_us(lambda: decode(data), number),
            _best_us(lambda: encode(term), number),
            _best_us(both, number))


def _load_erlport(path: str):
    spec = importlib.util.spec_from_file_location("erlport_erlterms_bench", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]

    def decode(data: bytes):
        term, rest = mod.decode(data)
        return term
    return decode, mod.encode


def bench(path: str, erlport=None) -> None:
    with open(path, "rb") as f:
        data = f.read()
    print("%s (%d bytes), %s %s (%s)"
          % (os.path.basename(path), len(data), sys.implementation.name,
             sys.version.split()[0], sys.executable))
    ours = _measure(etf.decode, etf.encode, data)
    rows = [("taipan", ours)]
    if erlport is not None:
        try:
            rows.append(("erlport", _measure(erlport[0], erlport[1], data)))
        except Exception as exc:  # ErlPort cannot decode maps, for one
            print("  erlport: cannot process this file (%s: %.60s)"
                  % (type(exc).__name__, exc))
    for name, (d, e, b) in rows:
        print("  %-8s decode %7.2f us   encode %7.2f us   decode+encode %7.2f us"
              % (name, d, e, b))
    if len(rows) == 2:
        print("  erlport/taipan decode+encode: %.2fx" % (rows[1][1][2] / ours[2]))


def main(argv: list) -> None:
    erlport = None
    if argv[:1] == ["--erlport"]:
        erlport = _load_erlport(argv[1])
        argv = argv[2:]
    for path in argv or _DEFAULTS:
        bench(path, erlport)


if __name__ == "__main__":
    main(sys.argv[1:])
