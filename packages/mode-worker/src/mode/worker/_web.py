"""The worker's HTTP endpoint: health, readiness, status, metrics, live page.

``Worker(web_port=N)`` (``mode run --web-port N``) serves, on
``web_host`` (127.0.0.1 unless told otherwise):

=================  ==========================================================
``GET /healthz``   200 when the worker's event loop answered within
                   ``web_live_timeout``, else 503 (``{"live": false,
                   "reason": "event loop blocked for 2.1 s ..."}``)
``GET /readyz``    200 when :func:`mode.status.readiness` says ready, else
                   503; JSON ``{"ready", "reasons", "live"}``
``GET /status``    the :func:`mode.status.snapshot` of the tree as JSON, plus
                   ``"live"`` (and ``"live_reason"`` when false)
``GET /metrics``   Prometheus text format: ``mode.worker._prometheus``, which
                   reports the trees instrumented there (the Worker
                   instruments its own)
``GET /``          the live page (``status.html``, shipped in the wheel)
=================  ==========================================================

Why a thread of its own: the server runs aiohttp on its own event loop in
a daemon thread, so it answers while the worker's loop is stuck (a blocking
call, a busy loop), and can say so: that is what a liveness probe is for.
The snapshot itself is taken *on* the worker's loop (it reads the tree,
which only that loop may touch): the web thread schedules it with
``call_soon_threadsafe`` and waits at most ``web_live_timeout`` for the
answer.  Requests arriving while a probe is pending share it, so a blocked
loop collects one callback per kind of probe, not one per request.

aiohttp is imported only when a server starts (``pip install
mode-worker[web]``); this module imports without it.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import errno
import hashlib
import importlib.resources
import json
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from mode.exceptions import ModeError
from mode.types.services import ServiceT

if TYPE_CHECKING:
    from types import TracebackType

    from aiohttp import web

    from mode.status import StatusSnapshot

__all__ = [
    "DEFAULT_LIVE_TIMEOUT",
    "DEFAULT_WEB_HOST",
    "INSTALL_HINT",
    "LoopBridge",
    "LoopNotAnswering",
    "StatusServer",
    "WebServerError",
    "check_aiohttp",
]

T = TypeVar("T")

logger = logging.getLogger("mode.worker.web")

#: The endpoint listens on the loopback interface unless told otherwise.
DEFAULT_WEB_HOST: Final = "127.0.0.1"

#: Seconds the worker's loop has to answer a probe before ``/healthz`` says
#: 503.  Half a second: Kubernetes' probes time out after 1 s by default, so
#: the endpoint must answer (503 with the reason) well before the probe
#: gives up; and a loop that cannot run a callback for half a second is
#: already starving every task on it.
DEFAULT_LIVE_TIMEOUT: Final = 0.5

#: What to install for the endpoint (one line, the same everywhere).
INSTALL_HINT: Final = (
    "the worker's HTTP endpoint needs aiohttp: install mode-worker[web] "
    "(pip install 'mode-worker[web]')"
)

#: The live page, package data next to this module.
PAGE_FILE: Final = "status.html"

#: Headers of every dynamic answer: never cached, never sniffed.
_NO_STORE: Final = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class WebServerError(ModeError, OSError):
    """The HTTP endpoint cannot listen where it was told to.

    The port is taken, not allowed, or the host is not an address of this
    machine.  Raised while the worker starts (so it exits 1 at once, with
    this one-line message); pick another ``web_port=``/``web_host=``
    (``mode run --web-port/--web-host``).
    """


class LoopNotAnswering(Exception):
    """The worker's event loop did not run a probe in time (or is not running).

    ``reason`` says why in words, for the ``/healthz`` and ``/readyz``
    bodies.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_aiohttp() -> None:
    """Raise ImportError (with :data:`INSTALL_HINT`) if aiohttp is missing.

    Cheap: looks the package up without importing it.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("aiohttp")
    except (ImportError, ValueError):  # a broken or blocked module
        spec = None
    if spec is None:
        raise ImportError(INSTALL_HINT, name="aiohttp")


# -- calling into the worker's loop ----------------------------------------


@dataclass(eq=False)
class _Probe(Generic[T]):
    """One call scheduled on the worker's loop, awaited on the web loop."""

    sent: float
    future: asyncio.Future[tuple[bool, Any]] = field(repr=False)


class LoopBridge:
    """Run cheap sync functions on the worker's loop, from the web thread.

    Arguments:
        target: The worker's event loop (running in another thread).
        timeout: Seconds the target loop has to run a call (the live
            timeout).
        clock: Monotonic clock (tests may inject one).

    :meth:`call` must be awaited on the web thread's loop.  The function
    runs on ``target`` through ``call_soon_threadsafe``: in one go, between
    two of its callbacks, so it sees a consistent tree.  Calls under the
    same ``key`` that overlap share one scheduled run: a blocked loop piles
    up at most one callback per key, however many requests wait, and when
    it runs again, that one run answers them all (with a result computed
    then, not before the block).
    """

    def __init__(
        self,
        target: asyncio.AbstractEventLoop,
        timeout: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._clock = clock
        self._probes: dict[str, _Probe[Any]] = {}
        #: Seconds the last answered call waited for the target loop.
        self.latency: float | None = None

    def blocked_for(self) -> float:
        """Seconds the oldest unanswered call has waited (0.0: none waits)."""
        now = self._clock()
        waits = [
            now - probe.sent
            for probe in self._probes.values()
            if not probe.future.done()
        ]
        return max(waits, default=0.0)

    async def call(self, key: str, fun: Callable[[], T]) -> T:
        """Run ``fun()`` on the target loop; return its result.

        Waits at most ``timeout`` seconds for the (possibly shared) call to
        run.  What ``fun`` raises is raised here.

        Raises:
            LoopNotAnswering: the target loop is not running, or did not
                run the call in time.
        """
        target = self.target
        if target.is_closed() or not target.is_running():
            raise LoopNotAnswering("the worker's event loop is not running")
        probe = self._probes.get(key)
        if probe is None or probe.future.done():
            probe = self._send(key, fun)
        if not probe.future.done():
            # An answer to a call sent earlier, by another request, counts
            # as well: the loop ran it, and ran it now (fun runs then).
            await asyncio.wait([probe.future], timeout=self.timeout)
        if not probe.future.done():
            waited = self.blocked_for()
            raise LoopNotAnswering(
                f"the worker's event loop is blocked: no answer for "
                f"{waited:.1f} s (live timeout {self.timeout:g} s)"
            )
        ok, value = probe.future.result()
        if not ok:
            raise value
        result: T = value
        return result

    def _send(self, key: str, fun: Callable[[], T]) -> _Probe[T]:
        web_loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[bool, Any]] = web_loop.create_future()
        probe: _Probe[T] = _Probe(self._clock(), future)
        self._probes[key] = probe

        def run_on_target() -> None:
            # On the worker's loop.  Results go back as (ok, value): an
            # exception stored in a future nobody awaits any more (all its
            # requests timed out) would be reported as never retrieved.
            answered = self._clock()
            try:
                outcome: tuple[bool, Any] = (True, fun())
            except Exception as exc:
                outcome = (False, exc)
            try:
                web_loop.call_soon_threadsafe(
                    self._settle, future, outcome, answered - probe.sent
                )
            except RuntimeError:  # the web loop is closed: nobody waits
                pass

        try:
            self.target.call_soon_threadsafe(run_on_target)
        except RuntimeError:  # closed between the check and now
            future.set_result((False, LoopNotAnswering("the event loop is closed")))
        return probe

    def _settle(
        self,
        future: asyncio.Future[tuple[bool, Any]],
        outcome: tuple[bool, Any],
        latency: float,
    ) -> None:
        if not future.done():
            future.set_result(outcome)
        self.latency = latency


# -- the server --------------------------------------------------------------


def _load_page() -> tuple[bytes, str]:
    """Return the live page and the Content-Security-Policy that allows it.

    The page's one inline ``<script>`` and ``<style>`` are allowed by hash:
    nothing else may run or load, so even a label that slipped through the
    page's escaping could not run code.
    """
    page = importlib.resources.files("mode.worker").joinpath(PAGE_FILE).read_bytes()
    text = page.decode("utf-8")
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag in hashes:
        for body in re.findall(rf"<{tag}>(.*?)</{tag}>", text, flags=re.S):
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            hashes[tag].append(f"'sha256-{base64.b64encode(digest).decode()}'")
    csp = (
        "default-src 'none'; "
        f"script-src {' '.join(hashes['script']) or chr(39) + 'none' + chr(39)}; "
        f"style-src {' '.join(hashes['style']) or chr(39) + 'none' + chr(39)}; "
        "connect-src 'self'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    return page, csp


def _json_safe(obj: Any) -> Any:
    """``obj`` with infinite and NaN floats as None (JSON has no such numbers)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: _json_safe(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(value) for value in obj]
    return obj


def _dumps(obj: Any) -> str:
    try:
        return json.dumps(obj, allow_nan=False)
    except ValueError:  # an infinite limit (max_restarts=inf) or a NaN
        return json.dumps(_json_safe(obj), allow_nan=False)


def _bind(host: str, port: int) -> socket.socket:
    """Return a listening, non-blocking socket on ``host:port``.

    Raises:
        WebServerError: the address cannot be resolved or bound.
    """
    try:
        infos = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise WebServerError(
            errno.EADDRNOTAVAIL,
            f"cannot start the HTTP endpoint: unknown host {host!r} "
            f"({exc.strerror}); check web_host= (mode run --web-host)",
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if hasattr(socket, "SO_REUSEADDR") and not _is_windows():
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            why, fix = "is already in use", "web_port= (mode run --web-port)"
        elif exc.errno == errno.EACCES:
            why, fix = "is not allowed", "web_port= (mode run --web-port)"
        else:
            why, fix = "cannot be bound", "web_host= (mode run --web-host)"
        raise WebServerError(
            exc.errno,
            f"cannot start the HTTP endpoint: port {port} on {host} {why} "
            f"({exc.strerror}); choose another with {fix}",
        ) from None
    return sock


def _is_windows() -> bool:
    import sys

    return sys.platform == "win32"


def _url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


class StatusServer:
    """The HTTP endpoint of a service tree, served from a thread of its own.

    Arguments:
        root: The root of the tree (the worker).
        loop: The event loop that runs ``root`` (the worker's loop).
        host, port: Where to listen (port 0: any free port; see :attr:`url`).
        live_timeout: Seconds ``loop`` has to answer a probe.

    Use it as an async context manager on ``loop`` (the worker does, with
    ``add_async_context``): entering binds the port (raising
    :class:`WebServerError` at once when it cannot) and starts the thread;
    exiting closes the server and ends the thread (bounded: open requests
    get ``live_timeout`` plus a second).

    Raises:
        ImportError: aiohttp is not installed (with :data:`INSTALL_HINT`).
    """

    #: Seconds the thread may take to start or to end.
    thread_timeout: float = 5.0

    def __init__(
        self,
        root: ServiceT,
        loop: asyncio.AbstractEventLoop,
        *,
        host: str = DEFAULT_WEB_HOST,
        port: int = 0,
        live_timeout: float = DEFAULT_LIVE_TIMEOUT,
    ) -> None:
        check_aiohttp()
        self.root = root
        self.host = host
        self.port = port
        self.live_timeout = live_timeout
        self.bridge = LoopBridge(loop, live_timeout)
        #: ``http://host:port/`` once listening, None before and after.
        self.url: str | None = None
        self._page, self._csp = _load_page()
        self._last_snapshot: StatusSnapshot | None = None
        self._thread: threading.Thread | None = None
        self._web_loop: asyncio.AbstractEventLoop | None = None
        self._finished: concurrent.futures.Future[None] | None = None

    # -- life cycle (on the worker's loop) -----------------------------------

    async def __aenter__(self) -> StatusServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind the port, start the thread, return once it serves.

        Raises:
            WebServerError: the address cannot be bound.
            RuntimeError: already started.
        """
        if self._thread is not None:
            raise RuntimeError("the HTTP endpoint is already started")
        sock = _bind(self.host, self.port)
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._finished = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._serve,
            args=(sock, started),
            name=f"mode.worker web {_url_of(sock)}",
            daemon=True,
        )
        self._thread.start()
        try:
            await asyncio.wait_for(asyncio.wrap_future(started), self.thread_timeout)
        except BaseException:
            await self.stop()
            raise
        self.url = _url_of(sock)

    async def stop(self) -> None:
        """Close the server and end its thread (idempotent; never raises)."""
        self.url = None
        thread, web_loop, finished = self._thread, self._web_loop, self._finished
        if thread is None or finished is None:
            return
        if web_loop is not None:
            try:
                web_loop.call_soon_threadsafe(web_loop.stop)
            except RuntimeError:  # already closed: the thread is ending
                pass
        done, _ = await asyncio.wait(
            [asyncio.wrap_future(finished)], timeout=self.thread_timeout
        )
        if done:
            thread.join(self.thread_timeout)
        else:  # pragma: no cover - a handler stuck past every timeout
            logger.error("The HTTP endpoint's thread did not end: leaving it")
        self._thread = None

    # -- the thread ----------------------------------------------------------

    def _serve(
        self, sock: socket.socket, started: concurrent.futures.Future[None]
    ) -> None:
        loop = asyncio.new_event_loop()
        runner: web.AppRunner | None = None
        try:
            try:
                runner = loop.run_until_complete(self._open(sock))
            except BaseException as exc:
                sock.close()
                _settle(started, exc)
                return
            self._web_loop = loop
            if not _settle(started, None):  # the start was given up
                return
            loop.run_forever()
        finally:
            try:
                if runner is not None:
                    loop.run_until_complete(runner.cleanup())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            except Exception as exc:  # pragma: no cover - diagnostics
                logger.error("Error closing the HTTP endpoint: %r", exc, exc_info=exc)
            finally:
                self._web_loop = None
                loop.close()
                if self._finished is not None:
                    _settle(self._finished, None)

    async def _open(self, sock: socket.socket) -> web.AppRunner:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/", self._handle_page)
        app.router.add_get("/healthz", self._handle_healthz)
        app.router.add_get("/readyz", self._handle_readyz)
        app.router.add_get("/status", self._handle_status)
        app.router.add_get("/metrics", self._handle_metrics)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,  # a line per poll of the page would drown the log
            shutdown_timeout=self.live_timeout + 1.0,
        )
        await runner.setup()
        await web.SockSite(runner, sock).start()
        return runner

    # -- probes (on the web loop) --------------------------------------------

    def _take_snapshot(self) -> StatusSnapshot:
        # On the worker's loop.
        from mode.status import snapshot

        return snapshot(self.root)

    async def _snapshot(self) -> StatusSnapshot:
        """A fresh snapshot (also kept as the last good one).

        Raises:
            LoopNotAnswering: as :meth:`LoopBridge.call`.
        """
        snap = await self.bridge.call("snapshot", self._take_snapshot)
        self._last_snapshot = snap
        return snap

    # -- handlers (on the web loop) ------------------------------------------

    def _json(self, body: Any, status: int = 200) -> web.Response:
        from aiohttp import web

        return web.Response(
            text=_dumps(body),
            status=status,
            content_type="application/json",
            headers=_NO_STORE,
        )

    async def _handle_healthz(self, request: web.Request) -> web.Response:
        try:
            await self.bridge.call("ping", _pong)
        except LoopNotAnswering as exc:
            return self._json({"live": False, "reason": exc.reason}, 503)
        return self._json({"live": True, "latency": self.bridge.latency})

    async def _handle_readyz(self, request: web.Request) -> web.Response:
        try:
            snap = await self._snapshot()
        except LoopNotAnswering as exc:
            body = {"ready": False, "reasons": [exc.reason], "live": False}
            return self._json(body, 503)
        except Exception as exc:
            return self._failed(exc)
        # The snapshot's own verdict: mode.status.readiness() of it.
        body = {"ready": snap["ready"], "reasons": snap["reasons"], "live": True}
        return self._json(body, 200 if snap["ready"] else 503)

    async def _handle_status(self, request: web.Request) -> web.Response:
        try:
            snap = await self._snapshot()
        except LoopNotAnswering as exc:
            last = self._last_snapshot
            body = {**(last or {}), "live": False, "live_reason": exc.reason}
            return self._json(body, 200 if last is not None else 503)
        except Exception as exc:
            return self._failed(exc)
        return self._json({**snap, "live": True})

    async def _handle_metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        loop = asyncio.get_running_loop()
        try:
            # Without the web extra (OpenTelemetry), an ImportError naming it.
            from ._prometheus import render_metrics

            # Off the web loop: rendering waits for the worker's loop (up to
            # its snapshot timeout) and must not hold up /healthz meanwhile.
            body, content_type = await loop.run_in_executor(None, render_metrics)
        except ImportError as exc:
            return web.Response(
                text=f"metrics need mode-worker[web] ({exc})\n",
                status=503,
                headers=_NO_STORE,
            )
        except Exception as exc:
            return self._failed(exc)
        return web.Response(
            body=body, headers={**_NO_STORE, "Content-Type": content_type}
        )

    async def _handle_page(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(
            body=self._page,
            headers={
                **_NO_STORE,
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": self._csp,
                "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY",
            },
        )

    def _failed(self, exc: Exception) -> web.Response:
        logger.error("HTTP endpoint: %r", exc, exc_info=exc)
        return self._json({"error": f"{type(exc).__name__}: {exc}"}, 500)


def _pong() -> bool:
    return True


def _settle(future: concurrent.futures.Future[Any], outcome: Any) -> bool:
    """Resolve ``future`` (an exception sets it as such); False if cancelled."""
    try:
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
    except concurrent.futures.InvalidStateError:
        return False
    return True
