"""The HTTP endpoint of a real worker process: start, crash, restart, stop.

``mode run webapps:tree --web-port 0`` (``apps/webapps.py``): the test
says on the worker's stdin when Flaky crashes and when its supervisor may
restart it, and reads ``/readyz``, ``/status``, ``/metrics`` and
``/healthz`` at each step.  Also the command line's errors.
"""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support_worker import start_web_tree, tell

if TYPE_CHECKING:
    from conftest import Spawn

pytest.importorskip("aiohttp")


def fetch(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """GET ``url``: ``(status, body)``, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def get_json(url: str) -> tuple[int, Any]:
    status, body = fetch(url)
    return status, json.loads(body)


def until(check: Any, what: str, timeout: float = 10.0) -> Any:
    """Ask ``check()`` until it returns something truthy (as a probe would)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def find(node: dict[str, Any], label: str) -> dict[str, Any]:
    """The service labelled ``label`` in a snapshot's tree."""
    if node["label"] == label:
        return node
    for child in node["children"]:
        try:
            return find(child, label)
        except KeyError:
            pass
    raise KeyError(label)


def metric(text: str, name: str, label: str) -> float | None:
    """The value of metric ``name`` for the service labelled ``label``."""
    for line in text.splitlines():
        if line.startswith(name + "{") and f'mode_service_label="{label}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_a_worker_through_start_crash_restart_and_stop(spawn: Spawn) -> None:
    child, url = start_web_tree(spawn)
    sup = "Sup <b>&amp; 'x'</b>"

    # -- started: live, ready, everything running -----------------------------
    assert get_json(url + "healthz")[0] == 200
    assert get_json(url + "readyz") == (
        200,
        {"ready": True, "reasons": [], "live": True},
    )
    code, snap = get_json(url + "status")
    assert code == 200
    assert snap["live"] is True
    assert snap["ready"] is True
    assert snap["root"]["label"] == "Worker"
    assert snap["pid"] == child.proc.pid
    flaky = find(snap["root"], "Flaky")
    assert (flaky["state"], flaky["starts"], flaky["crashes"]) == ("running", 1, 0)
    assert find(snap["root"], sup)["supervisor"]["strategy"] == "one_for_one"
    (timer,) = find(snap["root"], "Ticker")["timers"]
    assert timer["interval"] == 0.2
    code, page = fetch(url)
    assert code == 200
    assert b"<title>mode: service tree</title>" in page
    metrics_code, body = fetch(url + "metrics")
    if metrics_code == 200:  # with OpenTelemetry (the web extra)
        assert metric(body.decode(), "mode_service_crashes_total", "Flaky") == 0
    else:
        assert metrics_code == 503
        assert body.startswith(b"metrics need mode-worker[web]")

    # -- Flaky crashes; its supervisor waits (gated) to restart it ------------
    tell(child, "crash")
    child.wait_for(r"Restarting Flaky in")
    code, ready = get_json(url + "readyz")
    assert code == 503
    assert ready["ready"] is False
    assert ready["live"] is True  # not ready, but the loop answers
    assert any(reason.startswith("Flaky: ") for reason in ready["reasons"])
    snap = get_json(url + "status")[1]
    flaky = find(snap["root"], "Flaky")
    assert flaky["state"] in {"crashed", "stopped"}
    assert flaky["crashes"] == 1
    assert flaky["last_crash"]["type"] == "RuntimeError"
    assert flaky["last_crash"]["message"] == "boom 1"
    assert get_json(url + "healthz")[0] == 200
    if metrics_code == 200:
        text = fetch(url + "metrics")[1].decode()
        assert metric(text, "mode_service_crashes_total", "Flaky") == 1

    # -- the supervisor restarts it: ready again --------------------------------
    tell(child, "restart")
    child.wait_for("FLAKY-START 2")
    until(lambda: fetch(url + "readyz")[0] == 200, "ready after the restart")
    snap = get_json(url + "status")[1]
    flaky = find(snap["root"], "Flaky")
    assert flaky["state"] == "running"
    assert (flaky["starts"], flaky["restarts"], flaky["crashes"]) == (2, 1, 1)
    assert flaky["last_crash"]["message"] == "boom 1"  # kept after the restart
    if metrics_code == 200:
        text = fetch(url + "metrics")[1].decode()
        assert metric(text, "mode_service_restarts_total", "Flaky") == 1

    # -- SIGTERM: a graceful stop, and the endpoint closes with the worker ------
    child.send(signal.SIGTERM)
    assert child.finish() == 0, child.stderr
    assert "Signal received: SIGTERM" in child.stderr
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "healthz", timeout=2)


def test_a_taken_web_port_fails_the_start_naming_the_option(spawn: Spawn) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = spawn("run", "webapps:tree", "--web-port", str(port))
        assert child.finish() == 1
    err = child.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "--web-port" in err
    assert "Ready" not in err


def test_a_web_port_out_of_range_is_a_usage_error(spawn: Spawn) -> None:
    child = spawn("run", "webapps:tree", "--web-port", "65536")
    assert child.finish() == 2
    assert "argument --web-port: port out of range (0-65535): '65536'" in child.stderr


def test_web_port_without_aiohttp_says_install_the_extra(
    spawn: Spawn, tmp_path: Path
) -> None:
    script = tmp_path / "no_aiohttp.py"
    script.write_text(
        "import sys\n"
        "sys.modules['aiohttp'] = None  # as if it were not installed\n"
        "from mode.worker._cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    child = spawn("run", "webapps:tree", "--web-port", "0", script=script)
    assert child.finish() == 2
    assert child.stderr.splitlines() == [
        "mode run: error: --web-port needs aiohttp: install mode-worker[web] "
        "(pip install 'mode-worker[web]')"
    ]
