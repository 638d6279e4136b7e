"""Helpers of the supervisor tests (imported by them; not a test module)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mode.services import Service


class Child(Service):
    """A service counting its starts and stops, optionally logging them."""

    def __init__(self, name: str = "c", events: list[str] | None = None) -> None:
        self.name = name
        self.events: list[str] = [] if events is None else events
        self.starts = 0
        self.stops = 0
        super().__init__()

    async def on_start(self) -> None:
        self.starts += 1
        self.events.append(f"start:{self.name}")

    async def on_stop(self) -> None:
        self.stops += 1
        self.events.append(f"stop:{self.name}")

    def _repr_name(self) -> str:
        return f"Child-{self.name}"


class Clock:
    """A clock for the supervisors' ``clock=``: time moves when a test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeSleep:
    """A ``sleep=`` that records the delays asked for and yields once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


async def until(pred: Callable[[], bool], what: str = "condition") -> None:
    """Yield to the loop until ``pred()`` holds; fail after 5 s of loop time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while not pred():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0)
