"""Abstract types of :mod:`mode.services`.

:class:`ServiceT` is the interface every service offers (:class:`mode.Service`,
``ServiceProxy``, ``ServiceThread`` and the supervisors implement it);
:class:`DiagT` is the interface of a service's diagnostics object.  Type
against these when a function accepts "any service".
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Coroutine, MutableMapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    AsyncExitStack,
    ExitStack,
)
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar

if TYPE_CHECKING:
    from mode.utils.types.trees import NodeT

    from .supervisors import SupervisorStrategyT

__all__ = ["AsyncFun", "DiagT", "ServiceT"]

T = TypeVar("T")
_ST = TypeVar("_ST", bound="ServiceT")

#: Something a service can await: an awaitable or a coroutine returning ``T``.
AsyncFun: TypeAlias = Awaitable[T] | Coroutine[Any, Any, T]


class DiagT(abc.ABC):
    """Diagnostics of a service: which flags are set, and since when.

    ``flags`` holds the names currently set; ``last_transition`` maps a flag
    to the monotonic time it was last set.
    """

    flags: set[str]
    last_transition: MutableMapping[str, float]

    @abc.abstractmethod
    def __init__(self, service: ServiceT) -> None: ...

    @abc.abstractmethod
    def set_flag(self, flag: str) -> None:
        """Set ``flag`` and record the time."""

    @abc.abstractmethod
    def unset_flag(self, flag: str) -> None:
        """Clear ``flag`` (a flag that is not set is ignored)."""


class ServiceT(AbstractAsyncContextManager["ServiceT"]):
    """The interface of a service: something that starts, runs and stops.

    ``async with service:`` starts it and stops it (then resets it, so it can
    be started again).  See :class:`mode.Service` for the behaviour of every
    method.
    """

    #: The diagnostics class instantiated for every service.
    Diag: type[DiagT]
    #: The diagnostics of this service.
    diag: DiagT
    #: Async context managers exited when the service stops.
    async_exit_stack: AsyncExitStack
    #: Context managers exited when the service stops.
    exit_stack: ExitStack
    #: Seconds a stop waits for the shutdown flag / for cancelled tasks.
    shutdown_timeout: float
    #: Whether ``stop()`` waits for ``set_shutdown()`` before finishing.
    wait_for_shutdown: bool = False
    #: The loop explicitly given to this service (None: the running loop).
    _loop: asyncio.AbstractEventLoop | None = None
    #: How many times ``service_reset()`` ran.
    restart_count: int = 0
    #: The supervisor restarting this service when it crashes, if any.
    supervisor: SupervisorStrategyT | None = None
    #: True for classes only meant to be subclassed.
    abstract: ClassVar[bool] = True

    @abc.abstractmethod
    def __init__(
        self,
        *,
        beacon: NodeT[Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None: ...

    @abc.abstractmethod
    def add_dependency(self, service: _ST) -> _ST:
        """Add a child started and stopped together with this service."""

    @abc.abstractmethod
    async def add_runtime_dependency(self, service: _ST) -> _ST:
        """Add a child, starting it at once if this service is running."""

    @abc.abstractmethod
    async def add_async_context(self, context: AbstractAsyncContextManager[T]) -> T:
        """Enter an async context manager now; exit it when stopping."""

    @abc.abstractmethod
    def add_context(self, context: AbstractContextManager[T]) -> T:
        """Enter a context manager now; exit it when stopping."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Start the service."""

    @abc.abstractmethod
    async def maybe_start(self) -> bool:
        """Start the service unless started; return True if it started it."""

    @abc.abstractmethod
    async def crash(self, reason: BaseException) -> None:
        """Mark the service crashed because of ``reason``."""

    @abc.abstractmethod
    def _crash(self, reason: BaseException) -> None:
        """Set the crashed flag on this service and its children."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop the service."""

    @abc.abstractmethod
    def service_reset(self) -> None:
        """Clear the started/stopped/crashed flags so it can start again."""

    @abc.abstractmethod
    async def restart(self) -> None:
        """Stop, reset and start the service again."""

    @abc.abstractmethod
    async def wait_until_stopped(self) -> None:
        """Wait until the service is stopped or crashed."""

    @abc.abstractmethod
    def set_shutdown(self) -> None:
        """Set the shutdown flag (see ``wait_for_shutdown``)."""

    @abc.abstractmethod
    def _repr_info(self) -> str:
        """Extra text for ``repr()``."""

    @property
    @abc.abstractmethod
    def started(self) -> bool:
        """True once ``start()`` was called (until reset)."""

    @property
    @abc.abstractmethod
    def crashed(self) -> bool:
        """True if the service crashed (until reset)."""

    @property
    @abc.abstractmethod
    def should_stop(self) -> bool:
        """True if the service is stopping, stopped or crashed."""

    @property
    @abc.abstractmethod
    def state(self) -> str:
        """One of "init", "running", "stopping", "shutdown", "crashed"."""

    @property
    @abc.abstractmethod
    def label(self) -> str:
        """A label for graphs."""

    @property
    @abc.abstractmethod
    def shortlabel(self) -> str:
        """A short label for logs."""

    @property
    @abc.abstractmethod
    def beacon(self) -> NodeT[Any]:
        """The node of this service in the service tree."""

    @beacon.setter
    @abc.abstractmethod
    def beacon(self, beacon: NodeT[Any]) -> None: ...

    @property
    @abc.abstractmethod
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the service runs on."""

    @loop.setter
    @abc.abstractmethod
    def loop(self, loop: asyncio.AbstractEventLoop | None) -> None: ...

    @property
    @abc.abstractmethod
    def crash_reason(self) -> BaseException | None:
        """The exception that crashed the service, if any."""

    @crash_reason.setter
    @abc.abstractmethod
    def crash_reason(self, reason: BaseException | None) -> None: ...
