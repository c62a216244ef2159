"""Streaming calls (the ``S`` request): items of a generator, async
generator or other iterable travel as ``{'s', Id, Item}`` frames under credit.

The stream runs on the main thread.  Before producing each item it needs one
credit; with none left it waits (taking the reader role, running requests
that arrive meanwhile inline) until the host grants more with ``G`` or cancels
with ``X``.  A cancelled stream's generator is closed (``close()`` /
``aclose()``, so its ``finally`` blocks run) and the call is answered with the
``taipan.Cancelled`` error; a finished one with ``{'r', Id, undefined}``.
"""

from __future__ import annotations

from .errors import Cancelled

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from .worker import Runtime

__all__ = ["run_stream"]


def _close(rt: "Runtime", it: "Any", is_async: bool) -> None:
    try:
        if is_async:
            aclose = getattr(it, "aclose", None)
            if aclose is not None:
                rt.run_coroutine(aclose())
        else:
            close = getattr(it, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        rt._log_exception("closing a cancelled stream failed", exc)


def run_stream(rt: "Runtime", id: "Any", mod: "Any", fn: "Any", args: "Any",
               kwargs: "Any", credit: "Any") -> None:
    """Run one streaming call to its end, cancellation or error, and queue
    its final reply."""
    from .worker import A_e, A_r, A_s, _Stream, _walk

    writer = rt.writer
    if type(credit) is not int or credit < 0:
        credit = 0
    st = _Stream(id, credit)
    with rt._mu:
        rt._streams[id] = st
    it = None
    is_async = False
    exit_exc = None
    try:
        try:
            obj = rt.invoke(mod, fn, args, kwargs)
            if isinstance(obj, (str, bytes, bytearray, dict)):
                raise TypeError("a stream needs an iterable (a generator...), "
                                "not %s" % type(obj).__name__)
            if hasattr(obj, "__anext__"):
                it = obj
                is_async = True
                loop = rt.event_loop()
            elif hasattr(obj, "__aiter__"):
                it = obj.__aiter__()
                is_async = True
                loop = rt.event_loop()
            else:
                it = iter(obj)
            ready = lambda: st.credit > 0 or st.cancelled  # noqa: E731
            enc = rt.encoder
            put = writer.put
            frame = writer.frame
            while True:
                if st.credit <= 0 or st.cancelled:
                    if rt._wait(ready) == 1:  # end of input: the host is gone
                        raise Cancelled("the host closed the request pipe")
                if st.cancelled:
                    raise Cancelled("stream cancelled")
                rt._interrupt_pending = False
                rt._in_user = True
                try:
                    if is_async:
                        try:
                            item = loop.run_until_complete(it.__anext__())
                        except StopAsyncIteration:
                            break
                    else:
                        try:
                            item = next(it)
                        except StopIteration:
                            break
                finally:
                    rt._in_user = False
                if enc is not None:
                    item = _walk(item, enc, True)
                st.credit -= 1
                put(frame((A_s, id, item)))
            data = frame((A_r, id, None))
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                exit_exc = exc
            if it is not None and (isinstance(exc, Cancelled) or
                                   not _finished(it, is_async)):
                _close(rt, it, is_async)
            data = rt._error_frame(id, exc)
    finally:
        with rt._mu:
            rt._streams.pop(id, None)
    rt._flush_partial()
    writer.put(data)
    if exit_exc is not None:
        rt._finish_output()
        raise exit_exc


def _finished(it: "Any", is_async: bool) -> bool:
    """Whether a generator already ended (an exception inside it ends it)."""
    frame = getattr(it, "ag_frame" if is_async else "gi_frame", False)
    return frame is None
