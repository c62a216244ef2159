"""The ETF encoder behind taipan.etf (see that module for the mapping).

Kept apart from the public module only for size; import taipan.etf.
"""

from __future__ import annotations

import operator
from struct import Struct
# typing is only needed by type checkers; importing it costs ~5 ms at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .terms import Atom, BitString, ImproperList, List, OpaqueObject, _Ident

#: Protocol of the pickles sent for values ETF cannot carry.  4 is read by
#: every Python >= 3.4 (ErlPort used 2, for Python 2); 5 only adds
#: out-of-band buffers, which a byte string cannot carry anyway.
PICKLE_PROTOCOL = 4


class EncodeError(ValueError):
    """A value that cannot be encoded (unpicklable, NaN, too deep...)."""


_pack_BI = Struct(">BI").pack
_pack_Bi = Struct(">bi").pack      # tag 98 fits a signed byte
_pack_Bd = Struct(">Bd").pack
_pack_BIB = Struct(">BIB").pack
_pack_BH = Struct(">BH").pack
_pack_BBB = Struct(">BBB").pack

# Pre-encoded constants.
_SMALL_INT = tuple(bytes((97, i)) for i in range(256))
_SMALL_TUPLE = tuple(bytes((104, i)) for i in range(256))
_BIN_HDR = tuple(_pack_BI(109, i) for i in range(256))
_TRUE = b"d\x00\x04true"
_FALSE = b"d\x00\x05false"
_UNDEFINED = b"d\x00\x09undefined"
_EMPTY_BITS = b"M\x00\x00\x00\x00\x00"

_OPAQUE = OpaqueObject.marker
_PYTHON = Atom("python")
_ERLANG = Atom("erlang")


# ---------------------------------------------------------------------------
# Encoder
# ---------------------------------------------------------------------------

def _enc(x: Any, out: bytearray, hook: Any) -> None:
    """Append the ETF of x to out.

    Dispatch is on the exact type, commonest first.  As in the decoder, a
    Python call per term is the main cost, so containers encode the common
    element kinds inline (str, small int, Atom, finite float, None, and
    2-tuples inside lists); the inline blocks repeat on purpose.
    """
    t = type(x)
    if t is str:
        b = x.encode()
        n = len(b)
        out += _BIN_HDR[n] if n < 256 else _pack_BI(109, n)
        out += b
    elif t is int:
        if 0 <= x < 256:
            out += _SMALL_INT[x]
        elif -2147483648 <= x <= 2147483647:
            out += _pack_Bi(98, x)
        else:
            _enc_big(x, out)
    elif t is tuple:
        n = len(x)
        out += _SMALL_TUPLE[n] if n < 256 else _pack_BI(105, n)
        for e in x:
            te = type(e)
            if te is str:  # inline: str
                b = e.encode()
                n = len(b)
                out += _BIN_HDR[n] if n < 256 else _pack_BI(109, n)
                out += b
            elif te is int and 0 <= e < 256:  # inline: small int
                out += _SMALL_INT[e]
            elif te is Atom:  # inline: atom
                out += e._etf
            elif te is float and e - e == 0.0:  # inline: finite float
                out += _pack_Bd(70, e)
            else:
                _enc(e, out, hook)
    elif t is list or t is List:
        _enc_list(x, out, hook)
    elif t is dict:
        out += _pack_BI(116, len(x))
        bytes_keys = False
        for k, v in x.items():
            tk = type(k)
            if tk is str:  # inline: str, cached
                b = _map_key_get(k)
                if b is None:
                    b = _map_key(k)
                out += b
            elif tk is Atom:  # inline: atom
                out += k._etf
            else:
                if tk is bytes:
                    bytes_keys = True
                _enc(k, out, hook)
            tv = type(v)
            if tv is str:  # inline: str
                b = v.encode()
                n = len(b)
                out += _BIN_HDR[n] if n < 256 else _pack_BI(109, n)
                out += b
            elif tv is int:  # inline: int
                if 0 <= v < 256:
                    out += _SMALL_INT[v]
                elif -2147483648 <= v <= 2147483647:
                    out += _pack_Bi(98, v)
                else:
                    _enc_big(v, out)
            elif tv is Atom:  # inline: atom
                out += v._etf
            elif tv is float and v - v == 0.0:  # inline: finite float
                out += _pack_Bd(70, v)
            elif tv is list or tv is List:  # skip _enc's type tests
                _enc_list(v, out, hook)
            else:
                _enc(v, out, hook)
        if bytes_keys:
            _check_binary_keys(x)
    elif t is Atom:
        out += x._etf
    elif t is float:
        if x - x == 0.0:  # finite (inf - inf and nan - nan are nan)
            out += _pack_Bd(70, x)
        else:
            _enc_other(x, out, hook)
    elif t is bytes:
        n = len(x)
        if n:
            out += _pack_BIB(77, n, 8)
            out += x
        else:
            out += _EMPTY_BITS
    elif t is bool:
        out += _TRUE if x else _FALSE
    elif x is None:
        out += _UNDEFINED
    else:
        _enc_other(x, out, hook)


def _enc_list(x: list, out: bytearray, hook: Any) -> None:
    n = len(x)
    if not n:
        out += b"j"
        return
    first = x[0]
    if type(first) is int and 0 <= first < 256:
        # Lists of small integers go out as STRING_EXT, as Erlang's
        # term_to_binary and our Go encoder write them (1..65535 elements
        # of 0..255): bytearray() validates the whole list in C (twice as
        # fast as bytes() from a list on CPython 3.11).  It also takes bools
        # (and anything with __index__), so bools, which must stay atoms,
        # are looked for; `0 in b` is a memchr, so the common no-0/1 case
        # costs nothing.
        try:
            b = bytearray(x)
        except (TypeError, ValueError):
            b = None
        if b is not None and not ((0 in b or 1 in b) and _has_bool(x, b)):
            if n <= 65535:
                out += _pack_BH(107, n)
                out += b
            else:
                # Too long for STRING_EXT: LIST of SMALL_INTEGERs, the 97
                # tags interleaved in one slice assignment.
                out += _pack_BI(108, n)
                start = len(out)
                out += b"a\x00" * n
                out[start + 1::2] = b
                out += b"j"
            return
    out += _pack_BI(108, n)
    if type(first) is float and n >= _FLOAT_RUN_MIN:
        # Lists of floats (numeric data): one struct call per 64 floats.
        # Only when every element is a float (pack would take ints too)
        # and all are finite (a non-finite sum means some are not, or the
        # sum overflowed: either way the general loop sorts it out).
        if len(set(map(type, x))) == 1:
            total = sum(x)
            if total - total == 0.0:
                args = [70] * (2 * n)
                args[1::2] = x
                for i in range(0, 2 * n, 128):
                    chunk = args[i:i + 128]
                    out += _float_run(len(chunk) // 2).pack(*chunk)
                out += b"j"
                return
    for e in x:
        te = type(e)
        if te is tuple and len(e) == 2:  # inline: 2-tuple (proplists)
            k, v = e
            if type(k) is str:  # inline: str key, with b"h\x02", cached
                b = _pair_key_get(k)
                if b is None:
                    b = _pair_key(k)
                out += b
            else:
                out += b"h\x02"
                if type(k) is Atom:  # inline: atom
                    out += k._etf
                else:
                    _enc(k, out, hook)
            tv = type(v)
            if tv is str:  # inline: str
                b = v.encode()
                n = len(b)
                out += _BIN_HDR[n] if n < 256 else _pack_BI(109, n)
                out += b
            elif tv is int:  # inline: int
                if 0 <= v < 256:
                    out += _SMALL_INT[v]
                elif -2147483648 <= v <= 2147483647:
                    out += _pack_Bi(98, v)
                else:
                    _enc_big(v, out)
            elif tv is Atom:  # inline: atom
                out += v._etf
            elif tv is float and v - v == 0.0:  # inline: finite float
                out += _pack_Bd(70, v)
            elif tv is list or tv is List:  # skip _enc's type tests
                _enc_list(v, out, hook)
            elif tv is bytes and v:  # inline: bytes (BIT_BINARY, 8 bits)
                out += _pack_BIB(77, len(v), 8)
                out += v
            else:
                _enc(v, out, hook)
        elif te is str:  # inline: str
            b = e.encode()
            n = len(b)
            out += _BIN_HDR[n] if n < 256 else _pack_BI(109, n)
            out += b
        elif te is int and 0 <= e < 256:  # inline: small int
            out += _SMALL_INT[e]
        elif te is Atom:  # inline: atom
            out += e._etf
        elif te is float and e - e == 0.0:  # inline: finite float
            out += _pack_Bd(70, e)
        elif e is None:  # inline: None
            out += _UNDEFINED
        elif te is bool:  # inline: bool
            out += _TRUE if e else _FALSE
        else:
            _enc(e, out, hook)
    out += b"j"


# ---------------------------------------------------------------------------
# Caches of encoded str keys.  Proplist and map keys repeat from message to
# message, so their ETF (for proplists with the b"h\x02" of the pair before
# it) is kept: one dict lookup and one append instead of encode, len, header
# and two appends.  Bounded: only short keys, and the table is emptied when
# full, so a stream of ever-new keys costs a rebuild now and then, never
# unbounded memory.  Plain dict operations, so safe under threads.
# ---------------------------------------------------------------------------
_KEY_CACHE_MAX = 1024
_KEY_CACHE_LEN = 64
_pair_keys: dict = {}
_map_keys: dict = {}
_pair_key_get = _pair_keys.get
_map_key_get = _map_keys.get


def _str_etf(s: str) -> bytes:
    b = s.encode()
    n = len(b)
    return (_BIN_HDR[n] if n < 256 else _pack_BI(109, n)) + b


def _pair_key(k: str) -> bytes:
    """b"h\x02" + the ETF of str k, cached when short."""
    b = b"h\x02" + _str_etf(k)
    if len(k) <= _KEY_CACHE_LEN:
        if len(_pair_keys) >= _KEY_CACHE_MAX:
            _pair_keys.clear()
        _pair_keys[k] = b
    return b


def _map_key(k: str) -> bytes:
    """The ETF of str k, cached when short."""
    b = _str_etf(k)
    if len(k) <= _KEY_CACHE_LEN:
        if len(_map_keys) >= _KEY_CACHE_MAX:
            _map_keys.clear()
        _map_keys[k] = b
    return b


_FLOAT_RUN_MIN = 8
_float_runs: dict = {}


def _float_run(n: int) -> Struct:
    """Struct for n NEW_FLOAT_EXTs (tag, double), n <= 64; cached."""
    st = _float_runs.get(n)
    if st is None:
        st = _float_runs[n] = Struct(">" + "Bd" * n)
    return st


def _has_bool(x: list, b: bytearray) -> bool:
    """Is there a True or False in x (whose bytearray() is b)?  Only
    positions holding 0 or 1 can be bools."""
    i = b.find(0)
    j = b.find(1)
    if (i >= 0 and type(x[i]) is bool) or (j >= 0 and type(x[j]) is bool):
        return True
    if (i < 0 or b.find(0, i + 1) < 0) and (j < 0 or b.find(1, j + 1) < 0):
        return False  # the common case: one 0 and one 1 at most, both ints
    checked = 0
    for v in (0, 1):
        i = b.find(v)
        while i >= 0:
            if type(x[i]) is bool:
                return True
            checked += 1
            if checked > 16:  # many 0s and 1s: one pass over the types
                return bool in set(map(type, x))
            i = b.find(v, i + 1)
    return False


def _enc_big(x: int, out: bytearray) -> None:
    sign = 0
    if x < 0:
        sign = 1
        x = -x
    n = (x.bit_length() + 7) // 8
    if n < 256:
        out += _pack_BBB(110, n, sign)
    elif n <= 0xFFFFFFFF:
        out += _pack_BIB(111, n, sign)
    else:
        raise EncodeError("integer too large for ETF")
    out += x.to_bytes(n, "little")


def _check_binary_keys(d: dict) -> None:
    """A str key and a bytes key with the same bytes are distinct in Python
    but the same Erlang binary, and Erlang rejects maps with duplicate keys."""
    for k in d:
        if type(k) is bytes:
            try:
                s = k.decode()
            except UnicodeDecodeError:
                continue
            if s in d:
                raise EncodeError("map has both %r and %r as keys, which are the "
                                  "same Erlang binary" % (s, k))


def _enc_other(x: Any, out: bytearray, hook: Any) -> None:
    """Values whose exact type is not one of the common ones."""
    t = type(x)
    if t is ImproperList:
        out += _pack_BI(108, len(x))
        for e in x:
            _enc(e, out, hook)
        _enc(x.tail, out, hook)
        return
    if t is OpaqueObject:
        if x.language is _ERLANG:
            out += x.data  # raw ETF term, as ErlPort does
        else:
            out += b"h\x03"
            out += _OPAQUE._etf
            out += x.language._etf
            # BINARY_EXT, as ErlPort sends it, so that ErlPort peers read it.
            out += _pack_BI(109, len(x.data))
            out += x.data
        return
    if t is BitString:
        out += _pack_BIB(77, len(x.data), x.bits)
        out += x.data
        return
    if isinstance(x, _Ident):
        out += x.etf
        return
    if t is bytearray or t is memoryview:
        if t is memoryview:
            if not x.c_contiguous:
                x = x.tobytes()
                n = len(x)
            else:
                n = x.nbytes  # bytes, whatever the item format
        else:
            n = len(x)
        if n:
            out += _pack_BIB(77, n, 8)
            out += x
        else:
            out += _EMPTY_BITS
        return
    if t is float:  # only non-finite floats get here
        if hook is not None:
            y = hook(x)
            if y is not x:
                _enc(y, out, hook)
                return
        raise EncodeError("%r has no Erlang representation" % x)
    # Subclasses of the native types encode as their base type (IntEnum as
    # int, namedtuple as tuple, OrderedDict as dict, a str Enum as str...).
    # bool cannot be subclassed, so int subclasses here are real ints.
    if isinstance(x, int):
        _enc(int(x), out, hook)
        return
    if isinstance(x, str):
        _enc(str(x), out, hook)
        return
    if isinstance(x, float):
        _enc(float(x), out, hook)
        return
    if isinstance(x, bytes):
        _enc(bytes(x), out, hook)
        return
    if isinstance(x, tuple):
        _enc(tuple(x), out, hook)
        return
    if isinstance(x, list):
        _enc_list(x, out, hook)
        return
    if isinstance(x, dict):
        _enc(dict(x), out, hook)
        return
    # Integers of other libraries (numpy...) that say they are integers.
    if hasattr(t, "__index__"):
        try:
            i = operator.index(x)
        except TypeError:
            pass
        else:
            _enc(i, out, hook)
            return
    if hook is not None:
        y = hook(x)
        if y is not x:
            _enc(y, out, hook)
            return
    try:
        import pickle  # on first use: importing it costs ~8 ms at start-up
        data = pickle.dumps(x, PICKLE_PROTOCOL)
    except Exception as exc:
        raise EncodeError("cannot encode %s: not an ETF type and not picklable "
                          "(%s)" % (t.__name__, exc)) from exc
    out += b"h\x03"
    out += _OPAQUE._etf
    out += _PYTHON._etf
    out += _pack_BI(109, len(data))
    out += data
