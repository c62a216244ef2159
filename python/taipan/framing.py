"""Length-prefixed ETF frames over pipes: a reader that parses every complete
frame of a 64 KiB read by offset, and a writer that batches frames so that all
ready replies leave in one ``os.write``.

Frame: a 4-byte big-endian length, then that many bytes of ETF (131 first).
"""

from __future__ import annotations

import os
from _thread import RLock
from struct import Struct, error as _StructError
from time import perf_counter

from ._etf_dec import _dec_keep, _dec_refuse
from ._etf_enc import _enc, _pack_BI
from .etf import (DEFAULT_MAX_DEPTH, DEFAULT_MAX_UNCOMPRESSED, DecodeError,
                  EncodeError, _dec_unpickle, _decode_top, _ensure_recursion,
                  decode_from, encode_into)
from .errors import ProtocolError
from .terms import Atom

TYPE_CHECKING = False
if TYPE_CHECKING:  # no typing import at start-up
    from typing import Any, List as _List

__all__ = ["FrameReader", "FrameWriter", "BadFrame", "READ_SIZE",
           "DEFAULT_MAX_FRAME", "FLUSH_AGE"]

READ_SIZE = 65536
#: The largest frame either side may send: the Go host's
#: snakes.DefaultMaxFrame (and erlterm.DefaultMaxFrameSize), the same
#: number; the host sends its own in the hello (max_frame).
DEFAULT_MAX_FRAME = 64 << 20
#: Buffered replies older than this (seconds) are written before the next
#: call runs.
FLUSH_AGE = 200e-6
# Frames at least this big bypass the batch buffer (no copy into it).
_BIG = 256 << 10
# A big frame being read is assembled in a buffer kept for the next one when
# it is at most this big (bigger ones get a buffer of their own).
_KEEP = 8 << 20

_u32 = Struct(">I")
_unpack_u32 = _u32.unpack_from
_unpack_i32 = Struct(">i").unpack_from
_pack_u32_into = _u32.pack_into


_malloc_tuned = False


def tune_malloc() -> None:
    """Keep glibc from giving big blocks back to the kernel after each frame.

    By default glibc serves blocks over 128 KiB-1 MiB (its threshold adapts)
    with fresh mmaps and trims the heap once 2x that is free at its top, so
    every big frame's buffers (the bytes read, the binary decoded from them,
    the reply encoded) come back as fresh pages, and a page fault costs
    ~12 us in some VMs: ~370 faults, ~5 ms of a 1 MiB echo, against ~0.3 ms
    for the work itself.  Raising both thresholds to what glibc's own
    adaptive policy reaches after freeing a 32 MiB block (mmap above 32 MiB,
    trim beyond 64 MiB free) lets the heap reuse those pages.  Done once, at
    the first big frame (ctypes costs ~2-4 ms to import), and not at all
    when the environment already sets glibc's malloc tunables."""
    global _malloc_tuned
    _malloc_tuned = True
    env = os.environ
    if ("MALLOC_MMAP_THRESHOLD_" in env or "MALLOC_TRIM_THRESHOLD_" in env
            or "MALLOC_TOP_PAD_" in env or "GLIBC_TUNABLES" in env):
        return
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return  # not glibc (or no ctypes): only speed is lost
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt(M_MMAP_THRESHOLD, 32 << 20)
    mallopt(M_TRIM_THRESHOLD, 64 << 20)


# {'C', Id, Module, Function, Args}: 131, SMALL_TUPLE 5, ATOM "C".
_CALL_HEAD = b"\x83h\x05d\x00\x01C"
_A_C = Atom("C")
_A_r = Atom("r")
# A frame's length, then {'C', Id, Module, Function, Args, Context}'s header.
_HOST_CALL_HEAD = b"\0\0\0\0\x83h\x06d\x00\x01C"
# A frame's length, then {'r', Id (a small integer follows), ...}.
_RESULT_HEAD = b"\0\0\0\0\x83h\x03d\x00\x01ra"


# {'r', Id, Result} and {'e', Id, Error}: 131, SMALL_TUPLE 3, ATOM "r"/"e".
_R_HEAD = b"\x83h\x03d\x00\x01r"
_E_HEAD = b"\x83h\x03d\x00\x01e"
_A_e = Atom("e")
_A_N = Atom("N")


def _reply(buf: bytes, p: int, end: int, tag: Any, dec: Any) -> Any:
    """The host's reply to a host call, whose Id starts at buf[p], parsed
    by hand in its usual form (a small or 32-bit Id; the decoder does the
    rest), or None for anything else (the general decoder then parses it).
    The decoder's 3-tuple path costs more than the reply (~1.5 us).  The Id
    is read as in _call, inline on purpose (a helper call costs ~0.1 us)."""
    try:
        t = buf[p]
        if t == 97:
            id = buf[p + 1]
            p += 2
        elif t == 98:
            id = _unpack_i32(buf, p + 1)[0]
            p += 5
        else:
            return None
        value, used = dec(buf, p, DEFAULT_MAX_DEPTH - 1)
    except Exception:
        return None
    if used != end:
        return None
    return (tag, id, value)


def _call(buf: bytes, p: int, end: int, dec: Any) -> Any:
    """The call request whose Id starts at buf[p] and whose frame ends at
    end, parsed by hand in its usual form (a small or 32-bit Id, Module and
    Function as UTF-8 binaries; the decoder does Args), or None for anything
    else: the general decoder then parses it, errors included.  The
    decoder's 5-tuple loop costs more than the call itself (~1 us)."""
    try:
        t = buf[p]
        if t == 97:
            id = buf[p + 1]
            p += 2
        elif t == 98:
            id = _unpack_i32(buf, p + 1)[0]
            p += 5
        else:
            return None
        if buf[p] != 109:
            return None
        e = p + 5 + _unpack_u32(buf, p + 1)[0]
        mod = buf[p + 5:e].decode()
        if buf[e] != 109:
            return None
        p = e + 5 + _unpack_u32(buf, e + 1)[0]
        fn = buf[e + 5:p].decode()
        args, used = dec(buf, p, DEFAULT_MAX_DEPTH - 1)
    except Exception:
        return None
    if used != end:
        return None
    return (_A_C, id, mod, fn, args)


def next_spin(full: float, cur: float, waited: float) -> float:
    """The polling budget after a wait of ``waited`` seconds that polling
    (``cur`` seconds of it) did not end: full again when the data came
    within the full budget, else halved, and none below full/16."""
    if waited <= full:
        return full
    if cur > full / 16:
        return cur / 2
    return 0.0


def _too_deep() -> EncodeError:
    """The error of a term the encoder's recursion could not finish."""
    return EncodeError("term nested too deeply (or it contains itself)")


class BadFrame:
    """A well-formed frame whose payload could not be fully decoded (an opaque
    python object that does not unpickle).  ``term`` is the frame decoded
    with opaque objects kept; ``error`` the exception."""

    __slots__ = ("term", "error")

    def __init__(self, term: Any, error: BaseException) -> None:
        self.term = term
        self.error = error


class FrameReader:
    """Reads frames from ``fd``.  Not thread-safe: one reader at a time (the
    runtime's "reader role" guarantees it)."""

    def __init__(self, fd: int, max_frame: int = DEFAULT_MAX_FRAME,
                 max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> None:
        self.fd = fd
        self.max_frame = max_frame
        #: What a compressed frame may inflate to (the hello's
        #: max_uncompressed; see etf.decode).
        self.max_uncompressed = max_uncompressed
        self._buf = b""
        self._pos = 0
        self._big = None  # type: Any
        #: Seconds to poll the fd before sleeping in read: see set_spin.
        self.spin = 0.0
        self._spin_cur = 0.0
        self._poll = None  # type: Any
        # _parse calls the decoder directly: allow its recursion up front,
        # as decode_from would.
        _ensure_recursion(DEFAULT_MAX_DEPTH)
        # What becomes of pickled python objects: see set_pickles.
        self._dec = _dec_unpickle
        #: Parse one frame per read_frames call (the worker's hello: the
        #: frames after it wait for the options it sets).
        self.one = False

    def set_pickles(self, mode: str) -> None:
        """What the reader does with a pickled python object,
        ``{'$erlport.opaque', python, Bin}``: ``"load"`` unpickles it
        (ErlPort's behaviour, the default), ``"keep"`` leaves it an
        OpaqueObject, ``"refuse"`` makes its frame a BadFrame whose error
        is PickleRefused (unpickling runs code)."""
        self._dec = {"load": _dec_unpickle, "keep": _dec_keep,
                     "refuse": _dec_refuse}[mode]

    def read_frames(self) -> _List[Any]:
        """Block until at least one whole frame is here; return every whole
        frame buffered, decoded.  Raises EOFError at end of input and
        ProtocolError on garbage or an oversized frame."""
        while True:
            if len(self._buf) - self._pos >= 4:
                frames = self._parse()
                if frames:
                    return frames
                self._fill()
            else:
                # Nothing (or a few bytes) buffered: _fill's common case.
                if self.spin:
                    data = self._read_spin()
                else:
                    data = os.read(self.fd, READ_SIZE)
                if not data:
                    raise EOFError
                self._buf = self._buf[self._pos:] + data if self._buf else data
                self._pos = 0

    def _parse(self) -> _List[Any]:
        buf = self._buf
        pos = self._pos
        n = len(buf)
        out = []
        dec = self._dec
        while n - pos >= 4:
            ln = _unpack_u32(buf, pos)[0]
            if ln > self.max_frame:
                raise ProtocolError("frame of %d bytes exceeds max_frame %d"
                                    % (ln, self.max_frame))
            if ln == 0:
                raise ProtocolError("empty frame")
            end = pos + 4 + ln
            if end > n:
                break
            if buf.startswith(_CALL_HEAD, pos + 4):
                term = _call(buf, pos + 11, end, dec)
                if term is not None:
                    out.append(term)
                    pos = end
                    continue
            elif buf.startswith(_R_HEAD, pos + 4) or buf.startswith(_E_HEAD, pos + 4):
                term = _reply(buf, pos + 11, end, _A_r if buf[pos + 10] == 114 else _A_e, dec)
                if term is not None:
                    out.append(term)
                    pos = end
                    continue
            try:
                if buf[pos + 4] == 131 and buf[pos + 5] != 80:
                    # decode_from's common case inlined (one frame per
                    # call: every Python call counts); its errors come
                    # from decode_from itself below.
                    try:
                        term, used = dec(buf, pos + 5, DEFAULT_MAX_DEPTH)
                    except (IndexError, _StructError, RecursionError):
                        term, used = self._decode_from(buf, pos + 4)
                else:
                    term, used = self._decode_from(buf, pos + 4)
            except DecodeError as exc:
                term, used = self._salvage(buf, pos + 4, exc,
                                           self.max_uncompressed)
            if used != end:
                raise ProtocolError("frame length %d but its term is %d bytes"
                                    % (ln, used - pos - 4))
            out.append(term)
            pos = end
            if self.one:
                break
        self._pos = pos
        return out

    def _decode_from(self, buf: bytes, pos: int) -> Any:
        """decode_from with the reader's decoder (its pickles mode): its
        slow path (a compressed frame, or one the fast path gave up on)."""
        return _decode_top(buf, pos, DEFAULT_MAX_DEPTH, self._dec,
                           self.max_uncompressed)

    @staticmethod
    def _salvage(buf: bytes, pos: int, exc: DecodeError,
                 max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> Any:
        # A frame that decodes without unpickling is valid ETF carrying an
        # object this process cannot unpickle: report it, don't die.
        try:
            term, used = decode_from(buf, pos, unpickle=False,
                                     max_uncompressed=max_uncompressed)
        except DecodeError:
            raise ProtocolError("undecodable frame: %s" % exc) from None
        return BadFrame(term, exc), used

    def set_spin(self, seconds: float) -> None:
        """Poll for up to ``seconds`` before sleeping in read when no data
        is there; 0 turns polling off."""
        self.spin = self._spin_cur = max(float(seconds), 0.0)
        if self.spin:
            import select
            p = select.poll()
            p.register(self.fd, select.POLLIN)
            self._poll = p.poll

    def _read_spin(self) -> bytes:
        """One read, polling first for up to the current budget: poll(2)
        with a zero timeout costs ~1.5 us and no exception, a read that
        would block in a non-blocking fd ~2.4 us (an OSError and its
        strerror).  The budget adapts as in the host (snakes/spin.go):
        halved after a poll that found nothing, back to full after a wait
        shorter than it."""
        poll = self._poll
        if poll(0):
            return os.read(self.fd, READ_SIZE)
        full = self.spin
        cur = self._spin_cur
        start = perf_counter()
        if cur:
            end = start + cur
            while perf_counter() < end:
                if poll(0):
                    self._spin_cur = full
                    return os.read(self.fd, READ_SIZE)
        data = os.read(self.fd, READ_SIZE)
        self._spin_cur = next_spin(full, cur, perf_counter() - start)
        return data

    def _fill(self) -> None:
        buf = self._buf
        pos = self._pos
        rest = len(buf) - pos
        if rest >= 4:
            total = 4 + _unpack_u32(buf, pos)[0]
            if total - rest > READ_SIZE:
                self._fill_big(buf, pos, rest, total)
                return
        data = self._read_spin() if self.spin else os.read(self.fd, READ_SIZE)
        if not data:
            raise EOFError
        self._buf = buf[pos:] + data if rest else data
        self._pos = 0

    def _fill_big(self, buf: bytes, pos: int, rest: int, total: int) -> None:
        # A big frame: read straight into place (readv into a memoryview,
        # never a huge os.read, never chunks joined), into a buffer reused
        # from one big frame to the next; then one copy into the bytes the
        # codec parses in place.
        if not _malloc_tuned:
            tune_malloc()
        ba = self._big
        if ba is None or len(ba) < total:
            ba = bytearray(total)
            if total <= _KEEP:
                self._big = ba
        mv = memoryview(ba)
        mv[:rest] = buf[pos:]
        self._buf = b""  # let the old read buffer go before the big copy
        got = rest
        readv = os.readv
        fd = self.fd
        try:
            while got < total:
                k = readv(fd, [mv[got:total]])
                if k == 0:
                    raise EOFError
                got += k
            self._buf = mv[:total].tobytes()
        finally:
            mv.release()
        self._pos = 0


class FrameWriter:
    """Batches frames for ``fd``.  Thread-safe.

    ``frame(term)`` encodes (outside any lock), ``put(data)`` appends to the
    batch, ``flush()`` writes the batch in one ``os.write`` (looping only on
    short writes).  ``since`` is the time the oldest unwritten frame was put.
    """

    def __init__(self, fd: int, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.fd = fd
        self.max_frame = max_frame
        self._buf = bytearray()
        self._lock = RLock()  # re-entrant: a __del__ may print while we write
        self.since = 0.0

    def frame(self, term: Any) -> bytearray:
        """The frame (length prefix included) of term.  Raises EncodeError,
        or ValueError when it exceeds max_frame."""
        out = bytearray(b"\0\0\0\0")
        encode_into(out, term)
        return self._sealed(out)

    def _sealed(self, out: bytearray) -> bytearray:
        """out, a frame with room for its length in front, with the length
        written; ValueError when it exceeds max_frame."""
        n = len(out) - 4
        if n > self.max_frame:
            raise ValueError("frame of %d bytes exceeds max_frame %d"
                             % (n, self.max_frame))
        _pack_u32_into(out, 0, n)
        return out

    def result(self, id: Any, term: Any) -> bytearray:
        """frame((Atom("r"), id, term)), with the header written by hand
        (the reply of every call)."""
        if type(id) is not int or not 0 <= id < 256:
            return self.frame((_A_r, id, term))
        out = bytearray(_RESULT_HEAD)
        out.append(id)
        try:
            _enc(term, out, None)
        except RecursionError:
            raise _too_deep() from None
        return self._sealed(out)

    def host_call(self, id: int, module: Any, function: Any, args: Any,
                  context: Any) -> bytearray:
        """frame((Atom("C"), id, module, function, args, context)), with the
        tuple's header written by hand (every call into the host)."""
        out = bytearray(_HOST_CALL_HEAD)
        try:
            if type(id) is int and 0 <= id < 256:
                out.append(97)
                out.append(id)
            else:
                _enc(id, out, None)
            for name in (module, function):
                if type(name) is str:
                    b = name.encode()
                    out += _pack_BI(109, len(b))
                    out += b
                else:
                    _enc(name, out, None)
            _enc(args, out, None)
            if context is _A_N:
                out += b"d\x00\x01N"
            else:
                _enc(context, out, None)
        except RecursionError:
            raise _too_deep() from None
        return self._sealed(out)

    def put(self, data: bytearray) -> None:
        """Queue one frame; writes the batch when its oldest frame has waited
        longer than FLUSH_AGE."""
        with self._lock:
            if len(data) >= _BIG:
                if not _malloc_tuned:
                    tune_malloc()
                self._write_locked()
                self._write_all(data)
                return
            if not self._buf:
                self._buf = data
                self.since = perf_counter()
                return
            self._buf += data
            if perf_counter() - self.since > FLUSH_AGE:
                self._write_locked()

    def send(self, data: bytearray) -> None:
        """Queue one frame and write everything now."""
        with self._lock:
            if self._buf:
                self._buf += data
                self._write_locked()
            else:
                self._write_all(data)

    def flush(self) -> None:
        """Write every queued frame."""
        if self._buf:
            with self._lock:
                data = self._buf
                if data:
                    self._buf = bytearray()  # swap first, as _write_locked
                    n = os.write(self.fd, data)
                    if n < len(data):
                        self._write_rest(data, n)

    def flush_if_old(self) -> None:
        """Write the queued frames if the oldest has waited over FLUSH_AGE."""
        if self._buf and perf_counter() - self.since > FLUSH_AGE:
            with self._lock:
                self._write_locked()

    def pending(self) -> bool:
        return bool(self._buf)

    def _write_locked(self) -> None:
        data = self._buf
        if data:
            self._buf = bytearray()  # swap first: a nested put goes to the new one
            self._write_all(data)

    def _write_all(self, data: bytearray) -> None:
        n = os.write(self.fd, data)
        if n < len(data):
            self._write_rest(data, n)

    def _write_rest(self, data: bytearray, n: int) -> None:
        """Finish a short write: data[n:] is still to go."""
        fd = self.fd
        mv = memoryview(data)
        try:
            while n < len(mv):
                n += os.write(fd, mv[n:])
        finally:
            mv.release()
