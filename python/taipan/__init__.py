"""taipan: the Python side of taipan, a Go library that runs Python code in
supervised pools of worker processes.

The host talks to each worker in the Erlang External Term Format (ETF) over
length-prefixed pipes, wire-compatible with ErlPort.

Modules:
    taipan.terms   the Erlang types Python lacks (Atom, List, ImproperList,
                   BitString, Pid, Port, Reference, Fun, Export, OpaqueObject)
    taipan.etf     the ETF codec: encode(), encode_into(), decode(),
                   decode_from() (its innards: _etf_dec.py, _etf_enc.py)
    taipan.worker  the worker runtime, ``python -m taipan.worker``
    taipan.host    calls into the Go host: call(), acall(), cast()

Also exported: Cancelled, HostError (taipan.errors), PickleRefused (the
error of a request holding a pickle the worker refuses).  Submodules and names
are imported on first use, so ``import taipan`` costs nothing at start-up.

Everything here uses the standard library only (Python >= 3.9).
"""

__all__ = ["terms", "etf", "host", "worker", "Cancelled", "HostError", "PickleRefused"]


def __getattr__(name: str):  # PEP 562: lazy exports
    if name in ("Cancelled", "HostError"):
        from . import errors
        return getattr(errors, name)
    if name == "PickleRefused":
        from ._etf_dec import PickleRefused
        return PickleRefused
    if name in ("terms", "etf", "host", "worker", "errors"):
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module 'taipan' has no attribute %r" % (name,))
