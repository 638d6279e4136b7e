"""Helpers of the mode.threads tests (imported by them; not a test module)."""

from __future__ import annotations

import asyncio
import threading


class Flag:
    """Set from any thread, awaited (with a deadline) in the loop that made it."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._owner = threading.get_ident()
        self._event = asyncio.Event()

    def set(self) -> None:
        if threading.get_ident() == self._owner:
            self._event.set()
        else:
            self._loop.call_soon_threadsafe(self._event.set)

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        async with asyncio.timeout(10):  # a bug fails the test, never hangs it
            await self._event.wait()
