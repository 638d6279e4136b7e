"""``mode status``: a real HTTP server serves a canned snapshot; the command
(in-process and as a real subprocess, on a pipe and on a terminal) reads it.
"""

from __future__ import annotations

import copy
import http.server
import io
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mode.worker._cli import main
from mode.worker._status import (
    EX_NOT_READY,
    EX_READY,
    EX_UNREACHABLE,
    StatusUnavailable,
    fetch_status,
    status_url,
)
from mode.worker._tree import duration, render_status, use_colour

if TYPE_CHECKING:
    from conftest import Spawn

T0 = 1_700_000_000.0


def service(label: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": label.lower(),
        "label": label,
        "class": f"app.{label}",
        "state": "running",
        "started_at": T0 - 62,
        "uptime": 62.0,
        "starts": 1,
        "restarts": 0,
        "crashes": 0,
        "last_crash": None,
        "not_ready": None,
        "tasks": [],
        "timers": [],
        "supervisor": None,
        "thread": None,
        "children": [],
    }
    base.update(fields)
    return base


def make_snapshot(*, ready: bool = True) -> dict[str, Any]:
    ticker = service(
        "Ticker",
        timers=[
            {
                "name": "Ticker._tick",
                "interval": 0.5,
                "ticks": 124,
                "lateness_mean": 0.0012,
                "lateness_max": 0.0051,
                "last_run": T0 - 0.3,
                "last_error": None,
            }
        ],
        tasks=[
            {"name": "Ticker:Ticker._tick", "waiting_on": "sleep(0.5)", "done": False}
        ],
    )
    flaky = service(
        "Flaky",
        state="crashed" if not ready else "starting",
        uptime=None,
        started_at=None,
        restarts=2,
        crashes=3,
        last_crash={"type": "RuntimeError", "message": "boom\nmore", "at": T0 - 12},
    )
    sup = service(
        "OneForOneSupervisor",
        supervisor={
            "strategy": "one_for_one",
            "max_restarts": 3.0,
            "over": 10.0,
            "restarts_in_window": 2,
            "backoff_until": T0 + 2.5,
        },
        children=[ticker, flaky],
    )
    threaded = service(
        "Pump",
        state="stopped",
        uptime=None,
        thread={"name": "Pump-thread", "alive": False, "loop_running": False},
        not_ready=None if ready else "not connected to the broker",
    )
    root = service("Worker", children=[sup, threaded])
    return {
        "version": 1,
        "taken_at": T0,
        "pid": 4242,
        "ready": ready,
        "reasons": [] if ready else ["Flaky: crashed", "Pump: not connected"],
        "root": root,
        "extra_key_from_a_newer_worker": {"ignored": True},
    }


# -- the renderer --------------------------------------------------------------


def test_render_draws_the_tree_with_details() -> None:
    text = render_status(make_snapshot(ready=False))
    lines = text.splitlines()
    assert lines[0] == "pid 4242: NOT READY"
    assert lines[1] == "Worker  running · up 1m02s"
    assert "├─ OneForOneSupervisor  running · up 1m02s" in lines[2]
    assert (
        "supervisor one_for_one: 2 of 3 restarts in 10s · back-off 2.5s left"
    ) in lines[3]
    assert lines[3].startswith("│  │  ")  # detail lines hang under their service
    ticker = next(line for line in lines if "Ticker  running" in line)
    assert ticker.startswith("│  ├─ ")
    timer = lines[lines.index(ticker) + 1]
    assert (
        "timer Ticker._tick: every 0.5s, 124 ticks, late 1.2ms mean / 5.1ms max, "
        "last run 0.3s ago"
    ) in timer
    assert lines[lines.index(ticker) + 2].endswith("1 task")
    flaky = next(line for line in lines if "Flaky" in line)
    assert flaky.startswith("│  └─ Flaky  crashed")
    assert (
        "restarts 2 · crashes 3 · last crash RuntimeError: boom... (12s ago)" in flaky
    )
    pump = next(line for line in lines if "Pump" in line and "thread" not in line)
    assert pump.startswith("└─ Pump  stopped")
    assert "not ready: not connected to the broker" in pump
    assert "thread Pump-thread: dead, loop not running" in text
    assert lines[-3:] == ["not ready:", "  - Flaky: crashed", "  - Pump: not connected"]
    assert "\x1b[" not in text


def test_render_lists_tasks_when_asked() -> None:
    text = render_status(make_snapshot(), tasks=True)
    assert "task Ticker:Ticker._tick: waits on sleep(0.5)" in text
    assert "1 task" not in text


def test_render_colours_each_state() -> None:
    text = render_status(make_snapshot(ready=False), colour=True)
    assert "\x1b[32mrunning\x1b[0m" in text  # green
    assert "\x1b[31mcrashed\x1b[0m" in text  # red
    assert "\x1b[90mstopped\x1b[0m" in text  # grey
    assert "\x1b[31mNOT READY\x1b[0m" in text
    assert "\x1b[33mback-off 2.5s left\x1b[0m" in text
    starting = render_status(make_snapshot(ready=True), colour=True)
    assert "\x1b[33mstarting\x1b[0m" in starting  # yellow
    assert "\x1b[32mready\x1b[0m" in starting


def test_render_ascii_only_and_no_backoff_once_past() -> None:
    snap = make_snapshot()
    snap["root"]["children"][0]["supervisor"]["backoff_until"] = T0 - 1
    text = render_status(snap, ascii_only=True)
    assert "|- OneForOneSupervisor" in text
    assert "`- Pump" in text
    assert "back-off" not in text
    assert "Worker  running - up 1m02s" in text
    text.encode("ascii")


def test_render_refuses_what_is_not_a_snapshot() -> None:
    with pytest.raises(ValueError, match="no 'root' service"):
        render_status({"version": 1})


def test_render_survives_missing_optional_keys() -> None:
    text = render_status({"root": {"label": "Bare", "children": [{"label": "Kid"}]}})
    assert text.splitlines() == ["pid ?: NOT READY", "Bare  ?", "└─ Kid  ?"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.04, "0.0s"),
        (9.95, "9.9s"),
        (12.0, "12s"),
        (245, "4m05s"),
        (7380, "2h03m"),
        (273600, "3d04h"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_use_colour_needs_a_tty_and_no_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(TTY())
    assert not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(TTY())
    monkeypatch.setenv("NO_COLOR", "")  # empty: not set (no-color.org)
    assert use_colour(TTY())
    with open(os.devnull) as stream:
        pass
    assert not use_colour(stream)  # closed: isatty() raises ValueError


# -- the client ----------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        server.paths.append(self.path)
        status, body = server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    answer: tuple[int, bytes] = (200, b"")
    paths: list[str]


@pytest.fixture
def server() -> Iterator[_Server]:
    """A real HTTP server on 127.0.0.1 in a thread, answering ``answer``."""
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.paths = []
    srv.answer = (200, json.dumps(make_snapshot()).encode())
    thread = threading.Thread(
        target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def url_of(srv: _Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_status_of_a_ready_worker_exits_0(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--url", url_of(server)]) == EX_READY
    out, err = capsys.readouterr()
    assert out.startswith("pid 4242: ready\nWorker  running")
    assert err == ""
    assert server.paths == ["/status"]


def test_status_of_a_worker_not_ready_exits_1(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    server.answer = (200, json.dumps(make_snapshot(ready=False)).encode())
    port = server.server_address[1]
    assert main(["status", "--port", str(port)]) == EX_NOT_READY
    out, _ = capsys.readouterr()
    assert "  - Flaky: crashed" in out


def test_status_503_with_a_snapshot_is_an_answer(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    server.answer = (503, json.dumps(make_snapshot(ready=False)).encode())
    assert main(["status", "--url", url_of(server) + "/status"]) == EX_NOT_READY
    assert "NOT READY" in capsys.readouterr().out


def test_status_json_prints_the_snapshot(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--url", url_of(server), "--json"]) == EX_READY
    assert json.loads(capsys.readouterr().out) == make_snapshot()


def test_unreachable_worker_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    assert main(["status", "--port", str(port)]) == EX_UNREACHABLE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert f"cannot reach http://127.0.0.1:{port}/status (connection refused)" in err
    assert f"mode run --web-port {port}" in err


def test_no_answer_within_the_timeout_is_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as mute:  # accepts connections (backlog), never answers
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        url = f"http://127.0.0.1:{mute.getsockname()[1]}"
        code = main(["status", "--url", url, "--timeout", "0.2"])
    assert code == EX_UNREACHABLE
    err = capsys.readouterr().err
    assert "no answer" in err
    assert "within 0.2 s" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((404, b"not found"), "answered HTTP 404"),
        ((200, b"<html>hello</html>"), "did not answer with a mode status snapshot"),
        ((200, b'{"version": 1}'), "did not answer with a mode status snapshot"),
    ],
)
def test_an_answer_that_is_not_a_snapshot_is_exit_2(
    server: _Server,
    capsys: pytest.CaptureFixture[str],
    answer: tuple[int, bytes],
    expected: str,
) -> None:
    server.answer = answer
    assert main(["status", "--url", url_of(server)]) == EX_UNREACHABLE
    err = capsys.readouterr().err
    assert expected in err
    assert "mode run --web-port" in err
    assert err.count("\n") == 1


def test_status_url_forms() -> None:
    assert status_url("127.0.0.1:8080") == "http://127.0.0.1:8080/status"
    assert status_url("http://h:1/") == "http://h:1/status"
    assert status_url("https://h/mode/status/") == "https://h/mode/status"
    with pytest.raises(ValueError, match="expected an http URL"):
        status_url("ftp://h/")
    with pytest.raises(ValueError, match="bad port"):
        status_url("http://h:99999")


def test_bad_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--url", "ftp://x"]) == EX_UNREACHABLE
    assert capsys.readouterr().err.startswith("mode status: error: expected an http")


def test_fetch_status_raises_status_unavailable() -> None:
    with pytest.raises(StatusUnavailable, match="connection refused"):
        fetch_status(f"http://127.0.0.1:{free_port()}/status", timeout=1)


def test_url_and_port_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["status", "--url", "http://h:1", "--port", "2"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# -- a real `mode status` process ------------------------------------------------


def run_mode(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mode.worker", "status", *args],
        capture_output=True,
        text=True,
        timeout=15,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_mode_status_process_on_a_pipe_has_no_colour(server: _Server) -> None:
    server.answer = (200, json.dumps(make_snapshot(ready=False)).encode())
    done = run_mode("--url", url_of(server), env={"NO_COLOR": ""})
    assert done.returncode == EX_NOT_READY
    assert done.stdout.startswith("pid 4242: NOT READY\n")
    assert "\x1b[" not in done.stdout
    assert done.stderr == ""


def test_mode_status_process_unreachable(server: _Server) -> None:
    port = free_port()
    done = run_mode("--port", str(port))
    assert done.returncode == EX_UNREACHABLE
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert f"--web-port {port}" in done.stderr


def _run_in_pty(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as stdout; return (code, output)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            argv, stdout=slave, stderr=subprocess.PIPE, env=env, close_fds=True
        )
        os.close(slave)
        chunks: list[bytes] = []
        while True:
            ready, _, _ = select.select([master], [], [], 15)
            if not ready:
                proc.kill()
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(15)
        assert proc.stderr is not None
        proc.stderr.close()
    finally:
        os.close(master)
    return code, b"".join(chunks).decode()


@pytest.mark.parametrize("no_color", ["", "1"])
def test_mode_status_process_on_a_terminal(server: _Server, no_color: str) -> None:
    env = {**os.environ, "NO_COLOR": no_color}
    code, out = _run_in_pty(
        [sys.executable, "-m", "mode.worker", "status", "--url", url_of(server)], env
    )
    assert code == EX_READY
    assert "Worker" in out
    assert ("\x1b[32mrunning\x1b[0m" in out) is (not no_color)
    assert ("\x1b[" in out) is (not no_color)


def test_snapshot_fixture_is_not_mutated_by_rendering() -> None:
    snap = make_snapshot(ready=False)
    before = copy.deepcopy(snap)
    render_status(snap, colour=True, tasks=True)
    assert snap == before


def test_status_needs_a_port_or_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mode status: error: which worker? give --port PORT")
    assert err.count("\n") == 1


def test_blocked_loop_without_a_snapshot_is_not_ready(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"live": False, "live_reason": "event loop blocked for 2.1 s"}
    server.answer = (503, json.dumps(body).encode())
    assert main(["status", "--url", url_of(server)]) == EX_NOT_READY
    err = capsys.readouterr().err
    assert "answers, but its event loop does not: event loop blocked for 2.1 s" in err
    assert err.count("\n") == 1


def test_blocked_loop_with_the_last_snapshot_says_so(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {**make_snapshot(), "live": False, "live_reason": "blocked for 2.1 s"}
    server.answer = (200, json.dumps(body).encode())
    assert main(["status", "--url", url_of(server)]) == EX_NOT_READY
    head = capsys.readouterr().out.splitlines()[0]
    assert head == (
        "pid 4242: NOT READY · event loop not answering: blocked for 2.1 s "
        "(the tree below is the last one read)"
    )


# -- against a real worker's endpoint --------------------------------------------


def test_mode_status_of_a_real_worker(spawn: Spawn) -> None:
    pytest.importorskip("aiohttp")
    child = spawn("run", "workerapps:ticker", "--web-port", "0")
    child.wait_for("APP-READY")
    child.wait_for(r"Ready: ")
    (port,) = re.findall(r"on http://127\.0\.0\.1:(\d+)/", child.stderr)
    done = run_mode("--port", port, env={"NO_COLOR": ""})
    assert done.returncode == EX_READY, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"pid {child.proc.pid}: ready"
    assert re.fullmatch(r"Worker  running · up \d+\.\ds", lines[1])
    assert re.fullmatch(r"└─ Ticker  running · up \d+\.\ds", lines[2])
    assert re.search(r"timer \S*Ticker\._tick: every 0\.05s, \d+ ticks", lines[3])
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    gone = run_mode("--port", port)
    assert gone.returncode == EX_UNREACHABLE
    assert f"--web-port {port}" in gone.stderr
