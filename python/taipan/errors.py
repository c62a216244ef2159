"""Exceptions of the taipan worker runtime and the error term they travel as.

A Python exception crosses the wire as ``{python, Type, Message, Traceback}``
(see docs/protocol.md, "Errors").  :func:`error_term` builds that term.
"""

from __future__ import annotations

import os

from .terms import Atom

__all__ = ["Cancelled", "HostError", "ProtocolError", "error_term"]

_PYTHON = Atom("python")
_GO = Atom("go")
# Frames from the runtime's own files are dropped from the top of tracebacks.
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Cancelled(Exception):
    """The host cancelled the call or stream (an ``X`` request)."""


class HostError(Exception):
    """A call into the host failed: the host answered ``{'e', Id, Error}``,
    the call timed out, or the host went away (end of the request pipe).

    ``value`` is the error term the host sent (``{go, Message}`` for the Go
    host), or None when the error is local (timeout, end of input).
    """

    def __init__(self, value: object = None, message: str = "") -> None:
        if not message:
            message = _describe(value)
        super().__init__(message)
        self.value = value


def _describe(value: object) -> str:
    if type(value) is tuple and len(value) == 2 and value[0] is _GO:
        msg = value[1]
        if isinstance(msg, bytes):
            msg = msg.decode("utf-8", "replace")
        return str(msg)
    return repr(value)


# The wire names them taipan.Cancelled / taipan.HostError (docs/protocol.md).
Cancelled.__module__ = "taipan"
HostError.__module__ = "taipan"


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid frame (the worker exits 3)."""


def type_name(exc: BaseException) -> str:
    """``module.QualName`` of the exception's class (``builtins.ValueError``)."""
    cls = type(exc)
    return "%s.%s" % (cls.__module__, getattr(cls, "__qualname__", cls.__name__))


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # a broken __str__ must not break the reply
        return "<unprintable %s>" % type(exc).__name__


def error_term(exc: BaseException) -> tuple:
    """``{python, Type, Message, Traceback}`` for exc; Traceback is a list of
    ``{File, Line, Function, Text}``, innermost last, without the runtime's
    own frames at the top."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_OWN_DIR):
        tb = tb.tb_next
    frames = []
    if tb is not None:
        import traceback  # only on errors: it is not needed at start-up
        for fs in traceback.extract_tb(tb):
            frames.append((fs.filename or "", fs.lineno or 0, fs.name or "",
                           fs.line or ""))
    return (_PYTHON, type_name(exc), _message(exc), frames)


def cancelled_term() -> tuple:
    """The error term of a call cancelled before it ran."""
    return (_PYTHON, "taipan.Cancelled", "cancelled", [])
