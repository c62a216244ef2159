"""Erlang External Term Format (ETF) codec, pure standard library.

    encode(term, compressed=0, *, hook=None) -> bytes   (starts with 131)
    encode_into(out, term, *, hook=None)                 appends to a bytearray
    decode(data, *, ...) -> term                         the whole input is one term
    decode_from(buf, offset=0, *, ...) -> (term, end)    one term at buf[offset:]

Type mapping (the Go side, erlterm/, maps the same way):

    Python                        ETF
    None                          atom undefined (and undefined decodes to None)
    True / False                  atoms true / false
    int                           SMALL_INTEGER (0..255), INTEGER (int32),
                                  SMALL_BIG (<= 255 bytes), LARGE_BIG
    float                         NEW_FLOAT (FLOAT_EXT also decodes).  NaN and
                                  infinities have no Erlang form: they go to the
                                  encode hook, else EncodeError.
    str                           BINARY, UTF-8
    bytes, bytearray, memoryview  BIT_BINARY with 8 bits in the last byte, which
                                  Erlang reads as a plain binary; b"" is
                                  BIT_BINARY with length 0 and bits 0 (Erlang
                                  rejects length 0 with bits 8)
    Atom                          ATOM_EXT if latin-1, else SMALL_ATOM_UTF8 /
                                  ATOM_UTF8
    tuple                         SMALL_TUPLE / LARGE_TUPLE
    list, List                    NIL when empty; STRING_EXT when it holds
                                  1..65535 ints in 0..255 (as Erlang's
                                  term_to_binary and the Go encoder write
                                  it; a bool anywhere keeps it a LIST, so
                                  [True, False] stays atoms, unlike
                                  ErlPort); else LIST ... NIL
    ImproperList                  LIST with a non-NIL tail
    dict                          MAP
    BitString                     BIT_BINARY with bits 1..8
    Pid, Port, Reference,         the exact bytes they were decoded from
    Export, Fun
    OpaqueObject(data, erlang)    data spliced in raw (ErlPort's behaviour)
    OpaqueObject(data, lang)      {'$erlport.opaque', Lang, <<Data>>}
    subclasses of the above       as their base type (IntEnum -> int,
                                  namedtuple -> tuple, OrderedDict -> map...)
    objects with __index__        integers (numpy integer scalars...)
    anything else                 the encode hook if given, else pickled:
                                  {'$erlport.opaque', python, <<Pickle>>}
                                  (pickle protocol PICKLE_PROTOCOL)

Decoding:
    BINARY          str when the bytes are valid UTF-8, else bytes.  (So a Go
                    string holding invalid UTF-8 arrives as bytes, and goes
                    back as BIT_BINARY, i.e. a Go []byte.)
    BIT_BINARY      bytes when the last byte is whole (or the binary is empty),
                    else BitString
    LIST, STRING,   List (a list subclass with ErlPort's to_string()); a
    NIL             non-NIL tail gives ImproperList
    MAP             dict; duplicate keys, or keys Python sees as equal (1 and
                    1.0, true and 1), are a DecodeError, and so are keys
                    Python cannot hash (lists, maps)
    atoms           Atom, except true/false/undefined -> True/False/None
    {'$erlport.opaque', python, Bin}   pickle.loads(Bin): only decode data
                    from a peer you trust, as with ErlPort (unpickle=False
                    keeps it as an OpaqueObject)

Not accepted: the distribution-only tags ATOM_CACHE_REF (82) and LOCAL_EXT
(121), the obsolete FUN_EXT (117), and a compressed term anywhere but at the
top.  Every malformed input raises DecodeError (a ValueError) naming the byte
offset; decoding never allocates much more than the input for a declared
length.  Limits, each an option of decode and decode_from with its default
here, raise LimitError (a DecodeError whose ``limit`` names the option):
nesting depth (max_depth, a list tail that is a list counting as a level),
what a compressed term may inflate to (max_uncompressed: refused on its
declared size, and never inflated past it), and how many keys of one map
may share a hash (max_key_collisions: Python's dict is quadratic in them).

Hooks: encode(hook=f) calls f(x) for each value it cannot encode natively
(anywhere in the term, and non-finite floats); the returned value is
encoded instead, and if f returns x itself the value is pickled.
decode(hook=f) calls f on every decoded value (map keys included),
innermost first, and uses what it returns.

Atoms vs strings: Atom is its own type (see taipan.terms.Atom), so a str
always goes out as a binary and only an Atom goes out as an atom.

Speed: this is pure Python, so the cost is interpreter work per term; the
decoder (_etf_dec.py) and encoder (_etf_enc.py) handle the common element
kinds inline inside the container loops, the decoder parses by offset into
the input (no slicing except for the final binary payloads), and the
encoder appends to one bytearray and caches the encoding of short str
keys (proplists, maps).
"""

from __future__ import annotations

import sys
import zlib
from struct import error as _StructError
# typing is only needed by type checkers; importing it costs ~5 ms at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, Tuple

from ._etf_dec import (DEFAULT_MAX_KEY_COLLISIONS, DecodeError, LimitError,
                       _dec_keep, _dec_unpickle, _decoder, _xu32)
from ._etf_enc import PICKLE_PROTOCOL, EncodeError, _enc
from .terms import ImproperList, List

__all__ = [
    "encode", "encode_into", "decode", "decode_from",
    "DecodeError", "LimitError", "EncodeError",
    "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_UNCOMPRESSED", "DEFAULT_MAX_KEY_COLLISIONS",
    "PICKLE_PROTOCOL",
]

#: Nesting depth decode accepts before raising LimitError; a list tail
#: that is itself a list counts as a level.  The Go side's
#: erlterm.DefaultMaxDepth is the same number, counted the same way.
DEFAULT_MAX_DEPTH = 1000
#: Largest size a compressed term may inflate to (16 MiB): the same
#: budget as the Go side's erlterm.DefaultMaxDecompressedSize, well under
#: the 64 MiB frame limit because a small frame can inflate to it (see
#: _decompress).  The host sends its own value in the hello.
DEFAULT_MAX_UNCOMPRESSED = 16 << 20
#: DEFAULT_MAX_KEY_COLLISIONS (from _etf_dec): how many keys of one map
#: may share a hash before LimitError.

# A compressed term is inflated this much at a time (see _decompress).
_INFLATE_CHUNK = 2 << 20
# What one byte of deflate data can inflate to at most: a length/distance
# pair takes at least 2 bits and copies at most 258 bytes.
_MAX_DEFLATE_RATIO = 1032

VERSION = 131

# decode recursion is one Python frame per nesting level; make sure the
# interpreter allows max_depth frames on top of whatever the caller uses.
_recursion_ok = 0


def _ensure_recursion(max_depth: int) -> None:
    global _recursion_ok
    want = max_depth + 1000
    if sys.getrecursionlimit() < want:
        sys.setrecursionlimit(want)
    _recursion_ok = max(_recursion_ok, max_depth)


def _decompress(buf: bytes, pos: int, max_uncompressed: int) -> Tuple[bytes, int]:
    """Inflate the compressed term at buf[pos] (tag 80).  Returns the raw
    term bytes and the offset just past the zlib stream.

    The declared size is checked against max_uncompressed, and against what
    the bytes left could ever inflate to, before anything is inflated; then
    the stream is inflated a chunk at a time and never past the declared
    size (one byte more tells a stream that lies about it), so a bomb costs
    at most its declared size, whatever its stream holds."""
    size = _xu32(buf, pos)[0]
    if size > max_uncompressed:
        raise LimitError("compressed term declares %d bytes" % size, pos,
                         "max_uncompressed", max_uncompressed)
    if size == 0:
        raise DecodeError("compressed term declares 0 bytes", pos)
    if size > _MAX_DEFLATE_RATIO * (len(buf) - pos - 5):
        raise DecodeError("compressed term declares %d bytes, more than its "
                          "%d bytes of zlib stream can hold"
                          % (size, len(buf) - pos - 5), pos)
    d = zlib.decompressobj()
    parts = []
    got = 0
    data = memoryview(buf)[pos + 5:]
    try:
        while got <= size and not d.eof:
            # max_length bounds what one call produces, whatever the
            # stream holds; +1 so that a stream longer than declared is
            # noticed.
            chunk = d.decompress(data, min(size + 1 - got, _INFLATE_CHUNK))
            data = d.unconsumed_tail
            if not chunk and not data:
                break  # no input left and no output pending: cut short
            got += len(chunk)
            parts.append(chunk)
    except zlib.error as exc:
        raise DecodeError("bad zlib data (%s)" % exc, pos + 5) from None
    if got != size:
        raise DecodeError("compressed term declares %d bytes but holds %s"
                          % (size, "more" if got > size else got), pos)
    if not d.eof:
        raise DecodeError("truncated zlib stream", pos + 5)
    raw = parts[0] if len(parts) == 1 else b"".join(parts)
    return raw, len(buf) - len(d.unused_data)


def _convert(buf: Any, offset: int) -> bytes:
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise TypeError("ETF data must be bytes, bytearray or memoryview, not %s"
                        % type(buf).__name__)
    if offset < 0 or offset > len(buf):
        raise ValueError("offset out of range")
    if isinstance(buf, memoryview):
        return bytes(buf.cast("B")[offset:])
    return bytes(buf[offset:])


def _decode_top(buf: bytes, pos: int, max_depth: int, dec: Any,
                max_uncompressed: int) -> Tuple[Any, int]:
    """Decode the term whose version byte is at buf[pos] with the decoder
    dec (see _decoder); (term, end)."""
    if max_depth > _recursion_ok:
        _ensure_recursion(max_depth)
    n = len(buf)
    try:
        if buf[pos] != VERSION:
            raise DecodeError("not ETF: version byte is %d, not 131" % buf[pos], pos)
        if buf[pos + 1] == 80:
            raw, end = _decompress(buf, pos + 1, max_uncompressed)
            try:
                term, used = dec(raw, 0, max_depth)
            except (IndexError, _StructError):
                raise DecodeError("unexpected end of decompressed data",
                                  len(raw)) from None
            if used != len(raw):
                raise DecodeError("compressed term: %s"
                                  % ("trailing bytes" if used < len(raw)
                                     else "unexpected end of data"), used)
            return term, end
        term, end = dec(buf, pos + 1, max_depth)
    except (IndexError, _StructError):
        # Some fixed-size field ran past the end: the data stops too early.
        raise DecodeError("unexpected end of data", n) from None
    except RecursionError:
        raise LimitError("nesting too deep for the Python stack", pos,
                         "max_depth") from None
    if end > n:  # a binary or atom claimed more bytes than there are
        raise DecodeError("unexpected end of data", n)
    return term, end


def decode_from(buf: Any, offset: int = 0, *,
                max_depth: int = DEFAULT_MAX_DEPTH,
                hook: Optional[Callable[[Any], Any]] = None,
                unpickle: bool = True,
                max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
                max_key_collisions: int = DEFAULT_MAX_KEY_COLLISIONS
                ) -> Tuple[Any, int]:
    """Decode the term that starts (with its 131 version byte) at
    ``buf[offset]``; return ``(term, end)`` where ``end`` is the offset just
    past it.  Bytes after ``end`` are not looked at, so one read buffer can
    hold many frames; a caller that knows the frame length should check that
    ``end`` lands on it.

    ``buf`` is parsed in place when it is ``bytes``.  A bytearray or
    memoryview is first copied from ``offset`` on (O(rest of the buffer));
    pass bytes for zero-copy parsing.

    Options: ``max_depth`` (nesting limit), ``hook`` (called on every decoded
    value, innermost first), ``unpickle`` (False keeps python opaque objects
    as OpaqueObject instead of calling pickle.loads), ``max_uncompressed``
    (what a compressed term may inflate to), ``max_key_collisions`` (how
    many keys of one map may share a hash).  Raises DecodeError; a limit
    passed raises its subclass LimitError, whose ``limit`` names the option.
    """
    if type(buf) is not bytes:
        term, end = decode_from(_convert(buf, offset), 0, max_depth=max_depth,
                                hook=hook, unpickle=unpickle,
                                max_uncompressed=max_uncompressed,
                                max_key_collisions=max_key_collisions)
        return term, offset + end
    if offset < 0:
        raise ValueError("offset out of range")
    if max_key_collisions == DEFAULT_MAX_KEY_COLLISIONS:
        dec = _dec_unpickle if unpickle else _dec_keep
    else:
        dec = _decoder(bool(unpickle), max_key_collisions)
    term, end = _decode_top(buf, offset, max_depth, dec, max_uncompressed)
    if hook is not None:
        term = _walk(term, hook)
    return term, end


def decode(data: Any, *, max_depth: int = DEFAULT_MAX_DEPTH,
           hook: Optional[Callable[[Any], Any]] = None,
           unpickle: bool = True,
           max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
           max_key_collisions: int = DEFAULT_MAX_KEY_COLLISIONS) -> Any:
    """Decode one ETF term (131 version byte, optionally compressed) that
    fills ``data`` exactly (bytes, bytearray or memoryview).  Trailing bytes
    are a DecodeError.  Options as for decode_from."""
    if type(data) is not bytes:
        data = _convert(data, 0)
    n = len(data)
    if max_key_collisions == DEFAULT_MAX_KEY_COLLISIONS:
        dec = _dec_unpickle if unpickle else _dec_keep
    else:
        dec = _decoder(bool(unpickle), max_key_collisions)
    if n > 1 and data[0] == VERSION and data[1] != 80 and max_depth <= _recursion_ok:
        # The common case (bytes, not compressed), with _decode_top's work
        # inlined: one Python call less per message.
        try:
            term, end = dec(data, 1, max_depth)
        except (IndexError, _StructError):
            raise DecodeError("unexpected end of data", n) from None
        except RecursionError:
            raise LimitError("nesting too deep for the Python stack", 0,
                             "max_depth") from None
        if end > n:  # a binary or atom claimed more bytes than there are
            raise DecodeError("unexpected end of data", n)
    else:
        term, end = _decode_top(data, 0, max_depth, dec, max_uncompressed)
    if end != n:
        raise DecodeError("%d trailing bytes after the term" % (n - end), end)
    if hook is not None:
        term = _walk(term, hook)
    return term


def _walk(x: Any, hook: Callable[[Any], Any]) -> Any:
    """Apply the decode hook to x and everything in it, innermost first."""
    t = type(x)
    if t is tuple:
        x = tuple([_walk(e, hook) for e in x])
    elif t is List:
        x = List([_walk(e, hook) for e in x])
    elif t is ImproperList:
        x = ImproperList([_walk(e, hook) for e in x], _walk(x.tail, hook))
    elif t is dict:
        x = {_walk(k, hook): _walk(v, hook) for k, v in x.items()}
    return hook(x)

def encode_into(out: bytearray, term: Any, *,
                hook: Optional[Callable[[Any], Any]] = None) -> None:
    """Append the ETF of term (131 version byte first, never compressed) to
    out.  Lets a writer build a length-prefixed frame in place."""
    start = len(out)
    out.append(VERSION)
    try:
        _enc(term, out, hook)
    except RecursionError:
        del out[start:]
        raise EncodeError("term nested too deeply (or it contains itself)") from None
    except BaseException:
        del out[start:]
        raise


def encode(term: Any, compressed: int = 0, *,
           hook: Optional[Callable[[Any], Any]] = None) -> bytes:
    """Encode term as ETF, starting with the 131 version byte.

    ``compressed``: 0 (or False) never compresses; 1..9 is a zlib level (True
    means 6, Erlang's default).  The compressed form (tag 80) is used only
    when it is smaller.  ``hook``: see the module doc.  Raises EncodeError.
    """
    out = bytearray(b"\x83")
    try:
        _enc(term, out, hook)
    except RecursionError:
        raise EncodeError("term nested too deeply (or it contains itself)") from None
    if compressed:
        level = 6 if compressed is True else compressed
        if type(level) is not int or not 1 <= level <= 9:
            raise ValueError("compressed must be 0..9, got %r" % (compressed,))
        raw = memoryview(out)[1:]
        z = zlib.compress(raw, level)
        if len(z) + 5 < len(raw):
            return b"\x83P" + len(raw).to_bytes(4, "big") + z
    return bytes(out)
