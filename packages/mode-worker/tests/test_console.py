"""The debug console of a real ``mode run --debug`` worker, used over telnet.

A socket client speaks enough telnet to get a prompt (it negotiates options
as the ``telnet`` and aiomonitor clients do, which makes prompt_toolkit's
server log each option), runs commands and reads the answers.  Also: the
console's one-line errors (aiomonitor missing, port taken) and its quiet
shutdown with clients still connected.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support_worker import free_ports

if TYPE_CHECKING:
    from conftest import Spawn

pytest.importorskip("aiomonitor")

from mode import Service
from mode.worker._console import TELNET_LOGGER, quiet_telnet_log
from mode.worker._monitor import service_tree_text

IAC, DO, WILL, SB, SE = 255, 253, 251, 250, 240
SGA, ECHO, NAWS, TTYPE = 3, 1, 31, 24
#: What a telnet client sends first: DO SGA, DO ECHO, WILL NAWS, WILL TTYPE,
#: the window size (80x24) and the terminal type.
NEGOTIATION = (
    bytes([IAC, DO, SGA, IAC, DO, ECHO, IAC, WILL, NAWS, IAC, WILL, TTYPE])
    + bytes([IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE, IAC, SB, TTYPE, 0])
    + (b"vt100" + bytes([IAC, SE]))
)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
APPS = Path(__file__).parent / "apps"


class TelnetClient:
    """A connected console session: :meth:`run` sends a command and reads
    the answer up to a marker (every read is bounded)."""

    def __init__(self, port: int, *, negotiate: bool = True) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.settimeout(0.1)
        self.buf = b""
        if negotiate:
            self.sock.sendall(NEGOTIATION)
            self.read_until(b"monitor >>>")

    def read_until(self, marker: bytes, timeout: float = 10) -> str:
        """Return what came up to ``marker`` (included); keep the rest."""
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in {self.buf!r}")
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                raise AssertionError(f"closed before {marker!r}: {self.buf!r}")
            for _ in range(data.count(b"\x1b[6n")):
                # Answer prompt_toolkit's cursor position requests at once
                # (unanswered, each costs it a wait before it draws).
                self.sock.sendall(b"\x1b[1;1R")
            self.buf += data
        end = self.buf.index(marker) + len(marker)
        text, self.buf = self.buf[:end], self.buf[end:]
        return ANSI.sub("", text.decode(errors="replace"))

    def run(self, command: bytes, first: bytes) -> str:
        """Run ``command``; return its output, from ``first`` to the prompt."""
        self.sock.sendall(command + b"\r")
        self.read_until(command)  # the echo of the command line
        return self.read_until(first) + self.read_until(b"monitor >>>")

    def close(self) -> None:
        self.sock.close()


def start_worker(spawn: Spawn, *args: str) -> tuple[Any, int]:
    port = free_ports()
    child = spawn(
        "run", "workerapps:ticker", "--debug", "--console-port", str(port), *args
    )
    child.wait_for("APP-READY")
    child.wait_for(rf"Debug console on telnet://127\.0\.0\.1:{port}")
    return child, port


def test_services_command_prints_the_tree(spawn: Spawn) -> None:
    child, port = start_worker(spawn)
    client = TelnetClient(port)
    try:
        out = client.run(b"services", first=b"pid ")
    finally:
        client.close()
    assert re.search(r"pid \d+: ready", out)
    assert re.search(r"Worker  running · up \d", out)
    assert re.search(r"├─ Ticker  running · up \d", out)
    assert re.search(r"timer \S*Ticker\._tick: every 0\.05s, \d+ ticks", out)
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_services_tasks_and_ps_name_each_services_tasks(spawn: Spawn) -> None:
    child, port = start_worker(spawn)
    client = TelnetClient(port)
    try:
        tree = client.run(b"services --tasks", first=b"pid ")
        ps = client.run(b"ps", first=b"tasks running")
    finally:
        client.close()
    assert "task Ticker._tick: waits on " in tree
    # ps: the owner service, then the function, instead of a coroutine repr.
    assert "Ticker:Ticker._tick" in ps
    assert "BlockingDetector:BlockingDetector._deadman_switch" in ps
    assert "Worker.main" in ps
    assert "Worker.wait_stop_request" in ps
    assert "<coroutine object" not in ps
    assert not re.search(r"\bTask-\d+\b", ps)
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_telnet_negotiation_stays_out_of_the_log(spawn: Spawn) -> None:
    child, port = start_worker(spawn)  # the log at INFO
    client = TelnetClient(port)  # negotiates: DO SGA, DO ECHO, WILL NAWS ...
    assert "services" in client.run(b"help", first=b"Commands")
    client.close()
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    err = child.stderr
    assert "Starting interaction" not in err
    assert "New connection" not in err
    assert not re.search(r"\b(DO|WILL) b'", err)


@pytest.mark.parametrize("negotiate", [False, True], ids=["like-nc", "telnet"])
def test_client_connected_at_shutdown_is_quiet(spawn: Spawn, negotiate: bool) -> None:
    child, port = start_worker(spawn)
    client = TelnetClient(port, negotiate=negotiate)
    try:
        if not negotiate:
            # nc answers no negotiation: the session waits for a terminal type.
            client.read_until(bytes([IAC, DO, TTYPE]))
        child.send(signal.SIGTERM)
        assert child.finish() == 0
    finally:
        client.close()
    output = child.stdout + child.stderr
    assert "CancelledError" not in output
    assert "Traceback" not in output
    assert "Got " not in output


def test_console_without_aiomonitor_is_one_line(spawn: Spawn, tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "aiomonitor.py").write_text(
        "raise ModuleNotFoundError(\n"
        "    \"No module named 'aiomonitor'\", name='aiomonitor'\n"
        ")\n"
    )
    child = spawn(
        "run", "workerapps:ticker", "--debug", env={"PYTHONPATH": f"{shim}:{APPS}"}
    )
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    err = child.stderr
    lines = [line for line in err.splitlines() if "aiomonitor" in line]
    assert len(lines) == 1, err
    assert lines[0].endswith(
        "Debug console off: the debug console needs aiomonitor: aiomonitor is "
        "not installed; install it with: pip install 'mode-worker[debug]'"
    )
    assert "Traceback" not in err


def test_console_port_taken_is_one_line(spawn: Spawn) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = spawn(
            "run", "workerapps:ticker", "--debug", "--console-port", str(port)
        )
        assert child.finish() == 1
    err = child.stderr
    (line,) = [line for line in err.splitlines() if "ERROR" in line]
    assert line.endswith(
        f"Error: cannot start the debug console: port {port} on 127.0.0.1 is "
        "already in use (Address already in use); choose another with "
        "console_port= (mode run --console-port)"
    )
    assert "Traceback" not in err
    assert "[Errno" not in err


# -- in-process pieces -----------------------------------------------------------


def test_quiet_telnet_log_keeps_a_level_the_program_set() -> None:
    telnet_log = logging.getLogger(TELNET_LOGGER)
    saved = telnet_log.level
    try:
        telnet_log.setLevel(logging.NOTSET)
        quiet_telnet_log()
        assert telnet_log.level == logging.WARNING
        telnet_log.setLevel(logging.DEBUG)  # the program wants it
        quiet_telnet_log()
        assert telnet_log.level == logging.DEBUG
    finally:
        telnet_log.setLevel(saved)


class _FakeMonitor:
    def __init__(self, loop: asyncio.AbstractEventLoop, root: Any) -> None:
        self._monitored_loop = loop
        self.root = root


class _LoopThread:
    """An event loop run by a thread of its own (the worker's, here)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def test_service_tree_text_reads_the_tree_on_its_loop() -> None:
    worker_loop = _LoopThread()
    try:
        text = await service_tree_text(_FakeMonitor(worker_loop.loop, Service()))
    finally:
        worker_loop.close()
    assert ANSI.sub("", text).splitlines()[1] == "Service  init"


async def test_service_tree_text_when_the_loop_is_blocked() -> None:
    worker_loop = _LoopThread()
    release = threading.Event()
    worker_loop.loop.call_soon_threadsafe(release.wait, 5)  # blocks the loop
    try:
        text = await service_tree_text(
            _FakeMonitor(worker_loop.loop, Service()), timeout=0.05
        )
    finally:
        release.set()
        worker_loop.close()
    assert text.startswith("The worker's event loop did not answer within 0.05 s")


async def test_service_tree_text_without_a_tree_or_a_loop() -> None:
    no_root = await service_tree_text(_FakeMonitor(asyncio.get_running_loop(), None))
    assert no_root.startswith("No service tree")
    closed = asyncio.new_event_loop()
    closed.close()
    text = await service_tree_text(_FakeMonitor(closed, Service()))
    assert text == "Cannot read the service tree: Event loop is closed"


async def test_service_tree_text_reports_a_failing_snapshot() -> None:
    worker_loop = _LoopThread()
    try:
        text = await service_tree_text(_FakeMonitor(worker_loop.loop, object()))
    finally:
        worker_loop.close()
    assert text.startswith("Cannot read the service tree: TypeError(")
