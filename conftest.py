"""Workspace-wide pytest configuration (not shipped with any package).

Every async test runs twice: on the standard asyncio loop and on uvloop (when
it is installed for the running Python), both in asyncio debug mode, so that
cross-thread misuse, slow callbacks and never-awaited coroutines are reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest


def _tolerant(factory: Callable[[], asyncio.AbstractEventLoop]) -> Callable[[], Any]:
    def make_loop() -> asyncio.AbstractEventLoop:
        loop = factory()
        # Debug mode itself is switched on by `asyncio_debug = true` (pyproject);
        # debug mode logs callbacks slower than 0.1 s; the machines are shared and
        # noisy, and a slow callback is not a failure.
        loop.slow_callback_duration = 1.0
        return loop

    return make_loop


def _factories() -> dict[str, Callable[[], Any]]:
    factories: dict[str, Callable[[], Any]] = {
        "asyncio": _tolerant(asyncio.new_event_loop),
    }
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop missing for this Python
        pass
    else:
        factories["uvloop"] = _tolerant(uvloop.new_event_loop)
    return factories


_LOOP_FACTORIES = _factories()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], Any]]:
    return _LOOP_FACTORIES
