"""Workspace-wide pytest configuration (not shipped with any package).

Every async test runs twice: on the standard asyncio loop and on uvloop (when
it is installed for the running Python), both in asyncio debug mode and both
made by mode-loop's backend registry (``mode.loop.factory``), so that
cross-thread misuse, slow callbacks and never-awaited coroutines are reported.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Mapping
from typing import Any

import pytest

# The bad-input tests' shared checks (tests/support_bad_input.py): failed
# asserts there show their values, as in a test module.
pytest.register_assert_rewrite("support_bad_input")


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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep what the collection made out of every later garbage collection.

    Runs once the tests are collected (in each xdist worker too): collects
    the garbage of the imports and the collection, then freezes what is
    left (modules, test items, parametrize ids), which lives until the end
    of the run anyway.  Every ``gc.collect()`` a test or fixture runs (the
    thread tests' ``no_thread_left`` runs one per test) and every automatic
    full collection then walks only the objects made since, not the
    hundreds of thousands of the collection.  Objects made by the tests are
    collected, and their finalizers and warnings fire, as before.
    """
    gc.collect()
    gc.freeze()
