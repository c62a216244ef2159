"""The ETF decoder behind taipan.etf (see that module for the mapping).

Kept apart from the public module only for size; import taipan.etf.
"""

from __future__ import annotations

from struct import Struct
# typing is only needed by type checkers; importing it costs ~5 ms at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Tuple

from .terms import (Atom, BitString, Export, Fun, ImproperList, List,
                    OpaqueObject, Pid, Port, Reference)


class DecodeError(ValueError):
    """Malformed or unsupported ETF.  ``offset`` is where in the input (in
    the decompressed data, for a compressed term) the problem was found."""

    def __init__(self, message: str, offset: int = -1) -> None:
        if offset >= 0:
            message = "%s at offset %d" % (message, offset)
        super().__init__(message)
        self.offset = offset


class LimitError(DecodeError):
    """Input refused for going past a configured limit rather than for being
    malformed.  ``limit`` names the option (``max_depth``,
    ``max_uncompressed``, ``max_key_collisions``), ``max`` is its value
    (None where the decoder does not know it)."""

    def __init__(self, message: str, offset: int = -1, limit: str = "",
                 max: Any = None) -> None:
        if max is not None:
            message = "%s (%s=%d)" % (message, limit, max)
        elif limit:
            message = "%s (%s)" % (message, limit)
        super().__init__(message, offset)
        self.limit = limit
        self.max = max


#: How many keys of one map may share a hash value (see _make_decoder).
DEFAULT_MAX_KEY_COLLISIONS = 64

# Integers below this magnitude hash to themselves (Python's int hash is the
# value modulo 2**61 - 1), so distinct ones never share a hash (but for -1
# and -2): map keys that cannot collide, like str (randomized hashes).
_HASH_SAFE_INT = 1 << 60


def _too_deep(pos: int) -> LimitError:
    return LimitError("nesting too deep", pos, "max_depth")


class PickleRefused(DecodeError):
    """A pickled python object (``{'$erlport.opaque', python, Bin}``) in
    data decoded by a decoder told not to unpickle: the worker refuses them
    unless the host allowed pickles (``allow_pickle`` in hello), since
    unpickling runs code."""


# The wire names it taipan.PickleRefused (docs/protocol.md).
PickleRefused.__module__ = "taipan"

#: PickleRefused's message.
PICKLE_REFUSED = ("refused a pickled python object: this worker does not "
                  "unpickle data from the host (pickle runs code; the host "
                  "allows it with AllowPickle)")


# Precompiled structs; unpack_from parses in place, without slicing.
_u16 = Struct(">H").unpack_from
_u32 = Struct(">I").unpack_from
_xu32 = Struct(">xI").unpack_from
_i32 = Struct(">i").unpack_from
_f64 = Struct(">d").unpack_from
_u32x3 = Struct(">III").unpack_from
_u32x2 = Struct(">II").unpack_from
_u64u32 = Struct(">QI").unpack_from
_u32u8 = Struct(">IB").unpack_from
_u32x3u8 = Struct(">IIB").unpack_from

_OPAQUE = OpaqueObject.marker
_PYTHON = Atom("python")
_MISS = object()

# ---------------------------------------------------------------------------
# Atom caches for the decoder: raw name bytes -> value, one table for the
# latin-1 tags (100, 115) and one for the UTF-8 tags (118, 119), since the
# same bytes mean different names in the two.  true/false/undefined map
# straight to Python's values.  Bounded: past _CACHE_MAX entries new names
# are still decoded (and interned by Atom), just not cached here.
# ---------------------------------------------------------------------------
_CACHE_MAX = 4096
_SPECIAL = {b"true": True, b"false": False, b"undefined": None}
_latin_atoms: dict = dict(_SPECIAL)
_utf8_atoms: dict = dict(_SPECIAL)


def _latin_atom(raw: bytes, pos: int) -> Any:
    try:
        atom = Atom(raw.decode("latin-1"))
    except ValueError as exc:
        raise DecodeError(str(exc), pos) from None
    if len(_latin_atoms) < _CACHE_MAX:
        _latin_atoms[raw] = atom
    return atom


def _utf8_atom(raw: bytes, pos: int) -> Any:
    try:
        atom = Atom(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DecodeError("atom is not valid UTF-8", pos) from None
    except ValueError as exc:
        raise DecodeError(str(exc), pos) from None
    if len(_utf8_atoms) < _CACHE_MAX:
        _utf8_atoms[raw] = atom
    return atom


def _atom_at(buf: bytes, pos: int) -> Tuple[Atom, int]:
    """An atom (any of the four atom tags) as an Atom, never True/None.
    Used for node names, modules and functions inside pids, funs..."""
    tag = buf[pos]
    if tag == 100 or tag == 118:
        n = _u16(buf, pos + 1)[0]
        p = pos + 3
    elif tag == 115 or tag == 119:
        n = buf[pos + 1]
        p = pos + 2
    else:
        raise DecodeError("expected an atom, got tag %d" % tag, pos)
    e = p + n
    raw = buf[p:e]
    try:
        name = raw.decode("latin-1" if tag < 116 else "utf-8")
        return Atom(name), e
    except ValueError as exc:  # bad UTF-8, or too long
        raise DecodeError("invalid atom: %s" % exc, pos) from None

# ---------------------------------------------------------------------------
# Decoder
# ---------------------------------------------------------------------------

def _make_decoder(unpickle: bool, max_collisions: int = DEFAULT_MAX_KEY_COLLISIONS,
                  refuse: bool = False
                  ) -> Callable[[bytes, int, int], Tuple[Any, int]]:
    """Build the recursive term decoder.  A factory so that the unpickle
    choice and the collision limit are closure constants instead of
    arguments on every call: ``unpickle`` calls pickle.loads on python
    opaque objects, ``refuse`` raises PickleRefused on them, neither keeps
    them as OpaqueObject.

    Map keys whose hashes an input can choose (big integers, floats, tuples
    of them: Python's hash of an int is its value modulo 2**61 - 1, and a
    tuple's combines its elements') could all share one hash, and a dict
    then costs O(n**2) to build: 20k such keys, 300 KB, took 4 s, and 15-
    tuples of -1 and -2 (hash(-1) == hash(-2)) 10 s.  So a map refuses a
    key once more than max_collisions of its keys share a hash: LimitError
    naming max_key_collisions.  Binaries, atoms and small integers, the
    usual keys, cannot be made to collide and are not counted.

    dec(buf, pos, depth) -> (term, end).  buf must be bytes.  depth is how
    many more container levels may be opened at pos.

    Bounds: reads of fixed-size fields past the end of buf raise IndexError
    or struct.error, which the entry points turn into DecodeError.  Element
    counts of lists, tuples and maps are checked against the bytes left
    before looping.  Binaries and atoms are not checked one by one (that
    check is a measurable share of the time): a slice stops at the end of
    buf, so nothing larger than the input is allocated, and an over-long
    length leaves pos past the end, which the next read or the final
    end <= len(buf) check catches.

    Speed: a Python call per term is the main cost, so the commonest
    element kinds (binary, small integer, latin-1 atom, INTEGER, NEW_FLOAT)
    are decoded inline wherever elements are read, and so are 2-tuples
    inside lists (proplists).  The inline blocks repeat the same few lines
    on purpose; each is marked with what it decodes.
    """
    u32 = _u32
    u32x = _xu32  # skips the tag byte: saves a `pos + 1` per binary
    i32 = _i32
    f64 = _f64
    latin_get = _latin_atoms.get
    utf8_get = _utf8_atoms.get
    MISS = _MISS
    OPAQUE = _OPAQUE
    PYTHON = _PYTHON
    UDE = UnicodeDecodeError
    SAFE = _HASH_SAFE_INT

    def opaque(items: list, pos: int) -> Any:
        lang, data = items[1], items[2]
        if type(data) is str:
            # The decoder made a str of a UTF-8 binary; undo it (exact,
            # because only valid UTF-8 became str).
            data = data.encode("utf-8")
        if type(lang) is not Atom or type(data) is not bytes:
            return tuple(items)  # not an ErlPort opaque; keep the tuple
        if lang is PYTHON and refuse:
            raise PickleRefused(PICKLE_REFUSED, pos)
        if lang is PYTHON and unpickle:
            try:
                import pickle  # on first use: importing it costs ~8 ms at start-up
                return pickle.loads(data)
            except Exception as exc:
                raise DecodeError("cannot unpickle opaque python object (%s: %s)"
                                  % (type(exc).__name__, exc), pos) from exc
        return OpaqueObject(data, lang)

    def dec(buf: bytes, pos: int, depth: int) -> Tuple[Any, int]:
        tag = buf[pos]

        if tag == 104 and buf[pos + 1] == 2:  # SMALL_TUPLE_EXT, arity 2
            if depth <= 0:
                raise _too_deep(pos)
            depth -= 1
            pos += 2
            t = buf[pos]
            if t == 109:  # inline: binary
                e = pos + 5 + u32x(buf, pos)[0]
                a = buf[pos + 5:e]
                try:
                    a = a.decode()
                except UDE:
                    pass
                pos = e
            elif t == 100:  # inline: latin-1 atom
                e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                a = latin_get(buf[pos + 3:e], MISS)
                if a is MISS:
                    a = _latin_atom(buf[pos + 3:e], pos)
                pos = e
            elif t == 97:  # inline: small integer
                a = buf[pos + 1]
                pos += 2
            else:
                a, pos = dec(buf, pos, depth)
            t = buf[pos]
            if t == 109:  # inline: binary
                e = pos + 5 + u32x(buf, pos)[0]
                b = buf[pos + 5:e]
                try:
                    b = b.decode()
                except UDE:
                    pass
                pos = e
            elif t == 97:  # inline: small integer
                b = buf[pos + 1]
                pos += 2
            elif t == 100:  # inline: latin-1 atom
                e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                b = latin_get(buf[pos + 3:e], MISS)
                if b is MISS:
                    b = _latin_atom(buf[pos + 3:e], pos)
                pos = e
            else:
                b, pos = dec(buf, pos, depth)
            return (a, b), pos

        # Tuples and lists share one element loop.
        if tag == 108 or tag == 104 or tag == 105:
            start = pos
            if tag == 104:
                n = buf[pos + 1]
                pos += 2
                if n == 0:
                    return (), pos
            else:
                n = u32x(buf, pos)[0]
                pos += 5
            blen = len(buf)
            if n > blen - pos:  # every element takes at least one byte
                raise DecodeError("%s of %d elements in %d bytes"
                                  % ("list" if tag == 108 else "tuple",
                                     n, blen - pos), start)
            if depth <= 0:
                raise _too_deep(start)
            t = buf[pos] if n else 0
            if t == 70 or t == 97:
                # Maybe a run of floats or small integers: decoded in bulk.
                v = _runs(buf, pos, n, tag)
                if v is not None:
                    return v
            items = List() if tag == 108 else []
            ap = items.append
            depth -= 1
            pairs = depth > 0  # may 2-tuples be opened inline?
            for _ in range(n):
                t = buf[pos]
                if t == 104 and buf[pos + 1] == 2 and pairs:
                    # inline: 2-tuple, elements inline too (proplists)
                    if buf[pos + 2] == 109:  # inline: binary (peeked)
                        e = pos + 7 + u32x(buf, pos + 2)[0]
                        a = buf[pos + 7:e]
                        try:
                            a = a.decode()
                        except UDE:
                            pass
                        pos = e
                    else:
                        pos += 2
                        t = buf[pos]
                        if t == 100:  # inline: latin-1 atom
                            e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                            a = latin_get(buf[pos + 3:e], MISS)
                            if a is MISS:
                                a = _latin_atom(buf[pos + 3:e], pos)
                            pos = e
                        elif t == 97:  # inline: small integer
                            a = buf[pos + 1]
                            pos += 2
                        else:
                            a, pos = dec(buf, pos, depth - 1)
                    t = buf[pos]
                    if t == 109:  # inline: binary
                        e = pos + 5 + u32x(buf, pos)[0]
                        v = buf[pos + 5:e]
                        try:
                            v = v.decode()
                        except UDE:
                            pass
                        pos = e
                    elif t == 97:  # inline: small integer
                        v = buf[pos + 1]
                        pos += 2
                    elif t == 100:  # inline: latin-1 atom
                        e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                        v = latin_get(buf[pos + 3:e], MISS)
                        if v is MISS:
                            v = _latin_atom(buf[pos + 3:e], pos)
                        pos = e
                    elif t == 98:  # inline: INTEGER_EXT
                        v = i32(buf, pos + 1)[0]
                        pos += 5
                    elif t == 70:  # inline: NEW_FLOAT_EXT
                        v = f64(buf, pos + 1)[0]
                        pos += 9
                    elif t == 107:  # inline: STRING_EXT (list of bytes)
                        e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                        if e > blen:
                            raise DecodeError("string runs past the end of "
                                              "the input", pos)
                        v = List(buf[pos + 3:e])
                        pos = e
                    elif t == 110:  # inline: SMALL_BIG_EXT
                        e = pos + 3 + buf[pos + 1]
                        if e > blen:
                            raise DecodeError("integer runs past the end of "
                                              "the input", pos)
                        v = int.from_bytes(buf[pos + 3:e], "little")
                        if buf[pos + 2]:
                            v = -v
                        pos = e
                    else:
                        v, pos = dec(buf, pos, depth - 1)
                    ap((a, v))
                elif t == 109:  # inline: binary
                    e = pos + 5 + u32x(buf, pos)[0]
                    v = buf[pos + 5:e]
                    try:
                        v = v.decode()
                    except UDE:
                        pass
                    ap(v)
                    pos = e
                elif t == 97:  # inline: small integer
                    ap(buf[pos + 1])
                    pos += 2
                elif t == 100:  # inline: latin-1 atom
                    e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                    v = latin_get(buf[pos + 3:e], MISS)
                    if v is MISS:
                        v = _latin_atom(buf[pos + 3:e], pos)
                    ap(v)
                    pos = e
                elif t == 70:  # inline: NEW_FLOAT_EXT
                    ap(f64(buf, pos + 1)[0])
                    pos += 9
                else:
                    v, pos = dec(buf, pos, depth)
                    ap(v)
            if tag == 108:
                if buf[pos] == 106:
                    return items, pos + 1
                tail, pos = dec(buf, pos, depth)
                if not items:  # [ | T] with no elements is just T
                    return tail, pos
                if isinstance(tail, list):
                    # [a | [b, c]] written as two LIST_EXTs: Erlang reads it
                    # as [a, b, c], and so do we.
                    items.extend(tail)
                    if type(tail) is ImproperList:
                        return ImproperList(items, tail.tail), pos
                    return items, pos
                return ImproperList(items, tail), pos
            if n == 3 and items[0] is OPAQUE:
                if pos > blen:  # don't unpickle a truncated binary
                    raise DecodeError("unexpected end of data", blen)
                return opaque(items, start), pos
            return tuple(items), pos

        if tag == 109:  # BINARY_EXT
            e = pos + 5 + u32x(buf, pos)[0]
            v = buf[pos + 5:e]
            try:
                return v.decode(), e
            except UDE:
                return v, e

        if tag == 97:  # SMALL_INTEGER_EXT
            return buf[pos + 1], pos + 2

        if tag == 100:  # ATOM_EXT (latin-1)
            e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
            v = latin_get(buf[pos + 3:e], MISS)
            if v is MISS:
                v = _latin_atom(buf[pos + 3:e], pos)
            return v, e

        if tag == 107:  # STRING_EXT: a list of bytes (Erlang strings)
            e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
            if e > len(buf):
                raise DecodeError("string runs past the end of the input", pos)
            return List(buf[pos + 3:e]), e

        if tag == 116:  # MAP_EXT
            start = pos
            n = u32x(buf, pos)[0]
            pos += 5
            blen = len(buf)
            if 2 * n > blen - pos:
                raise DecodeError("map of %d pairs in %d bytes" % (n, blen - pos), start)
            if depth <= 0:
                raise _too_deep(start)
            depth -= 1
            d: dict = {}
            hits = None  # hash -> keys with it, for keys that could collide
            try:
                for _ in range(n):
                    t = buf[pos]
                    if t == 109:  # inline: binary
                        e = pos + 5 + u32x(buf, pos)[0]
                        k = buf[pos + 5:e]
                        try:
                            k = k.decode()
                        except UDE:
                            pass
                        pos = e
                    elif t == 100:  # inline: latin-1 atom
                        e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                        k = latin_get(buf[pos + 3:e], MISS)
                        if k is MISS:
                            k = _latin_atom(buf[pos + 3:e], pos)
                        pos = e
                    elif t == 97:  # inline: small integer (cannot collide)
                        k = buf[pos + 1]
                        pos += 2
                    elif t == 98:  # inline: INTEGER_EXT (cannot collide)
                        k = i32(buf, pos + 1)[0]
                        pos += 5
                    else:
                        k, pos = dec(buf, pos, depth)
                        tk = type(k)
                        if not ((tk is int and -SAFE < k < SAFE) or tk is Atom
                                or tk is str or tk is bytes or k is None
                                or tk is bool):
                            if hits is None:
                                hits = {}
                            h = hash(k)  # TypeError when unhashable
                            if h in hits:
                                c = hits[h] + 1
                                if c > max_collisions:
                                    raise LimitError(
                                        "map with more than %d keys of one "
                                        "hash" % max_collisions, start,
                                        "max_key_collisions", max_collisions)
                                hits[h] = c
                            else:
                                hits[h] = 1
                    t = buf[pos]
                    if t == 109:  # inline: binary
                        e = pos + 5 + u32x(buf, pos)[0]
                        v = buf[pos + 5:e]
                        try:
                            v = v.decode()
                        except UDE:
                            pass
                        d[k] = v
                        pos = e
                    elif t == 97:  # inline: small integer
                        d[k] = buf[pos + 1]
                        pos += 2
                    elif t == 100:  # inline: latin-1 atom
                        e = pos + 3 + ((buf[pos + 1] << 8) | buf[pos + 2])
                        v = latin_get(buf[pos + 3:e], MISS)
                        if v is MISS:
                            v = _latin_atom(buf[pos + 3:e], pos)
                        d[k] = v
                        pos = e
                    elif t == 98:  # inline: INTEGER_EXT
                        d[k] = i32(buf, pos + 1)[0]
                        pos += 5
                    elif t == 70:  # inline: NEW_FLOAT_EXT
                        d[k] = f64(buf, pos + 1)[0]
                        pos += 9
                    else:
                        d[k], pos = dec(buf, pos, depth)
            except TypeError:
                raise DecodeError("map key that Python cannot hash", start) from None
            if len(d) != n:
                raise DecodeError("map with duplicate keys (or keys equal in "
                                  "Python, such as 1 and 1.0)", start)
            return d, pos

        if tag == 98:  # INTEGER_EXT
            return i32(buf, pos + 1)[0], pos + 5

        if tag == 70:  # NEW_FLOAT_EXT
            return f64(buf, pos + 1)[0], pos + 9

        if tag == 106:  # NIL_EXT
            return List(), pos + 1

        if tag == 110 or tag == 111:  # SMALL_BIG_EXT, LARGE_BIG_EXT
            if tag == 110:
                n = buf[pos + 1]
                sign = buf[pos + 2]
                p = pos + 3
            else:
                n, sign = _u32u8(buf, pos + 1)
                p = pos + 6
            e = p + n
            if e > len(buf):
                raise DecodeError("integer runs past the end of the input", pos)
            v = int.from_bytes(buf[p:e], "little")
            return (-v if sign else v), e

        if tag == 77:  # BIT_BINARY_EXT
            n, bits = _u32u8(buf, pos + 1)
            p = pos + 6
            e = p + n
            if e > len(buf):
                raise DecodeError("bitstring runs past the end of the input", pos)
            if bits > 8 or (bits == 0) != (n == 0):
                raise DecodeError("bitstring with %d bytes and %d bits in the "
                                  "last byte" % (n, bits), pos)
            if bits == 8 or n == 0:
                return buf[p:e], e
            return BitString(buf[p:e], bits), e

        if tag == 119 or tag == 118 or tag == 115:  # other atom tags
            if tag == 118:
                n = _u16(buf, pos + 1)[0]
                p = pos + 3
            else:
                n = buf[pos + 1]
                p = pos + 2
            e = p + n
            raw = buf[p:e]
            if tag == 115:
                v = latin_get(raw, MISS)
                if v is MISS:
                    v = _latin_atom(raw, pos)
            else:
                v = utf8_get(raw, MISS)
                if v is MISS:
                    v = _utf8_atom(raw, pos)
            return v, e

        return _dec_rare(buf, pos, depth, dec)

    return dec


def _runs(buf: bytes, pos: int, n: int, tag: int) -> Any:
    """(value, end) when the n elements of the list (tag 108) or tuple at
    buf[pos] are all NEW_FLOAT_EXT or all SMALL_INTEGER_EXT, decoded with a
    few C calls instead of a loop; None otherwise.  n was checked against
    the bytes left."""
    blen = len(buf)
    if tag != 108:
        # Tuples of floats (points, vectors): the struct for n
        # NEW_FLOAT_EXTs returns the tuple in one call.
        if buf[pos] == 70 and n <= 64:
            e = pos + 9 * n
            if e <= blen and buf[pos:e:9].count(70) == n:
                return _float_struct(n).unpack_from(buf, pos), e
        return None
    if buf[pos] == 97:
        # Lists of small integers as LIST (STRING_EXT is the usual form):
        # every other byte is 97, the values are the bytes between.
        e = pos + 2 * n
        if e < blen and buf[e] == 106 and buf[pos:e:2].count(97) == n:
            return List(buf[pos + 1:e:2]), e + 1
        return None
    # Lists of floats: every 9th byte is 70; one struct call per 64 floats.
    if n >= 8:
        e = pos + 9 * n
        if e < blen and buf[e] == 106 and buf[pos:e:9].count(70) == n:
            return _float_list(buf, pos, n), e + 1
    return None


_float_structs: dict = {}


def _float_struct(n: int) -> Struct:
    """Struct for n NEW_FLOAT_EXTs (tag skipped, double), n <= 64; cached."""
    st = _float_structs.get(n)
    if st is None:
        st = _float_structs[n] = Struct(">" + "xd" * n)
    return st


def _float_list(buf: bytes, pos: int, n: int) -> List:
    """n NEW_FLOAT_EXTs at buf[pos:] (already checked) as a List."""
    out = List()
    while n:
        k = n if n < 64 else 64
        out += _float_struct(k).unpack_from(buf, pos)
        pos += 9 * k
        n -= k
    return out


def _dec_rare(buf: bytes, pos: int, depth: int, dec: Any) -> Tuple[Any, int]:
    """Tags seen rarely: identifiers, funs, old floats, errors."""
    tag = buf[pos]
    start = pos
    if tag == 88 or tag == 103:  # NEW_PID_EXT, PID_EXT
        node, p = _atom_at(buf, pos + 1)
        if tag == 88:
            i, serial, creation = _u32x3(buf, p)
            e = p + 12
        else:
            i, serial, creation = _u32x3u8(buf, p)
            e = p + 9
        return Pid(node, i, serial, creation, buf[start:e]), e
    if tag == 90 or tag == 114:  # NEWER_REFERENCE_EXT, NEW_REFERENCE_EXT
        n = _u16(buf, pos + 1)[0]
        node, p = _atom_at(buf, pos + 3)
        if tag == 90:
            creation = _u32(buf, p)[0]
            p += 4
        else:
            creation = buf[p]
            p += 1
        e = p + 4 * n
        if e > len(buf):
            raise DecodeError("reference runs past the end of the input", start)
        ids = Struct(">%dI" % n).unpack_from(buf, p)
        return Reference(node, creation, ids, buf[start:e]), e
    if tag == 101:  # REFERENCE_EXT (old)
        node, p = _atom_at(buf, pos + 1)
        i, creation = _u32u8(buf, p)
        e = p + 5
        return Reference(node, creation, (i,), buf[start:e]), e
    if tag == 89 or tag == 102 or tag == 120:  # NEW_PORT, PORT, V4_PORT
        node, p = _atom_at(buf, pos + 1)
        if tag == 89:
            i, creation = _u32x2(buf, p)
            e = p + 8
        elif tag == 102:
            i, creation = _u32u8(buf, p)
            e = p + 5
        else:
            i, creation = _u64u32(buf, p)
            e = p + 12
        return Port(node, i, creation, buf[start:e]), e
    if tag == 113:  # EXPORT_EXT
        module, p = _atom_at(buf, pos + 1)
        function, p = _atom_at(buf, p)
        if buf[p] != 97:
            raise DecodeError("export arity must be a small integer", p)
        e = p + 2
        return Export(module, function, buf[p + 1], buf[start:e]), e
    if tag == 112:  # NEW_FUN_EXT
        size = _xu32(buf, pos)[0]
        e = pos + 1 + size  # Size counts itself, not the tag
        if size < 33 or e > len(buf):
            raise DecodeError("fun of %d bytes does not fit" % size, start)
        arity = buf[pos + 5]
        uniq = buf[pos + 6:pos + 22]
        index, num_free = _u32x2(buf, pos + 22)
        module, p = _atom_at(buf, pos + 30)
        if num_free > e - p:
            raise DecodeError("fun with %d free variables does not fit" % num_free, start)
        if depth <= 0:
            raise _too_deep(start)
        # OldIndex, OldUniq, Pid, then the free variables: decoded only to
        # check that they are well formed and end exactly at Size.
        for _ in range(3 + num_free):
            _, p = dec(buf, p, depth - 1)
        if p != e:
            raise DecodeError("fun contents do not match its size", start)
        return Fun(buf[start:e], module, arity, index, uniq, num_free), e
    if tag == 99:  # FLOAT_EXT: 31 bytes of "%.20e" text
        e = pos + 32
        if e > len(buf):
            raise DecodeError("float runs past the end of the input", pos)
        text = buf[pos + 1:e].split(b"\x00", 1)[0]
        try:
            return float(text), e
        except ValueError:
            raise DecodeError("bad FLOAT_EXT text %r" % text, pos) from None
    if tag == 82 or tag == 121:
        raise DecodeError("distribution-only tag %d (%s) is not allowed outside "
                          "the Erlang distribution protocol"
                          % (tag, "ATOM_CACHE_REF" if tag == 82 else "LOCAL_EXT"), pos)
    if tag == 117:
        raise DecodeError("obsolete FUN_EXT (117) is not supported", pos)
    if tag == 80:
        raise DecodeError("compressed term inside a term", pos)
    raise DecodeError("unknown tag %d" % tag, pos)


# The two decoders decode_from picks from, by its unpickle option; the
# worker's reader uses the third unless the host allows pickles.
_dec_unpickle = _make_decoder(True)
_dec_keep = _make_decoder(False)
_decoders = {(True, DEFAULT_MAX_KEY_COLLISIONS): _dec_unpickle,
             (False, DEFAULT_MAX_KEY_COLLISIONS): _dec_keep}


def _decoder(unpickle: bool, max_collisions: int) -> Any:
    """The decoder for these options (built once per distinct limit)."""
    dec = _decoders.get((unpickle, max_collisions))
    if dec is None:
        if type(max_collisions) is not int or max_collisions < 1:
            raise ValueError("max_key_collisions must be a positive int, not %r"
                             % (max_collisions,))
        if len(_decoders) >= 16:
            _decoders.clear()  # bounded: a limit per call is not a use case
            _decoders[(True, DEFAULT_MAX_KEY_COLLISIONS)] = _dec_unpickle
            _decoders[(False, DEFAULT_MAX_KEY_COLLISIONS)] = _dec_keep
        dec = _decoders[(unpickle, max_collisions)] = _make_decoder(
            unpickle, max_collisions)
    return dec


_dec_refuse = _make_decoder(False, refuse=True)
