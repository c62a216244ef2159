"""Test functions for the compat profile, called through erlport_wire.py
(a stand-in for ErlPort's Python side; see that file)."""

import time

import erlport_wire
from erlport_wire import Atom, List

_messages = []
_casts = []


def echo(x):
    return x


def describe(x):
    """The Python type of what arrived, and its value."""
    return (Atom(type(x).__name__.encode()), x)


def upper(s):
    """bytes in (a Go string arrives as a binary), str out (a charlist)."""
    return s.decode().upper()


def text(n):
    return "ĉx" * n


def raise_value_error(msg):
    raise ValueError(msg.decode())


def shout(s):
    print("hello from python:", s.decode())
    print("partial", end="")
    return 1


def hey():
    print("hey")


def sleep(seconds):
    time.sleep(seconds)
    return 1


def go_call(name, args):
    """Call the Go function go.<name> (name arrives as bytes)."""
    return erlport_wire.call(Atom(b"go"), Atom(name), list(args))


def go_call_then_sleep(name, seconds):
    """Call go.<name>, then sleep without reading requests."""
    erlport_wire.call(Atom(b"go"), Atom(name), [])
    time.sleep(seconds)
    return 1


def go_call_error(name, args):
    """Call go.<name>, which fails: return what CallError carries."""
    try:
        erlport_wire.call(Atom(b"go"), Atom(name), list(args))
    except erlport_wire.CallError as e:
        return (e.language, e.type, e.value, e.stacktrace)
    return None


def record(x):
    _casts.append(x)


def recorded():
    return List(_casts)


def install_handler():
    erlport_wire.set_message_handler(_messages.append)


def install_failing_handler():
    def handler(msg):
        raise RuntimeError("handler failed")
    erlport_wire.set_message_handler(handler)


def messages():
    return List(_messages)


def cast_back(msg):
    erlport_wire.cast(None, msg)
    return 1


def unsupported():
    return {1: 2}  # a dict travels as a pickled opaque
