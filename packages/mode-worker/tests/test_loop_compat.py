"""The original's loop story under the Worker, in real processes.

The programs (apps/loopapps.py) are written the way the original mode's
README and examples are: ``mode.loop.use(...)`` first, services made before
any loop runs that pass ``loop=self.loop`` on, ``Worker(...)
.execute_from_commandline()``.  Each prints ``MARK`` lines as its timers,
tasks and ``call_later`` callbacks really run, with the running loop's type.
"""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mode.loop import available

if TYPE_CHECKING:
    from conftest import Spawn

LOOPAPPS = Path(__file__).parent / "apps" / "loopapps.py"

#: Backend name -> module prefix of its loop class.
BACKENDS = {
    "default": "asyncio.",
    "asyncio": "asyncio.",
    "uvloop": "uvloop.",
    "gevent": "asyncio_gevent.",
}


def _backend(name: str) -> str:
    if name not in ("default", "asyncio") and name not in available():
        pytest.skip(f"{name} is not installed for this Python")
    return BACKENDS[name]


def _mark(what: str, loop_module: str) -> str:
    # The line a program prints when `what` ran on the expected kind of loop.
    return rf"^MARK {re.escape(what)} {re.escape(loop_module)}\S*$"


README_MARKS = [
    "app-started",
    "call_later-OtherService",  # __post_init__: OtherService(loop=self.loop)
    "call_later-ServiceA",  # on_init_dependencies
    "call_later-ServiceB",
    "add_future",
    "task",
    "timer",
    "user-cache-timer",
    "thread",
]


@pytest.mark.parametrize("backend", ["default", "uvloop"])
def test_readme_patterns_run_under_the_worker(spawn: Spawn, backend: str) -> None:
    loop_module = _backend(backend)
    child = spawn(backend, "readme", script=LOOPAPPS)
    for what in README_MARKS:
        child.wait_for(_mark(what, loop_module), stream="out")
    # The thread service's parent loop is the loop read at module level.
    child.wait_for(r"^MARK thread-parent-is-the-loop-read-first ", stream="out")
    child.send(signal.SIGINT)
    assert child.finish() == 0
    assert "NOT-THE-RUNNING-LOOP" not in child.stdout


@pytest.mark.parametrize("backend", ["default", "uvloop", "gevent"])
def test_example_service_runs_on_the_backend_chosen(spawn: Spawn, backend: str) -> None:
    loop_module = _backend(backend)
    child = spawn(backend, "example-service", script=LOOPAPPS)
    child.wait_for(_mark("task", loop_module), stream="out")
    child.send(signal.SIGINT)
    assert child.finish() == 0


@pytest.mark.parametrize("backend", ["default", "uvloop"])
def test_services_given_the_current_loop_run_on_it(spawn: Spawn, backend: str) -> None:
    loop_module = _backend(backend)
    child = spawn(backend, "explicit", script=LOOPAPPS)
    for name in ("First", "Second", "Pinger"):
        child.wait_for(_mark(f"call_later-{name}", loop_module), stream="out")
        child.wait_for(_mark(f"timer-{name}", loop_module), stream="out")
    child.send(signal.SIGINT)
    assert child.finish() == 0
    assert "NOT-THE-RUNNING-LOOP" not in child.stdout


@pytest.mark.skipif(
    sys.version_info >= (3, 14),
    reason="asyncio.get_event_loop() no longer creates a loop",
)
def test_a_service_given_asyncio_get_event_loop_runs(spawn: Spawn) -> None:
    child = spawn("default", "asyncio-get-event-loop", script=LOOPAPPS)
    child.wait_for(_mark("call_later-First", "asyncio."), stream="out")
    child.send(signal.SIGINT)
    assert child.finish() == 0


@pytest.mark.parametrize("backend", ["default", "uvloop"])
def test_faust_command_line_pattern(spawn: Spawn, backend: str) -> None:
    # faust's CLI: get_event_loop(), a coroutine service and the Worker both
    # given that loop; daemon=False, so the worker exits once it is done.
    loop_module = _backend(backend)
    child = spawn(backend, "faust-cli", script=LOOPAPPS)
    assert child.finish() == 0
    assert child.count(_mark("command", loop_module), stream="out") == 1


@pytest.mark.parametrize("name", ["asyncio", "uvloop"])
def test_the_worker_loop_read_first_is_the_one_run(spawn: Spawn, name: str) -> None:
    loop_module = _backend(name)
    child = spawn("default", "worker-loop-read-first", name, script=LOOPAPPS)
    child.wait_for(_mark("call_later-First", loop_module), stream="out")
    child.send(signal.SIGINT)
    assert child.finish() == 0


def test_services_holding_different_loops_are_refused(spawn: Spawn) -> None:
    child = spawn("default", "conflict", script=LOOPAPPS)
    assert child.finish() == 1
    assert "different event loops" in child.stderr
    assert "MARK" not in child.stdout


def test_mode_run_honours_mode_loop_use_in_the_module(spawn: Spawn) -> None:
    # No --loop: the target module's mode.loop.use("uvloop") decides.
    loop_module = _backend("uvloop")
    child = spawn("run", "uvloopapp:first")
    child.wait_for(_mark("call_later-First", loop_module), stream="out")
    child.send(signal.SIGINT)
    assert child.finish() == 0
