"""A stand-in for ErlPort's Python side, for the compat profile's tests.

Written from /work/shared/reference/erlport-wire.md (ErlPort's wire, byte by
byte), not from ErlPort's code: ErlPort itself cannot be installed here. It
speaks ErlPort's protocol as the reference describes it, quirks included:

* options from argv only: --packet N (1|2|4), --use_stdio / --nouse_stdio
  (fds 0/1, or 3/4), --compressed L, --buffer_size N; no handshake;
* frames: a Packet-byte big-endian length, then ETF (131 first);
* host -> Python: {'C', Id, Module, Function, Args} answered with
  {'r', Id, Result} or {'e', Id, {python, 'mod.Class', Str, Traceback}}, where
  Str is a charlist and Traceback the reversed traceback.extract_tb pickled
  as {'$erlport.opaque', python, <<Pickle>>}; {'M', Msg} for the message
  handler (an exception there sends {'e', Error} without an id);
* Python -> host: {'C', Id, M, F, Args, 'N'|'L'} with Id = uuid4().int (a
  122-bit integer), answered {'r', Id, R} / {'e', Id, Error}; while it waits,
  incoming calls and messages are served (re-entrancy); {'M', Pid, Msg} casts;
  sys.stdout writes become {'P', Chars} frames, one per write;
* only the tags ErlPort decodes (atoms 100, integers, NEW_FLOAT, lists,
  tuples, BINARY 109, the compressed envelope); anything else raises out of
  the main loop and the process exits with status 1;
* str is sent as a charlist (STRING_EXT, or a LIST of code points), bytes as
  a BINARY, None as undefined; other objects are pickled as opaques;
* end of file on the input makes it exit with status 0.

Test modules import it as `erlport_wire` (it registers itself under that
name) for call / cast / set_message_handler and the term classes.
"""

import os
import pickle
import struct
import sys
import threading
import traceback
import uuid
import zlib

sys.modules.setdefault("erlport_wire", sys.modules[__name__])


class Atom(bytes):
    def __repr__(self):
        return "Atom(%s)" % bytes.__repr__(self)


class List(list):
    def to_string(self):
        return "".join(map(chr, self))


class ImproperList(list):
    def __init__(self, lst, tail):
        list.__init__(self, lst)
        self.tail = tail


class OpaqueObject(object):
    def __init__(self, data, language):
        self.data = data
        self.language = language

    def __eq__(self, other):
        return (isinstance(other, OpaqueObject) and self.data == other.data
                and self.language == other.language)


_OPAQUE = Atom(b"$erlport.opaque")
_PYTHON = Atom(b"python")
_ERLANG = Atom(b"erlang")


# ---------------------------------------------------------------- decoding

def decode(data):
    if data[:1] != b"\x83":
        raise ValueError("unknown protocol version: %r" % data[:1])
    if data[1:2] == b"P":
        size = struct.unpack(">I", data[2:6])[0]
        raw = zlib.decompress(data[6:])
        if len(raw) != size:
            raise ValueError("invalid compressed tag")
        term, tail = decode_term(raw)
        return term, tail
    return decode_term(data[1:])


def decode_term(b):
    tag = b[0]
    if tag == 100:  # ATOM_EXT
        n = struct.unpack(">H", b[1:3])[0]
        name = b[3:3 + n]
        if name == b"true":
            return True, b[3 + n:]
        if name == b"false":
            return False, b[3 + n:]
        if name == b"undefined":
            return None, b[3 + n:]
        return Atom(name), b[3 + n:]
    if tag == 106:  # NIL
        return List(), b[1:]
    if tag == 107:  # STRING_EXT
        n = struct.unpack(">H", b[1:3])[0]
        return List(b[3:3 + n]), b[3 + n:]
    if tag == 108:  # LIST_EXT
        n = struct.unpack(">I", b[1:5])[0]
        rest = b[5:]
        items = []
        for _ in range(n):
            x, rest = decode_term(rest)
            items.append(x)
        if rest[:1] == b"j":
            return List(items), rest[1:]
        tail, rest = decode_term(rest)
        return ImproperList(items, tail), rest
    if tag in (104, 105):  # SMALL_TUPLE, LARGE_TUPLE
        if tag == 104:
            n, rest = b[1], b[2:]
        else:
            n, rest = struct.unpack(">I", b[1:5])[0], b[5:]
        items = []
        for _ in range(n):
            x, rest = decode_term(rest)
            items.append(x)
        if n == 3 and items[0] == _OPAQUE:
            if items[1] == _PYTHON:
                return pickle.loads(items[2]), rest
            return OpaqueObject(items[2], items[1]), rest
        return tuple(items), rest
    if tag == 97:  # SMALL_INTEGER
        return b[1], b[2:]
    if tag == 98:  # INTEGER
        return struct.unpack(">i", b[1:5])[0], b[5:]
    if tag in (110, 111):  # SMALL_BIG, LARGE_BIG
        if tag == 110:
            n, sign, rest = b[1], b[2], b[3:]
        else:
            n = struct.unpack(">I", b[1:5])[0]
            sign, rest = b[5], b[6:]
        v = int.from_bytes(rest[:n], "little")
        return (-v if sign else v), rest[n:]
    if tag == 109:  # BINARY
        n = struct.unpack(">I", b[1:5])[0]
        return bytes(b[5:5 + n]), b[5 + n:]
    if tag == 70:  # NEW_FLOAT
        return struct.unpack(">d", b[1:9])[0], b[9:]
    raise ValueError("unsupported data: %r" % (b[:10],))


# ---------------------------------------------------------------- encoding

def encode(term, compressed=0):
    raw = encode_term(term)
    if compressed:
        z = zlib.compress(raw, compressed)
        if len(z) + 5 <= len(raw):
            return b"\x83P" + struct.pack(">I", len(raw)) + z
    return b"\x83" + raw


def _atom(name):
    if len(name) > 255:
        raise ValueError("invalid atom length")
    return b"d" + struct.pack(">H", len(name)) + name


def encode_term(t):
    tt = type(t)
    if tt is tuple:
        n = len(t)
        head = b"h" + bytes([n]) if n <= 255 else b"i" + struct.pack(">I", n)
        return head + b"".join(encode_term(x) for x in t)
    if tt is list or tt is List:
        if not t:
            return b"j"
        if len(t) <= 65535:
            try:
                return b"k" + struct.pack(">H", len(t)) + bytes(t)
            except (TypeError, ValueError):
                pass
        return (b"l" + struct.pack(">I", len(t)) +
                b"".join(encode_term(x) for x in t) + b"j")
    if tt is ImproperList:
        return (b"l" + struct.pack(">I", len(t)) +
                b"".join(encode_term(x) for x in t) + encode_term(t.tail))
    if tt is str:
        return encode_term(List(map(ord, t)))
    if tt is Atom:
        return _atom(t)
    if tt is bytes:
        return b"m" + struct.pack(">I", len(t)) + t
    if t is True:
        return _atom(b"true")
    if t is False:
        return _atom(b"false")
    if tt is int:
        if 0 <= t <= 255:
            return b"a" + bytes([t])
        if -2147483648 <= t <= 2147483647:
            return b"b" + struct.pack(">i", t)
        sign = 1 if t < 0 else 0
        mag = abs(t)
        digits = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
        if len(digits) <= 255:
            return b"n" + bytes([len(digits), sign]) + digits
        return b"o" + struct.pack(">I", len(digits)) + bytes([sign]) + digits
    if tt is float:
        return b"F" + struct.pack(">d", t)
    if t is None:
        return _atom(b"undefined")
    if tt is OpaqueObject:
        if t.language == _ERLANG:
            return t.data
        return encode_term((_OPAQUE, t.language, t.data))
    try:
        data = pickle.dumps(t, 2)
    except Exception:
        raise ValueError("unsupported data type: %s" % tt)
    return encode_term((_OPAQUE, _PYTHON, data))


# ---------------------------------------------------------------- channel

class Channel(object):
    def __init__(self, packet, use_stdio, compressed, buffer_size):
        self.packet = packet
        self.fmt = {1: ">B", 2: ">H", 4: ">I"}[packet]
        self.rfd, self.wfd = (0, 1) if use_stdio else (3, 4)
        self.compressed = compressed
        self.buffer_size = buffer_size
        self.buf = b""
        self.rlock = threading.Lock()
        self.wlock = threading.Lock()

    def read(self):
        """The next term, or raise EOFError."""
        with self.rlock:
            while True:
                if len(self.buf) >= self.packet:
                    n = struct.unpack(self.fmt, self.buf[:self.packet])[0]
                    if len(self.buf) >= self.packet + n:
                        frame = self.buf[self.packet:self.packet + n]
                        self.buf = self.buf[self.packet + n:]
                        term, _ = decode(frame)
                        return term
                try:
                    chunk = os.read(self.rfd, self.buffer_size)
                except OSError:
                    raise EOFError()
                if not chunk:
                    raise EOFError()
                self.buf += chunk

    def write(self, term):
        data = encode(term, self.compressed)
        if len(data) >= 1 << (8 * self.packet):
            raise ValueError("data too long for packet %d" % self.packet)
        data = struct.pack(self.fmt, len(data)) + data
        with self.wlock:
            while data:
                n = os.write(self.wfd, data)
                data = data[n:]


# ---------------------------------------------------------------- protocol

class Error(Exception):
    pass


class UnknownMessage(Error):
    pass


class UnexpectedMessage(Error):
    pass


class CallError(Error):
    def __init__(self, value):
        if type(value) is not tuple or len(value) != 4:
            value = None, None, value, []
        self.language, self.type, self.value, self.stacktrace = value
        Error.__init__(self, value)


_channel = None
_responses = {}
_message_handler = None


def set_message_handler(f):
    global _message_handler
    _message_handler = f


def call(module, function, args, context=Atom(b"N")):
    """Call the host: module and function are Atoms, args a list."""
    if type(module) is not Atom or type(function) is not Atom:
        raise ValueError("module and function must be atoms")
    if not isinstance(args, list):
        raise ValueError("args must be a list")
    mid = uuid.uuid4().int
    _channel.write((Atom(b"C"), mid, module, function, List(args), context))
    while mid not in _responses:
        _serve_one(waiting=True)
    tag, value = _responses.pop(mid)
    if tag == b"e":
        raise CallError(value)
    return value


def cast(pid, message):
    _channel.write((Atom(b"M"), pid, message))


def _serve_one(waiting=False):
    msg = _channel.read()
    if type(msg) is not tuple or not msg or type(msg[0]) is not Atom:
        raise UnknownMessage(msg)
    tag = msg[0]
    if tag == b"C" and len(msg) == 5:
        _handle_call(msg[1], msg[2], msg[3], msg[4])
    elif tag == b"M" and len(msg) == 2:
        _handle_message(msg[1])
    elif tag in (b"r", b"e") and len(msg) == 3:
        if not waiting:
            raise UnexpectedMessage(msg)
        _responses[msg[1]] = (tag, msg[2])
    else:
        raise UnknownMessage(msg)


def _handle_call(mid, module, function, args):
    try:
        mod = module.decode()
        parts = function.decode().split(".")
        f = sys.modules.get(mod) or __import__(mod, {}, {}, [parts[0]])
        for p in parts:
            f = getattr(f, p)
        _channel.write((Atom(b"r"), mid, f(*args)))
        return
    except:  # noqa: E722 -- ErlPort catches everything, KeyboardInterrupt too
        t, val, tb = sys.exc_info()
        exc = Atom(("%s.%s" % (t.__module__, t.__name__)).encode())
        exc_tb = traceback.extract_tb(tb)
        exc_tb.reverse()
        _channel.write((Atom(b"e"), mid, (_PYTHON, exc, str(val), exc_tb)))


def _handle_message(message):
    if _message_handler is None:
        return
    try:
        _message_handler(message)
    except:  # noqa: E722
        t, val, tb = sys.exc_info()
        exc = Atom(("%s.%s" % (t.__module__, t.__name__)).encode())
        exc_tb = traceback.extract_tb(tb)
        exc_tb.reverse()
        _channel.write((Atom(b"e"), (_PYTHON, exc, str(val), exc_tb)))


class _Stdout(object):
    """sys.stdout: each write becomes one {'P', Chars} frame."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, data):
        if not isinstance(data, str):
            raise TypeError("must be str, not %s" % type(data).__name__)
        _channel.write((Atom(b"P"), data))
        return len(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False


class _ClosedStdin(object):
    def read(self, *args):
        import io
        raise io.UnsupportedOperation("stdin is closed")

    readline = read

    def close(self):
        pass


def _options(argv):
    opts = {"packet": 4, "use_stdio": True, "compressed": 0,
            "buffer_size": 65536}
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, value = a.partition("=")
        if name in ("--packet", "--compressed", "--buffer_size") and not eq:
            i += 1
            value = argv[i]
        if name == "--packet":
            opts["packet"] = int(value)
            if opts["packet"] not in (1, 2, 4):
                sys.exit("Valid values for --packet are 1, 2, or 4")
        elif name == "--compressed":
            opts["compressed"] = int(value)
        elif name == "--buffer_size":
            opts["buffer_size"] = int(value)
        elif name == "--use_stdio":
            opts["use_stdio"] = True
        elif name == "--nouse_stdio":
            opts["use_stdio"] = False
        else:
            sys.exit("unknown option: %s" % a)
        i += 1
    return opts


def main(argv):
    global _channel
    o = _options(argv)
    _channel = Channel(o["packet"], o["use_stdio"], o["compressed"],
                       o["buffer_size"])
    sys.stdout = _Stdout()
    sys.stdin = _ClosedStdin()
    try:
        while True:
            _serve_one()
    except EOFError:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
