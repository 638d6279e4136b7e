"""Abstract types of :mod:`mode.signals`.

A *signal* is a list of receivers (callbacks) that a *sender* notifies with
``send(sender, *args, **kwargs)``.  Every receiver is called as
``receiver(sender, *args, signal=<the signal>, **kwargs)``.

These classes describe the interface only; :class:`mode.signals.Signal`,
:class:`mode.signals.SyncSignal` and :class:`mode.signals.BaseSignal` are the
implementations.  They are generic in ``T``, the type of the sender:
``Signal[MyService]``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, MutableMapping, MutableSet
from typing import Any, Generic, TypeAlias, TypeVar, overload

__all__ = [
    "BaseSignalT",
    "FilterReceiverMapping",
    "SignalHandlerRefT",
    "SignalHandlerT",
    "SignalT",
    "SyncSignalT",
    "T",
    "T_contra",
]

#: The type of a signal's sender.
T = TypeVar("T")
#: Contravariant sender type, for receiver protocols written by users.
T_contra = TypeVar("T_contra", contravariant=True)

#: A signal receiver: a sync or async callable taking
#: ``(sender, *args, signal=<signal>, **kwargs)``.  Spelled ``Callable[..., Any]``
#: (the original used mypy_extensions, a runtime dependency that bought little:
#: receivers rarely declare every argument the protocol would demand).
SignalHandlerT: TypeAlias = Callable[..., Any]

#: A receiver or a zero-argument callable returning it (a weak reference).
SignalHandlerRefT: TypeAlias = Callable[[], SignalHandlerT] | SignalHandlerT

#: The original's shape of per-sender receiver sets; kept for type annotations.
FilterReceiverMapping: TypeAlias = MutableMapping[Any, MutableSet[SignalHandlerRefT]]

_F = TypeVar("_F", bound=Callable[..., Any])


class BaseSignalT(Generic[T], abc.ABC):
    """Interface shared by async and sync signals.

    ``name`` and ``owner`` are filled in by ``__set_name__`` when the signal
    is declared in a class body.
    """

    name: str
    owner: Any

    @abc.abstractmethod
    def __init__(
        self,
        *,
        name: str | None = None,
        owner: Any = None,
        loop: Any = None,
        default_sender: T | None = None,
        receivers: Iterable[SignalHandlerRefT] | None = None,
        filter_receivers: Mapping[Any, Iterable[SignalHandlerRefT]] | None = None,
    ) -> None: ...

    @abc.abstractmethod
    def clone(self, **kwargs: Any) -> BaseSignalT[T]:
        """Return a new signal of the same type, without receivers."""

    @abc.abstractmethod
    def with_default_sender(self, sender: T | None = None) -> BaseSignalT[T]:
        """Return a copy sending as ``sender`` that shares this signal's receivers."""

    @overload
    def connect(self, fun: _F, *, weak: bool = False, sender: Any = None) -> _F: ...

    @overload
    def connect(
        self, fun: None = None, *, weak: bool = False, sender: Any = None
    ) -> Callable[[_F], _F]: ...

    @abc.abstractmethod
    def connect(
        self, fun: _F | None = None, *, weak: bool = False, sender: Any = None
    ) -> _F | Callable[[_F], _F]:
        """Connect a receiver; usable as a decorator with or without parens."""

    @abc.abstractmethod
    def disconnect(
        self, fun: SignalHandlerT, *, weak: bool = False, sender: Any = None
    ) -> None:
        """Disconnect a receiver previously connected (for ``sender``)."""


class SignalT(BaseSignalT[T]):
    """An asynchronous signal: ``await signal.send(sender, ...)``."""

    @abc.abstractmethod
    async def __call__(self, *args: Any, **kwargs: Any) -> None:
        """Same as :meth:`send`."""

    @abc.abstractmethod
    async def send(self, *args: Any, **kwargs: Any) -> None:
        """Call every receiver for the sender, awaiting async ones in turn."""

    @abc.abstractmethod
    def clone(self, **kwargs: Any) -> SignalT[T]: ...

    @abc.abstractmethod
    def with_default_sender(self, sender: T | None = None) -> SignalT[T]: ...


class SyncSignalT(BaseSignalT[T]):
    """A synchronous signal: ``signal.send(sender, ...)`` (never awaited)."""

    @abc.abstractmethod
    def __call__(self, *args: Any, **kwargs: Any) -> None:
        """Same as :meth:`send`."""

    @abc.abstractmethod
    def send(self, *args: Any, **kwargs: Any) -> None:
        """Call every receiver for the sender."""

    @abc.abstractmethod
    def clone(self, **kwargs: Any) -> SyncSignalT[T]: ...

    @abc.abstractmethod
    def with_default_sender(self, sender: T | None = None) -> SyncSignalT[T]: ...
