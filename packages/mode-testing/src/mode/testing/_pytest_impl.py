"""Fixtures and hooks of the mode-testing pytest plugin.

Registered by :mod:`mode.testing.plugin` when pytest is configured.  Nothing
here changes a test that does not ask for it:

* fixtures ``virtual_clock`` and ``start_service`` (used only by the tests
  that request them);
* the leak check, off unless the ini option ``mode_leak_check = true`` or
  the marker ``@pytest.mark.leak_check`` turns it on
  (``@pytest.mark.no_leak_check`` turns it off again for one test).

The leak check runs at the end of each checked test's teardown, once every
function-scoped fixture is finalised, and fails the test's teardown naming
what was left behind:

* tasks still pending on the test's event loop when pytest-asyncio is about
  to close it (checked at the close of the loop: with a wider ``loop_scope``
  the tasks are reported by the last test using that loop); tasks whose
  cancellation is already requested do not count;
* threads started during the test and still alive after
  ``mode_leak_check_thread_timeout`` seconds;
* services started during the test (``Service.start``) and never stopped.

Threads and services started while a fixture with a wider scope (module,
session ...) is set up belong to that fixture and are not reported.  A test
whose setup or call failed is not checked: the failure is the news.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from mode.types.services import ServiceT

from . import _leaks
from .clock import VirtualClock
from .services import StartService, _start, check_service, crash_error

_ST = TypeVar("_ST", bound=ServiceT)

MARKERS = (
    "leak_check: fail the test if it leaves tasks, threads or started mode "
    "services behind (mode-testing; on for all tests with the ini option "
    "mode_leak_check = true)",
    "no_leak_check: do not check this test for leaked tasks, threads and "
    "services (mode-testing)",
)


@dataclass
class _Window:
    """What one checked test started, and what it found left behind."""

    threads: list[threading.Thread]
    service_mark: int
    #: Descriptions of the leaked tasks (made before the loop cancels them).
    tasks: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass
class _State:
    #: Seconds to wait for a test's threads to end (mode_leak_check_thread_timeout).
    thread_timeout: float
    tracker: _leaks.ServiceTracker = field(default_factory=_leaks.ServiceTracker)
    window: _Window | None = None
    #: Threads and services started by wider-scoped fixtures.
    allowed_threads: list[threading.Thread] = field(default_factory=list)
    allowed_services: list[Any] = field(default_factory=list)


_STATE = pytest.StashKey[_State]()


def _state(config: pytest.Config) -> _State:
    return config.stash[_STATE]


def configure(config: pytest.Config) -> None:
    """Set the plugin up for ``config`` (called by ``mode.testing.plugin``).

    Raises:
        pytest.UsageError: an ini option has a bad value.
    """
    state = _State(thread_timeout=_thread_timeout(config))
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    config.stash[_STATE] = state
    config.add_cleanup(state.tracker.uninstall)


def leak_check_enabled(item: pytest.Item) -> bool:
    """True if ``item`` is to be checked for leaks (markers, then the ini)."""
    if item.get_closest_marker("no_leak_check") is not None:
        return False
    if item.get_closest_marker("leak_check") is not None:
        return True
    return bool(item.config.getini("mode_leak_check"))


def _thread_timeout(config: pytest.Config) -> float:
    raw = config.getini("mode_leak_check_thread_timeout")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise pytest.UsageError(
            f"mode_leak_check_thread_timeout must be a number of seconds >= 0, "
            f"not {raw!r}"
        )
    return value


# -- hooks ------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    state = _state(item.config)
    if leak_check_enabled(item):
        state.tracker.install()
        state.tracker.recording = True
        state.window = _Window(
            threads=threading.enumerate(), service_mark=state.tracker.mark()
        )
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    window = _state(item.config).window
    if window is not None and report.when in ("setup", "call") and report.failed:
        window.failed = True
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    state = _state(item.config)
    try:
        result = yield
    finally:
        window, state.window = state.window, None
        started = state.tracker.take()
        state.tracker.recording = False
    if window is not None and not window.failed:
        report = _leak_report(state, window, started)
        if report:
            pytest.fail(report, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    state = _state(request.config)
    window = state.window
    wider = window is not None and fixturedef.scope != "function"
    if wider:
        threads_before = {id(t) for t in threading.enumerate()}
        mark = state.tracker.mark()
    result = yield
    if wider:
        state.allowed_threads.extend(
            t for t in threading.enumerate() if id(t) not in threads_before
        )
        state.allowed_services.extend(state.tracker.since(mark))
    if isinstance(result, asyncio.Runner):
        # pytest-asyncio's loop runner: look for pending tasks just before it
        # closes the loop (the fixtures using the loop are finalised first).
        loop = result.get_loop()
        fixturedef.addfinalizer(lambda: _collect_tasks(state, loop))
    return result


def _collect_tasks(state: _State, loop: asyncio.AbstractEventLoop) -> None:
    window = state.window
    if window is not None and not loop.is_closed():
        window.tasks.extend(_leaks.describe_tasks(_leaks.leaked_tasks(loop)))


def _leak_report(state: _State, window: _Window, started: list[Any]) -> str:
    allowed_threads = [t for t in state.allowed_threads if t.is_alive()]
    state.allowed_threads[:] = allowed_threads
    state.allowed_services[:] = [
        s for s in state.allowed_services if _leaks.still_running(s)
    ]
    entries = [
        *window.tasks,
        *_leaks.describe_threads(
            _leaks.leaked_threads(window.threads, allowed_threads, state.thread_timeout)
        ),
        *_leaks.describe_services(
            _leaks.leaked_services(started, state.allowed_services)
        ),
    ]
    if not entries:
        return ""
    listing = "\n".join(f"  - {entry}" for entry in entries)
    return (
        f"mode leak check: the test left {len(entries)} thing(s) running:\n"
        f"{listing}\n"
        "Stop what the test starts (`async with running(service)`, "
        "`await service.stop()`, `task.cancel()`, `thread.join()`), or mark "
        "the test @pytest.mark.no_leak_check."
    )


# -- fixtures -----------------------------------------------------------------


@pytest_asyncio.fixture
async def virtual_clock() -> AsyncIterator[VirtualClock]:
    """Put the test's event loop on virtual time (:class:`~mode.testing.VirtualClock`).

    Timers, ``asyncio.sleep``, timeouts, ``Service.sleep`` and service
    timers then fire at once, in order; ``clock.elapsed`` is the virtual
    time that passed.  The test is skipped on loops whose clock lives in C
    (uvloop): select the asyncio loop for it.  The clock is installed on the
    loop async fixtures run on, the test's own loop unless the test has a
    different ``loop_scope`` than its fixtures (then use ``with
    VirtualClock():`` in the test).
    """
    clock = VirtualClock()
    try:
        clock.install(asyncio.get_running_loop())
    except TypeError as exc:
        pytest.skip(f"virtual_clock: {exc}")
    try:
        yield clock
    finally:
        clock.uninstall()


@pytest_asyncio.fixture
async def start_service() -> AsyncIterator[StartService]:
    """Start services for the test; stop them when it ends.

    ``service = await start_service(MyService())`` starts the service and
    returns it.  At teardown every service started this way is stopped, in
    reverse order, and if one crashed during the test the teardown fails
    with :class:`~mode.testing.ServiceCrashedError` (the crash reason as
    cause).  The test itself is not interrupted by a crash: for that, use
    ``async with running(service)``.
    """
    started: list[ServiceT] = []

    async def start(service: _ST) -> _ST:
        check_service(service, "start_service")
        await _start(service)
        started.append(service)
        return service

    yield start
    crashed: list[ServiceT] = []
    error: Exception | None = None
    for service in reversed(started):
        try:
            await service.stop()
        except Exception as exc:
            error = error or exc
        if service.crashed:
            crashed.append(service)
    if crashed:
        first = crashed[-1]  # the first started
        crash = crash_error(first)
        for other in crashed[:-1]:
            crash.add_note(f"{other!r} crashed too: {other.crash_reason!r}")
        raise crash from first.crash_reason
    if error is not None:
        raise error
