"""Erlang term types that have no native Python equivalent.

The ETF codec (taipan.etf) maps None, bool, int, float, str, bytes, tuple,
list and dict onto native Erlang terms.  This module holds the rest:

    Atom          an Erlang atom, distinct from str (see the class comment)
    List          a list (what the decoder returns) with ErlPort's to_string()
    ImproperList  a list with a non-list tail:  [1, 2 | tail]
    BitString     a binary whose last byte is only partly used
    Pid, Port, Reference, Export, Fun
                  Erlang identifiers; opaque to Python, kept byte-exact so that
                  they go back to the host exactly as they came
    OpaqueObject  ErlPort's {'$erlport.opaque', Language, Data} wrapper

Every type here is immutable and hashable except List and ImproperList,
which are lists.
"""

from __future__ import annotations

import struct
from _thread import allocate_lock
import weakref
# typing is only needed by type checkers; importing it costs ~5 ms at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Tuple, Union

__all__ = [
    "Atom", "List", "ImproperList", "BitString", "OpaqueObject",
    "Pid", "Port", "Reference", "Export", "Fun",
]

# ---------------------------------------------------------------------------
# Atom
# ---------------------------------------------------------------------------

# Interning tables.  Every live Atom with a given name is the *same* object,
# so equality and hashing are plain identity (object's C-level defaults):
# as fast as it gets for dict keys and comparisons, and the ETF decoder can
# test "is this the '$erlport.opaque' atom" with `is`.
#  - _interned maps name -> Atom weakly, so atoms nobody holds can go away
#    (unlike Erlang's atom table, a long-lived worker fed generated atoms
#    does not grow for ever).
#  - _pinned keeps the first _PIN_MAX atoms alive for good: the common ones
#    (ok, error, module and function names) then never get re-created.
# Both are only written under _lock, so two threads making the same new atom
# cannot end up with two objects (which would break identity equality).
_interned: "weakref.WeakValueDictionary[str, Atom]" = weakref.WeakValueDictionary()
_pinned: dict = {}
_PIN_MAX = 4096
_lock = allocate_lock()

_pack_u8 = struct.Struct(">BB").pack     # tag, u8 length
_pack_u16 = struct.Struct(">BH").pack    # tag, u16 length


def _atom_etf(name: str) -> bytes:
    """The ETF of an atom (without the 131 version byte).

    ATOM_EXT (latin-1) when every character fits in latin-1, because that is
    what ErlPort and Erlang with {minor_version,1} send and every ETF reader
    accepts; SMALL_ATOM_UTF8_EXT otherwise, ATOM_UTF8_EXT past 255 bytes.
    """
    try:
        raw = name.encode("latin-1")
        return _pack_u16(100, len(raw)) + raw
    except UnicodeEncodeError:
        raw = name.encode("utf-8")
        if len(raw) <= 255:
            return _pack_u8(119, len(raw)) + raw
        return _pack_u16(118, len(raw)) + raw


class Atom:
    """An Erlang atom, e.g. ``Atom("ok")``.

    Why not a ``str`` subclass: a str subclass compares and hashes equal to
    the plain string, so ``{Atom("a"): 1, "a": 2}`` would collapse into one
    key, while Erlang keeps the atom ``a`` and the binary ``<<"a">>`` apart
    (Elixir maps mixing ``:a`` and ``"a"`` keys are common).  Values decoded
    from the wire must survive a round trip through a dict unchanged, so Atom
    is its own type: ``Atom("a") != "a"``.  Compare with ``Atom("a")`` or
    with ``atom.name == "a"``.  (ErlPort's Atom was a bytes subclass; the same
    collapse argument applies to bytes keys.)

    ``Atom(name)`` accepts a str, or bytes/bytearray as ErlPort code writes
    them (``Atom(b"ok")``): bytes are read as UTF-8, or as latin-1 when they
    are not valid UTF-8 (ErlPort's atoms were latin-1 bytes).  Names are at
    most 255 characters, as in Erlang.

    Atoms are interned: equal atoms are the same object, so ``==`` and
    ``hash`` are identity-based and fast.  Atoms are immutable, picklable,
    and sort by name.  ``str(atom)`` is the name.
    """

    __slots__ = ("name", "_etf", "__weakref__")

    name: str
    _etf: bytes  # the encoded atom, precomputed: encoding an Atom is one copy

    def __new__(cls, name: Union[str, bytes, bytearray, "Atom"]) -> "Atom":
        tn = type(name)
        if tn is Atom:
            return name  # type: ignore[return-value]
        if tn is not str:
            if isinstance(name, (bytes, bytearray, memoryview)):
                raw = bytes(name)
                try:
                    name = raw.decode("utf-8")
                except UnicodeDecodeError:
                    name = raw.decode("latin-1")
            elif isinstance(name, str):
                name = str(name)
            elif isinstance(name, Atom):
                return name
            else:
                raise TypeError(
                    "Atom name must be str or bytes, not %s" % tn.__name__)
        atom = _pinned.get(name)
        if atom is not None:
            return atom
        atom = _interned.get(name)
        if atom is not None:
            return atom
        if len(name) > 255:
            raise ValueError("atom name longer than 255 characters")
        with _lock:
            atom = _interned.get(name)
            if atom is None:
                atom = object.__new__(cls)
                object.__setattr__(atom, "name", name)
                object.__setattr__(atom, "_etf", _atom_etf(name))
                _interned[name] = atom
                if len(_pinned) < _PIN_MAX:
                    _pinned[name] = atom
        return atom

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Atom is immutable")

    def __delattr__(self, key: str) -> None:
        raise AttributeError("Atom is immutable")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Interning and identity equality assume exactly one class.
        raise TypeError("Atom cannot be subclassed")

    def __repr__(self) -> str:
        return "Atom(%r)" % self.name

    def __str__(self) -> str:
        return self.name

    def __bytes__(self) -> bytes:
        return self.name.encode("utf-8")

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The name as str; for ErlPort code that did ``atom.decode()``."""
        return self.name

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Atom, (self.name,))

    def __copy__(self) -> "Atom":
        return self

    def __deepcopy__(self, memo: Any) -> "Atom":
        return self

    # Erlang orders atoms by name; only atoms compare with atoms.
    def __lt__(self, other: Any) -> bool:
        if type(other) is Atom:
            return self.name < other.name
        return NotImplemented

    def __le__(self, other: Any) -> bool:
        if type(other) is Atom:
            return self.name <= other.name
        return NotImplemented

    def __gt__(self, other: Any) -> bool:
        if type(other) is Atom:
            return self.name > other.name
        return NotImplemented

    def __ge__(self, other: Any) -> bool:
        if type(other) is Atom:
            return self.name >= other.name
        return NotImplemented


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------

class List(list):
    """A list, as the decoder returns Erlang lists; compatible with ErlPort's
    ``erlport.erlterms.List``.

    Erlang strings are lists of code points, so ``List.to_string()`` turns
    one into a str.  Encoding treats List exactly like list.
    """

    __slots__ = ()

    def to_string(self) -> str:
        """Join the elements (code points) into a str; TypeError/ValueError
        if an element is not a valid code point."""
        return "".join(map(chr, self))

    def __repr__(self) -> str:
        return "List(%s)" % list.__repr__(self)


class ImproperList(list):
    """An improper Erlang list ``[e1, e2, ... | tail]``.

    ``ImproperList(elements, tail)``: elements is a non-empty list, tail any
    non-list term.  Same signature as ErlPort's.
    """

    __slots__ = ("tail",)

    def __init__(self, lst: list, tail: Any) -> None:
        if not isinstance(lst, list):
            raise TypeError("list object expected")
        if not lst:
            raise ValueError("empty list not allowed")
        if isinstance(tail, list):
            raise TypeError("non list object expected for tail")
        list.__init__(self, lst)
        self.tail = tail

    def __repr__(self) -> str:
        return "ImproperList(%s, %r)" % (list.__repr__(self), self.tail)

    def __eq__(self, other: Any) -> bool:
        return (type(other) is ImproperList and list.__eq__(self, other)
                and self.tail == other.tail)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> Tuple[Any, ...]:
        return (ImproperList, (list(self), self.tail))


# ---------------------------------------------------------------------------
# Bit strings
# ---------------------------------------------------------------------------

class BitString:
    """A bitstring whose length is not a whole number of bytes.

    ``data`` holds the bytes; ``bits`` is how many bits of the last byte are
    used (1..8; 0 only when data is empty), as in BIT_BINARY_EXT.  The unused
    low bits of the last byte are kept as they came, so re-encoding is
    byte-exact.  A whole-byte binary decodes to ``bytes``, never BitString.
    """

    __slots__ = ("data", "bits")

    data: bytes
    bits: int

    def __init__(self, data: bytes, bits: int) -> None:
        data = bytes(data)
        if type(bits) is not int or not (
                (1 <= bits <= 8) if data else bits == 0):
            raise ValueError("bits must be 1..8 (0 for empty data)")
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "bits", bits)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("BitString is immutable")

    @property
    def bit_length(self) -> int:
        """Total number of bits."""
        return len(self.data) * 8 - (8 - self.bits) if self.data else 0

    def __eq__(self, other: Any) -> bool:
        return (type(other) is BitString and self.bits == other.bits
                and self.data == other.data)

    def __hash__(self) -> int:
        return hash((BitString, self.data, self.bits))

    def __repr__(self) -> str:
        return "BitString(%r, %d)" % (self.data, self.bits)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (BitString, (self.data, self.bits))


# ---------------------------------------------------------------------------
# Opaque objects (ErlPort)
# ---------------------------------------------------------------------------

_python = Atom("python")
_erlang = Atom("erlang")


class OpaqueObject:
    """ErlPort's opaque wrapper, ``{'$erlport.opaque', Language, Data}``.

    ``data`` is bytes, ``language`` an Atom (a str or bytes is converted).
    Encoding: language ``erlang`` splices ``data`` in raw (it must be an ETF
    term without the 131 byte: this is how ErlPort hands pids and maps to
    Python and gets them back intact); any other language is sent as the
    3-tuple.  Decoding: language ``python`` is unpickled, others stay
    OpaqueObject.
    """

    __slots__ = ("data", "language")

    marker = Atom("$erlport.opaque")

    data: bytes
    language: Atom

    def __init__(self, data: bytes, language: Union[Atom, str, bytes]) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("data must be bytes")
        object.__setattr__(self, "data", bytes(data))
        object.__setattr__(self, "language", Atom(language))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("OpaqueObject is immutable")

    @classmethod
    def decode(cls, data: bytes, language: Union[Atom, str, bytes]) -> Any:
        """ErlPort's decode: unpickle python objects, wrap the rest."""
        if Atom(language) is _python:
            import pickle  # on first use: importing it costs ~8 ms at start-up
            return pickle.loads(data)
        return cls(data, language)

    def encode(self) -> bytes:
        """The ETF of this object without the 131 byte (ErlPort API)."""
        from . import etf  # late import: etf imports this module
        return etf.encode(self)[1:]

    def __eq__(self, other: Any) -> bool:
        return (type(other) is OpaqueObject and self.language is other.language
                and self.data == other.data)

    def __hash__(self) -> int:
        return hash((OpaqueObject, self.language, self.data))

    def __repr__(self) -> str:
        return "OpaqueObject(%r, %r)" % (self.data, self.language)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (OpaqueObject, (self.data, self.language))


# ---------------------------------------------------------------------------
# Identifiers: pids, ports, references, funs
# ---------------------------------------------------------------------------
# These are meaningless inside Python; what matters is that they go back to
# the host exactly as they came.  Each keeps the ETF it was decoded from
# (``etf``, without the 131 byte) and re-encodes those bytes verbatim, and
# exposes the parsed fields for inspection.  Equality and hashing go by the
# bytes.  Pid, Port, Reference and Export can also be built from fields, in
# which case the newest encoding (NEW_PID_EXT, V4_PORT_EXT or NEW_PORT_EXT,
# NEWER_REFERENCE_EXT, EXPORT_EXT) is used.

class _Ident:
    __slots__ = ("etf",)

    etf: bytes

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("%s is immutable" % type(self).__name__)

    def _set(self, **kw: Any) -> None:
        for k, v in kw.items():
            object.__setattr__(self, k, v)

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.etf == self.etf

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.etf))


def _node(node: Union[Atom, str, bytes]) -> Atom:
    return Atom(node)


class Pid(_Ident):
    """An Erlang pid: ``node``, ``id``, ``serial``, ``creation``."""

    __slots__ = ("node", "id", "serial", "creation")

    def __init__(self, node: Union[Atom, str], id: int, serial: int,
                 creation: int, etf: Optional[bytes] = None) -> None:
        node = _node(node)
        if etf is None:
            etf = b"X" + node._etf + struct.pack(">III", id, serial, creation)
        self._set(node=node, id=id, serial=serial, creation=creation,
                  etf=bytes(etf))

    def __repr__(self) -> str:
        return "Pid(%r, %d, %d, %d)" % (self.node, self.id, self.serial,
                                        self.creation)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Pid, (self.node, self.id, self.serial, self.creation, self.etf))


class Port(_Ident):
    """An Erlang port: ``node``, ``id``, ``creation``."""

    __slots__ = ("node", "id", "creation")

    def __init__(self, node: Union[Atom, str], id: int, creation: int,
                 etf: Optional[bytes] = None) -> None:
        node = _node(node)
        if etf is None:
            if id < 1 << 32:
                etf = b"Y" + node._etf + struct.pack(">II", id, creation)
            else:
                etf = b"x" + node._etf + struct.pack(">QI", id, creation)
        self._set(node=node, id=id, creation=creation, etf=bytes(etf))

    def __repr__(self) -> str:
        return "Port(%r, %d, %d)" % (self.node, self.id, self.creation)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Port, (self.node, self.id, self.creation, self.etf))


class Reference(_Ident):
    """An Erlang reference: ``node``, ``creation``, ``ids`` (tuple of ints)."""

    __slots__ = ("node", "creation", "ids")

    def __init__(self, node: Union[Atom, str], creation: int, ids: Any,
                 etf: Optional[bytes] = None) -> None:
        node = _node(node)
        ids = tuple(ids)
        if etf is None:
            etf = (struct.pack(">BH", 90, len(ids)) + node._etf
                   + struct.pack(">I%dI" % len(ids), creation, *ids))
        self._set(node=node, creation=creation, ids=ids, etf=bytes(etf))

    def __repr__(self) -> str:
        return "Reference(%r, %d, %r)" % (self.node, self.creation, self.ids)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Reference, (self.node, self.creation, self.ids, self.etf))


class Export(_Ident):
    """An external fun ``fun Module:Function/Arity``."""

    __slots__ = ("module", "function", "arity")

    def __init__(self, module: Union[Atom, str], function: Union[Atom, str],
                 arity: int, etf: Optional[bytes] = None) -> None:
        module = Atom(module)
        function = Atom(function)
        if etf is None:
            etf = b"q" + module._etf + function._etf + bytes((97, arity))
        self._set(module=module, function=function, arity=arity,
                  etf=bytes(etf))

    def __repr__(self) -> str:
        return "Export(%r, %r, %d)" % (self.module, self.function, self.arity)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Export, (self.module, self.function, self.arity, self.etf))


class Fun(_Ident):
    """A local Erlang fun (NEW_FUN_EXT), opaque to Python.

    Only the decoder makes these; ``etf`` holds the full encoding (free
    variables included).  ``module``, ``arity``, ``index``, ``uniq`` and
    ``num_free`` are parsed out for inspection.
    """

    __slots__ = ("module", "arity", "index", "uniq", "num_free")

    def __init__(self, etf: bytes, module: Union[Atom, str], arity: int,
                 index: int, uniq: bytes, num_free: int) -> None:
        self._set(etf=bytes(etf), module=Atom(module), arity=arity,
                  index=index, uniq=bytes(uniq), num_free=num_free)

    def __repr__(self) -> str:
        return "<Fun %s/%d #%d>" % (self.module.name, self.arity, self.index)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Fun, (self.etf, self.module, self.arity, self.index,
                      self.uniq, self.num_free))
