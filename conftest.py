"""Workspace-wide pytest configuration (not shipped with any package).

Every async test runs twice: on the standard asyncio loop and on uvloop (when
it is installed for the running Python), both in asyncio debug mode and both
made by mode-loop's backend registry (``mode.loop.factory``), so that
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
    # The loops come from mode-loop's registry, as a user's program gets them.
    from mode.loop import available, factory

    factories: dict[str, Callable[[], Any]] = {
        "asyncio": _tolerant(factory("asyncio")),
    }
    if "uvloop" in available():
        factories["uvloop"] = _tolerant(factory("uvloop"))
    return factories


_LOOP_FACTORIES = _factories()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], Any]]:
    return _LOOP_FACTORIES
