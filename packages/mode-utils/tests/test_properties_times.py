"""Property-based tests of ``want_seconds``/``rate`` parsing (mode.utils.times).

Every hypothesis run here is bounded (``max_examples``) and never writes an
example database into the repository (``database=None``).
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from mode.utils.times import RATE_MODIFIER_MAP, rate, want_seconds

BOUNDED = settings(max_examples=150, deadline=None, database=None)

#: Seconds in one unit of each rate suffix.
UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

finite = st.floats(allow_nan=False, allow_infinity=False)
units = st.sampled_from(sorted(RATE_MODIFIER_MAP))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/s", 10.0),
        ("10.3/h", 0.0028611111111111116),
        ("100/h", 0.027777777777777776),
        ("100/d", 0.0011574074074074073),
        ("10/m", 0.16666666666666666),
        ("1.5", 1.5),
        (" 10 / s", 10.0),
    ],
)
def test_known_rates(text: str, expected: float) -> None:
    assert rate(text) == pytest.approx(expected, rel=1e-15)
    assert want_seconds(text) == rate(text)


def test_exact_figures_of_the_issue() -> None:
    assert rate("10/s") == 10.0
    assert rate("10.3/h") == 0.0028611111111111116


@BOUNDED
@given(finite, units)
def test_rate_is_n_per_unit(n: float, unit: str) -> None:
    got = rate(f"{n!r}/{unit}")
    assert got == RATE_MODIFIER_MAP[unit](n)
    assert got == pytest.approx(n / UNIT_SECONDS[unit], rel=1e-12)
    # A missing unit means per second.
    assert rate(repr(n)) == rate(f"{n!r}/s") == n


@BOUNDED
@given(finite, units, st.text(" \t", max_size=3), st.text(" \t", max_size=3))
def test_whitespace_around_parts_is_ignored(
    n: float, unit: str, pad1: str, pad2: str
) -> None:
    assert rate(f"{pad1}{n!r}{pad2}/{pad2}{unit}{pad1}") == rate(f"{n!r}/{unit}")


@BOUNDED
@given(
    st.floats(min_value=0, max_value=1e12, allow_nan=False),
    st.floats(min_value=0, max_value=1e12, allow_nan=False),
    units,
)
def test_rate_is_monotonic(a: float, b: float, unit: str) -> None:
    low, high = sorted((a, b))
    assert rate(f"{low!r}/{unit}") <= rate(f"{high!r}/{unit}")


@BOUNDED
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), units, units)
def test_longer_units_give_smaller_rates(n: float, u1: str, u2: str) -> None:
    if UNIT_SECONDS[u1] <= UNIT_SECONDS[u2]:
        assert rate(f"{n!r}/{u1}") >= rate(f"{n!r}/{u2}")


@BOUNDED
@given(st.one_of(finite, st.integers(-(10**12), 10**12)))
def test_numbers_pass_through(n: float) -> None:
    assert want_seconds(n) == n
    assert type(want_seconds(n)) is type(n)
    assert rate(n) == float(n)
    assert type(rate(n)) is float


@BOUNDED
@given(st.timedeltas(min_value=timedelta(days=-(10**5)), max_value=timedelta(10**5)))
def test_timedelta_gives_total_seconds(td: timedelta) -> None:
    assert want_seconds(td) == td.total_seconds()
    # Round trip: back to a timedelta of the same length (to the microsecond).
    assert abs(timedelta(seconds=want_seconds(td)) - td) <= timedelta(microseconds=1)


@BOUNDED
@given(finite)
def test_str_round_trip(n: float) -> None:
    assert want_seconds(repr(n)) == n
    assert want_seconds(str(n)) == n


def test_none() -> None:
    assert want_seconds(None) is None
    assert rate(None) == 0.0


@BOUNDED
@given(st.text(max_size=12))
@example("")
@example("/")
@example("10//s")
@example("10/sec")
@example("abc/s")
@example("\x00")
def test_any_string_parses_or_raises_value_error(text: str) -> None:
    # The only outcomes for a str: a float, or a ValueError naming the input
    # and the accepted forms.  Never KeyError (the original's unknown unit),
    # TypeError, IndexError, ...
    try:
        value = want_seconds(text)
    except ValueError as exc:
        message = str(exc)
        assert repr(text) in message
        assert "'N/s'" in message
        assert "timedelta" in message
        with pytest.raises(ValueError, match="expected 'N', 'N/s'"):
            rate(text)
    else:
        assert isinstance(value, float)
        assert rate(text) == value or (math.isnan(value) and math.isnan(rate(text)))


@BOUNDED
@given(finite, st.text(min_size=1, max_size=4))
def test_unknown_units_raise_value_error(n: float, unit: str) -> None:
    assume(unit.strip() and unit.strip() not in RATE_MODIFIER_MAP)
    with pytest.raises(ValueError, match="unknown rate unit") as excinfo:
        rate(f"{n!r}/{unit}")
    assert repr(unit.strip()) in str(excinfo.value)


wrong_types = st.one_of(
    st.booleans(),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    st.builds(object),
)


@BOUNDED
@given(wrong_types)
def test_wrong_types_raise_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=r"^want_seconds\(\) expects seconds") as exc1:
        want_seconds(value)  # type: ignore[call-overload]
    assert type(value).__name__ in str(exc1.value)
    with pytest.raises(TypeError, match=r"^rate\(\) expects a number") as exc2:
        rate(value)  # type: ignore[arg-type]
    assert type(value).__name__ in str(exc2.value)
