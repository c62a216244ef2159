"""ErlPort's ``erlport.erlang`` API on taipan's worker runtime.

Code written for ErlPort's Python side keeps working:

    from erlport.erlang import call, cast, self, make_ref, set_message_handler
    from erlport.erlterms import Atom

    call(Atom("mymod"), Atom("fun"), [1, 2])   # {'C', Id, mymod, fun, [1,2], 'N'}

Differences from ErlPort (see docs/python-api.md): ``self()`` and
``make_ref()`` are host calls to the functions ``erlang.self`` and
``erlang.make_ref`` (context ``'L'``), which a Go host may register; the
encoder and decoder are applied recursively, to every value inside the term;
``CallError`` is a subclass of ``taipan.HostError``.
"""

from __future__ import annotations

from taipan.errors import HostError
from taipan.terms import Atom, List

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

__all__ = ["call", "cast", "self", "make_ref", "set_encoder", "set_decoder",
           "set_message_handler", "set_default_encoder", "set_default_decoder",
           "set_default_message_handler", "Error", "CallError"]

_A_L = Atom("L")
_A_N = Atom("N")


class Error(Exception):
    """ErlPort's base error."""


class CallError(HostError, Error):
    """A call into the host failed.  ``language``, ``type``, ``value`` and
    ``stacktrace`` follow ErlPort: for an Erlang-style error term
    ``{Lang, Type, Reason, Trace}`` they are its parts; for the Go host's
    ``{go, Message}`` language is ``go`` and value the message."""

    def __init__(self, value: "Any" = None, message: str = "") -> None:
        HostError.__init__(self, value, message)
        self.language = self.type = self.stacktrace = None
        self.value = value
        if type(value) is tuple:
            if len(value) == 4:
                self.language, self.type, self.value, self.stacktrace = value
            elif len(value) == 2:
                self.language, self.value = value


def _rt() -> "Any":
    from taipan import host
    return host._rt()


def _host_call(module: "Any", function: "Any", args: "Any", context: "Any") -> "Any":
    rt = _rt()
    enc = rt.encoder
    if enc is not None:
        from taipan.worker import _walk
        args = [_walk(a, enc, True) for a in args]
    try:
        ok, value = rt.host_call(module, function, list(args), context)
    except HostError as exc:
        raise CallError(exc.value, str(exc)) from None
    if not ok:
        raise CallError(value)
    if rt.decoder is not None:
        from taipan.worker import _walk
        value = _walk(value, rt.decoder, False)
    return value


def call(module: "Any", function: "Any", args: "Any") -> "Any":
    """Call the host function ``module.function(*args)``: ``{'C', Id, Module,
    Function, Args, 'N'}`` with Module and Function as given (atoms, or str
    sent as binaries).  Raises CallError when it fails."""
    if not isinstance(module, (Atom, str)) or not isinstance(function, (Atom, str)):
        raise ValueError("module and function must be atoms")
    if not isinstance(args, (list, tuple)):
        raise ValueError("args must be a list")
    return _host_call(module, function, args, _A_N)


def cast(pid: "Any", message: "Any") -> None:
    """Send ``{'M', Pid, Message}``: the host hands Message to its message
    handler (a Go host ignores Pid unless it gave it out)."""
    rt = _rt()
    if rt.encoder is not None:
        from taipan.worker import _walk
        message = _walk(message, rt.encoder, True)
    rt.send_message(pid, message)


_self = None


def self() -> "Any":
    """The host's process identifier: a host call to ``erlang.self``
    (context 'L'), cached after the first call."""
    global _self
    if _self is None:
        _self = _host_call(Atom("erlang"), Atom("self"), [], _A_L)
    return _self


def make_ref() -> "Any":
    """A fresh reference from the host: a host call to ``erlang.make_ref``
    (context 'L')."""
    return _host_call(Atom("erlang"), Atom("make_ref"), [], _A_L)


def _check(f: "Any") -> None:
    if not callable(f):
        raise ValueError("expected a callable")


def set_encoder(encoder: "Callable[[Any], Any]") -> None:
    """Apply ``encoder(value)`` to every value sent to the host (results,
    stream items, host call arguments, casts), outermost first."""
    _check(encoder)
    _rt().encoder = encoder


def set_decoder(decoder: "Callable[[Any], Any]") -> None:
    """Apply ``decoder(value)`` to every value received (call arguments,
    host call results, messages), innermost first."""
    _check(decoder)
    _rt().decoder = decoder


def set_message_handler(handler: "Callable[[Any], Any]") -> None:
    """Call ``handler(message)`` for each ``{'M', Message}`` from the host."""
    _check(handler)
    _rt().message_handler = handler


def set_default_encoder() -> None:
    _rt().encoder = None


def set_default_decoder() -> None:
    _rt().decoder = None


def set_default_message_handler() -> None:
    _rt().message_handler = None


del List
