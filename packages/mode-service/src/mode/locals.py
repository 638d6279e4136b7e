"""Lazy proxies: objects that stand for the result of a function.

A :class:`Proxy` wraps a zero-argument callable (or one with fixed ``args`` /
``kwargs``) and forwards attribute access, comparison, ``str``/``repr``,
``hash`` and truth to whatever that callable returns *at the moment of use*::

    current_app = Proxy(lambda: app_stack.top)

By default the callable runs on **every** access, so the proxy follows changes
(a context-local "current" object, say).  With ``cache=True`` it runs once, on
first use, and the result is kept.

Only the generic protocol is forwarded by :class:`Proxy` itself; container,
numeric-like, awaitable, iterator and context-manager behaviour is opted into
with the role mixins below (``MappingProxy``, ``AwaitableProxy`` ...), so a proxy
never pretends to support an operation its target lacks.  ``isinstance(proxy,
X)`` sees the target's class through ``__class__``.

:class:`~mode.utils.locals.LocalStack` is re-exported here for code written
against the original module.
"""

from __future__ import annotations

import abc
import operator
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    MutableSequence,
    MutableSet,
    Sequence,
    ValuesView,
)
from collections.abc import Set as AbstractSet
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar, cast, overload

from mode.utils.locals import LocalStack

__all__ = [
    "AsyncContextManagerProxy",
    "AsyncContextManagerRole",
    "AsyncGeneratorProxy",
    "AsyncGeneratorRole",
    "AsyncIterableProxy",
    "AsyncIterableRole",
    "AsyncIteratorProxy",
    "AsyncIteratorRole",
    "AwaitableProxy",
    "AwaitableRole",
    "CallableProxy",
    "CallableRole",
    "ContextManagerProxy",
    "ContextManagerRole",
    "CoroutineProxy",
    "CoroutineRole",
    "LocalStack",
    "MappingProxy",
    "MappingRole",
    "MutableMappingProxy",
    "MutableMappingRole",
    "MutableSequenceProxy",
    "MutableSequenceRole",
    "MutableSetProxy",
    "MutableSetRole",
    "Proxy",
    "SequenceProxy",
    "SequenceRole",
    "SetProxy",
    "SetRole",
    "maybe_evaluate",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
KT = TypeVar("KT")
VT = TypeVar("VT")
S = TypeVar("S")

_SENTINEL: Any = object()


class _ClassDefault(str):
    """A ``str`` on the class, the target's attribute on instances.

    Being a ``str`` keeps ``Proxy.__module__`` and ``Proxy.__doc__`` plain
    strings (``type`` reads them from the class dict without calling
    ``__get__``); on an instance ``__get__`` forwards to the target unless the
    proxy was given an override (``name=``, ``__doc__=``).
    """

    attr: str

    def __new__(cls, attr: str, class_value: str) -> _ClassDefault:
        self = super().__new__(cls, class_value)
        self.attr = attr
        return self

    def __get__(self, obj: Any, cls: type | None = None) -> Any:
        if obj is None:
            return str(self)
        overrides: dict[str, Any] = object.__getattribute__(obj, "_Proxy__overrides")
        override = overrides.get(self.attr)
        if override is not None:
            return override
        return getattr(obj._get_current_object(), self.attr)


class Proxy(Generic[T]):
    """Stand for ``local(*args, **kwargs)``, evaluated lazily.

    Arguments:
        local: the callable that produces the target.
        args, kwargs: fixed arguments for ``local``.
        name: the proxy's ``__name__`` (default: the target's).
        cache: evaluate once, on first use, and keep the result; ``local``,
            ``args`` and ``kwargs`` are then dropped.
        __doc__: the proxy's ``__doc__`` (default: the target's).

    Raises:
        TypeError: ``local`` is not callable.

    Whatever ``local`` raises propagates from the access that evaluated it,
    except in ``repr()`` and ``bool()``, which report an unbound proxy for a
    :class:`RuntimeError` (the usual "no current object" error).
    """

    __slots__ = (
        "_Proxy__args",
        "_Proxy__cache",
        "_Proxy__finalizers",
        "_Proxy__kwargs",
        "_Proxy__local",
        "_Proxy__overrides",
        "__weakref__",
    )
    __proxy_source__: ClassVar[type | None] = None

    __name__ = _ClassDefault("__name__", "Proxy")
    __module__ = _ClassDefault("__module__", "mode.locals")
    __doc__ = _ClassDefault("__doc__", __doc__ or "")

    def __init__(
        self,
        local: Callable[..., T],
        args: tuple[Any, ...] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        name: str | None = None,
        cache: bool = False,
        __doc__: str | None = None,
    ) -> None:
        if not callable(local):
            raise TypeError(
                f"Proxy needs a callable that returns the target, got {local!r}"
            )
        if args is not None and not isinstance(args, (tuple, list)):
            raise TypeError(
                f"Proxy args= must be a tuple of positional arguments, not "
                f"{type(args).__name__}"
            )
        if kwargs is not None and not isinstance(kwargs, Mapping):
            raise TypeError(
                f"Proxy kwargs= must be a mapping of keyword arguments, not "
                f"{type(kwargs).__name__}"
            )
        setter = object.__setattr__
        setter(self, "_Proxy__local", local)
        setter(self, "_Proxy__args", tuple(args or ()))
        setter(self, "_Proxy__kwargs", dict(kwargs or {}))
        setter(self, "_Proxy__cache", _SENTINEL if cache else None)
        setter(self, "_Proxy__finalizers", [])
        setter(self, "_Proxy__overrides", {"__name__": name, "__doc__": __doc__})

    def __init_subclass__(cls, source: type | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if source is None:
            source = vars(cls).get("__proxy_source__")
        if source is not None:
            cls._generate_forwarders(source)

    @classmethod
    def _generate_forwarders(cls, source: type) -> None:
        if not isinstance(source, abc.ABCMeta):
            raise TypeError(
                f"Proxy source must be an abstract base class (abc.ABC), got {source!r}"
            )
        cls.__proxy_source__ = source
        for name in sorted(source.__abstractmethods__):
            if name not in vars(cls):
                setattr(cls, name, _forwarder(name))

    # -- evaluation ------------------------------------------------------------

    def _get_current_object(self) -> T:
        """Return the target: the cached one, or ``local(*args, **kwargs)`` now."""
        cached = object.__getattribute__(self, "_Proxy__cache")
        if cached is None:  # not caching
            return self.__evaluate__()
        if cached is _SENTINEL:
            value = self.__evaluate__()
            setter = object.__setattr__
            setter(self, "_Proxy__cache", (value,))
            # the recipe is no longer needed: let it be collected.
            setter(self, "_Proxy__local", None)
            setter(self, "_Proxy__args", ())
            setter(self, "_Proxy__kwargs", {})
            return value
        return cast(T, cached[0])

    def __evaluate__(self) -> T:
        """Run the finalizers (once each), then ``local(*args, **kwargs)``."""
        get: Callable[[object, str], Any] = object.__getattribute__
        finalizers: list[Proxy[Any]] = get(self, "_Proxy__finalizers")
        while finalizers:
            finalizers.pop(0)._get_current_object()
        local = get(self, "_Proxy__local")
        if local is None:
            return cast(T, get(self, "_Proxy__cache")[0])
        return cast(T, local(*get(self, "_Proxy__args"), **get(self, "_Proxy__kwargs")))

    def __evaluated__(self) -> bool:
        """True when ``cache=True`` and the target has been computed."""
        cached = object.__getattribute__(self, "_Proxy__cache")
        return isinstance(cached, tuple)

    def __maybe_evaluate__(self) -> T:
        return self._get_current_object()

    def _add_proxy_finalizer(self, proxy: Proxy[Any]) -> None:
        """Evaluate ``proxy`` (once, in FIFO order) before this proxy evaluates."""
        object.__getattribute__(self, "_Proxy__finalizers").append(proxy)

    # -- forwarded protocol ----------------------------------------------------

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        try:
            return type(self._get_current_object())
        except RuntimeError:
            return type(self)

    @property
    def __dict__(self) -> dict[str, Any]:  # type: ignore[override]
        target_dict: dict[str, Any] = self._get_current_object().__dict__
        return target_dict

    def __repr__(self) -> str:
        try:
            obj = self._get_current_object()
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"
        return repr(obj)

    def __bool__(self) -> bool:
        try:
            return bool(self._get_current_object())
        except RuntimeError:
            return False

    def __dir__(self) -> Iterable[str]:
        try:
            return dir(self._get_current_object())
        except RuntimeError:
            return []

    def __getattr__(self, name: str) -> Any:
        if name == "__members__":
            return dir(self._get_current_object())
        return getattr(self._get_current_object(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get_current_object(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get_current_object(), name)

    def __str__(self) -> str:
        return str(self._get_current_object())

    def __eq__(self, other: object) -> bool:
        return bool(self._get_current_object() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._get_current_object() != other)

    def __hash__(self) -> int:
        return hash(self._get_current_object())

    def __reduce__(self) -> str | tuple[Any, ...]:
        # A proxy pickles as its target: unpickling gives the object itself.
        return (_unpickled_target, (self._get_current_object(),))


def _unpickled_target(obj: T) -> T:
    return obj


def _forwarder(name: str) -> Callable[..., Any]:
    def forward(self: Proxy[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self._get_current_object(), name)(*args, **kwargs)

    forward.__name__ = name
    forward.__qualname__ = f"Proxy.{name}"
    forward.__doc__ = f"Forward ``{name}`` to the proxied object."
    return forward


def _obj(self: Any) -> Any:
    return self._get_current_object()


# ----------------------------------------------------------------------- roles


class AwaitableRole(Generic[T]):
    """Role: ``await proxy`` awaits the target."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, T]:
        return cast(Generator[Any, None, T], _obj(self).__await__())


class CoroutineRole(AwaitableRole[T]):
    """Role: the coroutine protocol (``send``, ``throw``, ``close``)."""

    __slots__ = ()

    def send(self, value: Any) -> Any:
        return _obj(self).send(value)

    def throw(
        self,
        typ: type[BaseException] | BaseException,
        val: BaseException | object = None,
        tb: TracebackType | None = None,
    ) -> Any:
        """Throw into the target; the one-argument form is preferred (3.12+)."""
        if val is None and tb is None:
            return _obj(self).throw(typ)
        return _obj(self).throw(typ, val, tb)

    def close(self) -> None:
        _obj(self).close()


class AsyncIterableRole(Generic[T_co]):
    """Role: ``async for x in proxy``."""

    __slots__ = ()

    def __aiter__(self) -> AsyncIterator[T_co]:
        return cast(AsyncIterator[T_co], _obj(self).__aiter__())


class AsyncIteratorRole(AsyncIterableRole[T_co]):
    """Role: an async iterator (``__anext__``)."""

    __slots__ = ()

    def __anext__(self) -> Awaitable[T_co]:
        return cast(Awaitable[T_co], _obj(self).__anext__())


class AsyncGeneratorRole(AsyncIteratorRole[T_co]):
    """Role: the async generator protocol (``asend``, ``athrow``, ``aclose``)."""

    __slots__ = ()

    def asend(self, value: Any) -> Awaitable[T_co]:
        return cast(Awaitable[T_co], _obj(self).asend(value))

    def athrow(
        self,
        typ: type[BaseException] | BaseException,
        val: BaseException | object = None,
        tb: TracebackType | None = None,
    ) -> Awaitable[T_co]:
        if val is None and tb is None:
            return cast(Awaitable[T_co], _obj(self).athrow(typ))
        return cast(Awaitable[T_co], _obj(self).athrow(typ, val, tb))

    def aclose(self) -> Awaitable[None]:
        return cast(Awaitable[None], _obj(self).aclose())


class SequenceRole(Generic[T_co]):
    """Role: a read-only sequence."""

    __slots__ = ()

    def __getitem__(self, i: Any) -> Any:
        return _obj(self)[i]

    def index(self, *args: Any) -> int:
        return cast(int, _obj(self).index(*args))

    def count(self, value: Any) -> int:
        return cast(int, _obj(self).count(value))

    def __contains__(self, value: object) -> bool:
        return value in _obj(self)

    def __iter__(self) -> Iterator[T_co]:
        return iter(_obj(self))

    def __reversed__(self) -> Iterator[T_co]:
        it: Iterator[T_co] = reversed(_obj(self))
        return it

    def __len__(self) -> int:
        return len(_obj(self))


class MutableSequenceRole(SequenceRole[T]):
    """Role: a mutable sequence."""

    __slots__ = ()

    def insert(self, index: int, value: T) -> None:
        _obj(self).insert(index, value)

    def __setitem__(self, index: Any, value: Any) -> None:
        _obj(self)[index] = value

    def __delitem__(self, index: Any) -> None:
        del _obj(self)[index]

    def append(self, value: T) -> None:
        _obj(self).append(value)

    def extend(self, values: Iterable[T]) -> None:
        _obj(self).extend(values)

    def reverse(self) -> None:
        _obj(self).reverse()

    def pop(self, *args: Any) -> T:
        return cast(T, _obj(self).pop(*args))

    def remove(self, value: T) -> None:
        _obj(self).remove(value)

    def __iadd__(self, values: Iterable[T]) -> Any:
        target = _obj(self)
        target += values
        return self


class SetRole(Generic[T_co]):
    """Role: a read-only set (comparisons and set algebra)."""

    __slots__ = ()

    def __le__(self, other: Any) -> bool:
        return bool(_obj(self) <= other)

    def __lt__(self, other: Any) -> bool:
        return bool(_obj(self) < other)

    def __gt__(self, other: Any) -> bool:
        return bool(_obj(self) > other)

    def __ge__(self, other: Any) -> bool:
        return bool(_obj(self) >= other)

    def __and__(self, other: Any) -> Any:
        return _obj(self) & other

    def __or__(self, other: Any) -> Any:
        return _obj(self) | other

    def __sub__(self, other: Any) -> Any:
        return _obj(self) - other

    def __xor__(self, other: Any) -> Any:
        return _obj(self) ^ other

    def isdisjoint(self, other: Iterable[Any]) -> bool:
        return bool(_obj(self).isdisjoint(other))

    def __contains__(self, value: object) -> bool:
        return value in _obj(self)

    def __iter__(self) -> Iterator[T_co]:
        it: Iterator[T_co] = iter(_obj(self))
        return it

    def __len__(self) -> int:
        return len(_obj(self))


class MutableSetRole(SetRole[T]):
    """Role: a mutable set."""

    __slots__ = ()

    def add(self, value: T) -> None:
        _obj(self).add(value)

    def discard(self, value: T) -> None:
        _obj(self).discard(value)

    def clear(self) -> None:
        _obj(self).clear()

    def pop(self) -> T:
        return cast(T, _obj(self).pop())

    def remove(self, value: T) -> None:
        _obj(self).remove(value)

    def _inplace(self, op: Callable[[Any, Any], Any], other: Any) -> Any:
        op(_obj(self), other)
        return self

    def __ior__(self, other: Any) -> Any:
        return self._inplace(operator.ior, other)

    def __iand__(self, other: Any) -> Any:
        return self._inplace(operator.iand, other)

    def __ixor__(self, other: Any) -> Any:
        return self._inplace(operator.ixor, other)

    def __isub__(self, other: Any) -> Any:
        return self._inplace(operator.isub, other)


class ContextManagerRole(Generic[T]):
    """Role: ``with proxy:`` enters the target."""

    __slots__ = ()

    def __enter__(self) -> Any:
        return _obj(self).__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        return _obj(self).__exit__(*exc_info)


class AsyncContextManagerRole(Generic[T_co]):
    """Role: ``async with proxy:`` enters the target."""

    __slots__ = ()

    def __aenter__(self) -> Awaitable[T_co]:
        return cast(Awaitable[T_co], _obj(self).__aenter__())

    def __aexit__(self, *exc_info: Any) -> Awaitable[bool | None]:
        return cast(Awaitable["bool | None"], _obj(self).__aexit__(*exc_info))


class MappingRole(Generic[KT, VT]):
    """Role: a read-only mapping."""

    __slots__ = ()

    def __getitem__(self, key: KT) -> VT:
        return cast(VT, _obj(self)[key])

    @overload
    def get(self, key: KT) -> VT | None: ...
    @overload
    def get(self, key: KT, default: VT | S) -> VT | S: ...
    def get(self, key: KT, default: Any = None) -> Any:
        return _obj(self).get(key, default)

    def items(self) -> ItemsView[KT, VT]:
        return cast(ItemsView[KT, VT], _obj(self).items())

    def keys(self) -> KeysView[KT]:
        return cast(KeysView[KT], _obj(self).keys())

    def values(self) -> ValuesView[VT]:
        return cast(ValuesView[VT], _obj(self).values())

    def __contains__(self, key: object) -> bool:
        return key in _obj(self)

    def __iter__(self) -> Iterator[KT]:
        return iter(_obj(self))

    def __len__(self) -> int:
        return len(_obj(self))


class MutableMappingRole(MappingRole[KT, VT]):
    """Role: a mutable mapping."""

    __slots__ = ()

    def __setitem__(self, key: KT, value: VT) -> None:
        _obj(self)[key] = value

    def __delitem__(self, key: KT) -> None:
        del _obj(self)[key]

    def clear(self) -> None:
        _obj(self).clear()

    def pop(self, key: KT, *default: Any) -> Any:
        return _obj(self).pop(key, *default)

    def popitem(self) -> tuple[KT, VT]:
        return cast(tuple[KT, VT], _obj(self).popitem())

    def setdefault(self, key: KT, default: Any = None) -> Any:
        return _obj(self).setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        _obj(self).update(*args, **kwargs)


class CallableRole:
    """Role: ``proxy(...)`` calls the target."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _obj(self)(*args, **kwargs)


# --------------------------------------------------------------- role proxies


class AwaitableProxy(AwaitableRole[T], Proxy[Awaitable[T]]):
    """Proxy to an awaitable."""

    __slots__ = ()


class CoroutineProxy(CoroutineRole[T], Proxy[Coroutine[Any, Any, T]]):
    """Proxy to a coroutine."""

    __slots__ = ()


class AsyncIterableProxy(AsyncIterableRole[T_co], Proxy[AsyncIterable[T_co]]):
    """Proxy to an async iterable."""

    __slots__ = ()


class AsyncIteratorProxy(AsyncIteratorRole[T_co], Proxy[AsyncIterator[T_co]]):
    """Proxy to an async iterator."""

    __slots__ = ()


class AsyncGeneratorProxy(AsyncGeneratorRole[T_co], Proxy[AsyncGenerator[T_co, Any]]):
    """Proxy to an async generator."""

    __slots__ = ()


class SequenceProxy(SequenceRole[T_co], Proxy[Sequence[T_co]]):
    """Proxy to a sequence."""

    __slots__ = ()


class MutableSequenceProxy(MutableSequenceRole[T], Proxy[MutableSequence[T]]):
    """Proxy to a mutable sequence."""

    __slots__ = ()


class SetProxy(SetRole[T_co], Proxy[AbstractSet[T_co]]):
    """Proxy to a set."""

    __slots__ = ()


class MutableSetProxy(MutableSetRole[T], Proxy[MutableSet[T]]):
    """Proxy to a mutable set."""

    __slots__ = ()


class ContextManagerProxy(ContextManagerRole[T], Proxy[AbstractContextManager[T]]):
    """Proxy to a context manager."""

    __slots__ = ()


class AsyncContextManagerProxy(
    AsyncContextManagerRole[T_co], Proxy[AbstractAsyncContextManager[T_co]]
):
    """Proxy to an async context manager."""

    __slots__ = ()


class MappingProxy(MappingRole[KT, VT], Proxy[Mapping[KT, VT]]):
    """Proxy to a mapping."""

    __slots__ = ()


class MutableMappingProxy(MutableMappingRole[KT, VT], Proxy[MutableMapping[KT, VT]]):
    """Proxy to a mutable mapping."""

    __slots__ = ()


class CallableProxy(CallableRole, Proxy[Any]):
    """Proxy to a callable."""

    __slots__ = ()


def maybe_evaluate(obj: Any) -> Any:
    """Return the target of a :class:`Proxy`, or ``obj`` itself if it is not one."""
    if isinstance(obj, Proxy):
        return obj.__maybe_evaluate__()
    return obj
