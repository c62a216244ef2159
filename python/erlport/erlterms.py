"""ErlPort's ``erlport.erlterms`` types, backed by taipan.terms.

Only the types are provided.  ErlPort's encode/decode are deliberately not:
taipan's codec maps types differently (str <-> binary, dict <-> map) and its
decode returns the term, not (term, rest); use taipan.etf directly.
"""

from taipan.terms import Atom, ImproperList, List, OpaqueObject

__all__ = ["Atom", "List", "ImproperList", "OpaqueObject"]
