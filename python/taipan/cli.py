"""Helpers of the ``taipan`` command (cmd/taipan), called in its workers.

``target(name)``  where a dotted name's module ends (``os.path.join`` is
                  module ``os.path``, function ``join``; ``datetime.date.today``
                  is ``datetime`` + ``date.today``; ``len`` and
                  ``bytes.fromhex`` are builtins), the function looked up the
                  way calls look it up, so that a missing one fails once,
                  before any call
``setup()``       an init function: results that JSON has no form for are
                  made printable (docs/configuration.md, "The command line")
"""

from __future__ import annotations

import builtins
import sys

from .terms import Atom

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Tuple

__all__ = ["split", "target", "setup", "printable"]

_ModuleType = type(sys)


def split(name: str) -> "Tuple[str, str]":
    """``(module, function)`` for a dotted name: a builtin's name, or the
    longest prefix that is a module (imported to find out), the rest being an
    attribute path.  A builtin wins over a module of the same name, as it
    does in a Python expression (``builtins.x`` reaches the builtin
    explicitly)."""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        raise ValueError("%r is not a dotted Python name" % (name,))
    if hasattr(builtins, parts[0]):
        return "builtins", name
    if len(parts) == 1:
        import difflib
        near = difflib.get_close_matches(name, [n for n in dir(builtins) if not n.startswith("_")
                                                and callable(getattr(builtins, n))], n=3)
        raise NameError("%r is not a builtin%s; a module's function is "
                        "MODULE.FUNCTION" % (name, "" if not near else
                                             " (did you mean %s?)" % " or ".join(near)))
    mod = _import(parts[0])
    i = 1
    while i < len(parts):
        sub = ".".join(parts[:i + 1])
        attr = getattr(mod, parts[i], None)
        if attr is None and hasattr(mod, "__path__"):  # a package
            try:
                attr = _import(sub)
            except ModuleNotFoundError as exc:
                if exc.name != sub:
                    raise  # the submodule exists; one of its imports does not
                break
        # os.path: an attribute that is a module registered under the dotted
        # name; mymod.os (mymod imported os) is not, and stays an attribute.
        if not isinstance(attr, _ModuleType) or sys.modules.get(sub) is not attr:
            break
        mod = attr
        i += 1
    if i == len(parts):
        raise TypeError("%s is a module, not a function: name a function in "
                        "it (%s.FUNCTION)" % (name, name))
    return ".".join(parts[:i]), ".".join(parts[i:])


def _import(name: str) -> "Any":
    # __import__ rather than importlib.import_module: the import system then
    # drops its own frames from an ImportError's traceback, as for `import`.
    __import__(name)
    return sys.modules[name]


def target(name: str) -> "Tuple[str, str]":
    """:func:`split`, then the function resolved by the worker exactly as a
    call resolves it; raises the call's error (ModuleNotFoundError,
    AttributeError...) or TypeError when it is not callable."""
    from .host import _rt
    module, function = split(name)
    try:
        f = _rt()._resolve(module, function)
    except AttributeError as exc:
        near = _near(module, function)
        if not near:
            raise
        # as the command takes them: builtins unnamed
        names = [n if module == "builtins" else module + "." + n for n in near]
        raise AttributeError("%s; did you mean %s?" % (exc, " or ".join(names))) from None
    if not callable(f):
        raise TypeError("%s is not callable (a %s)" % (name, type(f).__name__))
    return module, function


def _near(module: str, function: str) -> "List[str]":
    """The attribute paths close to a mistyped one (``math.sqr`` →
    ``sqrt``) that resolve to something callable: the missing part's close
    matches among its parent's names, private names only when the missing
    one is private.  The parent is reached the way _resolve reaches it;
    nothing is suggested when it cannot be, and nothing that fails to read
    ever replaces the call's own error."""
    try:
        return _near_paths(module, function)
    except Exception:
        return []


def _near_paths(module: str, function: str) -> "List[str]":
    import difflib
    parts = function.split(".")
    obj = sys.modules.get(module)
    if obj is None:
        return []
    for i, p in enumerate(parts):
        nxt = _attr(obj, p)
        if nxt is _MISSING:
            names = [n for n in dir(obj)
                     if n != p and (p.startswith("_") or not n.startswith("_"))]
            prefix, rest = ".".join(parts[:i] + [""]), parts[i + 1:]
            return [prefix + ".".join([n] + rest) for n in difflib.get_close_matches(p, names, n=3)
                    if _reaches(_attr(obj, n), rest)]
        if isinstance(nxt, _ModuleType):
            return []  # an attribute path never passes through a module
        obj = nxt
    return []


def _reaches(obj: "Any", rest: "List[str]") -> bool:
    """Whether the attribute path rest resolves on obj, without passing
    through a module, to something callable."""
    for p in rest:
        if obj is _MISSING or isinstance(obj, _ModuleType):
            return False
        obj = _attr(obj, p)
    return obj is not _MISSING and callable(obj)


def _attr(obj: "Any", name: str) -> "Any":
    """obj's attribute name, or _MISSING when reading it fails (a property
    or a module __getattr__ may raise anything)."""
    try:
        return getattr(obj, name, _MISSING)
    except Exception:
        return _MISSING


_MISSING = object()


class _Marker(dict):
    """A one-key dict standing for a value JSON has no form for, keyed by an
    atom so that the command tells it from a user's dict with a str key
    "$python"; hashable, so that it can be a dict key too (the encoder sends
    it as a plain map)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


_PYTHON = Atom("$python")
_FLOAT = Atom("$float")
_PLAIN = (str, int, bool, bytes, list, tuple, dict, type(None))


def printable(x: "Any") -> "Any":
    """An encoder (applied to every value of a result): non-finite floats
    become ``{Atom("$float"): "inf"}``, bytearray and memoryview bytes, and
    values with no term of their own ``{Atom("$python"): repr(x)}`` (rather
    than a pickle, which a terminal cannot show)."""
    t = type(x)
    if t is float:
        if x - x == 0.0:
            return x
        return _Marker({_FLOAT: "nan" if x != x else "inf" if x > 0 else "-inf"})
    if t in _PLAIN or t is _Marker:
        return x
    if isinstance(x, float):  # numpy.float64...
        return printable(float(x))
    if isinstance(x, _PLAIN):  # IntEnum, namedtuple, OrderedDict: the encoder
        return x               # sends them as their base type
    if t is bytearray or t is memoryview:
        return bytes(x)
    if t.__module__ == "taipan.terms":  # Atom, List, Pid...: terms already
        return x
    if hasattr(t, "__index__"):  # numpy integers
        import operator
        try:
            return operator.index(x)
        except TypeError:
            pass
    try:
        r = repr(x)
    except Exception:
        r = "<%s object (repr failed)>" % (t.__name__,)
    return _Marker({_PYTHON: r})


def setup() -> None:
    """Install :func:`printable` as the worker's encoder."""
    from .host import _rt
    _rt().encoder = printable
