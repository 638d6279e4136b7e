"""What a stop that is not clean does to the exit code (real processes).

A stop error anywhere in the tree (not only in the services given to the
worker) makes the process exit 1, and a stop that went on without tasks
(they ignored their cancellation) makes it exit 75, naming them once.  The
scenarios are in ``apps/reliabilityapps.py``.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn

APP = Path(__file__).parent / "apps" / "reliabilityapps.py"


def test_a_grandchilds_on_stop_error_exits_1_and_the_stop_completes(
    spawn: Spawn,
) -> None:
    child = spawn("grandchild_stop_fails", script=APP)
    assert child.finish() == 1, child.stderr
    err = child.stderr
    assert "ValueError: grandchild stop failed" in err
    assert err.count("Traceback (most recent call last)") == 1
    # The rest of the stop ran: the sibling stopped after the failing leaf
    # (reverse start order), and the parent finished its own stop.
    assert err.index("LEAF-STOPPING") < err.index("SIBLING-STOPPED")
    assert "PARENT-SHUT-DOWN" in err


def test_an_on_stop_error_two_levels_down_exits_1(spawn: Spawn) -> None:
    child = spawn("deep_stop_fails", script=APP)
    assert child.finish() == 1, child.stderr
    assert "ValueError: grandchild stop failed" in child.stderr
    assert "SIBLING-STOPPED" in child.stderr


def test_an_on_stop_error_below_a_service_thread_exits_1(spawn: Spawn) -> None:
    # The child stops in the ServiceThread's own thread and loop.
    child = spawn("thread_stop_fails", script=APP)
    assert child.finish() == 1, child.stderr
    assert "ValueError: grandchild stop failed" in child.stderr


def test_a_grandchild_stop_error_after_sigterm_exits_1(spawn: Spawn) -> None:
    child = spawn("grandchild_stop_fails", '{"daemon": true}', script=APP)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 1, child.stderr
    assert "SIBLING-STOPPED" in child.stderr


def test_a_task_ignoring_cancellation_after_a_complete_stop_exits_75(
    spawn: Spawn,
) -> None:
    # The service's stop gives up on the task after its shutdown_timeout
    # (0.2 s) and completes well within the worker's (10 s); the task goes
    # on ignoring the worker's last cancellation too.
    child = spawn("deaf_task", '{"shutdown_timeout": 10}', script=APP)
    assert child.finish() == 75, child.stderr
    err = child.stderr
    assert "Shutdown did not finish" not in err  # the stop itself completed
    assert re.search(r"Tasks left running by the stop: \S*DeafTask._deaf\b", err)
    assert "(exit code 75)" in err
    # Its stack is logged once (by the service's stop), not again at exit.
    assert err.count("in _deaf") == 1
    assert err.count("Tasks left running by the stop") == 1


def test_a_task_that_outlived_its_stop_exits_75_even_if_it_ends_later(
    spawn: Spawn,
) -> None:
    # Left running by the service's stop; the worker's last cancellation then
    # ends it: the stop still was not clean.
    child = spawn("deaf_once", '{"shutdown_timeout": 10}', script=APP)
    assert child.finish() == 75, child.stderr
    err = child.stderr
    assert "DEAF-ONCE-IGNORES-CANCEL" in err
    assert "ignores cancellation; exiting without it" not in err
    assert re.search(r"Tasks left running by the stop: \S*DeafOnce._deaf_once\b", err)


def test_a_stop_error_wins_over_tasks_left_running(spawn: Spawn) -> None:
    # The run failed (1): that code wins over 75, as with threads left running.
    child = spawn("deaf_and_failing", '{"shutdown_timeout": 10}', script=APP)
    assert child.finish() == 1, child.stderr
    err = child.stderr
    assert "ValueError: grandchild stop failed" in err
    assert "Tasks left running by the stop:" in err
    assert "(exit code 1)" in err


def test_sigusr1_report_redacts_secrets_by_value(spawn: Spawn) -> None:
    # Secrets held under innocent names, in a task's locals and in a thread's.
    child = spawn("leaky_locals", '{"daemon": true}', script=APP)
    child.wait_for("LOCALS-READY")
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS")
    child.wait_for(r"plain = 'visible-by-value'")
    child.send(signal.SIGTERM)
    assert child.finish() == 0, child.stderr
    err = child.stderr
    for secret in (
        "dsn-url-secret",
        "dict-secret",
        "hdr-bearer-secret",
        "line-basic-secret",
        "raw-bearer-secret",
        "tok-obj-secret",
        "qs-secret",
        "thread-url-secret",
        "ppp",
    ):
        assert secret not in err, secret
    assert "dsn = 'postgresql://ann:***@db.example.com:5432/app'" in err
    assert (
        "config = {'user': 'ann', 'password': <redacted>, 'nested': "
        "{'api_key': <redacted>}}" in err
    )
    assert "headers = {'Authorization': <redacted>, 'Accept': 'json'}" in err
    assert "line = 'Authorization: <redacted>'" in err
    assert "bearer = 'sent Bearer <redacted> to the api'" in err
    assert "settings = Settings(user='ann', api_token=<redacted>, port=5432)" in err
    assert "client_secret=<redacted>&page=2" in err
    assert "'broker': 'amqp://guest:***@rabbit:5672//'" in err
    # Bounded: no line of the report's locals is much longer than 200.
    assert max(len(line) for line in err.splitlines() if " = " in line) < 260
