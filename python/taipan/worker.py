"""The taipan worker runtime: ``python -m taipan.worker [--stdio]``.

Speaks the native profile of docs/protocol.md: requests arrive on fd 3, replies
leave on fd 4 (fds 0/1 with ``--stdio``).  Everything here is standard
library and imported lazily: start-up cost matters.

Threading model
---------------
Calls run on the main thread, one at a time, in arrival order.  Input is read
by whichever thread needs it, one at a time (the *reader role*, a
leader/follower scheme guarded by ``Runtime._mu``):

* the main thread when it is idle (waiting for the next request);
* any thread waiting for a host reply (a callback, ``taipan.host.call``) or,
  on the main thread, for stream credit.

The reader routes every frame it reads: host replies go to their waiter, ``G``
and ``X`` take effect at once, requests join the main thread's queue.  A main
thread that waits (for a host reply or for credit) runs queued requests
inline, so Go -> Python -> Go -> Python recursion works to any depth.  Other
threads never run requests; they wake when their reply is routed, or take the
reader role when it is free.  End of input wakes every waiter with HostError.

Replies are batched: they accumulate in the FrameWriter and leave in one
write when the queue is empty, before a thread blocks, or before the next
call when the oldest has waited more than 200 microseconds.
"""

from __future__ import annotations

import os
import sys
from _thread import allocate_lock, get_ident
from _collections import deque  # the C type itself: collections costs ~4 ms to import
from itertools import count
from time import monotonic

from .errors import (Cancelled, HostError, ProtocolError, cancelled_term,
                     error_term, type_name)
from .framing import DEFAULT_MAX_FRAME, BadFrame, FrameReader, FrameWriter
from .terms import Atom, List as _EList

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple

__all__ = ["Runtime", "main"]

A_C = Atom("C")
A_K = Atom("K")
A_S = Atom("S")
A_G = Atom("G")
A_X = Atom("X")
A_A = Atom("A")
A_M = Atom("M")
A_R = Atom("R")
A_E = Atom("E")
A_r = Atom("r")
A_e = Atom("e")
A_s = Atom("s")
A_L = Atom("L")
A_N = Atom("N")
A_HELLO = Atom("hello")
A_EVAL = Atom("eval")
A_EXEC = Atom("exec")

# Requests for the main thread, and their tuple sizes.
_REQUESTS = {A_C: 5, A_K: 6, A_S: 7, A_A: 5, A_M: 2, A_R: 3, A_E: 4}
# Requests that carry an Id (element 1), so that X can cancel them.
_WITH_ID = (A_C, A_K, A_S, A_R, A_E)

FEATURES = ("kwargs", "cancel", "stream", "log", "reload", "callback")
F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20

async def _probe() -> None:  # noqa: E302  (the coroutine type without importing types)
    pass
_c = _probe()
_coroutine_type = type(_c)
_c.close()
del _c, _probe
_ModuleType = type(sys)


class _Stream:
    """Credit bookkeeping of one running stream."""

    __slots__ = ("id", "credit", "cancelled")

    def __init__(self, id: int, credit: int) -> None:
        self.id = id
        self.credit = credit
        self.cancelled = False


def _name(x: "Any") -> str:
    """A module, function or keyword name from an atom, binary or str."""
    t = type(x)
    if t is str:
        return x
    if t is Atom:
        return x.name
    if isinstance(x, (bytes, bytearray)):
        return bytes(x).decode("utf-8", "replace")
    if isinstance(x, str):
        return str(x)
    raise TypeError("expected a name (atom or binary), got %s" % t.__name__)


def _through_module(m: str, parts: "Tuple[str, ...]", module: "Any") -> AttributeError:
    """The error of a dotted function whose path from module m reaches a
    module (the path walked again: errors only)."""
    obj = module
    for i, p in enumerate(parts):
        obj = getattr(obj, p)
        if isinstance(obj, _ModuleType):
            where = "%s.%s" % (m, ".".join(parts[:i + 1]))
            return AttributeError(
                "%s is a module: a function's dotted path does not go through "
                "a module (call module %r, function %r)"
                % (where, getattr(obj, "__name__", where), ".".join(parts[i + 1:])))
    return AttributeError("%s.%s passes through a module" % (m, ".".join(parts)))


def _walk(x: "Any", f: "Callable[[Any], Any]", outer_first: bool) -> "Any":
    """Apply f to x and everything inside it (outermost first for encoders,
    innermost first for decoders)."""
    if outer_first:
        x = f(x)
    t = type(x)
    if t is tuple:
        x = tuple([_walk(e, f, outer_first) for e in x])
    elif isinstance(x, list):
        from .terms import ImproperList, List as EList
        if t is ImproperList:
            x = ImproperList([_walk(e, f, outer_first) for e in x],
                             _walk(x.tail, f, outer_first))
        else:
            items = [_walk(e, f, outer_first) for e in x]
            x = EList(items) if t is EList else items
    elif t is dict:
        x = {_walk(k, f, outer_first): _walk(v, f, outer_first)
             for k, v in x.items()}
    if not outer_first:
        x = f(x)
    return x


class Runtime:
    """One worker: the request loop, the reader role, host calls and logs."""

    def __init__(self, in_fd: int, out_fd: int, stdio: bool = False) -> None:
        self.reader = FrameReader(in_fd)
        # The hello alone is read first (it is the host's own options, init
        # included); the frames after it are read as it says.
        self.reader.one = True
        self.writer = FrameWriter(out_fd)
        self.stdio = stdio
        self._mu = allocate_lock()
        self._sleepers = []  # type: List[Any]
        self._reading = False
        self._queue = deque()  # type: deque
        self._replies = {}  # type: Dict[Any, tuple]
        self._pending = set()  # type: set
        self._eof = False
        self._streams = {}  # type: Dict[Any, _Stream]
        self._main = get_ident()
        self._in_user = False
        self._interrupt_pending = False
        self._ids = count(1)
        self._parts = {}  # type: Dict[Any, Tuple[str, ...]]
        self._loop = None  # type: Any
        self._last_log_write = 0.0
        self.allow_eval = False
        #: The allowlist (hello "allow"): None allows every function, else a
        #: set of "module" and "module.function" entries (see _resolve).
        self.allow = None  # type: Optional[frozenset]
        self.namespace = {"__name__": "__taipan__"}  # type: Dict[str, Any]
        self.log_level = 20
        self.encoder = None  # type: Optional[Callable[[Any], Any]]
        self.decoder = None  # type: Optional[Callable[[Any], Any]]
        self.message_handler = None  # type: Optional[Callable[[Any], Any]]
        self.stdout = None  # type: Any
        self.stderr = None  # type: Any
        self._forked = False  # this is a process forked from the worker

    # ------------------------------------------------------------------
    # start-up
    # ------------------------------------------------------------------

    def run(self) -> int:
        """Handshake, then serve until end of input.  Returns the exit
        status."""
        from . import host
        host._runtime = self
        try:
            frames = self.reader.read_frames()
        except EOFError:
            return 0
        except ProtocolError as exc:
            self._fatal(exc)
        self._hello(frames[0])
        if len(frames) > 1:
            with self._mu:
                for f in frames[1:]:
                    self._route_locked(f)
        self._install_sigint()
        self._serve()
        self._finish_output()
        return 0

    def _hello(self, first: "Any") -> None:
        if not (type(first) is tuple and len(first) == 3 and first[0] is A_HELLO
                and first[1] == 1 and isinstance(first[2], dict)):
            self._fatal(ProtocolError("first frame is not {hello, 1, Options}: %r"
                                      % (first,)))
        opts = {_name(k): v for k, v in first[2].items()}
        for p in reversed(list(opts.get("paths") or ())):
            sys.path.insert(0, os.fsdecode(p) if isinstance(p, bytes) else str(p))
        self.allow_eval = opts.get("eval") is True
        # Pickled objects from the host are refused unless it allows them.
        self.reader.set_pickles("load" if opts.get("allow_pickle") is True else "refuse")
        self.reader.one = False
        allow = opts.get("allow")
        if allow is not None and not (isinstance(allow, list)
                                      and all(type(a) in (str, Atom) for a in allow)):
            self._fatal(ProtocolError("hello allow must be undefined or a list of "
                                      "names: %r" % (allow,)))
        level = opts.get("log_level")
        if type(level) is int:
            self.log_level = level
        spin = opts.get("spin")
        if type(spin) in (int, float) and spin > 0:
            self.reader.set_spin(spin)
        mf = opts.get("max_frame")
        if type(mf) is int and mf > 0:
            self.reader.max_frame = self.writer.max_frame = mf
        mu = opts.get("max_uncompressed")
        if type(mu) is int and mu > 0:
            self.reader.max_uncompressed = mu
        capture = opts.get("capture_output", True) is not False or self.stdio
        if capture:
            self._capture()
        from .logs import install_logging_hook
        install_logging_hook(self.log, self.log_level)
        init = opts.get("init")
        if init is not None:
            try:
                if not (type(init) is tuple and len(init) == 4):
                    raise ValueError("init must be {Module, Function, Args, Kwargs}")
                f = self._resolve(init[0], init[1])
                kw = {_name(k): v for k, v in (init[3] or {}).items()}
                f(*(init[2] or ()), **kw)
            except BaseException as exc:
                self._finish_output()
                self.writer.send(self._error_frame(0, exc))
                os._exit(1)
        # After init, which is the host's own code and is not checked.
        if allow is not None:
            self.allow = frozenset(_name(a) for a in allow)
        features = list(FEATURES)
        if self.allow_eval:
            features.append("eval")
        info = {"pid": os.getpid(), "python": sys.version,
                "executable": sys.executable or "",
                "features": [Atom(f) for f in features]}
        self._finish_output()
        self.writer.send(self.writer.frame((A_HELLO, 1, info)))

    def _capture(self) -> None:
        from .logs import LineWriter
        self.stdout = LineWriter(self._log_line, "stdout", 20, 2 if self.stdio else 1)
        self.stderr = LineWriter(self._log_line, "stderr", 30, 2)
        sys.stdout = self.stdout
        sys.stderr = self.stderr

    def _install_sigint(self) -> None:
        try:
            import _signal
            if get_ident() == self._main:
                _signal.signal(_signal.SIGINT, self._on_sigint)
        except (ImportError, ValueError, OSError):
            pass

    def _on_sigint(self, signum: int, frame: "Any") -> None:
        # KeyboardInterrupt only inside user code; elsewhere it is held until
        # control returns to user code (or dropped when no call is running).
        if self._in_user:
            raise KeyboardInterrupt
        self._interrupt_pending = True

    def _fatal(self, exc: BaseException) -> "Any":
        """A protocol violation: one line on fd 2, exit status 3."""
        try:
            self.writer.flush()
        except OSError:
            pass
        line = "taipan.worker: protocol violation: %s\n" % (exc,)
        try:
            os.write(2, line.encode("utf-8", "replace")[:4000])
        except OSError:
            pass
        os._exit(3)

    # ------------------------------------------------------------------
    # the reader role
    # ------------------------------------------------------------------

    def _serve(self) -> None:
        """The main thread's loop: serve requests until end of input.

        _wait's protocol (queue and reader role under _mu) with its common
        case unrolled: a sequential call costs one pass through here, with
        the read, the routing and the call inline.  Every Python call saved
        is ~0.1 us of a ~10 us round trip."""
        mu = self._mu
        acquire = mu.acquire
        release = mu.release
        queue = self._queue
        popleft = queue.popleft
        writer = self.writer
        read_frames = self.reader.read_frames
        route = self._route_locked
        call = self._call
        handle = self._handle
        while True:
            acquire()
            if queue:
                req = popleft()
                release()
                if writer._buf:
                    writer.flush_if_old()
                if type(req) is tuple and req[0] is A_C:
                    call(req[1], req[2], req[3], req[4], None)
                else:
                    handle(req)
                continue
            if self._eof:
                release()
                return
            if self._reading:  # a thread waiting for a host reply reads
                try:
                    self._sleep_locked(None)
                finally:
                    release()
                continue
            self._reading = True
            release()
            frames = None
            try:
                if writer._buf:
                    writer.flush()
                frames = read_frames()
            except EOFError:
                pass
            except ProtocolError as exc:
                self._fatal(exc)
            except BaseException:
                with mu:
                    self._reading = False
                    self._notify_all_locked()
                raise
            acquire()
            self._reading = False
            if frames is None:
                self._eof = True
            else:
                for f in frames:
                    route(f)
            if self._sleepers:
                self._notify_all_locked()
            if not queue:
                release()
                continue
            req = popleft()  # what the next pass would do first
            release()
            if writer._buf:
                writer.flush_if_old()
            if type(req) is tuple and req[0] is A_C:
                call(req[1], req[2], req[3], req[4], None)
            else:
                handle(req)

    def _wait(self, ready: "Optional[Callable[[], bool]]",
              deadline: "Optional[float]" = None) -> int:
        """Block until ready() holds (checked under _mu).  Returns 0 when it
        does, 1 at end of input, 2 when deadline (monotonic) passed.  On the
        main thread, queued requests are run while waiting; ready=None
        means "serve until end of input"."""
        main = get_ident() == self._main
        mu = self._mu
        writer = self.writer
        queue = self._queue
        mu.acquire()
        try:
            while True:
                if ready is not None and ready():
                    return 0
                if main and queue:
                    req = queue.popleft()
                    mu.release()
                    try:
                        writer.flush_if_old()
                        self._handle(req)
                    finally:
                        mu.acquire()
                    continue
                if self._eof:
                    return 1
                remaining = None
                if deadline is not None:
                    remaining = deadline - monotonic()
                    if remaining <= 0:
                        return 2
                if writer.pending():
                    mu.release()
                    try:
                        writer.flush()
                    finally:
                        mu.acquire()
                    continue
                if not self._reading:
                    self._reading = True
                    mu.release()
                    try:
                        self._read(remaining)
                    finally:
                        mu.acquire()
                    continue
                self._sleep_locked(remaining)
        finally:
            mu.release()

    def _read(self, timeout: "Optional[float]") -> None:
        """Holding the reader role (_reading set, _mu not held): read and
        route what arrives, then give the role back and wake everyone."""
        frames = None
        eof = False
        try:
            if timeout is not None:
                import select
                if not select.select([self.reader.fd], [], [], timeout)[0]:
                    frames = ()
            if frames is None:
                frames = self.reader.read_frames()
        except EOFError:
            eof = True
        except ProtocolError as exc:
            self._fatal(exc)
        finally:
            with self._mu:
                self._reading = False
                try:
                    if frames:
                        for f in frames:
                            self._route_locked(f)
                    if eof:
                        self._eof = True
                finally:
                    self._notify_all_locked()

    def _sleep_locked(self, timeout: "Optional[float]") -> None:
        w = allocate_lock()
        w.acquire()
        self._sleepers.append(w)
        self._mu.release()
        try:
            if timeout is None:
                w.acquire()
            else:
                w.acquire(True, timeout)
        finally:
            self._mu.acquire()
            try:
                self._sleepers.remove(w)
            except ValueError:
                pass

    def _notify_all_locked(self) -> None:
        for w in self._sleepers:
            try:
                w.release()
            except RuntimeError:
                pass
        self._sleepers.clear()

    def _route_locked(self, f: "Any") -> None:
        """Deliver one frame read from the host (under _mu)."""
        if type(f) is not tuple or not f:
            if type(f) is BadFrame:
                t = f.term
                if (type(t) is tuple and len(t) == 3 and (t[0] is A_r or t[0] is A_e)
                        and t[1] in self._pending):
                    self._replies[t[1]] = f  # its waiter raises the error
                    return
                self._queue.append(f)
                return
            self._fatal(ProtocolError("not a message tuple: %r" % (f,)))
        tag = f[0]
        n = _REQUESTS.get(tag) if type(tag) is Atom else None
        if n is not None:
            if len(f) != n:
                self._fatal(ProtocolError("bad %s message: %r" % (tag, f)))
            self._queue.append(f)
        elif (tag is A_r or tag is A_e) and len(f) == 3:
            if f[1] in self._pending:
                self._replies[f[1]] = f
        elif tag is A_X and len(f) == 2:
            self._cancel_locked(f[1])
        elif tag is A_G and len(f) == 3 and type(f[2]) is int:
            st = self._streams.get(f[1])
            if st is not None:
                st.credit += f[2]
        else:
            self._fatal(ProtocolError("unknown message: %r" % (f,)))

    def _cancel_locked(self, id: "Any") -> None:
        for req in self._queue:
            if type(req) is tuple and req[0] in _WITH_ID and req[1] == id:
                self._queue.remove(req)
                self.writer.put(self.writer.frame((A_e, id, cancelled_term())))
                return
        st = self._streams.get(id)
        if st is not None:
            st.cancelled = True
        # a running plain call is not interruptible by message (signals are)

    # ------------------------------------------------------------------
    # requests
    # ------------------------------------------------------------------

    def _handle(self, req: "Any") -> None:
        tag = req[0] if type(req) is tuple else None
        if tag is A_C:
            self._call(req[1], req[2], req[3], req[4], None)
        elif tag is A_K:
            self._call(req[1], req[2], req[3], req[4], req[5])
        elif tag is A_S:
            from .streams import run_stream
            run_stream(self, req[1], req[2], req[3], req[4], req[5], req[6])
        elif tag is A_A:
            self._cast(req[1], req[2], req[3], req[4])
        elif tag is A_M:
            self._message(req[1])
        elif tag is A_R:
            self._reload(req[1], req[2])
        elif tag is A_E:
            self._eval(req[1], req[2], req[3])
        elif type(req) is BadFrame:
            t = req.term
            if (type(t) is tuple and len(t) > 1 and t[0] in _WITH_ID):
                self.writer.put(self._error_frame(t[1], req.error))
            else:
                self.log(40, "taipan.worker", "dropped a message that does "
                         "not decode: %s" % (req.error,), {})

    def _resolve(self, mod: "Any", fn: "Any") -> "Any":
        """The callable Module.Function (Function may be dotted), once the
        allowlist allows it."""
        t = type(mod)
        m = mod if t is str else mod.name if t is Atom else _name(mod)
        allow = self.allow
        if allow is not None:  # inline: this is on every call's path
            f = fn if type(fn) is str else _name(fn)
            if not ((m in allow and "." not in f) or (m + "." + f) in allow):
                self._not_allowed(m, f)
        module = sys.modules.get(m)
        if module is None:
            __import__(m)
            module = sys.modules[m]
        parts = self._parts.get(fn)
        if parts is None:
            if len(self._parts) > 4096:
                self._parts.clear()
            parts = self._parts[fn] = tuple(_name(fn).split("."))
        if len(parts) == 1:
            return getattr(module, parts[0])
        # A dotted function is an attribute path (date.today, str.upper)
        # that never passes through a module: module "mymod" + function
        # "os.system" must not reach os.system because mymod imported os
        # (a host that allows module mymod allows mymod's own functions).
        obj = module
        for p in parts:
            if obj is not module and isinstance(obj, _ModuleType):
                raise _through_module(m, parts, module)
            obj = getattr(obj, p)
        return obj

    @staticmethod
    def _not_allowed(m: str, f: str) -> None:
        """Refuse m.f, which the allowlist does not allow (_resolve checks:
        the entry "m.f", or the entry "m" when f has no dot, since a dotted
        f is an attribute path, which a module entry must not reach
        through).  The host checked already; this is the second line."""
        raise PermissionError("taipan: %s.%s is not allowed in this worker: it is "
                              "not in its allowlist (the host's Options.Allow)" % (m, f))

    def _args(self, args: "Any", kwargs: "Any") -> "Tuple[Any, Any]":
        if type(args) is not list and not isinstance(args, (list, tuple)):
            raise TypeError("Args must be a list, got %s" % type(args).__name__)
        if kwargs:
            if not isinstance(kwargs, dict):
                raise TypeError("Kwargs must be a map, got %s" % type(kwargs).__name__)
            kwargs = {_name(k): v for k, v in kwargs.items()}
        dec = self.decoder
        if dec is not None:
            args = [_walk(a, dec, False) for a in args]
            if kwargs:
                kwargs = {k: _walk(v, dec, False) for k, v in kwargs.items()}
        return args, kwargs

    def invoke(self, mod: "Any", fn: "Any", args: "Any", kwargs: "Any") -> "Any":
        """Resolve and call Module.Function in user mode (SIGINT raises);
        coroutines are run to completion."""
        f = self._resolve(mod, fn)
        args, kwargs = self._args(args, kwargs)
        self._interrupt_pending = False
        self._in_user = True
        try:
            r = f(*args, **kwargs) if kwargs else f(*args)
            if type(r) is _coroutine_type:
                r = self.run_coroutine(r)
        finally:
            self._in_user = False
        return r

    def _call(self, id: "Any", mod: "Any", fn: "Any", args: "Any",
              kwargs: "Any") -> None:
        # invoke() inlined for plain calls: this is the hot path.
        exit_exc = None
        try:
            f = self._resolve(mod, fn)
            t = type(args)
            if kwargs or self.decoder is not None or (t is not _EList and t is not list):
                args, kwargs = self._args(args, kwargs)
            self._interrupt_pending = False
            self._in_user = True
            try:
                r = f(*args, **kwargs) if kwargs else f(*args)
                if type(r) is _coroutine_type:
                    r = self.run_coroutine(r)
            finally:
                self._in_user = False
            if self.encoder is not None:
                r = _walk(r, self.encoder, True)
            data = self.writer.result(id, r)
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                exit_exc = exc
            data = self._error_frame(id, exc)
        out = self.stdout
        if out is not None and (out._partial or self.stderr._partial):
            self._flush_partial()
        self.writer.put(data)
        if exit_exc is not None:
            self._finish_output()
            raise exit_exc

    def _error_frame(self, id: "Any", exc: BaseException) -> "Any":
        try:
            return self.writer.frame((A_e, id, error_term(exc)))
        except Exception:
            return self.writer.frame((A_e, id, (Atom("python"), type_name(exc),
                                                "(error not encodable)", [])))

    def _cast(self, mod: "Any", fn: "Any", args: "Any", kwargs: "Any") -> None:
        try:
            self.invoke(mod, fn, args, kwargs)
        except SystemExit:
            raise
        except BaseException as exc:
            self._log_exception("cast %s.%s failed" % (_safe(mod), _safe(fn)), exc)
        self._flush_partial()

    def _message(self, msg: "Any") -> None:
        h = self.message_handler
        if h is None:
            return
        try:
            if self.decoder is not None:
                msg = _walk(msg, self.decoder, False)
            self._interrupt_pending = False
            self._in_user = True
            try:
                h(msg)
            finally:
                self._in_user = False
        except SystemExit:
            raise
        except BaseException as exc:
            self._log_exception("message handler failed", exc)
        self._flush_partial()

    def _reload(self, id: "Any", modules: "Any") -> None:
        try:
            from .reload import reload_modules
            names = [_name(m) for m in modules]
            self._in_user = True
            try:
                report = reload_modules(names)
            finally:
                self._in_user = False
            self._parts.clear()
            data = self.writer.frame((A_r, id, report))
        except BaseException as exc:
            data = self._error_frame(id, exc)
        self._flush_partial()
        self.writer.put(data)

    def _eval(self, id: "Any", mode: "Any", code: "Any") -> None:
        try:
            if not self.allow_eval:
                raise PermissionError("eval/exec is disabled in this worker "
                                      "(enable it with the eval option of hello)")
            src = _name(code)
            self._interrupt_pending = False
            self._in_user = True
            try:
                if mode is A_EVAL:
                    r = eval(compile(src, "<taipan eval>", "eval"), self.namespace)
                elif mode is A_EXEC:
                    exec(compile(src, "<taipan exec>", "exec"), self.namespace)
                    r = None
                else:
                    raise ValueError("mode must be eval or exec, got %r" % (mode,))
                if type(r) is _coroutine_type:
                    r = self.run_coroutine(r)
            finally:
                self._in_user = False
            if self.encoder is not None:
                r = _walk(r, self.encoder, True)
            data = self.writer.frame((A_r, id, r))
        except SystemExit:
            raise
        except BaseException as exc:
            data = self._error_frame(id, exc)
        self._flush_partial()
        self.writer.put(data)

    # ------------------------------------------------------------------
    # asyncio
    # ------------------------------------------------------------------

    def event_loop(self) -> "Any":
        """The worker's event loop (created on first use, kept for life)."""
        if self._loop is None:
            import asyncio
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
        return self._loop

    def run_coroutine(self, coro: "Any") -> "Any":
        return self.event_loop().run_until_complete(coro)

    # ------------------------------------------------------------------
    # worker -> host
    # ------------------------------------------------------------------

    def host_call(self, module: "Any", function: "Any", args: "Any",
                  context: "Any" = A_N, timeout: "Optional[float]" = None) -> "Tuple[bool, Any]":
        """Call a host function; returns (True, Result) or (False, Error).
        Raises HostError on timeout or end of input.  From the main thread,
        requests arriving meanwhile run inline (re-entrancy)."""
        id = next(self._ids)
        data = self.writer.host_call(id, module, function, args, context)
        mu = self._mu
        with mu:
            if self._eof:
                raise HostError(None, "the host closed the request pipe")
            self._pending.add(id)
        main = get_ident() == self._main
        was_user = self._in_user
        if main:
            self._in_user = False
        try:
            self.writer.send(data)
            replies = self._replies
            deadline = None if timeout is None else monotonic() + timeout
            status = self._wait(lambda: id in replies, deadline)
        finally:
            with mu:
                self._pending.discard(id)
                reply = self._replies.pop(id, None)
            if main:
                self._in_user = was_user
        if main and was_user and self._interrupt_pending:
            self._interrupt_pending = False
            raise KeyboardInterrupt
        if reply is None:
            if status == 2:
                raise HostError(None, "no reply from the host within %gs" % timeout)
            raise HostError(None, "the host closed the request pipe")
        if type(reply) is BadFrame:
            raise HostError(None, "the host's reply does not decode: %s" % (reply.error,))
        if reply[0] is A_r:
            return True, reply[2]
        return False, reply[2]

    def send_message(self, pid: "Any", message: "Any") -> None:
        """``{'M', Pid, Message}`` to the host, written at once."""
        self.writer.send(self.writer.frame((A_M, pid, message)))

    def log(self, level: int, logger: str, message: str, extra: "Dict[str, Any]") -> None:
        """Send an ``L`` frame.  From the main thread frames are batched (at
        most FLUSH_AGE apart); from other threads they are written at once."""
        if self._forked:
            self._log_line(level, "stderr", "%s: %s" % (logger, message))
            return
        w = self.writer
        data = w.frame((A_L, level, logger, message, extra))
        if get_ident() != self._main:
            w.send(data)
            return
        w.put(data)
        w.flush_if_old()

    def _log_line(self, level: int, logger: str, line: str) -> None:
        if self._forked:
            # A forked child has no protocol: its output goes to fds 1/2,
            # which the host logs line by line.
            try:
                os.write(1 if logger == "stdout" else 2,
                         (line + "\n").encode("utf-8", "replace"))
            except OSError:
                pass
            return
        self.log(level, logger, line, {})

    def _log_exception(self, what: str, exc: BaseException) -> None:
        import traceback
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.log(40, "taipan.worker", "%s: %s: %s" % (what, type_name(exc), exc),
                 {"exc_text": text})

    def after_fork_in_child(self) -> None:
        """In a process forked from the worker (``os.fork``,
        ``multiprocessing``): the protocol belongs to the worker alone.  Its
        fds now read end of file and write nowhere (the fd numbers stay
        taken, so nothing else lands on them); output and logging records
        go to fds 1 and 2; ``taipan.host`` is unavailable.  The child's own
        code runs on."""
        self._forked = True
        try:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in {self.reader.fd, self.writer.fd}:
                os.dup2(null, fd, inheritable=False)
            os.close(null)
        except OSError:
            pass
        from . import host
        host._runtime = None

    def _flush_partial(self) -> None:
        if self.stdout is not None:
            self.stdout.flush()
            self.stderr.flush()

    def _finish_output(self) -> None:
        try:
            self._flush_partial()
            self.writer.flush()
        except OSError:
            pass


def _safe(x: "Any") -> str:
    try:
        return _name(x)
    except TypeError:
        return repr(x)


def _set_pipe_size(fd: int) -> None:
    try:
        import fcntl
        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, OSError, ValueError):
        pass


def main(argv: "Optional[List[str]]" = None) -> int:
    """Entry point.  ``--stdio``: use fds 0/1 instead of 3/4 (fd 1 then goes
    to stderr and fd 0 to /dev/null, so that nothing else can write into the
    protocol)."""
    args = sys.argv[1:] if argv is None else argv
    stdio = "--stdio" in args
    if stdio:
        in_fd = os.dup(0)
        out_fd = os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(2, 1)
        os.close(null)
    else:
        in_fd, out_fd = 3, 4
        # Subprocesses do not get the protocol (close on exec).
        os.set_inheritable(in_fd, False)
        os.set_inheritable(out_fd, False)
    _set_pipe_size(in_fd)
    _set_pipe_size(out_fd)
    rt = Runtime(in_fd, out_fd, stdio)
    os.register_at_fork(after_in_child=rt.after_fork_in_child)
    try:
        code = rt.run()
    except BrokenPipeError:
        code = 0  # the host stopped reading: it is gone
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    _exit_cleanly(code)
    return code


def _exit_cleanly(code: int) -> None:
    """Exit now even if user threads are still running (no orphans)."""
    th = sys.modules.get("threading")
    if th is not None:
        others = [t for t in th.enumerate()
                  if t is not th.main_thread() and not t.daemon and t.is_alive()]
        if others:
            import atexit
            atexit._run_exitfuncs()
            os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
