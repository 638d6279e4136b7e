"""Small helpers around asyncio futures, and the :class:`stampede` decorator.

* ``maybe_*`` helpers resolve or cancel a future only if it is still pending,
  so racing producers never hit :exc:`asyncio.InvalidStateError`.
* :class:`stampede` makes concurrent calls of an async method share one
  execution.
* :func:`all_tasks` and :func:`current_task` are the :mod:`asyncio`
  functions, kept under their old names.
* :class:`FlowControlEvent` and :class:`FlowControlQueue` are re-exported
  from :mod:`mode.utils.queues` for code that imported them from here.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, overload

from .queues import FlowControlEvent, FlowControlQueue

__all__ = [
    "FlowControlEvent",
    "FlowControlQueue",
    "StampedeWrapper",
    "all_tasks",
    "current_task",
    "done_future",
    "maybe_async",
    "maybe_cancel",
    "maybe_set_exception",
    "maybe_set_result",
    "notify",
    "stampede",
]

_T = TypeVar("_T")


def _not_a_future(fut: object, caller: str) -> TypeError:
    return TypeError(
        f"{caller}() expects an asyncio.Future (or None), not {type(fut).__name__}"
    )


#: :func:`asyncio.all_tasks` (kept under mode's name).
all_tasks = asyncio.all_tasks

#: :func:`asyncio.current_task` (kept under mode's name).
current_task = asyncio.current_task


def done_future(
    result: Any = None, *, loop: asyncio.AbstractEventLoop | None = None
) -> asyncio.Future[Any]:
    """Return a future that already holds ``result``.

    The future belongs to ``loop`` if given, else to the running loop.
    Raises :exc:`RuntimeError` when ``loop`` is None and no loop is running.
    """
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "done_future() needs an event loop: call it from a coroutine "
                "or callback running in a loop, or pass loop=..."
            ) from None
    fut = loop.create_future()
    fut.set_result(result)
    return fut


@overload
async def maybe_async(res: Awaitable[_T]) -> _T: ...


@overload
async def maybe_async(res: _T) -> _T: ...


async def maybe_async(res: Any) -> Any:
    """Return ``res``, awaiting it first if it is awaitable.

    Lets a caller accept both plain and ``async`` callbacks:
    ``await maybe_async(callback())``.
    """
    if inspect.isawaitable(res):
        return await res
    return res


def maybe_cancel(fut: asyncio.Future[Any] | None) -> bool:
    """Cancel ``fut`` if it is pending; return True if it was cancelled.

    Does nothing (and returns False) for None or a finished future.
    Raises TypeError for anything that is not a future.
    """
    try:
        if fut is not None and not fut.done():
            return fut.cancel()
    except AttributeError:
        raise _not_a_future(fut, "maybe_cancel") from None
    return False


def maybe_set_exception(fut: asyncio.Future[Any] | None, exc: BaseException) -> bool:
    """Set ``exc`` on ``fut`` if it is pending; return True if it was set.

    Does nothing (and returns False) for None or a finished future.
    Raises TypeError for anything that is not a future.
    """
    try:
        if fut is not None and not fut.done():
            fut.set_exception(exc)
            return True
    except AttributeError:
        raise _not_a_future(fut, "maybe_set_exception") from None
    return False


def maybe_set_result(fut: asyncio.Future[_T] | None, result: _T) -> bool:
    """Set ``result`` on ``fut`` if it is pending; return True if it was set.

    Does nothing (and returns False) for None or a finished future.
    Raises TypeError for anything that is not a future.
    """
    try:
        if fut is not None and not fut.done():
            fut.set_result(result)
            return True
    except AttributeError:
        raise _not_a_future(fut, "maybe_set_result") from None
    return False


def notify(fut: asyncio.Future[Any] | None, result: Any = None) -> None:
    """Wake whoever awaits ``fut`` by setting ``result``, if still pending.

    The single-consumer wake-up: like :func:`maybe_set_result`, without the
    return value.  Raises TypeError for anything that is not a future.
    """
    try:
        if fut is not None and not fut.done():
            fut.set_result(result)
    except AttributeError:
        raise _not_a_future(fut, "notify") from None


class StampedeWrapper(Generic[_T]):
    """Share one execution of ``fun(*args, **kwargs)`` between concurrent callers.

    Awaiting the wrapper (``await wrapper()``) while no execution is in
    flight starts one: the caller yields to the loop once, so that callers
    started in the same loop iteration join it (as in the original, even
    for a ``fun`` that never suspends), then runs ``fun`` itself.  Every
    call made while it is in flight waits for it and gets the same result
    or the same exception.  Nothing is cached: a call made after it
    finished (even with no loop iteration in between, as in
    ``await w(); await w()``) runs ``fun`` again.

    If the caller running ``fun`` is cancelled, the callers waiting for it
    get :exc:`asyncio.CancelledError` too.  Cancelling a waiting caller only
    cancels that caller.

    ``fut`` is a future for the execution in flight (it gets its outcome),
    else None.  ``loop``, if given, is the loop ``fut`` is created on; by
    default the running loop.
    """

    fut: asyncio.Future[_T] | None

    def __init__(
        self,
        fun: Callable[..., Awaitable[_T]],
        *args: Any,
        loop: asyncio.AbstractEventLoop | None = None,
        **kwargs: Any,
    ) -> None:
        self.fun = fun
        self.args = args
        self.kwargs = kwargs
        self.loop = loop
        self.fut = None
        # One future per waiting caller, so that cancelling a waiter cancels
        # only its own future (cheaper than asyncio.shield per waiter).
        self._waiters: list[asyncio.Future[_T]] = []

    def __repr__(self) -> str:
        state = "idle" if self.fut is None else "running"
        return f"<{type(self).__qualname__}: {self.fun!r} [{state}]>"

    async def __call__(self) -> _T:
        """Run ``fun`` or wait for the execution already in flight."""
        fut = self.fut
        if fut is not None:
            waiter: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            return await waiter
        loop = self.loop
        if loop is None:
            loop = asyncio.get_running_loop()
        fut = self.fut = loop.create_future()
        waiters = self._waiters = []
        try:
            # One loop turn before running: callers of this iteration join.
            await asyncio.sleep(0)
            result = await self.fun(*self.args, **self.kwargs)
        except BaseException as exc:
            # Finished: later calls start anew, before anyone is woken.
            self.fut = None
            if isinstance(exc, asyncio.CancelledError):
                fut.cancel()
                for waiter in waiters:
                    waiter.cancel()
            else:
                fut.set_exception(exc)
                # Mark it retrieved: nobody may read it, and asyncio would
                # log "exception was never retrieved".
                fut.exception()
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
            raise
        self.fut = None
        fut.set_result(result)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(result)
        return result


class stampede(Generic[_T]):
    """Decorator: concurrent calls of an async method share one execution.

    For a method without arguments besides ``self``::

        class Service:
            @stampede
            async def refresh(self) -> Config:
                ...

    While ``service.refresh()`` is running, further calls (from other tasks)
    wait for the running one and get its result, or its exception.  Once it
    has finished, the next call runs the method again, even from the same
    task without a loop iteration in between: nothing is cached.  See
    :class:`StampedeWrapper` for cancellation.

    Each instance gets its own :class:`StampedeWrapper`, stored in the
    instance ``__dict__`` on first access (so instances need a ``__dict__``).
    Accessed on the class, the decorator itself is returned.
    """

    def __init__(
        self, fget: Callable[[Any], Awaitable[_T]], *, doc: str | None = None
    ) -> None:
        if not callable(fget):
            raise TypeError(
                f"stampede decorates an async method, got {type(fget).__name__}"
            )
        self.__get = fget
        self.__wrapped__ = fget
        self.__name__: str = getattr(fget, "__name__", type(fget).__name__)
        self.__qualname__: str = getattr(fget, "__qualname__", self.__name__)
        self.__module__ = getattr(fget, "__module__", __name__)
        self.__doc__ = doc if doc is not None else fget.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Not callable: exists so :func:`inspect.signature` works."""
        raise NotImplementedError(
            f"{self.__name__} is a stampede method: call it on an instance"
        )

    @overload
    def __get__(self, obj: None, type: type | None = None) -> stampede[_T]: ...

    @overload
    def __get__(self, obj: object, type: type | None = None) -> StampedeWrapper[_T]: ...

    def __get__(
        self, obj: object | None, type: type | None = None
    ) -> stampede[_T] | StampedeWrapper[_T]:
        if obj is None:
            return self
        try:
            namespace = obj.__dict__
        except AttributeError:
            raise TypeError(
                f"stampede method {self.__name__!r} needs an instance __dict__ "
                f"on {obj.__class__.__qualname__}: add '__dict__' to __slots__"
            ) from None
        try:
            wrapper: StampedeWrapper[_T] = namespace[self.__name__]
        except KeyError:
            wrapper = namespace[self.__name__] = StampedeWrapper(self.__get, obj)
        return wrapper
