"""Tests for mode.utils.cron."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mode.utils import cron
from mode.utils.cron import secs_for_next

# 2024-01-01 12:00:30 UTC
NOW = datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)


def test_all() -> None:
    assert cron.__all__ == ["secs_for_next"]


@pytest.mark.usefixtures("frozen")
def test_secs_for_next_every_minute() -> None:
    assert secs_for_next("* * * * *") == 30.0


@pytest.mark.usefixtures("frozen")
def test_secs_for_next_without_tz_is_utc() -> None:
    assert secs_for_next("0 0 * * *") == 12 * 3600 - 30.0


@pytest.mark.usefixtures("frozen")
def test_secs_for_next_with_tz() -> None:
    plus_two = timezone(timedelta(hours=2))  # 14:00:30 there
    assert secs_for_next("0 0 * * *", plus_two) == 10 * 3600 - 30.0
    assert secs_for_next("0 0 * * *", tz=UTC) == 12 * 3600 - 30.0


def test_secs_for_next_real_clock() -> None:
    secs = secs_for_next("* * * * *")
    assert 0.0 < secs <= 60.0


def test_secs_for_next_bad_format() -> None:
    with pytest.raises(ValueError):
        secs_for_next("not a cron")
    with pytest.raises(TypeError, match="crontab string"):
        secs_for_next(5)  # type: ignore[arg-type]


def test_secs_for_next_without_croniter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "croniter", None)
    with pytest.raises(ImportError, match=r"pip install 'mode-utils\[cron\]'"):
        secs_for_next("* * * * *")
