"""ServiceProxy: an object that is used like a service but delegates to one.

A class that *has* a service rather than *is* one (a Faust app owning its
worker-side service, say) subclasses :class:`ServiceProxy` and provides the
``_service`` property; the lifecycle (``start``, ``stop``, ``async with`` ...),
the dependency API and the state flags are forwarded to that service, so the
object can be added as a dependency, supervised, and run by a Worker::

    class App(ServiceProxy):
        @cached_property
        def _service(self) -> ServiceT:
            return AppService(self)

Only the lifecycle is forwarded: ``sleep``, ``wait*``, ``add_future``,
``itertimer``, tasks and the ``on_*`` hooks belong to the underlying service.
The proxy has its own ``label`` (its class name) and logger.
"""

from __future__ import annotations

import abc
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeVar

from mode.services import ServiceBase
from mode.types.services import ServiceT
from mode.utils.types.trees import NodeT

__all__ = ["ServiceProxy"]

T = TypeVar("T")
_ST = TypeVar("_ST", bound=ServiceT)


class ServiceProxy(ServiceBase):
    """A service façade: every lifecycle call goes to :attr:`_service`.

    Subclasses implement the abstract property ``_service``; it is read on
    every call, so make it a ``cached_property`` when the service should be
    created once.  Errors raised by the underlying service propagate as they
    are.
    """

    @property
    @abc.abstractmethod
    def _service(self) -> ServiceT:
        """The service this object stands for."""

    def add_dependency(self, service: _ST) -> _ST:
        return self._service.add_dependency(service)

    async def add_runtime_dependency(self, service: _ST) -> _ST:
        return await self._service.add_runtime_dependency(service)

    async def add_async_context(self, context: AbstractAsyncContextManager[T]) -> T:
        return await self._service.add_async_context(context)

    def add_context(self, context: AbstractContextManager[T]) -> T:
        return self._service.add_context(context)

    async def start(self) -> None:
        await self._service.start()

    async def maybe_start(self) -> bool:
        return await self._service.maybe_start()

    async def crash(self, reason: BaseException) -> None:
        await self._service.crash(reason)

    def _crash(self, reason: BaseException) -> None:
        self._service._crash(reason)

    async def stop(self) -> None:
        await self._service.stop()

    def service_reset(self) -> None:
        self._service.service_reset()

    def _keep_crash_reason(self, reason: BaseException) -> None:
        keep = getattr(self._service, "_keep_crash_reason", None)
        if keep is not None:
            keep(reason)

    async def restart(self) -> None:
        await self._service.restart()

    async def wait_until_stopped(self) -> None:
        await self._service.wait_until_stopped()

    def set_shutdown(self) -> None:
        self._service.set_shutdown()

    @property
    def started(self) -> bool:
        return self._service.started

    @property
    def crashed(self) -> bool:
        return self._service.crashed

    @property
    def should_stop(self) -> bool:
        return self._service.should_stop

    @property
    def state(self) -> str:
        return self._service.state

    @property
    def label(self) -> str:
        return type(self).__name__

    @property
    def shortlabel(self) -> str:
        return type(self).__name__

    @property
    def beacon(self) -> NodeT[Any]:
        return self._service.beacon

    @beacon.setter
    def beacon(self, beacon: NodeT[Any]) -> None:
        self._service.beacon = beacon

    @property
    def crash_reason(self) -> BaseException | None:
        return self._service.crash_reason

    @crash_reason.setter
    def crash_reason(self, reason: BaseException | None) -> None:
        self._service.crash_reason = reason
