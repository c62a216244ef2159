"""Calls from Python code into the Go host, usable from any thread and from
asyncio.

    import taipan
    taipan.host.call("config.get", "db_url")          # -> the host's result
    taipan.host.call("slow.thing", timeout=5.0)       # HostError after 5 s
    await taipan.host.acall("config.get", "db_url")   # never blocks the loop
    taipan.host.cast({"event": "done"})               # fire and forget

A host function is the one registered on the Go side under ``name``; the call
travels as ``{'C', Id, <<>>, Name, Args, 'N'}`` (docs/protocol.md).  A failed
host call raises :class:`taipan.HostError`.
"""

from __future__ import annotations

from .errors import HostError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional
    from .worker import Runtime

__all__ = ["call", "acall", "cast", "set_message_handler", "in_worker"]

#: The Runtime serving this process; set by taipan.worker.
_runtime = None  # type: Optional[Runtime]


def _rt() -> "Runtime":
    rt = _runtime
    if rt is None:
        raise RuntimeError("taipan.host is only usable inside a taipan worker")
    return rt


def in_worker() -> bool:
    """True when this process is a taipan worker (host calls possible)."""
    return _runtime is not None


def call(name: str, *args: "Any", timeout: "Optional[float]" = None) -> "Any":
    """Call the host function registered as ``name`` with ``args``; return its
    result.  Blocks the calling thread until the reply (or ``timeout``
    seconds: HostError).  Requests that arrive meanwhile on the main thread
    run inline, so the host may call back into Python while it serves this
    call.  Raises HostError when the host function fails, on timeout and when
    the host goes away."""
    rt = _rt()
    enc = rt.encoder
    a = list(args)
    if enc is not None:
        from .worker import _walk
        a = [_walk(x, enc, True) for x in a]
    ok, value = rt.host_call("", name, a, timeout=timeout)
    if not ok:
        raise HostError(value)
    if rt.decoder is not None:
        from .worker import _walk
        value = _walk(value, rt.decoder, False)
    return value


async def acall(name: str, *args: "Any", timeout: "Optional[float]" = None) -> "Any":
    """``await``-able :func:`call`: runs the blocking call in the event
    loop's default executor, so the loop keeps running meanwhile."""
    import asyncio
    import functools
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, functools.partial(call, name, *args, timeout=timeout))


def cast(message: "Any", pid: "Any" = None) -> None:
    """Send ``message`` to the host's message handler without waiting:
    ``{'M', Pid, Message}``, Pid ``undefined`` unless given."""
    rt = _rt()
    if rt.encoder is not None:
        from .worker import _walk
        message = _walk(message, rt.encoder, True)
    rt.send_message(pid, message)


def set_message_handler(handler: "Optional[Callable[[Any], Any]]") -> None:
    """Call ``handler(message)`` on the main thread for each ``{'M',
    Message}`` from the host (None: drop them)."""
    _rt().message_handler = handler
