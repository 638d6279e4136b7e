"""flight_recorder: keep the logs of a block, show them only if it hangs.

Inside ``with flight_recorder(logger, timeout=...) as on_timeout:`` the
block logs through ``on_timeout.info(...)`` & co.  The messages are
buffered; if the block is still running after ``timeout`` seconds, the
recorder "blushes": it logs a warning, replays the buffer and prints the
stack of the task that entered the block.  If the block finishes in time
the buffer is dropped.

Recorders nest: the innermost one of the current context is
:func:`current_flight_recorder`, and the module-level :data:`on_timeout`
logs to it (or nowhere, outside any recorder).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import AbstractContextManager, ExitStack
from itertools import count
from types import TracebackType
from typing import Any, ClassVar, NamedTuple

from mode.utils.futures import current_task
from mode.utils.locals import LocalStack
from mode.utils.text import title
from mode.utils.times import Seconds, want_seconds
from mode.utils.tracebacks import format_task_stack

from .severity import LogSeverityMixin, Severity, _require_logger
from .wrapped import Logwrapped

__all__ = [
    "LogMessage",
    "current_flight_recorder",
    "current_flight_recorder_stack",
    "flight_recorder",
    "on_timeout",
]


class LogMessage(NamedTuple):
    """One buffered call of :meth:`flight_recorder.log`."""

    severity: int
    message: str
    asctime: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class flight_recorder(AbstractContextManager["flight_recorder"], LogSeverityMixin):
    """Buffer logs of a block; log them, with a stack, if it takes too long.

    ``timeout`` is in seconds (any :data:`~mode.utils.times.Seconds`).  The
    timer is started by :meth:`activate` (by ``__enter__``) on ``loop`` if
    given, else on the loop running at that moment; ``loop`` is never
    looked up before.  Use it from the loop's own thread.

    While active, ``log()`` (and ``info()`` & co.) buffer :class:`LogMessage`
    entries.  When the timer fires, :meth:`blush` logs, in order: the
    warnings ``Warning: Task timed out!`` and ``Please make sure it's hanging
    before restart.``, ``[Flight Recorder-N] (started at <date>) Replaying
    logs...``, each buffered entry as ``[Flight Recorder-N] (<date>) <msg>``
    with :attr:`extra_context` merged into ``extra["data"]``, ``[...]
    -End of log-``, ``[...] Task traceback`` and the stack of the task that
    activated the recorder.  Entries logged after that, until the block
    ends, go out at once with the same prefix (decision: the original kept
    buffering them and then dropped them).  After :meth:`cancel` (done by
    ``__exit__``) the buffer is dropped and ``log()`` logs straight to
    ``logger``.

    A recorder activated inside another one copies the keys of the
    enclosing recorder's :attr:`extra_context` that it does not have.
    Exceptions raised in the block are never suppressed.
    """

    _id_source: ClassVar[count[int]] = count(1)

    id: int
    logger: logging.Logger
    timeout: float
    loop: asyncio.AbstractEventLoop | None
    started_at_date: str | None
    enabled_by: asyncio.Task[Any] | None
    extra_context: dict[str, Any]
    exit_stack: ExitStack

    def __init__(
        self,
        logger: logging.Logger,
        *,
        timeout: Seconds,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        _require_logger(logger, "flight_recorder()")
        given: object = timeout
        if given is None:
            raise TypeError("flight_recorder() needs a timeout in seconds, got None")
        seconds = want_seconds(timeout)
        if not seconds >= 0:  # also rejects NaN
            raise ValueError(f"timeout must be 0 or more seconds, got {timeout!r}")
        self.id = next(self._id_source)
        self.logger = logger
        self.timeout = float(seconds)
        self.loop = loop
        self.started_at_date = None
        self.enabled_by = None
        self.extra_context = {}
        self.exit_stack = ExitStack()
        self._buffer: deque[LogMessage] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._active = False
        self._fired = False

    def wrap_debug(self, obj: Any) -> Logwrapped[Any]:
        """Return ``obj`` wrapped so its method calls are logged at DEBUG."""
        return self.wrap(logging.DEBUG, obj)

    def wrap_info(self, obj: Any) -> Logwrapped[Any]:
        """Return ``obj`` wrapped so its method calls are logged at INFO."""
        return self.wrap(logging.INFO, obj)

    def wrap_warn(self, obj: Any) -> Logwrapped[Any]:
        """Return ``obj`` wrapped so its method calls are logged at WARNING."""
        return self.wrap(logging.WARNING, obj)

    def wrap_error(self, obj: Any) -> Logwrapped[Any]:
        """Return ``obj`` wrapped so its method calls are logged at ERROR."""
        return self.wrap(logging.ERROR, obj)

    def wrap(self, severity: Severity, obj: Any) -> Logwrapped[Any]:
        """Return a :class:`~.wrapped.Logwrapped` proxy of ``obj`` that logs
        its method calls at ``severity`` through this recorder.
        """
        return Logwrapped(obj=obj, logger=self, severity=severity)

    def activate(self) -> None:
        """Start recording and start the timer.

        Records the current task and date, and copies missing
        :attr:`extra_context` keys from the enclosing recorder.  Raises
        RuntimeError if already active, or if no ``loop`` was given and no
        event loop is running.
        """
        if self._active:
            raise RuntimeError(
                f"{self!r} is already active: use one flight_recorder per block"
            )
        loop = self.loop
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError(
                    "flight_recorder must be activated inside a running event "
                    "loop (or be given loop=...)"
                ) from None
            self.loop = loop
        self.enabled_by = current_task(loop)
        self.started_at_date = time.asctime()
        parent = current_flight_recorder()
        if parent is not None and parent is not self:
            for key, value in parent.extra_context.items():
                self.extra_context.setdefault(key, value)
        self._fired = False
        self._active = True
        self._timer = loop.call_later(self.timeout, self._on_timeout)

    def cancel(self) -> None:
        """Stop the timer, drop the buffered logs and stop recording."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self._buffer.clear()
        self._active = False

    def _on_timeout(self) -> None:
        self._timer = None
        self._fired = True
        try:
            self.blush()
        except Exception:  # already logged by blush()
            pass

    def log(self, severity: int, message: str, *args: Any, **kwargs: Any) -> None:
        """Buffer the entry while active, else log it (see the class doc)."""
        if self._active:
            entry = LogMessage(severity, message, time.asctime(), args, kwargs)
            if self._fired:
                self._emit(entry, self._ident())
            else:
                self._buffer.append(entry)
        else:
            kwargs.setdefault("stacklevel", 2)
            self.logger.log(severity, message, *args, **kwargs)

    def blush(self) -> None:
        """Log the timeout warnings, the buffered logs and the task's stack.

        Called by the timer; may be called directly.  An error while doing
        so is logged on ``logger`` and re-raised.
        """
        logger = self.logger
        ident = self._ident()
        try:
            logger.warning("Warning: Task timed out!")
            logger.warning("Please make sure it's hanging before restart.")
            logger.info(
                "[%s] (started at %s) Replaying logs...", ident, self.started_at_date
            )
            self.flush_logs(ident=ident)
            logger.info("[%s] -End of log-", ident)
            logger.info("[%s] Task traceback", ident)
            if self.enabled_by is not None:
                logger.info(format_task_stack(self.enabled_by))
            else:
                logger.info("[%s] -missing-: not enabled by task", ident)
        except Exception as exc:
            logger.exception("Flight recorder internal error: %r", exc)
            raise

    def flush_logs(self, ident: str | None = None) -> None:
        """Log and empty the buffer, each entry prefixed ``[ident] (date)``.

        ``ident`` defaults to ``Flight Recorder-N``.
        """
        ident = ident or self._ident()
        buffer = self._buffer
        try:
            while buffer:
                self._emit(buffer.popleft(), ident)
        finally:
            buffer.clear()

    def _emit(self, entry: LogMessage, ident: str) -> None:
        kwargs = dict(entry.kwargs)
        # The original caller's frame is gone: point at the recorder.
        kwargs.pop("stacklevel", None)
        if self.extra_context:
            extra = dict(kwargs.get("extra") or {})
            extra["data"] = {**self.extra_context, **(extra.get("data") or {})}
            kwargs["extra"] = extra
        prefix = f"[{ident}] ({entry.asctime}) "
        if entry.args:  # the message is a format string: escape the prefix
            prefix = prefix.replace("%", "%%")
        self.logger.log(entry.severity, prefix + entry.message, *entry.args, **kwargs)

    def _ident(self) -> str:
        return f"{title(type(self).__name__)}-{self.id}"

    def __repr__(self) -> str:
        return f"<{self._ident()} @{id(self):#x}>"

    def __enter__(self) -> flight_recorder:
        self.activate()
        try:
            self.exit_stack.enter_context(current_flight_recorder_stack.push(self))
        except BaseException:
            self.cancel()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.exit_stack.__exit__(exc_type, exc, tb)
        finally:
            self.cancel()


#: The recorders active in the current context, innermost last.
current_flight_recorder_stack: LocalStack[flight_recorder] = LocalStack()


def current_flight_recorder() -> flight_recorder | None:
    """Return the innermost active recorder of the current context, or None."""
    return current_flight_recorder_stack.top


class _FlightRecorderProxy(LogSeverityMixin):
    """Logs to :func:`current_flight_recorder`; does nothing without one."""

    __slots__ = ()

    def log(self, severity: int, message: str, *args: Any, **kwargs: Any) -> None:
        """Forward to the current recorder's ``log()``, if there is one."""
        recorder = current_flight_recorder()
        if recorder is not None:
            # One frame more than a direct call of recorder.log().
            kwargs["stacklevel"] = kwargs.get("stacklevel", 2) + 1
            recorder.log(severity, message, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<on_timeout -> {current_flight_recorder()!r}>"


#: Logs (``on_timeout.info(...)`` & co.) to the current flight recorder, or
#: nowhere when no recorder is active.
on_timeout: _FlightRecorderProxy = _FlightRecorderProxy()
