"""The worker's log, as a newcomer reads it (issue 16).

A real ``mode run`` of a small tree (an app with a supervisor and its
child), stopped by SIGTERM: no line ends with a space, a clean stop ends
with ``Stopped`` at INFO, the supervisor is labelled by its class and
children (not an address), the log's tree is the one ``mode graph`` draws,
and at debug level the worker says which loop backend and Python run.
"""

from __future__ import annotations

import logging
import platform
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mode.loop import available

if TYPE_CHECKING:
    from conftest import Spawn

APP = textwrap.dedent(
    """
    from mode import Service
    from mode.supervisors import OneForOneSupervisor


    class Child(Service):
        pass


    class App(Service):
        def __post_init__(self) -> None:
            self.sup = OneForOneSupervisor(Child())

        def on_init_dependencies(self) -> list[Service]:
            return [self.sup]


    app = App()
    """
)

_LINE = re.compile(r"\[(?P<level>[A-Z]+)\] \[\^(?P<dashes>-*)(?P<label>[^\]]+)\]: ")


@pytest.mark.parametrize(
    "loop",
    [
        "asyncio",
        pytest.param(
            "uvloop",
            marks=pytest.mark.skipif(
                "uvloop" not in available(), reason="uvloop not installed"
            ),
        ),
    ],
)
def test_a_clean_run_reads_well(spawn: Spawn, tmp_path: Path, loop: str) -> None:
    (tmp_path / "firsthourapp.py").write_text(APP)
    child = spawn(
        "run", "firsthourapp:app", "--loglevel", "debug", "--loop", loop, cwd=tmp_path
    )
    child.wait_for(r"Ready: 1 service\(s\) started")
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    lines = child.stderr.splitlines()
    assert [line for line in lines if line.endswith(" ")] == []
    assert lines[-1].endswith("[INFO] [^Worker]: Stopped")
    runtime = f"[DEBUG] [^Worker]: Event loop: {loop}"
    (said,) = [line for line in lines if runtime in line]
    python = f"Python {platform.python_version()} ({platform.python_implementation()})"
    assert said.endswith(f"; {python}")
    # The tree of the "Starting..." lines is the one `mode graph` draws
    # (one level deeper: the Worker is the log's root).
    started = [
        (len(m["dashes"]), m["label"])
        for line in lines
        if line.endswith("Starting...") and (m := _LINE.search(line))
    ]
    assert started[0] == (0, "Worker")
    graph = subprocess.run(
        [sys.executable, "-m", "mode.worker", "graph", "firsthourapp:app"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    drawn = [
        ((len(line) - len(line.lstrip(" "))) // 4 + 1, line.strip()) for line in graph
    ]
    assert drawn == [
        (1, "App"),
        (2, "OneForOneSupervisor: (Child)"),
        (3, "Child (supervised)"),
    ]
    assert started[1:] == [
        (depth, label.removesuffix(" (supervised)")) for depth, label in drawn
    ]


def test_the_worker_logger_has_no_null_handler() -> None:
    # It would hide the worker's errors from Python's last-resort handler
    # when logging is left unconfigured (override_logging=False).
    import mode.worker  # noqa: F401

    for name in ("mode", "mode.worker"):
        handlers = logging.getLogger(name).handlers
        assert not any(isinstance(h, logging.NullHandler) for h in handlers), name
