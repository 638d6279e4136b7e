"""Time helpers: seconds and rates from strings, humanized durations, rate limits.

``Seconds`` is what every timeout/interval argument of mode accepts: a number
of seconds, a :class:`~datetime.timedelta`, or a string such as ``"1.5"`` or
a rate ``"10/m"`` (parsed by :func:`rate`).  :func:`want_seconds` turns any of
them into a float.

:class:`TokenBucket` (via :func:`rate_limit`) limits how often something may
happen; it is an async context manager that waits (or raises) when the limit
is hit.
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Self, TypeAlias, overload

if TYPE_CHECKING:
    from datetime import timedelta
else:
    try:
        # The C type that datetime re-exports as datetime.timedelta.  Taking
        # it from _datetime skips datetime.py, which first defines its whole
        # pure-Python fallback and then replaces it (~1 ms against ~0.2 ms).
        from _datetime import timedelta
    except ImportError:  # an interpreter without the C accelerator
        from datetime import timedelta

__all__ = [
    "RATE_MODIFIER_MAP",
    "TIME_MONOTONIC",
    "TIME_UNITS",
    "Bucket",
    "Seconds",
    "TokenBucket",
    "Unit",
    "humanize_seconds",
    "humanize_seconds_ago",
    "rate",
    "rate_limit",
    "want_seconds",
]

#: A duration: seconds as a number, a timedelta, or a string ``"N"``/``"N/unit"``.
Seconds: TypeAlias = timedelta | float | str

#: The monotonic clock used for rate limiting (``time.monotonic`` on every OS).
TIME_MONOTONIC: Callable[[], float] = time.monotonic


def _per_second(n: float) -> float:
    return n


def _per_minute(n: float) -> float:
    return n / 60.0


def _per_hour(n: float) -> float:
    return n / 60.0 / 60.0


def _per_day(n: float) -> float:
    return n / 60.0 / 60.0 / 24.0


#: Rate unit suffix (``"10/m"``) to the function turning "N per unit" into
#: "N per second".
RATE_MODIFIER_MAP: Mapping[str, Callable[[float], float]] = {
    "s": _per_second,
    "m": _per_minute,
    "h": _per_hour,
    "d": _per_day,
}

_ACCEPTED = "'N', 'N/s', 'N/m', 'N/h' or 'N/d' (N a number)"
_INF = float("inf")


def _tname(obj: object) -> str:
    return type(obj).__name__


def _format_2f(n: float) -> str:
    return format(n, ".2f")


class Unit(NamedTuple):
    """A unit of :data:`TIME_UNITS`: its ``name``, length in seconds, formatter."""

    name: str
    value: float
    format: Callable[[float], str]


#: Units tried by :func:`humanize_seconds`, largest first.
TIME_UNITS: list[Unit] = [
    Unit("day", 60 * 60 * 24.0, _format_2f),
    Unit("hour", 60 * 60.0, _format_2f),
    Unit("minute", 60.0, _format_2f),
    Unit("second", 1.0, _format_2f),
]


def _parse_rate(r: str, accepted: str) -> float:
    number, _, unit = r.partition("/")
    unit = unit.strip() or "s"
    try:
        modifier = RATE_MODIFIER_MAP[unit]
    except KeyError:
        raise ValueError(
            f"unknown rate unit {unit!r} in {r!r}: expected {accepted}"
        ) from None
    try:
        n = float(number)
    except ValueError:
        raise ValueError(
            f"invalid rate or duration {r!r}: expected {accepted}"
        ) from None
    return modifier(n)


def rate(r: float | str | None) -> float:
    """Convert a rate to "events per second".

    * a float is returned as is, an int is converted to float;
    * None gives ``0.0``;
    * a string ``"N/unit"`` is N per second (``s``), minute (``m``), hour
      (``h``) or day (``d``); without a unit it means per second:
      ``rate("10/m")`` is ``0.1666...``, ``rate("1.234")`` is ``1.234``.

    Raises:
        ValueError: the string is malformed or the unit is unknown (the original
            library raised KeyError for an unknown unit; ValueError is raised
            instead, consistently with other malformed strings).
        TypeError: ``r`` is of any other type.
    """
    if isinstance(r, (float, int)) and r.__class__ is not bool:
        return float(r)
    if isinstance(r, str):
        return _parse_rate(r, _ACCEPTED)
    if r is None:
        return 0.0
    raise TypeError(
        f"rate() expects a number, None or a string like '10/s', not {_tname(r)}"
    )


@overload
def want_seconds(s: None) -> None: ...
@overload
def want_seconds(s: Seconds) -> float: ...
def want_seconds(s: Seconds | None) -> float | None:
    """Convert a :data:`Seconds` value to a number of seconds.

    * int and float are returned unchanged;
    * a string goes through :func:`rate` (``"1.5"`` is 1.5, ``"10/m"`` is
      ``0.1666...``);
    * a timedelta gives its ``total_seconds()``;
    * None gives None (so optional timeouts can be passed straight through).

    Raises:
        ValueError: a malformed string; the message lists the accepted forms.
        TypeError: any other type (including bool).
    """
    if isinstance(s, (float, int)) and s.__class__ is not bool:
        return s
    if isinstance(s, str):
        return _parse_rate(s, _ACCEPTED + " or a timedelta")
    if isinstance(s, timedelta):
        return s.total_seconds()
    if s is None:
        return None
    raise TypeError(
        f"want_seconds() expects seconds as a number, a timedelta or a string "
        f"like '1.5' or '10/m', not {_tname(s)}"
    )


def humanize_seconds(
    secs: float,
    *,
    prefix: str = "",
    suffix: str = "",
    sep: str = "",
    now: str = "now",
    microseconds: bool = False,
) -> str:
    """Render a duration for humans, always with two decimals.

    ``secs`` is first rounded to two decimals, then expressed in the largest
    unit (day, hour, minute, second) not greater than it: 60 gives
    ``"1.00 minute"``, 4 gives ``"4.00 seconds"``, 172800 gives
    ``"2.00 days"``.  As in the original library the unit's plural follows the
    integer part, so 90 gives ``"1.50 minute"``.  The result is
    ``prefix + sep + number + " " + unit + suffix``.

    Durations below one second give ``now``, unless ``microseconds`` is true
    and ``secs > 0``, which gives e.g. ``"0.36 seconds"``.

    Raises:
        TypeError: ``secs`` is not a number (or a numeric string).
        ValueError: ``secs`` is a string that is not a number, or is not
            finite (NaN or infinity).
    """
    try:
        secs = float(format(float(secs), ".2f"))
    except TypeError:
        raise TypeError(
            f"humanize_seconds() expects a number of seconds, not {secs!r}"
        ) from None
    except ValueError:
        raise ValueError(
            f"humanize_seconds() expects a number of seconds, not {secs!r}"
        ) from None
    if secs != secs or secs in (_INF, -_INF):
        raise ValueError(
            f"humanize_seconds() expects a finite number of seconds, not {secs!r}"
        )
    for unit, divider, formatter in TIME_UNITS:
        if secs >= divider:
            w = secs / float(divider)
            from .text import pluralize  # lazy: the text helpers are rarely needed

            return f"{prefix}{sep}{formatter(w)} {pluralize(int(w), unit)}{suffix}"
    if microseconds and secs > 0.0:
        return f"{prefix}{sep}{secs:.2f} seconds{suffix}"
    return now


def humanize_seconds_ago(
    secs: float,
    *,
    prefix: str = "",
    suffix: str = " ago",
    sep: str = "",
    now: str = "just now",
    microseconds: bool = False,
) -> str:
    """Like :func:`humanize_seconds`, for the past: ``"3.00 minutes ago"``.

    Below one second (without ``microseconds``) it gives ``"just now"``.
    """
    return humanize_seconds(
        secs,
        prefix=prefix,
        suffix=suffix,
        sep=sep,
        now=now,
        microseconds=microseconds,
    )


def _positive(value: float | None, what: str) -> float:
    if value is None:
        raise TypeError(f"{what} must be a positive number, got None")
    if not value > 0:  # also rejects NaN
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return value


class Bucket(abc.ABC):
    """A rate limiter: at most ``rate`` events per ``over`` seconds.

    Use it as an async context manager (``async with bucket: ...``): entering
    takes one token.  When no token is available it raises ``raises()`` if an
    exception type was given, and otherwise sleeps until a token is available
    and then takes it.  Subclasses implement :meth:`pour`,
    :meth:`expected_time` and :attr:`tokens`.

    Decision (differs from the original library): the original set the
    capacity to ``over`` tokens refilled at ``rate`` per second and ignored
    ``fill_rate=``/``capacity=``, so ``Bucket(100, over=1.0)`` refused the
    second event in a tight loop.  Here ``Bucket(rate, over)`` means what it
    says: ``capacity = rate`` tokens (at least 1) refilled at
    ``fill_rate = rate / over`` tokens per second, so 100 events can happen at
    once and then 100 per second.  Explicit ``fill_rate=`` (tokens per second)
    and ``capacity=`` (tokens) override these defaults.

    Arguments:
        rate: events allowed per ``over`` seconds (a :data:`Seconds` value; a
            rate string like ``"10/m"`` is converted to events per second).
        over: the window in seconds (default 1.0).
        fill_rate: tokens added per second (default ``rate / over``).
        capacity: most tokens the bucket holds (default ``max(rate, 1)``);
            the bucket starts full.
        raises: exception type raised (called without arguments) when entering
            an empty bucket; None to wait instead.
        loop: accepted for compatibility; the bucket never binds a loop, it
            sleeps on the running loop.
        clock: the monotonic clock, in seconds (default :func:`time.monotonic`);
            inject a fake one in tests.

    Raises:
        ValueError: a rate, window, fill rate or capacity that is not positive,
            or a malformed rate string.
        TypeError: an argument of the wrong type (also ``rate=None``, a
            ``raises`` that is not an exception class, a ``clock`` that is not
            callable).
    """

    rate: float
    over: float
    fill_rate: float
    capacity: float
    raises: type[BaseException] | None
    loop: asyncio.AbstractEventLoop | None

    _tokens: float

    def __init__(
        self,
        rate: Seconds,
        over: Seconds = 1.0,
        *,
        fill_rate: Seconds | None = None,
        capacity: Seconds | None = None,
        raises: type[BaseException] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        clock: Callable[[], float] = TIME_MONOTONIC,
    ) -> None:
        self.rate = _positive(want_seconds(rate), "Bucket rate")
        self.over = _positive(want_seconds(over), "Bucket over (seconds)")
        if fill_rate is None:
            fill_rate = self.rate / self.over
        self.fill_rate = _positive(want_seconds(fill_rate), "Bucket fill_rate")
        if capacity is None:
            self.capacity = self.rate if self.rate > 1.0 else 1.0
        else:
            self.capacity = _positive(want_seconds(capacity), "Bucket capacity")
        if raises is not None and not (
            isinstance(raises, type) and issubclass(raises, BaseException)
        ):
            raise TypeError(
                f"Bucket raises= must be an exception class or None, not {raises!r}"
            )
        if not callable(clock):
            raise TypeError(
                "Bucket clock= must be a callable returning seconds "
                f"(like time.monotonic), not {type(clock).__name__}"
            )
        self.raises = raises
        self.loop = loop
        self._clock = clock
        self._tokens = self.capacity
        self.__post_init__()

    def __post_init__(self) -> None:  # noqa: B027 - an optional hook
        """Hook called at the end of ``__init__``; does nothing by default."""

    @abc.abstractmethod
    def pour(self, tokens: int = 1) -> bool:
        """Take ``tokens`` if available and return True, else return False."""

    @abc.abstractmethod
    def expected_time(self, tokens: int = 1) -> float:
        """Seconds to wait until ``tokens`` can be taken (0.0 if they can now)."""

    @property
    @abc.abstractmethod
    def tokens(self) -> float:
        """The tokens available now."""

    async def __aenter__(self) -> Self:
        """Take one token, sleeping until one is available.

        Raises ``raises()`` instead of sleeping when ``raises`` is set.  After
        the sleep the token is taken (the original library forgot to), so the
        limit also holds for waiting callers; if another task took the token
        first, it waits again.
        """
        while not self.pour():
            if self.raises is not None:
                raise self.raises()
            await asyncio.sleep(self.expected_time())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        """Do nothing: a token, once taken, is not given back."""
        return None

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__}: rate={self.rate!r} over={self.over!r} "
            f"capacity={self.capacity!r} fill_rate={self.fill_rate!r}>"
        )


class TokenBucket(Bucket):
    """The classic token bucket (see :class:`Bucket` for the arguments).

    The bucket starts with ``capacity`` tokens; each event takes one; tokens
    flow back at ``fill_rate`` per second up to ``capacity``.  Bursts of up to
    ``capacity`` events are allowed, the long-term rate is ``fill_rate``.
    """

    _last_pour: float

    def __post_init__(self) -> None:
        self._last_pour = self._clock()

    def _check(self, tokens: float) -> None:
        if isinstance(tokens, bool) or not isinstance(tokens, (int, float)):
            raise TypeError(
                f"tokens must be a positive number, not {type(tokens).__name__}"
            )
        if not tokens > 0:
            raise ValueError(f"tokens must be positive, got {tokens!r}")
        if tokens > self.capacity:
            raise ValueError(
                f"cannot take {tokens!r} tokens from a bucket of capacity "
                f"{self.capacity!r}: raise capacity= or take fewer"
            )

    def pour(self, tokens: int = 1) -> bool:
        """Take ``tokens`` and return True if that many are available now.

        Returns False (and takes nothing) otherwise.

        Raises:
            ValueError: ``tokens`` is not positive or exceeds the capacity (it
                could never succeed).
        """
        self._check(tokens)
        if tokens <= self.tokens:
            self._tokens -= tokens
            return True
        return False

    def expected_time(self, tokens: int = 1) -> float:
        """Seconds until ``tokens`` tokens are available (0.0 if they are now).

        Raises:
            ValueError: ``tokens`` is not positive or exceeds the capacity.
        """
        self._check(tokens)
        available = self.tokens
        if tokens <= available:
            return 0.0
        return (tokens - available) / self.fill_rate

    @property
    def tokens(self) -> float:
        """Tokens available now, after refilling for the time since last read.

        The refill clock restarts on every read, also when the bucket is full
        (the original library only restarted it after a refill, so a bucket
        that had been idle and full refilled instantly after its next pour).
        """
        now = self._clock()
        elapsed = now - self._last_pour
        self._last_pour = now
        if self._tokens < self.capacity and elapsed > 0:
            refilled = self._tokens + self.fill_rate * elapsed
            self._tokens = refilled if refilled < self.capacity else self.capacity
        return self._tokens


def rate_limit(
    rate: Seconds,
    over: Seconds = 1.0,
    *,
    bucket_type: type[Bucket] = TokenBucket,
    raises: type[BaseException] | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
    **kwargs: Any,
) -> Bucket:
    """Create a rate limiter allowing ``rate`` events per ``over`` seconds.

    Returns ``bucket_type(rate, over, raises=raises, loop=loop, **kwargs)``;
    extra keyword arguments (``fill_rate=``, ``capacity=``, ``clock=``) are
    passed on.  See :class:`Bucket` for the meaning and the errors raised.
    """
    return bucket_type(rate, over, raises=raises, loop=loop, **kwargs)
