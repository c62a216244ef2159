"""Captured stdout/stderr and the logging bridge: both become ``L`` frames.

``sys.stdout``/``sys.stderr`` are replaced by :class:`LineWriter` objects
(logger ``stdout`` at level 20, ``stderr`` at 30, one frame per line; a
partial line goes out on ``flush()`` and at the end of every call).  The
``logging`` module is not imported at start-up: :func:`install_logging_hook`
puts a finder on ``sys.meta_path`` that adds :class:`FrameHandler` to the
root logger as soon as anything imports ``logging``.
"""

from __future__ import annotations

import io
import sys
from _thread import allocate_lock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["LineWriter", "install_logging_hook", "install_handler"]

#: Longest message sent in one L frame (longer ones are cut).
MAX_MESSAGE = 1 << 20


class _BytesSink(io.RawIOBase):
    """``sys.stdout.buffer``: bytes written here go through the text writer."""

    def __init__(self, text: "LineWriter") -> None:
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, b: "Any") -> int:
        self._text.write(bytes(b).decode("utf-8", "replace"))
        return len(b)

    def flush(self) -> None:
        self._text.flush()


class LineWriter(io.TextIOBase):
    """A text stream that sends each complete line as a log record through
    ``emit(level, logger, message)``.  Thread-safe; never raises on write."""

    def __init__(self, emit: "Callable[[int, str, str], None]", logger: str,
                 level: int, fd: int) -> None:
        super().__init__()
        self._emit = emit
        self._logger = logger
        self._level = level
        self._fd = fd
        self._partial = ""
        self._lock = allocate_lock()
        self.buffer = _BytesSink(self)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "replace"

    @property
    def name(self) -> str:
        return "<taipan %s>" % self._logger

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd

    def write(self, s: str) -> int:
        if type(s) is not str:
            if not isinstance(s, str):
                raise TypeError("write() argument must be str, not %s"
                                % type(s).__name__)
            s = str(s)
        if "\n" not in s:
            with self._lock:
                self._partial += s
                if len(self._partial) <= MAX_MESSAGE:
                    return len(s)
                line, self._partial = self._partial, ""
            self._send(line)
            return len(s)
        with self._lock:
            lines = (self._partial + s).split("\n")
            self._partial = lines.pop()
        for line in lines:
            self._send(line)
        return len(s)

    def writelines(self, lines: "Any") -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Send a pending partial line."""
        if self._partial:
            with self._lock:
                line, self._partial = self._partial, ""
            if line:
                self._send(line)

    def close(self) -> None:  # the worker's streams stay open
        self.flush()

    def _send(self, line: str) -> None:
        if len(line) > MAX_MESSAGE:
            line = line[:MAX_MESSAGE]
        try:
            self._emit(self._level, self._logger, line)
        except Exception:
            pass  # output must never break the call that printed it


def install_handler(emit: "Callable[[int, str, str, dict], None]",
                    level: int) -> None:
    """Add a handler sending records at or above level to the root logger
    (and lower the root logger's level to it)."""
    import logging

    class FrameHandler(logging.Handler):
        """Sends each record as an ``L`` frame."""

        def emit(self, record: logging.LogRecord) -> None:
            try:
                msg = record.getMessage()
                extra = {"file": record.pathname, "line": record.lineno,
                         "function": record.funcName}
                if record.exc_info:
                    if not record.exc_text:
                        record.exc_text = logging.Formatter().formatException(
                            record.exc_info)
                if record.exc_text:
                    extra["exc_text"] = record.exc_text
                if len(msg) > MAX_MESSAGE:
                    msg = msg[:MAX_MESSAGE]
                emit(record.levelno, record.name, msg, extra)
            except RecursionError:
                raise
            except Exception:
                self.handleError(record)

    root = logging.getLogger()
    if not any(type(h).__name__ == "FrameHandler" for h in root.handlers):
        root.addHandler(FrameHandler(level))
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)


class _LoggingHook:
    """A meta-path finder that notices the first ``import logging`` and adds
    the handler once the module has run."""

    def __init__(self, emit: "Callable[..., None]", level: int) -> None:
        self._emit = emit
        self._level = level

    def find_spec(self, name: str, path: "Any" = None, target: "Any" = None) -> "Any":
        if name != "logging":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is not None:
                spec = find(name, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        hook = self

        class _Loader:
            def create_module(self, spec: "Any") -> "Any":
                return loader.create_module(spec)

            def exec_module(self, module: "Any") -> None:
                loader.exec_module(module)
                install_handler(hook._emit, hook._level)

            def __getattr__(self, attr: str) -> "Any":
                return getattr(loader, attr)

        spec.loader = _Loader()
        return spec


def install_logging_hook(emit: "Callable[[int, str, str, dict], None]",
                         level: int) -> None:
    """Bridge ``logging`` to L frames, now if it is already imported, else
    on its first import."""
    if "logging" in sys.modules:
        install_handler(emit, level)
    else:
        sys.meta_path.insert(0, _LoggingHook(emit, level))
