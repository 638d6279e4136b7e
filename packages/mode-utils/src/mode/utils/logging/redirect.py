"""Send what is written to stdout/stderr to a logger instead.

:class:`FileLogProxy` is a write-only text file whose lines become log
records; :func:`redirect_stdouts` installs one as ``sys.stdout`` and/or
``sys.stderr`` for the duration of a ``with`` block.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, BinaryIO, TextIO

from .severity import Severity, get_logger, level_number

__all__ = ["FileLogProxy", "redirect_logger", "redirect_stdouts"]

#: Default logger of :func:`redirect_stdouts`.
redirect_logger = get_logger("mode.redirect")

# Per-thread recursion guard shared by all proxies: while one of them is
# logging, writes to any proxy from the same thread (say, a handler writing
# to sys.stderr, which is itself a proxy) are dropped instead of recursing.
_guard = threading.local()


def _report_handler_error(record: logging.LogRecord) -> None:
    """``Handler.handleError`` replacement: print to the real stderr.

    The default writes to ``sys.stderr``, which may be the proxy itself.
    """
    stream = sys.__stderr__
    if stream is not None:
        try:
            traceback.print_exc(None, stream)
        except OSError:
            pass


def _unsupported(what: str) -> NotImplementedError:
    return NotImplementedError(f"FileLogProxy is write-only: {what} is not supported")


class FileLogProxy(TextIO):
    """A write-only text file that logs what is written to it.

    Each :meth:`write` is stripped of surrounding whitespace and, unless
    empty or the proxy is closed, logged on ``logger`` at ``severity``.
    ``severity`` defaults to ``logger.level`` when that is set (not NOTSET),
    else WARNING.  The logger's current handlers are changed to report
    their own errors on ``sys.__stderr__``.  Reading, seeking and the
    underlying buffer/file descriptor raise NotImplementedError.  A
    ``logger`` that is not a :class:`logging.Logger` raises TypeError.
    """

    mode = "w"
    name = ""

    def __init__(
        self, logger: logging.Logger, *, severity: Severity | None = None
    ) -> None:
        if not isinstance(logger, logging.Logger):
            raise TypeError(
                f"FileLogProxy needs a logging.Logger, not {type(logger).__name__}"
            )
        self.logger = logger
        if severity is not None:
            self.severity = level_number(severity)
        else:
            self.severity = logger.level or logging.WARNING
        self._closed = False
        for handler in logger.handlers:
            # An instance attribute shadows the method, for this handler only.
            setattr(handler, "handleError", _report_handler_error)  # noqa: B010

    def write(self, s: str) -> int:
        """Log ``s.strip()`` (if not empty); return ``len(s)``.

        Raises TypeError if ``s`` is not a str, like a text file.
        """
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if not getattr(_guard, "active", False):
            data = s.strip()
            if data and not self._closed:
                _guard.active = True
                try:
                    self.logger.log(self.severity, data)
                finally:
                    _guard.active = False
        return len(s)

    def writelines(self, lines: Iterable[str]) -> None:
        """:meth:`write` each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Do nothing (every write is logged at once)."""

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def close(self) -> None:
        """Stop logging: later writes are ignored."""
        self._closed = True

    def isatty(self) -> bool:
        """Return False."""
        return False

    def readable(self) -> bool:
        """Return False."""
        return False

    def writable(self) -> bool:
        """Return True."""
        return True

    def seekable(self) -> bool:
        """Return False."""
        return False

    @property
    def encoding(self) -> str:
        """The default encoding (:func:`sys.getdefaultencoding`)."""
        return sys.getdefaultencoding()

    @property
    def errors(self) -> str | None:
        """None: errors are never raised on encoding (nothing is encoded)."""
        return None

    @property
    def newlines(self) -> Any:
        """False (as the original)."""
        return False

    @property
    def line_buffering(self) -> bool:
        """False.  A property, as on :class:`io.TextIOWrapper` (was a method)."""
        return False

    @property
    def buffer(self) -> BinaryIO:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("buffer")

    def fileno(self) -> int:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("fileno()")

    def read(self, n: int = -1) -> str:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("read()")

    def readline(self, limit: int = -1) -> str:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("readline()")

    def readlines(self, hint: int = -1) -> list[str]:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("readlines()")

    def seek(self, offset: int, whence: int = 0) -> int:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("seek()")

    def tell(self) -> int:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("tell()")

    def truncate(self, size: int | None = None) -> int:
        """Not supported: raises NotImplementedError."""
        raise _unsupported("truncate()")

    def __iter__(self) -> Iterator[str]:
        raise _unsupported("iteration")

    def __next__(self) -> str:
        raise _unsupported("iteration")

    def __enter__(self) -> FileLogProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def redirect_stdouts(
    logger: logging.Logger = redirect_logger,
    *,
    severity: Severity | None = None,
    stdout: bool = True,
    stderr: bool = True,
) -> Iterator[FileLogProxy]:
    """Redirect ``sys.stdout`` and/or ``sys.stderr`` to ``logger``.

    Yields the :class:`FileLogProxy` installed.  On exit the streams that
    were replaced are restored to what they were **before** the block (fix:
    the original restored ``sys.__stdout__``/``sys.__stderr__``, which broke
    nesting and any earlier redirection such as pytest's capture).
    """
    proxy = FileLogProxy(logger, severity=severity)
    previous_stdout, previous_stderr = sys.stdout, sys.stderr
    if stdout:
        sys.stdout = proxy
    if stderr:
        sys.stderr = proxy
    try:
        yield proxy
    finally:
        if stdout:
            sys.stdout = previous_stdout
        if stderr:
            sys.stderr = previous_stderr
