"""A worker for the signal storms (``test_signal_storms.py``).

``python stormapp.py JSON`` runs a Worker over a few services whose
``on_start`` and ``on_stop`` each take a moment, so that a signal can land
while the services start, while they run, or while they stop.  The JSON
object gives ``services`` (how many), ``start`` and ``stop`` (seconds each
``on_start``/``on_stop`` takes), ``daemon`` and ``shutdown_timeout``.

Every step is written to stdout (the real one: the worker redirects
``print``) as one line, ``EVENT WHAT [NAME]``:

* ``handlers``: the worker installed its signal handlers;
* ``start-begin S`` / ``start-done S``: ``on_start`` of service ``S``;
* ``ready``: every service started;
* ``stop-begin S`` / ``stop-done S``: ``on_stop`` of service ``S``;
* ``start-begin stubborn`` / ``cancel-ignored stubborn``: with
  ``"stubborn_start": true``, a last service whose ``on_start`` never ends
  and ignores cancellation;
* ``loop-closed``: with ``"linger": true``, a non-daemon thread saw the
  event loop closed (the stop is over); it then outlives ``cancel_grace``,
  so the process waits for it a while before it exits.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from typing import Any

from mode import Service
from mode.worker import Worker


def event(what: str, name: str = "") -> None:
    """Write one ``EVENT`` line to the real stdout."""
    print(f"EVENT {what} {name}".rstrip(), file=sys.__stdout__, flush=True)


class Step(Service):
    """Takes ``start`` seconds to start and ``stop`` seconds to stop."""

    def __init__(self, name: str, start: float, stop: float) -> None:
        super().__init__()
        self.name = name
        self.start_secs = start
        self.stop_secs = stop
        self.ticks = 0

    @property
    def label(self) -> str:
        return self.name

    async def on_start(self) -> None:
        event("start-begin", self.name)
        await asyncio.sleep(self.start_secs)
        event("start-done", self.name)

    async def on_stop(self) -> None:
        event("stop-begin", self.name)
        await asyncio.sleep(self.stop_secs)
        event("stop-done", self.name)

    @Service.timer(0.01)
    async def _tick(self) -> None:
        self.ticks += 1

    @Service.task
    async def _work(self) -> None:
        while not self.should_stop:
            await self.sleep(0.01)


class StubbornStart(Service):
    """``on_start`` ignores cancellation: the stop must not wait for it."""

    async def on_start(self) -> None:
        event("start-begin", "stubborn")
        for _ in range(1000):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                event("cancel-ignored", "stubborn")


class Linger(Service):
    """Starts a non-daemon thread that outlives the event loop."""

    async def on_start(self) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._linger, args=(loop,), name="linger").start()

    @staticmethod
    def _linger(loop: asyncio.AbstractEventLoop) -> None:
        while not loop.is_closed():
            time.sleep(0.005)
        event("loop-closed")
        time.sleep(30)


class StormWorker(Worker):
    """Writes an ``EVENT`` line once the signal handlers are in place."""

    async def on_first_start(self) -> None:
        await self.default_on_first_start()
        event("handlers")

    async def on_started(self) -> None:
        event("ready")
        await super().on_started()


def main(argv: list[str]) -> None:
    """``stormapp.py JSON``: run the worker until it stops, then exit."""
    config: dict[str, Any] = json.loads(argv[0]) if argv else {}
    services: list[Service] = [
        Step(f"S{i}", config.get("start", 0.1), config.get("stop", 0.1))
        for i in range(config.get("services", 3))
    ]
    if config.get("stubborn_start"):
        services.append(StubbornStart())
    if config.get("linger"):
        services.append(Linger())
    StormWorker(
        *services,
        loglevel="info",
        daemon=config.get("daemon", True),
        shutdown_timeout=config.get("shutdown_timeout", 5.0),
    ).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1:])
