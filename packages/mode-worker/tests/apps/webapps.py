"""A supervised tree for the HTTP endpoint tests (test_web_worker, test_web_browser).

``python -m mode.worker run webapps:tree --web-port 0``, commands on stdin,
one per line, so a test decides exactly when things happen (no timing):

``crash``
    Flaky's task raises ``RuntimeError("boom N")`` (N: its start count);
    its supervisor stops it and waits for ``restart`` before starting it again
    (the back-off is gated: the crashed state stays until then).
``restart``
    Ends that wait: the supervisor starts Flaky again.

Flaky logs ``FLAKY-START n`` (warning level) on every start; the
supervisor's back-off logs ``Restarting Flaky in``.  The supervisor's label
holds markup (``<b>``, ``&``), which the live page must show as text.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys

from mode import OneForOneSupervisor, Service
from mode.supervisors import Backoff

log = logging.getLogger("webapps")


class Flaky(Service):
    """Runs until told to crash (see the module docs)."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = 0
        self.crash_now = asyncio.Event()

    async def on_start(self) -> None:
        self.runs += 1
        self.crash_now = asyncio.Event()
        log.warning("FLAKY-START %d", self.runs)

    @Service.task
    async def _work(self) -> None:
        await self.crash_now.wait()
        raise RuntimeError(f"boom {self.runs}")


class Ticker(Service):
    """A timer, so the page has one to show."""

    @Service.timer(0.2)
    async def _tick(self) -> None:
        pass


class Gate:
    """The supervisor's back-off sleep: waits for ``restart`` on stdin."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        await self.opened.wait()
        self.opened.clear()


class Markup(OneForOneSupervisor):
    """A supervisor whose label is markup (shown as text, never parsed)."""

    @property
    def label(self) -> str:
        return "Sup <b>&amp; 'x'</b>"


class Tree(Service):
    """Root: Ticker, and Flaky under a supervisor; reads the commands."""

    def __init__(self) -> None:
        super().__init__()
        self.flaky = Flaky()
        self.gate = Gate()
        self.ticker = self.add_dependency(Ticker())
        self.supervisor = self.add_dependency(
            Markup(
                self.flaky,
                max_restarts=10,
                over=60.0,
                backoff=Backoff(initial=0.5, factor=1.0, max=0.5),
                sleep=self.gate,
            )
        )

    @Service.task
    async def _commands(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        if not stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode):
            log.warning("no commands: stdin is not a pipe")
            return
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
        )
        try:
            while not self.should_stop:
                line = (await reader.readline()).decode().strip()
                if not line:
                    return  # stdin closed
                if line == "crash":
                    self.flaky.crash_now.set()
                elif line == "restart":
                    self.gate.opened.set()
        finally:
            transport.close()


def tree() -> Tree:
    """Factory for ``mode run webapps:tree``."""
    return Tree()
