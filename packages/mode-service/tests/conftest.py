"""Fixtures shared by the mode-service tests."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator

import pytest


@pytest.fixture
def no_thread_left(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test that leaves a thread behind or whose loop logged an error.

    asyncio logs misuse in callbacks (a call from the wrong thread, say)
    instead of raising, so the log is checked too.
    """
    before = set(threading.enumerate())
    yield
    gc.collect()
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, left
    errors = [
        r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR
    ]
    assert not errors, [r.getMessage() for r in errors]
