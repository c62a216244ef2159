"""Reloading modules in a running worker (the ``R`` request).

:func:`reload_modules` reloads each named module, its already-imported
submodules, and then every loaded module that imports any of them (directly or
through others), each after the modules it depends on.  A module that fails to
reload (a syntax error, an exception at import) keeps its old code, is
reported with its error, and the modules depending on it are not reloaded.
A named module that the worker never imported is left alone (not imported):
the report then has no entry for it.
"""

from __future__ import annotations

import importlib
import os
import sys

from .errors import error_term

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Set, Tuple

__all__ = ["reload_modules"]

def _stdlib_dirs() -> "Tuple[str, ...]":
    base = os.path.dirname(os.__file__)
    own = os.path.dirname(os.path.abspath(__file__))
    return (base + os.sep, own + os.sep)


def _is_user_module(mod: object, skip: "Tuple[str, ...]") -> bool:
    f = getattr(mod, "__file__", None)
    if not f or not f.endswith(".py"):
        return False
    f = os.path.abspath(f)
    # site-packages live under the stdlib dir on most layouts: keep them.
    if "site-packages" in f or "dist-packages" in f:
        return True
    return not f.startswith(skip)


def _deps(mod: object, candidates: "Set[str]") -> "Set[str]":
    """Names in candidates that mod refers to: imported modules, or objects
    (functions, classes) defined in them."""
    out = set()
    try:
        items = list(vars(mod).values())
    except TypeError:
        return out
    for v in items:
        name = None
        if type(v).__name__ == "module":
            name = getattr(v, "__name__", None)
        else:
            try:
                name = getattr(v, "__module__", None)
            except Exception:
                name = None
        if type(name) is str and name in candidates:
            out.add(name)
    return out


def plan(names: "List[str]") -> "List[str]":
    """The modules to reload for names, in reload order."""
    skip = _stdlib_dirs()
    selected = set()
    loaded = [n for n, m in list(sys.modules.items()) if m is not None]
    wanted = []  # type: List[str]
    for n in names:
        # A module this worker never imported is not imported by a reload:
        # it would run new code (and its side effects) in every worker; the
        # worker imports it when it needs it, from the current file.
        prefix = n + "."
        subs = [m for m in loaded if m.startswith(prefix)]
        if n not in sys.modules and not subs:
            continue
        wanted.append(n)
        selected.add(n)
        selected.update(subs)
    user = {n: m for n, m in list(sys.modules.items())
            if m is not None and _is_user_module(m, skip)}
    # importers, transitively
    deps = {n: _deps(m, set(user) | selected) for n, m in user.items()}
    changed = True
    while changed:
        changed = False
        for n, d in deps.items():
            if n not in selected and d & selected:
                selected.add(n)
                changed = True
    # topological order: a module after the selected modules it depends on
    order = []  # type: List[str]
    state = {}  # type: Dict[str, int]

    def visit(n: str) -> None:
        if state.get(n) is not None:
            return  # done, or in progress (a cycle: keep the first order)
        state[n] = 1
        for d in sorted(deps.get(n, ())):
            if d in selected and d != n:
                visit(d)
        state[n] = 2
        order.append(n)

    for n in wanted:
        visit(n)
    for n in sorted(selected):
        visit(n)
    return order


def _drop_stale_pyc(mod: object) -> None:
    # A source edited twice in the same second with the same size would
    # reload from the stale .pyc: remove it first.
    f = getattr(mod, "__file__", None)
    if not f:
        return
    try:
        import importlib.util
        os.unlink(importlib.util.cache_from_source(f))
    except (OSError, ValueError, NotImplementedError):
        pass


def reload_modules(names: "List[str]") -> "List[tuple]":
    """Reload names (and their dependents); return ``[(name, ok | (error,
    ErrorTerm))]`` for every module reloaded or attempted, in order."""
    from .terms import Atom
    ok = Atom("ok")
    error = Atom("error")
    importlib.invalidate_caches()
    report = []
    failed = set()  # type: Set[str]
    order = plan(names)
    all_deps = {}
    for n in order:
        m = sys.modules.get(n)
        all_deps[n] = _deps(m, set(order)) if m is not None else set()
    for n in order:
        bad = sorted(d for d in all_deps[n] if d in failed and d != n)
        if bad:
            failed.add(n)
            report.append((n, (error, (Atom("python"), "taipan.ReloadSkipped",
                                       "not reloaded: %s failed" % ", ".join(bad),
                                       []))))
            continue
        try:
            m = sys.modules.get(n)
            if m is None:
                importlib.import_module(n)
            else:
                _drop_stale_pyc(m)
                importlib.reload(m)
            report.append((n, ok))
        except Exception as exc:  # SyntaxError, ImportError, anything raised
            failed.add(n)
            term = error_term(exc)
            report.append((n, (error, term)))
    return report
