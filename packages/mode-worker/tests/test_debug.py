"""debug=True: the aiomonitor console (used over telnet) and the blocking detector."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from typing import TYPE_CHECKING

import pytest
from support_worker import free_ports

if TYPE_CHECKING:
    from conftest import Spawn

pytest.importorskip("aiomonitor")

#: Telnet: IAC SB TTYPE IS "vt100" IAC SE (the server waits for a terminal type).
TTYPE = b"\xff\xfa\x18\x00vt100\xff\xf0"


def console_command(
    port: int, command: bytes, until: bytes, timeout: float = 10
) -> str:
    """Run ``command`` in the telnet console; return the output up to ``until``."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(TTYPE)
        sock.settimeout(0.2)
        buf, sent = b"", False
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                data = b""
            else:
                if not data:
                    break
            buf += data
            if not sent and b"monitor >>>" in buf:
                sock.sendall(command + b"\r")
                sent, buf = True, b""
            elif sent and until in buf:
                break
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.decode(errors="replace"))


def test_console_runs_commands_over_telnet(spawn: Spawn) -> None:
    port = free_ports()
    child = spawn("run", "workerapps:ticker", "--debug", "--console-port", str(port))
    child.wait_for("APP-READY")
    child.wait_for(rf"Debug console on telnet://127\.0\.0\.1:{port}")
    out = console_command(port, b"ps", until=b"Ticker._tick")
    assert "tasks running" in out
    assert "Ticker._tick" in out
    assert "BlockingDetector._deadman_switch" in out  # debug started it too
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_console_port_in_use_is_a_clear_error(spawn: Spawn) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = spawn(
            "run", "workerapps:ticker", "--debug", "--console-port", str(port)
        )
        assert child.finish() == 1
    err = child.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "--console-port" in err
    assert "Traceback" not in err  # one line says it all (issue 16)


def test_blocking_detector_reports_a_blocked_loop(spawn: Spawn) -> None:
    kwargs = {"debug": True, "console_port": free_ports(), "blocking_timeout": 0.3}
    child = spawn("blocker", "worker", json.dumps(kwargs), script=True)
    assert child.finish() == 1  # Blocking was raised inside the blocking task
    err = child.stderr
    assert "Blocking detected (timeout=0.3)" in err
    assert "time.sleep(5)" in err


def test_blocking_timeout_zero_turns_the_detector_off(spawn: Spawn) -> None:
    port = free_ports()
    child = spawn(
        "run",
        "workerapps:ticker",
        "--debug",
        "--console-port",
        str(port),
        "--blocking-timeout",
        "0",
    )
    child.wait_for("APP-READY")
    child.wait_for(r"Blocking detector off \(blocking_timeout=0\)")
    assert "BlockingDetector" not in child.stderr  # not started
    child.send(signal.SIGTERM)
    assert child.finish() == 0
