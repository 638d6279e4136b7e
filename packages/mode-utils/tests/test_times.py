"""Tests for mode.utils.times."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mode.utils import times
from mode.utils.times import (
    RATE_MODIFIER_MAP,
    TIME_MONOTONIC,
    TIME_UNITS,
    Bucket,
    TokenBucket,
    Unit,
    humanize_seconds,
    humanize_seconds_ago,
    rate,
    rate_limit,
    want_seconds,
)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, secs: float) -> None:
        self.now += secs


class Boom(Exception):
    pass


def test_all_is_complete() -> None:
    assert set(times.__all__) == {
        "Bucket",
        "Seconds",
        "TokenBucket",
        "rate",
        "rate_limit",
        "want_seconds",
        "humanize_seconds",
        "humanize_seconds_ago",
        "TIME_MONOTONIC",
        "Unit",
        "TIME_UNITS",
        "RATE_MODIFIER_MAP",
    }
    for name in times.__all__:
        assert hasattr(times, name)


def test_seconds_alias() -> None:
    assert set(times.Seconds.__args__) == {timedelta, float, str}


def test_time_monotonic_is_monotonic() -> None:
    assert TIME_MONOTONIC is time.monotonic


# -- rate ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10/s", 10.0),
        ("10/m", 10 / 60.0),
        ("10.3/h", 0.0028611111111111116),
        ("100/h", 100 / 60.0 / 60.0),
        ("100/d", 100 / 60.0 / 60.0 / 24.0),
        ("1.234", 1.234),
        ("10", 10.0),
        ("10/", 10.0),
        (" 10 / m ", 10 / 60.0),
        (None, 0.0),
        (3, 3.0),
        (2.5, 2.5),
    ],
)
def test_rate(value: float | str | None, expected: float) -> None:
    result = rate(value)
    assert result == expected  # exact, not approximate
    assert type(result) is float


def test_rate_exact_floats() -> None:
    assert rate("10.3/h") == 0.0028611111111111116
    assert rate("10/m") == 0.16666666666666666
    assert rate("100/h") == 0.02777777777777778


def test_rate_unknown_unit_is_value_error() -> None:
    with pytest.raises(ValueError, match="unknown rate unit 'x'") as excinfo:
        rate("10/x")
    assert not isinstance(excinfo.value, KeyError)
    assert "'N/s'" in str(excinfo.value)


def test_rate_bad_number() -> None:
    with pytest.raises(ValueError, match="'N/m'"):
        rate("abc/s")


@pytest.mark.parametrize("value", [True, object(), [1], timedelta(seconds=1)])
def test_rate_wrong_type(value: object) -> None:
    with pytest.raises(TypeError, match="rate"):
        rate(value)  # type: ignore[arg-type]


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(RATE_MODIFIER_MAP)),
)
def test_rate_round_trip(n: float, unit: str) -> None:
    assert rate(f"{n!r}/{unit}") == RATE_MODIFIER_MAP[unit](n)
    assert want_seconds(f"{n!r}/{unit}") == RATE_MODIFIER_MAP[unit](n)


def test_rate_modifier_map() -> None:
    assert set(RATE_MODIFIER_MAP) == {"s", "m", "h", "d"}
    assert RATE_MODIFIER_MAP["s"](7.0) == 7.0
    assert RATE_MODIFIER_MAP["m"](60.0) == 1.0
    assert RATE_MODIFIER_MAP["h"](3600.0) == 1.0
    assert RATE_MODIFIER_MAP["d"](86400.0) == 1.0


# -- want_seconds ------------------------------------------------------------


def test_want_seconds_numbers_pass_through() -> None:
    assert want_seconds(1.5) == 1.5
    result = want_seconds(10)
    assert result == 10
    assert type(result) is int


def test_want_seconds_str() -> None:
    assert want_seconds("1.5") == 1.5
    assert want_seconds("10/s") == 10.0
    assert want_seconds("10/m") == 10 / 60.0


def test_want_seconds_timedelta() -> None:
    assert want_seconds(timedelta(minutes=1, milliseconds=500)) == 60.5


def test_want_seconds_none() -> None:
    assert want_seconds(None) is None


def test_want_seconds_bad_string_names_accepted_forms() -> None:
    with pytest.raises(ValueError, match="'abc'") as excinfo:
        want_seconds("abc")
    message = str(excinfo.value)
    for form in ("'N'", "'N/s'", "'N/m'", "'N/h'", "'N/d'", "timedelta"):
        assert form in message


def test_want_seconds_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown rate unit"):
        want_seconds("10/w")


@pytest.mark.parametrize("value", [True, object(), [1.0], b"1"])
def test_want_seconds_wrong_type(value: object) -> None:
    with pytest.raises(TypeError, match="want_seconds"):
        want_seconds(value)  # type: ignore[call-overload]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_want_seconds_str_round_trip(n: float) -> None:
    assert want_seconds(repr(n)) == n
    assert want_seconds(n) == n


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_want_seconds_timedelta_round_trip(n: int) -> None:
    assert want_seconds(timedelta(seconds=n)) == float(n)
    assert want_seconds(timedelta(milliseconds=n)) == pytest.approx(n / 1000.0)


# -- humanize ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("secs", "expected"),
    [
        (4, "4.00 seconds"),
        (1, "1.00 second"),
        (60, "1.00 minute"),
        (90, "1.50 minute"),  # the plural follows int(w)
        (120, "2.00 minutes"),
        (3600, "1.00 hour"),
        (7200, "2.00 hours"),
        (86400, "1.00 day"),
        (172800, "2.00 days"),
        (0.999, "1.00 second"),  # rounded to 2 decimals first
        (59.999, "1.00 minute"),
        (0.36, "now"),
        (0, "now"),
        (-5, "now"),
    ],
)
def test_humanize_seconds(secs: float, expected: str) -> None:
    assert humanize_seconds(secs) == expected


def test_humanize_seconds_options() -> None:
    assert humanize_seconds(60, prefix="in", sep=" ", suffix="!") == "in 1.00 minute!"
    assert humanize_seconds(0.5, now="right now") == "right now"
    assert humanize_seconds(0.36, microseconds=True) == "0.36 seconds"
    assert humanize_seconds(0.36, microseconds=True, prefix="~") == "~0.36 seconds"
    assert humanize_seconds(0, microseconds=True) == "now"
    assert humanize_seconds("60") == "1.00 minute"  # type: ignore[arg-type]


def test_humanize_seconds_bad_input() -> None:
    with pytest.raises(TypeError, match="number of seconds"):
        humanize_seconds(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        humanize_seconds("abc")  # type: ignore[arg-type]


def test_humanize_seconds_ago() -> None:
    assert humanize_seconds_ago(180) == "3.00 minutes ago"
    assert humanize_seconds_ago(0.1) == "just now"
    assert humanize_seconds_ago(0.1, microseconds=True) == "0.10 seconds ago"
    assert humanize_seconds_ago(60, prefix="was", sep=" ", suffix="") == (
        "was 1.00 minute"
    )
    assert humanize_seconds_ago(0, now="-") == "-"


def test_time_units() -> None:
    assert [u.name for u in TIME_UNITS] == ["day", "hour", "minute", "second"]
    assert [u.value for u in TIME_UNITS] == [86400.0, 3600.0, 60.0, 1.0]
    assert all(isinstance(u, Unit) for u in TIME_UNITS)
    assert TIME_UNITS[0].format(1.5) == "1.50"
    unit = Unit("x", 2.0, str)
    assert (unit.name, unit.value, unit.format) == ("x", 2.0, str)


# -- Bucket / TokenBucket ------------------------------------------------------


def test_bucket_is_abstract() -> None:
    with pytest.raises(TypeError):
        Bucket(1)  # type: ignore[abstract]


def test_bucket_defaults_rate_per_over() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, 1.0, clock=clock)
    assert bucket.rate == 100
    assert bucket.over == 1.0
    assert bucket.capacity == 100
    assert bucket.fill_rate == 100.0
    assert bucket.raises is None
    assert bucket.loop is None
    assert bucket.tokens == 100


def test_max_restarts_within_over_seconds() -> None:
    # The supervisor semantics: 100 events in a tight loop are all allowed
    # (upstream allowed 1 and refused the rest), the 101st is refused.
    clock = FakeClock()
    bucket = rate_limit(100, 1.0, clock=clock)
    assert [bucket.pour() for _ in range(101)] == [True] * 100 + [False]


def test_bucket_refills_at_rate_over() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3, 30.0, clock=clock)  # 3 per 30 s: one per 10 s
    assert bucket.fill_rate == 0.1
    assert [bucket.pour() for _ in range(4)] == [True, True, True, False]
    assert bucket.expected_time() == pytest.approx(10.0)
    clock.advance(5.0)
    assert not bucket.pour()
    assert bucket.expected_time() == pytest.approx(5.0)
    clock.advance(5.0)
    assert bucket.pour()
    assert not bucket.pour()


def test_bucket_refill_is_capped_at_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 1.0, clock=clock)
    assert bucket.pour(2)
    clock.advance(1000.0)
    assert bucket.tokens == 2
    assert bucket.expected_time(2) == 0.0


def test_full_bucket_restarts_refill_clock() -> None:
    # ✗ upstream: _last_pour was not updated while the bucket was full, so
    # after an idle period the first pour was refilled instantly.
    clock = FakeClock()
    bucket = TokenBucket(1, 1.0, clock=clock)
    assert bucket.tokens == 1
    clock.advance(100.0)  # idle and full
    assert bucket.pour()
    assert not bucket.pour()  # upstream: True (100 s of refill credited)
    clock.advance(0.5)
    assert not bucket.pour()
    clock.advance(0.5)
    assert bucket.pour()


def test_bucket_fractional_and_string_rates() -> None:
    clock = FakeClock()
    half = TokenBucket(0.5, clock=clock)
    assert half.capacity == 1.0
    assert half.fill_rate == 0.5
    per_minute = TokenBucket("10/m", clock=clock)
    assert per_minute.rate == 10 / 60.0
    assert per_minute.capacity == 1.0
    assert per_minute.fill_rate == 10 / 60.0
    assert per_minute.pour()
    assert not per_minute.pour()
    clock.advance(6.0)
    assert per_minute.pour()
    assert TokenBucket(5, timedelta(minutes=1), clock=clock).over == 60.0


def test_bucket_explicit_fill_rate_and_capacity_are_honoured() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, 1.0, fill_rate=2.0, capacity=3, clock=clock)
    assert bucket.fill_rate == 2.0
    assert bucket.capacity == 3
    assert [bucket.pour() for _ in range(4)] == [True, True, True, False]
    assert bucket.expected_time() == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.pour()


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0,), {}),
        ((-1,), {}),
        ((math.nan,), {}),
        ((1, 0), {}),
        ((1, -1.0), {}),
        ((1,), {"fill_rate": 0}),
        ((1,), {"capacity": 0}),
        (("abc",), {}),
        ((1, "10/x"), {}),
    ],
)
def test_bucket_bad_values(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TokenBucket(*args, **kwargs)  # type: ignore[arg-type]


def test_bucket_bad_types() -> None:
    with pytest.raises(TypeError):
        TokenBucket(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TokenBucket(1, None)  # type: ignore[arg-type]


def test_pour_and_expected_time_bad_tokens() -> None:
    bucket = TokenBucket(2, clock=FakeClock())
    for method in (bucket.pour, bucket.expected_time):
        with pytest.raises(ValueError, match="positive"):
            method(0)
        with pytest.raises(ValueError, match="capacity"):
            method(3)
    assert bucket.tokens == 2  # nothing taken


def test_bucket_repr() -> None:
    bucket = TokenBucket(2, 4, clock=FakeClock())
    assert repr(bucket) == ("<TokenBucket: rate=2 over=4 capacity=2 fill_rate=0.5>")


def test_post_init_hook() -> None:
    calls: list[float] = []

    class Recording(TokenBucket):
        def __post_init__(self) -> None:
            super().__post_init__()
            calls.append(self.capacity)

    Recording(3, clock=FakeClock())
    assert calls == [3]


def test_bucket_binds_no_loop_at_construction() -> None:
    # No running loop here: constructing must not need (or create) one.
    bucket = rate_limit(1)
    assert isinstance(bucket, TokenBucket)
    assert bucket.loop is None


async def test_bucket_accepts_loop_argument() -> None:
    loop = asyncio.get_running_loop()
    bucket = rate_limit(1, loop=loop)
    assert bucket.loop is loop
    async with bucket as entered:
        assert entered is bucket


def test_rate_limit_passes_arguments() -> None:
    clock = FakeClock()
    bucket = rate_limit(5, 10.0, raises=Boom, clock=clock, capacity=2)
    assert isinstance(bucket, TokenBucket)
    assert (bucket.rate, bucket.over, bucket.capacity) == (5, 10.0, 2)
    assert bucket.raises is Boom

    class Custom(TokenBucket):
        pass

    assert type(rate_limit(1, bucket_type=Custom)) is Custom


async def test_aenter_takes_a_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 1.0, clock=clock)
    async with bucket:
        pass
    assert bucket.tokens == 1  # not given back by __aexit__
    await bucket.__aexit__(None, None, None)
    assert bucket.tokens == 1


async def test_aenter_raises_when_empty() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, 1.0, raises=Boom, clock=clock)
    async with bucket:
        pass
    with pytest.raises(Boom):
        async with bucket:
            raise AssertionError("not entered")
    clock.advance(1.0)
    async with bucket:
        pass


async def test_aenter_sleeps_then_takes_the_token() -> None:
    # ✗ upstream slept but did not take the token, so the limit leaked.
    clock = FakeClock()
    bucket = TokenBucket(1, 0.001, clock=clock)  # expected waits of 1 ms
    await bucket.__aenter__()
    entered = asyncio.create_task(bucket.__aenter__())
    for _ in range(3):
        await asyncio.sleep(0)
    assert not entered.done()  # waiting: the fake clock has not moved
    clock.advance(0.002)
    assert await entered is bucket
    assert not bucket.pour()  # the waiter took the refilled token


async def test_aenter_waiters_share_tokens() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, 0.001, clock=clock)
    assert bucket.pour()
    first = asyncio.create_task(bucket.__aenter__())
    second = asyncio.create_task(bucket.__aenter__())
    for _ in range(3):
        await asyncio.sleep(0)
    clock.advance(0.002)  # one token
    done, pending = await asyncio.wait(
        [first, second], return_when=asyncio.FIRST_COMPLETED
    )
    assert len(done) == 1
    assert len(pending) == 1
    (waiter,) = pending
    for _ in range(3):
        await asyncio.sleep(0)
    assert not waiter.done()
    clock.advance(0.002)  # the next token
    await waiter
    assert not bucket.pour()


async def test_aenter_with_real_clock() -> None:
    bucket = TokenBucket(1, 0.01)
    start = time.monotonic()
    async with bucket:
        pass
    async with bucket:
        pass
    assert time.monotonic() - start >= 0.005
