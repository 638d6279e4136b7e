"""The mode demo: a small supervised service tree running under the Worker.

Run it with ``tools/demo`` (``tools/demo --seconds 10`` to stop after ten
seconds; ``--help`` for the options), or ``python examples/demo.py``, or
``mode run demo:create`` from this directory.  The tree::

    Demo
        Clock             a timer: ticks every second, sends the ``ticked`` signal
        Hasher            a QueueServiceThread: hashes in a thread of its own
        OneForOneSupervisor
            Flaky         crashes every few seconds; the supervisor restarts it

What to watch in the log: the clock's ticks, the signal receiver handing work
to the thread (and the result coming back), Flaky crashing with its traceback
and being restarted (its restart count grows).  The same, live, in a browser:
the worker's status page, http://127.0.0.1:6066/ (its address is the first
line of the log; ``--web-port 0`` picks a free port, ``--web-port off`` turns
it off), with ``/healthz``, ``/readyz``, ``/status`` and ``/metrics`` beside
it.  Ctrl-C stops it all gracefully; Ctrl-C twice forces the stop;
``kill -USR1 <pid>`` prints every thread's and task's stack.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import signal
import sys
import threading
from typing import Any

from mode import OneForOneSupervisor, Service, Signal, Worker
from mode.supervisors import Backoff

try:  # the thread service; the demo runs without it if it cannot be imported
    from mode.threads import QueueServiceThread

    HAVE_THREADS = True
except ImportError:  # pragma: no cover - depends on the installed mode-service
    HAVE_THREADS = False


class Clock(Service):
    """Ticks every ``interval`` seconds and tells whoever listens."""

    ticked: Signal[Clock] = Signal()

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.count = 0
        super().__init__()
        self.ticked = self.ticked.with_default_sender(self)

    async def on_start(self) -> None:
        self.add_future(self._run())

    async def _run(self) -> None:
        async for _ in self.itertimer(self.interval, name="clock"):
            self.count += 1
            self.log.info("tick %d", self.count)
            await self.ticked.send(count=self.count)


class Flaky(Service):
    """Works for ``lifetime`` seconds, then crashes (on purpose)."""

    restart_type = "transient"

    def __init__(self, lifetime: float = 4.0) -> None:
        self.lifetime = lifetime
        self.runs = 0
        super().__init__()

    async def on_start(self) -> None:
        self.runs += 1
        self.log.info("run #%d: working for %.0f s", self.runs, self.lifetime)

    @Service.task
    async def _work(self) -> None:
        await self.sleep(self.lifetime)
        if not self.should_stop:
            raise RuntimeError(f"simulated failure of run #{self.runs}")


def _digest(data: bytes) -> str:
    """Runs in the Hasher's thread."""
    value = hashlib.sha256(data).hexdigest()[:12]
    return f"{value} (in thread {threading.current_thread().name})"


if HAVE_THREADS:

    class Hasher(QueueServiceThread):
        """A service with a thread and event loop of its own."""

        async def digest(self, data: bytes) -> str:
            """Hash ``data`` in the service's thread; return the hex digest."""
            result: str = await self.call_thread(_digest, data)
            return result


class Demo(Service):
    """The root of the demo tree.

    ``tick`` is the clock's interval, ``crash_every`` Flaky's lifetime, and
    ``seconds`` (if given) how long the demo runs before it sends itself
    SIGTERM, the same graceful stop a Ctrl-C or ``kill`` gives.
    """

    def __init__(
        self,
        *,
        tick: float = 1.0,
        crash_every: float = 4.0,
        seconds: float | None = None,
    ) -> None:
        super().__init__()
        self.seconds = seconds
        self.clock = self.add_dependency(Clock(tick))
        self.hasher = self.add_dependency(Hasher()) if HAVE_THREADS else None
        self.flaky = Flaky(crash_every)
        self.supervisor = self.add_dependency(
            OneForOneSupervisor(
                self.flaky,
                max_restarts=10,
                over=30.0,
                backoff=Backoff(initial=0.1, factor=2.0, max=2.0),
            )
        )
        self.clock.ticked.connect(self.on_tick)

    async def on_tick(self, sender: Clock, *, count: int, **kwargs: Any) -> None:
        """Receiver of ``Clock.ticked``: every third tick, hash in the thread."""
        if count % 3 == 0 and self.hasher is not None:
            digest = await self.hasher.digest(str(count).encode())
            self.log.info("signal received (tick %d): sha256 %s", count, digest)

    @Service.task
    async def _time_limit(self) -> None:
        if self.seconds is not None:
            await self.sleep(self.seconds)
            if not self.should_stop:
                self.log.info("%s s are up: stopping", self.seconds)
                os.kill(os.getpid(), signal.SIGTERM)


#: The demo's status page: http://127.0.0.1:6066/
WEB_PORT = 6066


def _web_port(text: str) -> int | None:
    if text == "off":
        return None
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a port number, 0 or off, got {text!r}"
        ) from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range (0-65535): {text!r}")
    return port


def create() -> Demo:
    """Factory for ``mode run demo:create``."""
    return Demo()


def main(argv: list[str] | None = None) -> None:
    """Parse the demo's options (``--help``), then run it under a Worker."""
    parser = argparse.ArgumentParser(description="Run the mode demo under a Worker.")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds")
    parser.add_argument("--loglevel", default="info", help="log level (default info)")
    parser.add_argument("--loop", default="asyncio", help="event loop backend")
    parser.add_argument("--tick", type=float, default=1.0, help="clock interval")
    parser.add_argument(
        "--crash-every", type=float, default=4.0, help="Flaky's lifetime (seconds)"
    )
    parser.add_argument(
        "--web-port",
        type=_web_port,
        default=WEB_PORT,
        help=(
            f"port of the status page and probes (default {WEB_PORT}; 0: any "
            "free port; off: none)"
        ),
    )
    args = parser.parse_args(argv)
    demo = Demo(tick=args.tick, crash_every=args.crash_every, seconds=args.seconds)
    web_port = args.web_port
    if web_port is not None and importlib.util.find_spec("aiohttp") is None:
        print(
            "demo: no status page: install mode-worker[web] to see it", file=sys.stderr
        )
        web_port = None
    Worker(
        demo, loglevel=args.loglevel, loop=args.loop, web_port=web_port
    ).execute_from_commandline()


if __name__ == "__main__":
    main()
