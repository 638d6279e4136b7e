"""The `mode` command (`python -m mode.worker`): run, graph, usage errors."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Child, Spawn


def one_line_usage_error(child: Child, *fragments: str) -> None:
    assert child.finish() == 2
    err = child.stderr
    assert len(err.splitlines()) == 1, err
    assert "error:" in err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_help(spawn: Spawn) -> None:
    child = spawn("--help")
    assert child.finish() == 0
    assert child.stdout.startswith("usage: mode")


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "mode"
    res = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=15, check=False
    )
    assert res.returncode == 0
    assert res.stdout.startswith("usage: mode")
    assert "run" in res.stdout
    assert "graph" in res.stdout


def test_no_command_is_a_usage_error(spawn: Spawn) -> None:
    one_line_usage_error(spawn(), "required")


def test_missing_module_with_did_you_mean(spawn: Spawn) -> None:
    one_line_usage_error(
        spawn("run", "workerapp:ticker"),
        "no module named 'workerapp'",
        "Did you mean",
        "workerapps",
    )


def test_missing_submodule_with_did_you_mean(spawn: Spawn) -> None:
    one_line_usage_error(
        spawn("graph", "mode.servics:Service"), "Did you mean", "mode.services"
    )


def test_missing_attribute_with_did_you_mean(spawn: Spawn) -> None:
    one_line_usage_error(
        spawn("run", "workerapps:tickr"),
        "'workerapps' has no attribute 'tickr'",
        "Did you mean",
        "ticker",
    )


def test_unknown_log_level(spawn: Spawn) -> None:
    one_line_usage_error(
        spawn("run", "workerapps:ticker", "--loglevel", "loud"), "unknown log level"
    )


def test_unknown_loop_with_did_you_mean(spawn: Spawn) -> None:
    one_line_usage_error(
        spawn("run", "workerapps:ticker", "--loop", "uvlop"), "Did you mean uvloop?"
    )


@pytest.mark.parametrize(
    "target", ["workerapps:not_a_service", "workerapps:make_nothing"]
)
def test_a_target_that_is_not_a_service(spawn: Spawn, target: str) -> None:
    one_line_usage_error(spawn("run", target), "is not a service")


def test_a_failing_factory_shows_its_traceback(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:make_broken")
    assert child.finish() == 1
    assert "creating the service workerapps:make_broken failed" in child.stderr
    assert "ZeroDivisionError: factory bug" in child.stderr


def test_a_module_that_raises_shows_its_traceback(spawn: Spawn, tmp_path: Path) -> None:
    (tmp_path / "brokenmod.py").write_text("import no_such_dependency_xyz\n")
    child = spawn("run", "brokenmod:app", cwd=tmp_path)
    assert child.finish() == 1
    assert "importing 'brokenmod' failed" in child.stderr
    assert "No module named 'no_such_dependency_xyz'" in child.stderr


def test_run_a_factory_from_the_current_directory(spawn: Spawn, tmp_path: Path) -> None:
    (tmp_path / "localapp.py").write_text(
        "from workerapps import Ticker\n\ndef create():\n    return Ticker()\n"
    )
    child = spawn("run", "localapp:create", cwd=tmp_path)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_run_a_worker_target_as_is(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:hooked_worker")
    assert child.finish() == 0
    assert "HOOK on_started" in child.stdout


def test_run_quiet_hides_the_int_banner(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:Ticker", "--quiet")
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    assert child.finish() == 0
    assert "-INT-" not in child.stderr


def test_run_on_uvloop(spawn: Spawn) -> None:
    from mode.loop import available

    if "uvloop" not in available():
        pytest.skip("uvloop is not installed for this Python")
    child = spawn("run", "workerapps:ticker", "--loop", "uvloop")
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    assert child.finish() == 0


def test_graph_text(spawn: Spawn) -> None:
    child = spawn("graph", "workerapps:Parent")
    assert child.finish() == 0
    assert child.stdout.splitlines() == [
        "Parent",
        "    Ticker",
        '    Mid "dle"',
        "        Printer",
    ]
    assert "Starting" not in child.stderr  # nothing was started


def test_graph_dot(spawn: Spawn) -> None:
    child = spawn("graph", "workerapps:Parent", "--format", "dot")
    assert child.finish() == 0
    out = child.stdout
    assert out.startswith("digraph services {")
    assert 'n2 [label="Mid \\"dle\\""];' in out
    assert "n0 -> n1;" in out
    assert "n2 -> n3;" in out


def test_graph_mermaid(spawn: Spawn) -> None:
    child = spawn("graph", "workerapps:Parent", "--format", "mermaid")
    assert child.finish() == 0
    out = child.stdout
    assert out.startswith("graph TD")
    assert '    n0["Parent"]' in out
    assert "    n0 --> n2" in out


def test_graph_of_a_worker_shows_its_services(spawn: Spawn) -> None:
    child = spawn("graph", "workerapps:hooked_worker")
    assert child.finish() == 0
    assert child.stdout.splitlines() == ["HookedWorker", "    Ticker"]
