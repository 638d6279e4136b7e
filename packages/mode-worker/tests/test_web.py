"""The worker's HTTP endpoint in-process: handlers on real sockets (port 0).

The server runs in its own thread with its own loop, as in a worker; the
test's loop plays the worker's loop.  Requests are made with urllib from
other threads, so a test can block its own loop and see what a probe sees.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from mode import OneForOneSupervisor, Service
from mode.worker import Worker
from mode.worker._web import (
    INSTALL_HINT,
    LoopBridge,
    LoopNotAnswering,
    StatusServer,
    WebServerError,
    _dumps,
)

pytest.importorskip("aiohttp")

#: The live timeout of these tests: short, so blocked-loop tests are quick.
LIVE = 0.3


class Reply:
    """An HTTP answer: status, headers, body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(url: str, timeout: float = 10.0) -> Reply:
    """GET ``url`` (blocking; errors are answers too)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, dict(exc.headers), exc.read())


async def aget(url: str) -> Reply:
    """GET ``url`` from a thread, without blocking the test's loop."""
    return await asyncio.to_thread(fetch, url)


class Leaf(Service):
    pass


class Picky(Service):
    """Says it is not ready while ``connected`` is False."""

    connected = True

    def check_readiness(self) -> str | None:
        return None if self.connected else "not connected to the broker"


class Root(Service):
    def __init__(self) -> None:
        super().__init__()
        self.leaf = self.add_dependency(Leaf())
        self.picky = self.add_dependency(Picky())
        self.sup = self.add_dependency(OneForOneSupervisor(Leaf(), max_restarts=5))


@asynccontextmanager
async def served(
    root: Service | None = None, **kwargs: Any
) -> AsyncIterator[tuple[Service, StatusServer]]:
    """Start ``root`` (default: a Root) and an endpoint for it on port 0."""
    tree = Root() if root is None else root
    await tree.start()
    try:
        kwargs.setdefault("live_timeout", LIVE)
        server = StatusServer(tree, asyncio.get_running_loop(), port=0, **kwargs)
        async with server:
            assert server.url is not None
            yield tree, server
    finally:
        await tree.stop()


async def test_endpoints_of_a_running_tree() -> None:
    async with served() as (_tree, server):
        url = server.url
        assert url is not None
        assert url.startswith("http://127.0.0.1:")
        health = await aget(url + "healthz")
        assert health.status == 200
        assert health.json()["live"] is True
        assert 0 <= health.json()["latency"] < LIVE
        assert health.headers["Cache-Control"] == "no-store"

        ready = await aget(url + "readyz")
        assert ready.status == 200
        assert ready.json() == {"ready": True, "reasons": [], "live": True}

        status = await aget(url + "status")
        assert status.status == 200
        snap = status.json()
        assert snap["live"] is True
        assert snap["version"] == 1
        assert snap["root"]["label"] == "Root"
        assert snap["root"]["state"] == "running"
        labels = [child["label"] for child in snap["root"]["children"]]
        assert labels[:2] == ["Leaf", "Picky"]

        page = await aget(url)
        assert page.status == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert b'fetch("status"' in page.body  # relative: works behind a prefix
        csp = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp
        assert "script-src 'sha256-" in csp  # the inline script, by hash only
        assert "unsafe-inline" not in csp
        assert page.headers["X-Frame-Options"] == "DENY"

        assert (await aget(url + "nothing-here")).status == 404


async def test_the_csp_hashes_match_the_inline_script_and_style() -> None:
    import base64
    import hashlib
    import re

    from mode.worker._web import _load_page

    page, csp = _load_page()
    text = page.decode()
    for tag in ("script", "style"):
        (body,) = re.findall(rf"<{tag}>(.*?)</{tag}>", text, flags=re.S)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


async def test_readyz_says_503_with_the_reasons_of_a_tree_not_ready() -> None:
    async with served() as (tree, server):
        assert isinstance(tree, Root)
        tree.picky.connected = False
        ready = await aget(f"{server.url}readyz")
        assert ready.status == 503
        assert ready.json() == {
            "ready": False,
            "reasons": ["Picky: not connected to the broker"],
            "live": True,
        }
        status = (await aget(f"{server.url}status")).json()
        assert status["ready"] is False
        assert status["reasons"] == ["Picky: not connected to the broker"]
        # Liveness is not readiness: the loop answers.
        assert (await aget(f"{server.url}healthz")).status == 200
        tree.picky.connected = True
        assert (await aget(f"{server.url}readyz")).status == 200


async def test_a_blocked_loop_is_not_live_and_status_shows_the_last_snapshot() -> None:
    async with served() as (_tree, server):
        url = server.url
        first = await aget(f"{url}status")  # the last good snapshot
        assert first.json()["live"] is True
        taken = count_snapshots(server)

        answers: dict[str, tuple[Reply, float]] = {}
        done = threading.Event()

        def probe() -> None:
            try:
                for path in ("healthz", "readyz", "status"):
                    began = time.monotonic()
                    answers[path] = (fetch(f"{url}{path}"), time.monotonic() - began)
            finally:
                done.set()

        client = threading.Thread(target=probe)
        client.start()
        # Block this loop (the "worker's") until the client has its answers:
        # this is the blocking call the probes must notice.
        assert done.wait(10)
        client.join()

        health, health_took = answers["healthz"]
        assert health.status == 503
        assert health.json()["live"] is False
        assert "event loop is blocked: no answer for" in health.json()["reason"]
        assert health_took >= LIVE * 0.9  # waited for the loop, no longer

        ready, _ = answers["readyz"]
        assert ready.status == 503
        assert ready.json()["ready"] is False
        assert ready.json()["live"] is False
        assert "blocked" in ready.json()["reasons"][0]

        status, _ = answers["status"]
        assert status.status == 200  # the last snapshot, marked not live
        body = status.json()
        assert body["live"] is False
        assert "blocked" in body["live_reason"]
        assert body["taken_at"] == first.json()["taken_at"]
        assert body["root"]["label"] == "Root"
        # /status found /readyz's snapshot still pending and waited for that
        # one instead of queueing another: once the loop runs again, one
        # snapshot is taken for the two requests, and the endpoint is live.
        health = await aget(f"{url}healthz")
        assert health.status == 200
        assert taken == [1]


def count_snapshots(server: StatusServer) -> list[int]:
    """Count the snapshots ``server`` takes from now on (in ``[0]``)."""
    calls = [0]
    take = server._take_snapshot

    def counting() -> Any:
        calls[0] += 1
        return take()

    server._take_snapshot = counting  # type: ignore[method-assign]
    return calls


async def test_a_loop_that_is_not_running_is_not_live() -> None:
    tree = Root()
    other = asyncio.new_event_loop()  # never run: as after the worker's end
    try:
        async with StatusServer(tree, other, port=0, live_timeout=LIVE) as server:
            health = await aget(f"{server.url}healthz")
            assert health.status == 503
            assert health.json() == {
                "live": False,
                "reason": "the worker's event loop is not running",
            }
            status = await aget(f"{server.url}status")
            assert status.status == 503  # no snapshot to show at all
            assert status.json()["live"] is False
            assert "root" not in status.json()
            assert (await aget(f"{server.url}readyz")).status == 503
    finally:
        other.close()


async def test_a_failing_snapshot_is_a_500_with_the_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with served() as (_tree, server):

        def broken() -> Any:
            raise RuntimeError("snapshot broke")

        server._take_snapshot = broken  # type: ignore[method-assign]
        status = await aget(f"{server.url}status")
        assert status.status == 500
        assert status.json() == {"error": "RuntimeError: snapshot broke"}
        assert (await aget(f"{server.url}readyz")).status == 500
        assert "snapshot broke" in caplog.text


async def test_metrics_in_prometheus_text_format() -> None:
    pytest.importorskip("opentelemetry.exporter.prometheus")
    from mode.worker._prometheus import instrument

    async with served() as (tree, server):
        with instrument(tree):  # as the Worker does with itself
            metrics = await aget(f"{server.url}metrics")
        assert metrics.status == 200, metrics.body
        assert metrics.headers["Content-Type"].startswith("text/plain")
        text = metrics.body.decode()
        assert "# TYPE mode_service" in text
        assert 'mode_service_label="Picky"' in text


async def test_metrics_without_the_web_extra_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "mode.worker._prometheus", None)
    async with served() as (_tree, server):
        metrics = await aget(f"{server.url}metrics")
        assert metrics.status == 503
        assert metrics.body.decode().startswith("metrics need mode-worker[web]")


async def test_a_taken_port_is_a_one_line_error_naming_the_option() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = StatusServer(Root(), asyncio.get_running_loop(), port=port)
        with pytest.raises(WebServerError) as info:
            await server.start()
    message = str(info.value)
    assert f"port {port} on 127.0.0.1 is already in use" in message
    assert "--web-port" in message
    assert "\n" not in message
    assert server.url is None
    assert not [
        t for t in threading.enumerate() if t.name.startswith("mode.worker web")
    ]


async def test_an_address_not_of_this_machine_names_web_host() -> None:
    # 192.0.2.1 (TEST-NET-1) is never a local address: bind() fails at once.
    server = StatusServer(Root(), asyncio.get_running_loop(), host="192.0.2.1")
    with pytest.raises(WebServerError, match="--web-host"):
        await server.start()


async def test_stop_ends_the_thread_and_is_idempotent() -> None:
    async with served() as (_tree, server):
        thread = server._thread
        assert thread is not None
        assert thread.is_alive()
        assert thread.daemon
        url = server.url
    assert server.url is None
    assert not thread.is_alive()
    await server.stop()  # again: nothing to do
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}healthz", timeout=2)


async def test_start_twice_is_refused() -> None:
    async with served() as (_tree, server):
        with pytest.raises(RuntimeError, match="already started"):
            await server.start()


def test_json_has_no_infinity() -> None:
    # JSON has no Infinity (a browser's JSON.parse refuses it): a limit
    # such as max_restarts=inf is sent as null.
    assert json.loads(_dumps({"a": [1.5, float("inf")], "b": float("nan")})) == {
        "a": [1.5, None],
        "b": None,
    }
    assert _dumps({"a": 1}) == '{"a": 1}'


async def test_bridge_returns_results_and_raises_errors_of_the_function() -> None:
    worker_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=worker_loop.run_forever)
    thread.start()
    try:
        bridge = LoopBridge(worker_loop, timeout=5.0)
        where = await bridge.call("a", threading.get_ident)
        assert where == thread.ident  # ran on the target loop's thread
        assert bridge.latency is not None
        assert bridge.blocked_for() == 0.0

        def fails() -> None:
            raise KeyError("nope")

        with pytest.raises(KeyError, match="nope"):
            await bridge.call("b", fails)
    finally:
        worker_loop.call_soon_threadsafe(worker_loop.stop)
        thread.join()
        worker_loop.close()
    with pytest.raises(LoopNotAnswering, match="not running"):
        await bridge.call("a", threading.get_ident)


# -- the Worker's arguments --------------------------------------------------


def test_worker_web_defaults() -> None:
    worker = Worker()
    assert worker.web_port is None
    assert worker.web_host == "127.0.0.1"
    assert worker.web_live_timeout == 0.5
    assert worker.web_url is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"web_port": True}, TypeError, "web_port= must be an int"),
        ({"web_port": "8080"}, TypeError, "web_port= must be an int"),
        ({"web_port": 80.0}, TypeError, "web_port= must be an int"),
        ({"web_port": -1}, ValueError, "from 0 .any free port. to 65535"),
        ({"web_port": 65536}, ValueError, "from 0 .any free port. to 65535"),
        ({"web_port": 0, "web_host": b"h"}, TypeError, "web_host= must be"),
        ({"web_port": 0, "web_host": " "}, ValueError, "web_host= must not be empty"),
        ({"web_live_timeout": 0}, ValueError, "web_live_timeout must be a positive"),
        ({"web_live_timeout": float("inf")}, ValueError, "web_live_timeout"),
        ({"web_live_timeout": None}, TypeError, "web_live_timeout must be a number"),
        ({"web_live_timeout": [1]}, TypeError, "web_live_timeout must be a number"),
    ],
)
def test_worker_refuses_bad_web_arguments(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        Worker(**kwargs)


def test_worker_web_port_without_aiohttp_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    with pytest.raises(ImportError, match=r"install mode-worker\[web\]") as info:
        Worker(web_port=0)
    assert str(info.value) == INSTALL_HINT
    Worker()  # no endpoint: no aiohttp needed


async def test_worker_serves_while_running_and_closes_when_stopped() -> None:
    root = Root()
    worker = Worker(
        root, daemon=False, override_logging=False, web_port=0, web_live_timeout=LIVE
    )
    await worker.start()
    try:
        url = worker.web_url
        assert url is not None
        assert url.startswith("http://127.0.0.1:")
        ready = await aget(f"{url}readyz")
        assert ready.json() == {"ready": True, "reasons": [], "live": True}
        status = (await aget(f"{url}status")).json()
        assert status["root"]["label"] == "Worker"
        assert status["root"]["state"] == "running"
        assert status["root"]["children"][0]["label"] == "Root"
    finally:
        await worker.stop()
    assert worker.web_url is None
    assert not [
        t for t in threading.enumerate() if t.name.startswith("mode.worker web")
    ]


async def test_metrics_that_fail_to_render_are_a_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    fake = types.ModuleType("mode.worker._prometheus")

    def render_metrics() -> tuple[bytes, str]:
        raise RuntimeError("collector broke")

    fake.render_metrics = render_metrics  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mode.worker._prometheus", fake)
    async with served() as (_tree, server):
        metrics = await aget(f"{server.url}metrics")
    assert metrics.status == 500
    assert metrics.json() == {"error": "RuntimeError: collector broke"}


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
async def test_an_ipv6_address_is_bracketed_in_the_url() -> None:
    async with served(host="::1") as (_tree, server):
        assert server.url is not None
        assert server.url.startswith("http://[::1]:")
        assert (await aget(f"{server.url}healthz")).status == 200
