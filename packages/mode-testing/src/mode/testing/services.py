"""Run a service for part of a test: :func:`running` and :class:`ServiceCrashedError`.

::

    async def test_ticker() -> None:
        async with running(Ticker()) as ticker:
            await ticker.ticked.wait()

``running`` starts the service, stops it when the block ends, and turns a
crash of the service into a test failure: a crash while the block runs
cancels the block at once (no test hangs on an event a crashed service will
never set) and :class:`ServiceCrashedError`, whose cause is the crash reason
with its traceback, is raised from the ``async with``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol, TypeVar

from mode.types.services import ServiceT

__all__ = ["ServiceCrashedError", "StartService", "running"]

_ST = TypeVar("_ST", bound=ServiceT)

logger = logging.getLogger(__name__)


class ServiceCrashedError(AssertionError):
    """A service run by a test crashed.

    Raised by :func:`running` and the ``start_service`` fixture.  The crash
    reason is :attr:`reason` and also the ``__cause__``, so pytest shows
    its traceback.
    """

    def __init__(self, service: ServiceT, reason: BaseException | None) -> None:
        self.service = service
        self.reason = reason
        super().__init__(f"{service!r} crashed: {reason!r}")


class StartService(Protocol):
    """The type of the ``start_service`` fixture, for annotations::

    async def test_app(start_service: StartService) -> None:
        app = await start_service(App())
    """

    async def __call__(self, service: _ST, /) -> _ST:
        """Start ``service`` and return it; it is stopped at teardown."""
        ...


def crash_error(service: ServiceT) -> ServiceCrashedError:
    """Return the :class:`ServiceCrashedError` for a crashed ``service``.

    Raise it ``from service.crash_reason`` so the traceback shows the crash.
    """
    return ServiceCrashedError(service, service.crash_reason)


def check_service(obj: object, func: str) -> None:
    """Raise TypeError unless ``obj`` is a service."""
    if isinstance(obj, type) and issubclass(obj, ServiceT):
        raise TypeError(
            f"{func}() takes a service (a mode.Service), not the class "
            f"{obj.__name__}: pass {obj.__name__}()"
        )
    if not isinstance(obj, ServiceT):
        raise TypeError(
            f"{func}() takes a service (a mode.Service), not {type(obj).__name__}"
        )


class _CrashWatch:
    """Cancels the task running a ``running()`` block when the service crashes."""

    def __init__(self, service: ServiceT, host: asyncio.Task[object]) -> None:
        self.service = service
        self.host = host
        self.body_done = False
        self.cancelled_host = False

    async def watch(self) -> None:
        await self.service.wait_until_stopped()
        # body_done is set synchronously when the block ends, so a cancel
        # sent while it is False always lands inside the block.
        if self.service.crashed and not self.body_done:
            self.cancelled_host = True
            self.host.cancel(f"{self.service!r} crashed")


async def _start(service: ServiceT) -> None:
    try:
        await service.start()
    except BaseException:
        try:
            await service.stop()
        except Exception as exc:  # the start error is the one to report
            logger.error("Error stopping %r after a failed start: %r", service, exc)
        raise


async def _finish(service: ServiceT, watcher: asyncio.Task[None]) -> None:
    watcher.cancel()
    await asyncio.wait([watcher])  # unlike `await watcher`, keeps our own cancel
    await service.stop()


@asynccontextmanager
async def running(service: _ST) -> AsyncIterator[_ST]:
    """Start ``service``; stop it when the ``async with`` block ends.

    Yields the service.  The service is stopped (not reset: its state stays
    inspectable) however the block ends.  If the service crashes while the
    block runs, the block is cancelled; then, or if it crashed by the time
    the block ended, :class:`ServiceCrashedError` is raised once the service
    is stopped.  An exception of the block itself propagates unchanged (with
    a note if the service crashed too).

    Raises:
        TypeError: ``service`` is not a service.
        RuntimeError: not called from a task.
        ServiceCrashedError: the service crashed.
        Exception: whatever ``service.start()`` raised (the service is
            stopped first), or ``service.stop()`` raised.
    """
    check_service(service, "running")
    host = asyncio.current_task()
    if host is None:
        raise RuntimeError("running() must be used in a coroutine run by a task")
    cancelling = host.cancelling()
    await _start(service)
    watch = _CrashWatch(service, host)
    watcher = asyncio.get_running_loop().create_task(
        watch.watch(), name=f"mode.testing.running({service!r}) crash watch"
    )
    try:
        yield service
    except BaseException as exc:
        watch.body_done = True
        ours = watch.cancelled_host and host.uncancel() <= cancelling
        await _finish(service, watcher)
        if ours and isinstance(exc, asyncio.CancelledError):
            raise crash_error(service) from service.crash_reason
        if service.crashed:
            exc.add_note(f"meanwhile {service!r} crashed: {service.crash_reason!r}")
        raise
    watch.body_done = True
    if watch.cancelled_host:  # the block caught our cancellation
        host.uncancel()
    await _finish(service, watcher)
    if service.crashed:
        raise crash_error(service) from service.crash_reason
