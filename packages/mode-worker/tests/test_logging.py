"""How the worker configures logging, and when it leaves it alone (real processes)."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn

APPS = Path(__file__).parent / "apps"
WAIT = 15.0
ONCE = '{"daemon": false}'  # Worker kwargs: stop as soon as started


def test_default_console_format_with_extra_and_redirected_prints(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:printer")
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    err = child.stderr
    assert f"] [{child.proc.pid}] [INFO] [^Worker]: Starting..." in err
    assert "INFO-LINE answer=42" in err  # %(extra)s from extra={"data": ...}
    assert "[WARNING] PRINTED-LINE" in err  # print() went to the log
    assert "PRINTED-LINE" not in child.stdout
    assert "\x1b[" not in err  # no colour: stdout is not a terminal


def test_no_redirect_stdouts_keeps_prints_on_stdout(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:printer", "--no-redirect-stdouts")
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    assert "PRINTED-LINE" in child.stdout
    assert "PRINTED-LINE" not in child.stderr


def test_loglevel_filters_records(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:printer", "--loglevel", "warning")
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    assert "Starting..." not in child.stderr
    assert "INFO-LINE" not in child.stderr


def test_logfile_gets_the_plain_format(spawn: Spawn, tmp_path: Path) -> None:
    logfile = tmp_path / "worker.log"
    child = spawn(
        "run", "workerapps:printer", "--logfile", str(logfile), "--no-redirect-stdouts"
    )
    child.wait_for("PRINTED-LINE", stream="out")
    assert "Starting..." not in child.stderr
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    text = logfile.read_text()
    assert "[INFO]: [^Worker]: Starting..." in text
    assert "INFO-LINE answer=42" in text
    assert "Signal received: SIGTERM" in text


def test_logging_config_is_merged(spawn: Spawn) -> None:
    config = {
        "merge": True,
        "formatters": {"colored": {"format": "CUSTOM %(levelname)s %(message)s"}},
    }
    kwargs = json.dumps({"daemon": False, "logging_config": config})
    child = spawn("ticker", "worker", kwargs, script=True)
    assert child.finish() == 0
    assert "CUSTOM INFO [^Worker]: Starting..." in child.stderr


def test_a_bad_logging_config_fails_the_start(spawn: Spawn) -> None:
    config = {"version": 1, "handlers": {"h": {"class": "no.such.Handler"}}}
    kwargs = json.dumps({"daemon": False, "logging_config": config})
    child = spawn("ticker", "worker", kwargs, script=True)
    assert child.finish() == 1
    err = child.stderr
    assert "CANNOT SETUP LOGGING: ValueError(" in err
    # Logging is unusable: the error (and its chained traceback) is printed once.
    assert err.count("Error: ValueError(") == 1
    assert "Traceback (most recent call last)" in err


def test_a_configured_root_logger_is_left_alone(spawn: Spawn) -> None:
    child = spawn(
        "printer", "worker", '{"daemon": false}', "--preconfigure", script=True
    )
    assert child.finish() == 0
    err = child.stderr
    assert "PRECONFIGURED INFO [^Worker]: Starting..." in err
    assert "[INFO] [^Worker]" not in err  # the worker added no handler
    assert "PRINTED-LINE" in child.stdout  # and redirected nothing


def test_override_logging_false_configures_nothing(spawn: Spawn) -> None:
    kwargs = '{"daemon": false, "override_logging": false}'
    child = spawn("printer", "worker", kwargs, script=True)
    assert child.finish() == 0
    err = child.stderr
    assert "Starting..." not in err  # the root logger stayed at WARNING
    assert "APP-READY" in err  # printed by logging's last-resort handler
    assert "PRINTED-LINE" in child.stdout


def test_colours_when_stdout_is_a_terminal(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(APPS)}
    try:
        proc = subprocess.run(
            [sys.executable, str(APPS / "workerapps.py"), "ticker", "worker", ONCE],
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp_path,
            timeout=WAIT,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert proc.returncode == 0
    assert b"\x1b[" in proc.stderr  # colorlog's escape codes
    assert b"Starting..." in proc.stderr


def test_hooks_run_in_order(spawn: Spawn) -> None:
    child = spawn("ticker", "hooked", '{"daemon": false}', script=True)
    assert child.finish() == 0
    hooks = [line.split()[1] for line in child.out if line.startswith("HOOK")]
    assert hooks == [
        "on_setup_root_logger",
        "on_execute",
        "on_started",
        "on_worker_shutdown",
    ]
    assert "HOOK on_setup_root_logger 20" in child.stdout


def test_without_loglevel_the_hook_gets_the_root_level_in_force(
    spawn: Spawn,
) -> None:
    # The original's hook takes ``level: int`` (faust's override too): with
    # no loglevel it gets the level the root logger keeps (WARNING), not None.
    child = spawn(
        "ticker", "hooked", '{"daemon": false, "loglevel": null}', script=True
    )
    assert child.finish() == 0, child.stderr
    assert "HOOK on_setup_root_logger 30" in child.stdout


def test_errors_are_shown_even_when_logging_is_left_unconfigured(
    spawn: Spawn,
) -> None:
    child = spawn("start_fails", "worker", '{"override_logging": false}', script=True)
    assert child.finish() == 1
    err = child.stderr
    assert "Error: KeyError('boom')" in err
    assert err.count("Traceback (most recent call last)") == 1
