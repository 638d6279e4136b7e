"""Periodic timers without cumulative drift.

:class:`Timer` is an async iterator that wakes up every ``interval`` seconds::

    async for slept in Timer(5.0, name="flush"):
        await flush()

Scheduling is deadline based, on the event loop's clock (:func:`loop_time`,
which is :func:`time.monotonic` on asyncio and uvloop unless a test puts the
loop on virtual time): tick ``k`` is due at
``epoch + k * interval`` (``epoch`` is the time of the first tick), and each
sleep lasts ``deadline - now``.  Late wake-ups and the time the loop body
takes are therefore absorbed by the next sleep instead of accumulating: after
a thousand ticks the timer is still on its grid.

When the body overruns (or the process stalls) past one or more deadlines,
those ticks are **skipped, not bunched**: the timer fires once (immediately if
the most recent deadline passed at most ``max_drift_correction`` seconds ago,
otherwise at the next future deadline), counts the ticks it skipped in
:attr:`Timer.skipped` and logs a warning.  It never fires several times in a
row to catch up.

A sleep that returns *early*, more than ``max_drift_correction`` seconds
before its deadline (a custom ``sleep``, or a test's mock that returns at
once), moves the grid instead: the next tick is due one interval after that
wake-up.  So the timer never asks to sleep much longer than one interval,
which is what code (and tests) written for the original expect.  Wake-ups
early by less (an event loop may wake up a clock tick early) keep the grid.

Differences from the original (which corrected each sleep by the last
measured drift, clamped to ``max_drift_correction``, on ``perf_counter``):

* ``max_drift_correction`` is kept as a keyword and now means *how late a
  tick may still fire*: a deadline missed by no more than this is fired at
  once; one missed by more is skipped.
* ``adjust_interval()``, ``min_interval_s`` and ``max_interval_s`` are gone:
  with deadlines there is no per-tick correction to clamp.
* the drift log thresholds are parameters (their defaults are the original
  constants :data:`MAX_DRIFT_PERCENT`, :data:`MAX_DRIFT_CEILING` and
  :data:`MIN_DRIFT_LOG_INTERVAL`), and an optional bounded ``jitter`` spreads
  timers that would otherwise fire in lockstep.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random as _random
import sys
import time
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from typing import Any, TypeAlias

from mode.utils.times import Seconds, want_seconds

__all__ = [
    "MAX_DRIFT_CEILING",
    "MAX_DRIFT_PERCENT",
    "MIN_DRIFT_LOG_INTERVAL",
    "ClockArg",
    "RandomArg",
    "SleepArg",
    "Timer",
    "loop_time",
    "timer_intervals",
]

#: A wake-up is logged at info level when it misses its deadline by at least
#: this fraction of the interval ...
MAX_DRIFT_PERCENT: float = 0.30
#: ... or by this many seconds, whichever is smaller.
MAX_DRIFT_CEILING: float = 1.2
#: Timers with a shorter interval than this log drift at debug level only.
MIN_DRIFT_LOG_INTERVAL: float = 1.0

#: A clock: returns seconds as a float, never going backwards.
ClockArg: TypeAlias = Callable[[], float]
#: A sleep: ``await sleep(seconds)``.
SleepArg: TypeAlias = Callable[[float], Awaitable[Any]]
#: A random source returning floats in ``[0.0, 1.0)``, like ``random.random``.
RandomArg: TypeAlias = Callable[[], float]

logger = logging.getLogger(__name__)


def loop_time() -> float:
    """Return the running event loop's time, or :func:`time.monotonic` outside one.

    The default clock of :class:`Timer` (and of ``Service.itertimer`` and
    the supervisors).  It is read on every call, so it follows whatever
    clock the running loop uses: ``loop.time()`` is :func:`time.monotonic`
    on asyncio and uvloop, and a virtual clock in tests (such as
    ``mode.testing.VirtualClock``), under which timers then advance
    instantly.  Called where no loop runs (a timer built at import time, a
    thread), it returns :func:`time.monotonic`, the same scale.  Never fails.
    """
    loop = asyncio.events._get_running_loop()
    if loop is None:
        return time.monotonic()
    return loop.time()


_RATE_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def _literal(secs: float) -> str:
    text = f"{secs:g}"
    return text if any(c in text for c in ".en") else f"{text}.0"


def _warn_if_rate_string(value: object, what: str, *, stacklevel: int) -> None:
    """Warn if the interval ``value`` is a rate string such as ``"10/s"``.

    ``what`` names the call in the message (``"Timer"``); ``stacklevel`` is
    that of the caller (2: the line that called the caller).  A value the
    caller refuses anyway (malformed, not positive) is left to it.
    """
    if not isinstance(value, str) or "/" not in value:
        return
    from mode.exceptions import RateStringWarning

    try:
        secs = float(want_seconds(value))
    except ValueError:
        return
    if not (math.isfinite(secs) and secs > 0):
        return
    number, _, unit = value.partition("/")
    count = number.strip()
    per = _RATE_UNITS.get(unit.strip() or "s", unit.strip())
    times = "time" if float(count) == 1 else "times"
    warnings.warn(
        f"{what}({value!r}) runs every {secs:g} seconds, not {count} {times} per "
        f"{per}: a rate string is read as seconds (its events per second, the "
        f"original mode's rule). Write {what}({_literal(secs)}) to keep this "
        f"interval, or {what}({_literal(1.0 / secs)}) for {count} per {per}.",
        RateStringWarning,
        stacklevel=stacklevel + 1,
    )


def _seconds(value: Seconds, what: str, *, allow_zero: bool) -> float:
    if value is None:
        raise TypeError(f"Timer {what} must be a number of seconds, not None")
    secs = float(want_seconds(value))
    if not math.isfinite(secs) or secs < 0 or (secs == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"Timer {what} must be a finite number {bound}, got {value!r}")
    return secs


class Timer:
    """An async iterator ticking every ``interval`` seconds, on deadlines.

    Each iteration sleeps until the next deadline and yields the number of
    seconds it asked to sleep.  The first tick is due one interval after
    iteration starts (:attr:`epoch` is reset then).  See the module docstring
    for the scheduling rules.

    Arguments:
        interval: Seconds between ticks (a number, a timedelta or a string
            such as ``"10/m"``; see :func:`mode.utils.times.want_seconds`).
        max_drift_correction: How late a tick may still fire, in seconds; a
            deadline missed by more is skipped.
        name: Used in log messages.
        clock: Monotonic clock, read at every tick (default :func:`loop_time`:
            the running loop's clock; injectable for tests).
        sleep: The coroutine function used to sleep; a service passes its
            own, which returns early when the service stops.
        jitter: Maximum random offset, in seconds, added to or subtracted from
            each deadline (``0 <= jitter <= interval / 2``).  Offsets do not
            accumulate: every tick stays within ``jitter`` of its grid point.
        random: Random source for the jitter (``random.random`` by default;
            pass ``random.Random(seed).random`` for a reproducible sequence).
        max_drift_percent, max_drift_ceiling: A wake-up that misses its
            deadline by at least ``min(interval * max_drift_percent,
            max_drift_ceiling)`` seconds is logged at info level ("woke up too
            late/early") and counted in :attr:`drifting`.
        min_drift_log_interval: Timers with a shorter interval log drift at
            debug level only.

    Raises:
        ValueError: ``interval`` is not > 0, or a parameter is out of range.
        TypeError: ``interval`` or ``jitter`` has an unsupported type.

    Attributes (counters start at 0):
        iteration: Ticks produced so far.
        skipped: Deadlines skipped because the timer fell behind.
        overlaps: Iterations whose loop body ran longer than the interval.
        drifting, drifting_late, drifting_early: Wake-ups logged as drift.
        epoch: Time of the first tick; tick ``k`` is due at
            ``epoch + k * interval_s``.
        deadline: The time the current (or last) sleep aims at, jitter
            included; None before the first tick.
        last_wakeup_at: Time of the last :meth:`tick` (when the sleep began).
        last_yield_at: Time the last sleep ended (:meth:`on_before_yield`).
        lateness_total, lateness_max: How late the ticks fired, in seconds:
            the sum and the largest of ``last_yield_at - deadline`` (early
            wake-ups count as 0).  ``lateness_total / fired`` is the mean.
            Read by :mod:`mode.status`.
        running: True while the timer is iterated (``async for``).
    """

    interval: Seconds
    interval_s: float
    max_drift_correction: float
    name: str
    clock: ClockArg
    sleep: SleepArg
    jitter: float
    random: RandomArg
    max_drift_percent: float
    max_drift_ceiling: float
    min_drift_log_interval: float
    max_drift: float
    epoch: float
    deadline: float | None
    last_wakeup_at: float
    last_yield_at: float
    iteration: int
    lateness_total: float
    lateness_max: float
    running: bool
    skipped: int
    overlaps: int
    drifting: int
    drifting_early: int
    drifting_late: int

    def __init__(
        self,
        interval: Seconds,
        *,
        max_drift_correction: float = 0.1,
        name: str = "",
        clock: ClockArg = loop_time,
        sleep: SleepArg = asyncio.sleep,
        jitter: Seconds = 0.0,
        random: RandomArg = _random.random,
        max_drift_percent: float = MAX_DRIFT_PERCENT,
        max_drift_ceiling: float = MAX_DRIFT_CEILING,
        min_drift_log_interval: float = MIN_DRIFT_LOG_INTERVAL,
    ) -> None:
        self.interval = interval
        self.interval_s = _seconds(interval, "interval", allow_zero=False)
        _warn_if_rate_string(interval, "Timer", stacklevel=2)
        self.max_drift_correction = _seconds(
            max_drift_correction, "max_drift_correction", allow_zero=True
        )
        self.jitter = _seconds(jitter, "jitter", allow_zero=True)
        if self.jitter > self.interval_s / 2:
            raise ValueError(
                f"Timer jitter must be at most half the interval "
                f"({self.interval_s / 2!r}), got {jitter!r}"
            )
        for what, value in (
            ("max_drift_percent", max_drift_percent),
            ("max_drift_ceiling", max_drift_ceiling),
            ("min_drift_log_interval", min_drift_log_interval),
        ):
            _seconds(value, what, allow_zero=True)
        for what, fun, like in (
            ("clock", clock, "returning seconds (like time.monotonic)"),
            ("sleep", sleep, "awaiting seconds (like asyncio.sleep)"),
            ("random", random, "returning a float in [0, 1) (like random.random)"),
        ):
            if not callable(fun):
                raise TypeError(
                    f"Timer {what}= must be a callable {like}, not {type(fun).__name__}"
                )
        self.name = name
        self.clock = clock
        self.sleep = sleep
        self.random = random
        self.max_drift_percent = max_drift_percent
        self.max_drift_ceiling = max_drift_ceiling
        self.min_drift_log_interval = min_drift_log_interval
        self.max_drift = min(self.interval_s * max_drift_percent, max_drift_ceiling)
        self.epoch = self.last_wakeup_at = self.last_yield_at = clock()
        self.deadline = None
        self.iteration = self.skipped = self.overlaps = 0
        self.lateness_total = self.lateness_max = 0.0
        self.running = False
        self.drifting = self.drifting_early = self.drifting_late = 0
        self._index = 0  # k of the current deadline (epoch + k * interval_s)
        self._target = self.epoch  # the current deadline, jitter included
        self._yielded = False  # on_before_yield() ran since the last tick()

    async def __aiter__(self) -> AsyncGenerator[float, None]:
        """Forever: sleep until the next deadline, then yield the seconds slept.

        Time spent in the loop body counts against the next sleep.  Stop by
        leaving the ``async for`` loop (or cancelling the task); wrap it in
        :func:`contextlib.aclosing` to close the generator at once.  Run by
        a service's task, the timer is listed in that service's
        :mod:`mode.status` snapshot.
        """
        self.running = True
        services = sys.modules.get("mode.services")
        if services is not None:  # not loaded: no service runs this
            services._own_timer(self)
        # The steps with the clock read here: on the default clock (the
        # running loop's time), loop.time() of the loop found once, looked
        # up at each read (a virtual clock shadowing it later is seen).  The
        # per-read loop lookup was most of a tick's cost.  A subclass that
        # changes a step gets its steps called.
        cls = type(self)
        plain = cls.tick is Timer.tick and cls.on_before_yield is Timer.on_before_yield
        loop = asyncio.events._get_running_loop() if self.clock is loop_time else None
        clock = self.clock
        try:
            while True:
                if plain:
                    interval = self._tick(loop.time() if loop is not None else clock())
                else:
                    interval = self.tick()
                await self.sleep(interval)
                if plain:
                    self._woke(loop.time() if loop is not None else clock())
                else:
                    self.on_before_yield()
                yield interval
        finally:
            self.running = False

    def on_before_yield(self) -> None:
        """Record that the sleep ended (called by the iterator after sleeping).

        Lets the next :meth:`tick` measure wake-up drift and the loop body's
        runtime; callers driving :meth:`tick` by hand may call it too.
        Also records how late the tick fired (:attr:`lateness_total`).
        """
        self._woke(self.clock())

    def _woke(self, now: float) -> None:
        self.last_yield_at = now
        late = now - self._target
        if late > 0.0:
            self.lateness_total += late
            if late > self.lateness_max:
                self.lateness_max = late
        self._yielded = True

    @property
    def fired(self) -> int:
        """Ticks fired so far: sleeps that ended (:meth:`on_before_yield`).

        Counted from :attr:`iteration` (each tick is scheduled by
        :meth:`tick` first), so the iteration pays nothing for it.
        """
        n = self.iteration
        return n if self._yielded else max(n - 1, 0)

    def tick(self) -> float:
        """Schedule the next deadline and return the seconds to sleep until it.

        The first call starts the schedule (:attr:`epoch` = now) and returns
        one interval (plus jitter).  Later calls also account for the
        previous iteration: drift of the last wake-up (logged past the
        thresholds), body runtime (an overlap if longer than the interval),
        and deadlines missed meanwhile (skipped, with a warning).  Never
        returns a negative number.
        """
        return self._tick(self.clock())

    def _tick(self, now: float) -> float:
        interval_s = self.interval_s
        if self.iteration == 0:
            self.epoch = now
            index = 1
        else:
            runtime = None
            if self._yielded:
                runtime = now - self.last_yield_at
                drift = self.last_yield_at - self._target
                if interval_s >= self.min_drift_log_interval or logger.isEnabledFor(
                    logging.DEBUG
                ):
                    self._check_drift(drift, runtime)
                if -drift > self.max_drift_correction:
                    # The sleep returned early: move the grid to that wake-up
                    # (see the module docs).
                    self.epoch += drift
            index = self._index + 1
            late = now - (self.epoch + index * interval_s)
            if late > self.max_drift_correction:
                index = self._catch_up(now, index, late, runtime)
            elif runtime is not None and runtime > interval_s:
                self._overlapping(runtime, 0)
        self._index = index
        deadline = self.epoch + index * interval_s
        if self.jitter:
            deadline += (2.0 * self.random() - 1.0) * self.jitter
        self.deadline = self._target = deadline
        self.last_wakeup_at = now
        self.iteration += 1
        self._yielded = False
        wait = deadline - now
        return wait if wait > 0.0 else 0.0

    def _catch_up(
        self, now: float, index: int, late: float, runtime: float | None
    ) -> int:
        # The most recent deadline at or before now; fire it if it is recent
        # enough, else the next one.  Everything in between is skipped.
        interval_s = self.interval_s
        latest = max(index, math.floor((now - self.epoch) / interval_s))
        if now - (self.epoch + latest * interval_s) > self.max_drift_correction:
            latest += 1
        skipped = latest - index
        self.skipped += skipped
        if runtime is not None and runtime > interval_s:
            self._overlapping(runtime, skipped)
        else:
            logger.warning(
                "Timer %s fell behind by %.3fs and skipped %d tick(s) (interval=%r)",
                self.name,
                late,
                skipped,
                interval_s,
            )
        return latest

    def _overlapping(self, runtime: float, skipped: int) -> None:
        self.overlaps += 1
        msg = "Timer %s is overlapping (interval=%r runtime=%r)"
        if skipped:
            logger.warning(
                msg + ", skipped %d tick(s)",
                self.name,
                self.interval_s,
                runtime,
                skipped,
            )
        else:
            logger.warning(msg, self.name, self.interval_s, runtime)

    def _check_drift(self, drift: float, runtime: float) -> None:
        if (
            self.interval_s >= self.min_drift_log_interval
            and abs(drift) >= self.max_drift
        ):
            self.drifting += 1
            if drift > 0:
                self.drifting_late += 1
                word = "late"
            else:
                self.drifting_early += 1
                word = "early"
            logger.info(
                "Timer %s woke up too %s, with a drift of %+.6fs (interval=%r)",
                self.name,
                word,
                drift,
                self.interval_s,
            )
        elif logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "Timer %s woke up - iteration=%r drift=%+.6f runtime=%.6f",
                self.name,
                self.iteration,
                drift,
                runtime,
            )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__}: {self.name or '(unnamed)'} "
            f"interval={self.interval_s!r} iteration={self.iteration}>"
        )


def timer_intervals(
    interval: Seconds,
    max_drift_correction: float = 0.1,
    name: str = "",
    clock: ClockArg = loop_time,
) -> Iterator[float]:
    """Deprecated: yield the seconds to sleep before each tick, forever.

    A synchronous view of :meth:`Timer.tick`: the caller sleeps each yielded
    value itself.  Emits :class:`DeprecationWarning` when called; iterate a
    :class:`Timer` instead.

    Raises:
        ValueError: ``interval`` is not > 0 (when called, not on first use).
    """
    warnings.warn(
        "timer_intervals() is deprecated: use `async for _ in Timer(interval)`",
        DeprecationWarning,
        stacklevel=2,
    )
    timer = Timer(
        interval, max_drift_correction=max_drift_correction, name=name, clock=clock
    )
    return _ticks(timer)


def _ticks(timer: Timer) -> Iterator[float]:
    while True:
        yield timer.tick()
