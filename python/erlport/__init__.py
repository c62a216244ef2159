"""Compatibility package for code written for ErlPort's Python side.

``from erlport.erlterms import Atom, List, ImproperList, OpaqueObject`` and
``from erlport import Atom, List, ImproperList`` keep working; the types are
taipan's (taipan.terms).  One difference: taipan's Atom is not a bytes
subclass, so compare atoms with ``Atom("ok")`` (or ``atom.name == "ok"``),
not with ``b"ok"``.
"""

from taipan.terms import Atom, ImproperList, List, OpaqueObject

__all__ = ["Atom", "List", "ImproperList", "OpaqueObject"]
