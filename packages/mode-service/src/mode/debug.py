"""Blocking detection: find the code that keeps the event loop from running.

:class:`BlockingDetector` is a service whose background task wakes up every
``0.96 * timeout`` seconds and re-arms a ``SIGALRM`` timer of ``timeout``
seconds.  While the loop runs freely the alarm never fires.  When some
callback blocks the loop for longer than ``timeout``, the alarm goes off in the
middle of that callback: the detector logs a warning with the stack of the
blocking code and raises :class:`Blocking` (or the ``raises`` class) *inside* it,
so the offending task fails with a traceback that points at the culprit.  The
alarm is re-armed first, so a callback that swallows the exception is reported
again.

It needs ``signal.setitimer`` and runs signal handlers in the main thread:
POSIX only, and only for a loop running in the main thread.  Elsewhere (Windows,
or a loop in another thread) the detector logs a warning once and stays idle:
it never crashes the program it is meant to watch.  An alarm that lands while
the event loop's own machinery runs (idle in its selector, or between
callbacks), or while the detector's own task runs (its wake-up was merely
late), is not a block: it is re-armed without raising, so the detector never
breaks the loop it watches.

The alarm raises only while the watched loop runs, that is inside one of
its callbacks.  An alarm that lands while it does not run (the program runs
the loop in pieces, or the loop ended before the detector could disarm the
alarm: a test's loop torn down, say) is disarmed and raises nothing: the
code running then is not the loop's, and may be anybody's (a test runner's
own hooks).  The detector re-arms the alarm when the loop runs it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sysconfig
import threading
import traceback
from types import FrameType
from typing import Any

from mode.utils.times import Seconds, want_seconds

from .services import Service, _set_result_unless_done

__all__ = ["Blocking", "BlockingDetector", "arm_alarm", "blocking_detection_supported"]

_get_running_loop = asyncio.events._get_running_loop

#: The detector wakes up after this fraction of its timeout to re-arm the alarm.
REARM_RATIO = 0.96


class Blocking(RuntimeError):
    """Raised inside code that blocked the event loop for longer than allowed."""


def blocking_detection_supported() -> bool:
    """True where SIGALRM timers work: POSIX, called from the main thread."""
    return (
        hasattr(signal, "setitimer")
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )


def arm_alarm(seconds: float) -> None:
    """Deliver ``SIGALRM`` after ``seconds`` (a float); ``0`` disarms it.

    Raises:
        RuntimeError: the platform has no ``signal.setitimer`` (Windows).
    """
    if not hasattr(signal, "setitimer"):
        raise RuntimeError("arm_alarm needs signal.setitimer, which is POSIX-only")
    signal.setitimer(signal.ITIMER_REAL, seconds)


#: Files of the event loop machinery: an alarm landing in them means the loop
#: itself was running (or waiting for I/O), not user code blocking it.
_LOOP_DIRS = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (asyncio,)
    if module.__file__ is not None
)
#: The standard library's folders (without site-packages, which may lie
#: inside them): code there runs on behalf of its caller.
_STDLIB_DIRS = tuple(
    {os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "platstdlib")}
)
_SITE_DIRS = tuple(
    {os.path.join(sysconfig.get_paths()[key], "") for key in ("purelib", "platlib")}
)


def _is_stdlib(filename: str) -> bool:
    return filename.startswith("<") or (
        filename.startswith(_STDLIB_DIRS) and not filename.startswith(_SITE_DIRS)
    )


def _in_loop_machinery(frame: FrameType | None) -> bool:
    # Walk out from the interrupted frame past standard-library frames: if the
    # first caller that is not the standard library is asyncio itself, the
    # alarm hit the loop's own work (waiting in selectors.py, or helpers it
    # calls such as traceback extraction in debug mode, logging, heapq), not a
    # callback of the program: not a block.  Raising there would break the
    # loop (a timer handle lost, a wake-up never delivered).  For loops written
    # in C, such as uvloop, the outermost Python frames are asyncio's runner.
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_LOOP_DIRS) or filename.endswith("selectors.py"):
            return True
        if not _is_stdlib(filename):
            return False
        frame = frame.f_back
    return False


#: The timer callback that ends ``Service.sleep`` (the switch's own wake-up):
#: it sets a future and returns, so it never blocks the loop itself.
_WAKE_UP_CODE = _set_result_unless_done.__code__


def _in_own_switch(frame: FrameType | None, depth: int = 4) -> bool:
    # The alarm raced with the deadman switch re-arming it: the loop is running
    # our task or the timer callback that wakes it, so it is not blocked (the
    # wake-up was merely late: the process was starved of CPU, say).
    while frame is not None and depth > 0:
        code = frame.f_code
        if code is _WAKE_UP_CODE or (
            code.co_filename == __file__
            and code.co_name in ("_deadman_switch", "arm_alarm")
        ):
            return True
        frame, depth = frame.f_back, depth - 1
    return False


class BlockingDetector(Service):
    """Report (and interrupt) code that blocks the event loop.

    Arguments:
        timeout: the longest the loop may go without running our task
            (seconds, or any :data:`~mode.utils.times.Seconds` form).
        raises: the exception class raised inside the blocking code
            (default :class:`Blocking`); called with the message.
        **kwargs: passed to :class:`~mode.services.Service`.

    Raises:
        ValueError: ``timeout`` is not positive.
    """

    logger = logging.getLogger(__name__)

    def __init__(
        self,
        timeout: Seconds,
        raises: type[BaseException] = Blocking,
        **kwargs: Any,
    ) -> None:
        if timeout is None:
            raise TypeError("BlockingDetector timeout must be > 0 seconds, not None")
        if not (isinstance(raises, type) and issubclass(raises, BaseException)):
            raise TypeError(
                f"BlockingDetector raises= must be an exception class (such as "
                f"mode.debug.Blocking), not {raises!r}"
            )
        secs = want_seconds(timeout)
        if not secs > 0:
            raise ValueError(
                f"BlockingDetector timeout must be > 0 seconds, got {secs!r}"
            )
        self.timeout: float = float(secs)
        self.raises = raises
        #: The loop whose callbacks the armed alarm may interrupt (None: off).
        self._watched_loop: asyncio.AbstractEventLoop | None = None
        super().__init__(**kwargs)

    @Service.task
    async def _deadman_switch(self) -> None:
        if not blocking_detection_supported():
            self.log.warning(
                "Blocking detection needs SIGALRM in the main thread (POSIX); "
                "it is disabled here"
            )
            return
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        self._watched_loop = asyncio.get_running_loop()
        try:
            while not self.should_stop:
                arm_alarm(self.timeout)
                await self.sleep(self.timeout * REARM_RATIO)
        finally:
            self._watched_loop = None
            arm_alarm(0)
            signal.signal(signal.SIGALRM, previous)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        loop = self._watched_loop
        if loop is None or _get_running_loop() is not loop:
            # Not inside a callback of the watched loop: the code running now
            # is somebody else's.  Stay quiet until the switch re-arms.
            arm_alarm(0)
            return
        arm_alarm(self.timeout)
        if _in_loop_machinery(frame) or _in_own_switch(frame):
            return
        msg = f"Blocking detected (timeout={self.timeout!r})"
        stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
        self.log.warning("%s\n%s", msg, stack)
        raise self.raises(msg)
