"""Abstract type of :mod:`mode.supervisors`.

A supervisor is a service that watches other services and restarts (or
replaces, or gives up on) those that crash.  :class:`SupervisorStrategyT` is
its interface; a crashing service calls ``supervisor.wakeup()``.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from .services import ServiceT

if TYPE_CHECKING:
    from mode.utils.times import Seconds

__all__ = ["ReplacementT", "SupervisorStrategyT"]

#: ``replacement(crashed_service, index) -> new service`` used instead of a
#: restart when given to a supervisor.
ReplacementT: TypeAlias = Callable[[ServiceT, int], Awaitable[ServiceT]]


class SupervisorStrategyT(ServiceT):
    """A service that restarts the services it supervises when they crash.

    ``max_restarts`` and ``over`` limit the restart rate; past the limit
    ``raises`` is raised.  ``replacement``, if set, builds a new service in
    place of the crashed one.
    """

    max_restarts: float
    over: float
    raises: type[BaseException]
    replacement: ReplacementT | None

    @abc.abstractmethod
    def __init__(
        self,
        *services: ServiceT,
        max_restarts: Seconds = 100.0,
        over: Seconds = 1.0,
        raises: type[BaseException] | None = None,
        replacement: ReplacementT | None = None,
        **kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def wakeup(self) -> None:
        """Ask the supervisor to check its services now (called on crash)."""

    @abc.abstractmethod
    def add(self, *services: ServiceT) -> None:
        """Supervise ``services``."""

    @abc.abstractmethod
    def discard(self, *services: ServiceT) -> None:
        """Stop supervising ``services`` (unknown ones are ignored)."""

    @abc.abstractmethod
    def service_operational(self, service: ServiceT) -> bool:
        """Return True if ``service`` does not need a restart."""

    @abc.abstractmethod
    async def restart_service(self, service: ServiceT) -> None:
        """Restart (or replace) ``service``."""
