"""A virtual clock for asyncio event loops: timers fire at once, in order.

Under a :class:`VirtualClock` the loop's :meth:`~asyncio.AbstractEventLoop.time`
is virtual: it stands still while code runs and, whenever the loop has
nothing to do but wait for a timer, jumps straight to that timer's deadline.
A service whose ``@Service.timer(60.0)`` fires every minute then ticks many
times per millisecond of real time, in exactly the order and at exactly the
(virtual) times it would in production::

    async def test_ticks() -> None:
        with VirtualClock() as clock:
            await asyncio.sleep(3600)          # returns at once
            assert clock.elapsed == 3600

Everything scheduled through the loop's clock runs on virtual time:
``asyncio.sleep``, ``asyncio.wait_for``/``asyncio.timeout``,
``loop.call_later``/``call_at`` and therefore ``Service.sleep``, service
timers and supervisor back-off (as far as they read ``loop.time()``).  Not
covered: code that reads :func:`time.monotonic`, :func:`time.time` or
:func:`time.perf_counter` directly, cron schedules (wall-clock time), and
time spent in threads or in real I/O.

How it works (CPython's :class:`asyncio.BaseEventLoop` internals, checked
on 3.11 to 3.14): each loop iteration asks the loop's selector to wait for
I/O for ``timeout`` seconds, the delay until the earliest timer (``None``
when there is no timer, ``0`` when callbacks are ready).  The clock wraps
the selector (``loop._selector``) and shadows ``loop.time`` with its own
method.  When asked to wait ``timeout > 0`` it first polls the real selector
(for ``autojump_threshold`` real seconds, 0 by default); if no I/O is ready
it adds ``timeout`` to the virtual time and returns, and the loop finds the
timer due.  Ready I/O is always served first, and a loop with no timers
blocks on real I/O as usual.  Loops that keep their clock and selector in C
(uvloop) cannot be virtualised: :meth:`VirtualClock.install` raises
:class:`TypeError` for them.

Virtual time does not advance while callbacks run, so a busy loop polling
``loop.time()`` between ``await asyncio.sleep(0)`` calls never sees time
pass: wait on a timer or a future instead.  With the default
``autojump_threshold=0`` a timeout around work done by a thread or by real
I/O expires at once (the loop is idle, so the clock jumps): give such tests
a small real ``autojump_threshold`` (e.g. 0.05 s), which the clock waits
for I/O before jumping.
"""

from __future__ import annotations

import asyncio
import math
from types import TracebackType
from typing import Any, Self

__all__ = ["VirtualClock"]


class _JumpingSelector:
    """Wraps a loop's selector: waiting for a timer becomes a clock jump."""

    def __init__(self, selector: Any, clock: VirtualClock) -> None:
        self._selector = selector
        self._clock = clock

    def select(self, timeout: float | None = None) -> Any:
        if timeout is None or timeout <= 0:
            # Callbacks are ready (0), or no timer exists (None): the real
            # selector decides, exactly as without a virtual clock.
            return self._selector.select(timeout)
        events = self._selector.select(self._clock.autojump_threshold)
        if not events:
            self._clock._jump(timeout)
        return events

    def __getattr__(self, name: str) -> Any:
        # register, unregister, modify, get_key, get_map, close ...
        return getattr(self._selector, name)


def _number(what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} takes a number of seconds, not {type(value).__name__}")
    return float(value)


class VirtualClock:
    """Virtual time for one asyncio event loop (see the module documentation).

    Use it as a context manager inside a coroutine, which installs it on
    the running loop, or call :meth:`install` and :meth:`uninstall`.  The
    ``virtual_clock`` pytest fixture of mode-testing does this for a test.

    Virtual time starts at the loop's real time when the clock is
    installed, so timers scheduled earlier keep their deadlines.  After
    :meth:`uninstall` the loop reads real time again (which is behind the
    virtual time: timers scheduled under the clock then fire later in real
    time); uninstall it when the test is done with the loop.

    Arguments:
        autojump_threshold: Real seconds to wait for I/O before jumping to
            the next timer (default 0: jump as soon as the loop is idle).

    Raises:
        TypeError: ``autojump_threshold`` is not a number.
        ValueError: ``autojump_threshold`` is negative or not finite.
    """

    def __init__(self, *, autojump_threshold: float = 0.0) -> None:
        threshold = _number("VirtualClock autojump_threshold", autojump_threshold)
        if not (math.isfinite(threshold) and threshold >= 0):
            raise ValueError(
                f"autojump_threshold must be a finite number of seconds >= 0, "
                f"not {autojump_threshold!r}"
            )
        self.autojump_threshold = threshold
        #: Number of times the clock jumped to a timer.
        self.jumps = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start = 0.0
        self._elapsed = 0.0
        self._selector: Any = None

    def __repr__(self) -> str:
        state = f"elapsed={self._elapsed!r}" if self.installed else "not installed"
        return f"<{type(self).__name__}: {state}>"

    @property
    def installed(self) -> bool:
        """True while the clock drives a loop."""
        return self._loop is not None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the clock is installed on.

        Raises:
            RuntimeError: the clock is not installed.
        """
        if self._loop is None:
            raise RuntimeError(
                "this VirtualClock is not installed on a loop: use "
                "`with VirtualClock():` in a coroutine, or clock.install(loop)"
            )
        return self._loop

    @property
    def elapsed(self) -> float:
        """Virtual seconds that passed since the clock was installed."""
        return self._elapsed

    def time(self) -> float:
        """The virtual time: what ``loop.time()`` returns while installed."""
        return self._start + self._elapsed

    def advance(self, seconds: float) -> None:
        """Move the virtual time forward by ``seconds`` now.

        Timers that become due run in the next loop iteration (await
        :func:`mode.testing.wait_all_tasks_blocked`, or anything else, to
        let them).  With autojump you rarely need this: ``await
        asyncio.sleep(seconds)`` does the same and waits for the timers.

        Raises:
            TypeError: ``seconds`` is not a number.
            ValueError: ``seconds`` is negative or not finite (time never
                goes backwards).
            RuntimeError: the clock is not installed.
        """
        secs = _number("advance()", seconds)
        if not (math.isfinite(secs) and secs >= 0):
            raise ValueError(
                f"advance() takes a finite number of seconds >= 0 (virtual time "
                f"never goes backwards), not {seconds!r}"
            )
        self.loop  # noqa: B018 - raises if not installed
        self._elapsed += secs

    def _jump(self, seconds: float) -> None:
        self._elapsed += seconds
        self.jumps += 1

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> Self:
        """Put ``loop`` (default: the running loop) on virtual time.

        Returns the clock.

        Raises:
            TypeError: the loop is not a pure-Python asyncio loop (a
                subclass of :class:`asyncio.BaseEventLoop` with a selector;
                uvloop is not).
            RuntimeError: the clock is installed already, the loop already
                has a virtual clock, or no loop is given and none runs.
        """
        if self._loop is not None:
            raise RuntimeError(f"{self!r} is installed already: uninstall() it first")
        if loop is None:
            loop = asyncio.get_running_loop()
        selector = getattr(loop, "_selector", None)
        if not isinstance(loop, asyncio.BaseEventLoop) or selector is None:
            raise TypeError(
                f"VirtualClock needs an asyncio event loop implemented in "
                f"Python (asyncio.BaseEventLoop with a selector), not "
                f"{type(loop).__module__}.{type(loop).__qualname__}: its clock "
                "cannot be replaced.  Run this test on the asyncio loop."
            )
        if isinstance(selector, _JumpingSelector) or "time" in vars(loop):
            raise RuntimeError(f"{loop!r} already runs on a virtual clock")
        # Virtual time starts at the loop clock's next whole second: sums of
        # whole (and binary-fraction) seconds then stay exact, so sleeping
        # 600 s elapses exactly 600.0, not 599.9999999999995.
        self._start = float(math.ceil(loop.time()))
        self._elapsed = 0.0
        self.jumps = 0
        self._selector = selector
        loop._selector = _JumpingSelector(selector, self)  # type: ignore[attr-defined]
        loop.time = self.time  # type: ignore[method-assign]
        self._loop = loop
        return self

    def uninstall(self) -> None:
        """Give the loop its real clock and selector back (no-op if not installed)."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        vars(loop).pop("time", None)
        loop._selector = self._selector  # type: ignore[attr-defined]
        self._selector = None

    def __enter__(self) -> Self:
        return self.install()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.uninstall()
