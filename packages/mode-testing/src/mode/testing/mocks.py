"""Mocks for asyncio code, under the names the original ``mode.utils.mocks`` used.

Everything here is built on :mod:`unittest.mock`; what the standard library
now does itself is re-exported unchanged (:data:`ANY`, :data:`call`,
:func:`patch`, :class:`MagicMock`).  The rest keeps the original's names and
behaviour so that test suites written for mode and Faust port unchanged:

:class:`Mock`
    :class:`unittest.mock.Mock` that also stamps every call with a number
    from one global counter, so the *order* of calls across mocks can be
    asserted: ``assert a.call_counts[0] < b.call_counts[0]``.
:class:`AsyncMock`, :class:`AsyncMagicMock`
    A standard :class:`unittest.mock.AsyncMock` (``assert_awaited*`` and
    friends work) with the original's ``.coro``: arguments configure the
    inner mock ``.coro``, which is called when the call is awaited;
    ``return_value`` and ``side_effect`` are those of ``.coro``.
:class:`AsyncContextManagerMock` (alias :data:`AsyncContextMock`), :class:`ContextMock`
    Mocks usable in ``async with`` / ``with``.
:class:`FutureMock`
    An awaitable mock: awaiting it calls it and returns the result.
:class:`IN`, :func:`mask_module`, :func:`patch_module`
    Assertion and import helpers.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import sys
import types
import unittest.mock
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar
from unittest.mock import ANY, MagicMock, call, patch

__all__ = [
    "ANY",
    "IN",
    "MOCK_CALL_COUNT",
    "AsyncContextManagerMock",
    "AsyncContextMock",
    "AsyncMagicMock",
    "AsyncMock",
    "ContextMock",
    "FutureMock",
    "MagicMock",
    "Mock",
    "call",
    "mask_module",
    "patch",
    "patch_module",
]

#: The global call counter of :class:`Mock`: every call of any :class:`Mock`
#: takes the next number (``next(MOCK_CALL_COUNT)``).
MOCK_CALL_COUNT: Iterator[int] = itertools.count(0)


class IN:
    """Compares equal to any one of ``alternatives``.

    For assertions where several values are acceptable::

        assert response.status == IN(200, 204)
        mock.assert_called_once_with(IN("a", "b"))

    ``!=`` is the negation.  The repr is ``<IN: a | b>``.  Instances are
    unhashable, like other objects that define equality by value.
    """

    __slots__ = ("alternatives",)

    def __init__(self, *alternatives: Any) -> None:
        self.alternatives = alternatives

    def __eq__(self, other: object) -> bool:
        return other in self.alternatives

    def __ne__(self, other: object) -> bool:
        return other not in self.alternatives

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<IN: {' | '.join(map(str, self.alternatives))}>"


class Mock(unittest.mock.Mock):
    """:class:`unittest.mock.Mock` that records the global order of its calls.

    Each call takes the next number of the process-wide
    :data:`MOCK_CALL_COUNT`, stores it in :attr:`global_call_count` and
    appends it to :attr:`call_counts`; comparing numbers of different mocks
    tells which was called first::

        a, b = Mock(), Mock()
        b(); a()
        assert b.call_counts[0] < a.call_counts[0]

    A call is numbered when it is made, before any ``side_effect`` runs (so
    it is numbered even if the side effect raises, like ``call_count``).
    Child mocks (``m.attr``, ``m.return_value``) are :class:`Mock` too.
    :meth:`reset_mock` clears both attributes.
    """

    #: Number of the latest call, or None if never called.
    global_call_count: int | None
    #: Numbers of all calls, oldest first.
    call_counts: list[int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Through __dict__: a mock with spec_set refuses unknown attributes.
        self.__dict__["global_call_count"] = None
        self.__dict__["call_counts"] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        count = next(MOCK_CALL_COUNT)
        self.__dict__["global_call_count"] = count
        self.call_counts.append(count)
        return super().__call__(*args, **kwargs)

    def reset_mock(self, *args: Any, **kwargs: Any) -> None:
        """Reset like :meth:`unittest.mock.Mock.reset_mock`, and the call numbers."""
        super().reset_mock(*args, **kwargs)
        self.__dict__["global_call_count"] = None
        self.call_counts.clear()


class AsyncMock(unittest.mock.AsyncMock):
    """An async mock with the original mode's ``.coro``.

    Calling it returns a coroutine, as with :class:`unittest.mock.AsyncMock`;
    awaiting that coroutine calls the inner mock :attr:`coro` with the same
    arguments and returns its result (awaited first if it is awaitable).
    Every argument given to the constructor (``return_value=``,
    ``side_effect=``, ``spec`` ...) configures :attr:`coro`, and the
    ``return_value`` and ``side_effect`` attributes *are* those of
    :attr:`coro`.  Both styles of assertion work::

        m = AsyncMock(return_value=1)
        assert await m(2) == 1
        m.assert_awaited_once_with(2)          # the standard library's
        m.coro.assert_called_once_with(2)      # the original mode's
        m.coro.return_value = 3                # same as m.return_value = 3

    The call is recorded when it is made (``m.assert_called*``); the await,
    and the call of :attr:`coro`, when the coroutine is awaited.  Like the
    standard AsyncMock, a ``side_effect`` may be an exception, an iterable
    (its values, then :class:`StopAsyncIteration`), a function or a
    coroutine function.
    """

    #: The class of :attr:`coro`.
    _coro_class: ClassVar[type[unittest.mock.Mock]] = Mock

    #: The inner mock called when a call of this mock is awaited.
    coro: Any

    def __init__(self, *args: Any, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name)
        self.attach_mock(self._coro_class(*args, **kwargs), "coro")

    def _inner(self) -> Any:
        # None while the base class initialises (it sets side_effect).
        return self.__dict__.get("coro")

    @property
    def return_value(self) -> Any:
        """What awaiting a call returns: ``coro.return_value``."""
        return self.coro.return_value

    @return_value.setter
    def return_value(self, value: Any) -> None:
        self.coro.return_value = value

    @property
    def side_effect(self) -> Any:
        """The side effect run when a call is awaited: ``coro.side_effect``."""
        inner = self._inner()
        return None if inner is None else inner.side_effect

    @side_effect.setter
    def side_effect(self, value: Any) -> None:
        inner = self._inner()
        if inner is not None:
            inner.side_effect = value

    async def _execute_mock_call(self, /, *args: Any, **kwargs: Any) -> Any:
        # The hook the standard AsyncMock runs when a call is awaited: record
        # the await as it does, then delegate to .coro.
        awaited = unittest.mock._Call((args, kwargs), two=True)
        self.await_count += 1
        self.await_args = awaited
        self.await_args_list.append(awaited)
        try:
            result = self.coro(*args, **kwargs)
        except StopIteration:
            # An exhausted iterable side effect; StopIteration cannot cross
            # a coroutine (PEP 479), so do as the standard AsyncMock does.
            raise StopAsyncIteration from None
        if inspect.isawaitable(result):
            result = await result
        return result


class AsyncMagicMock(AsyncMock):
    """:class:`AsyncMock` whose :attr:`coro` is a :class:`MagicMock`."""

    _coro_class = MagicMock


def _is_exception(obj: object) -> bool:
    return isinstance(obj, BaseException) or (
        isinstance(obj, type) and issubclass(obj, BaseException)
    )


class AsyncContextManagerMock(Mock):
    """A :class:`Mock` usable in ``async with``.

    ``async with m as value`` gives, in this order of precedence:

    * if ``side_effect`` is an exception (class or instance): it is raised;
    * if ``side_effect`` is callable: its result (awaited if awaitable);
    * ``aenter_return`` if it is not None, else ``return_value``; an
      :class:`AsyncMock` is replaced by its ``.coro``.

    ``__aexit__`` returns ``aexit_return`` (a true value suppresses the
    exception of the block).  ``side_effect`` is also the side effect of
    calling the mock, as for any mock.  ``aenter_return`` and
    ``aexit_return`` are read when the block is entered / left, so they can
    be changed later.  ``m.__aenter__`` and ``m.__aexit__`` are standard
    async mocks: ``m.__aenter__.assert_awaited_once()`` works.  Child mocks
    (``m.attr``) are async context mocks too.
    """

    aenter_return: Any
    aexit_return: Any

    def __init__(
        self,
        *args: Any,
        aenter_return: Any = None,
        aexit_return: Any = None,
        side_effect: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, side_effect=side_effect, **kwargs)
        self.__dict__["aenter_return"] = aenter_return
        self.__dict__["aexit_return"] = aexit_return
        setattr(self, "__aenter__", unittest.mock.AsyncMock(side_effect=self._aenter))  # noqa: B010
        setattr(self, "__aexit__", unittest.mock.AsyncMock(side_effect=self._aexit))  # noqa: B010

    async def _aenter(self, *args: Any) -> Any:
        effect = self.side_effect
        if effect is not None:
            if _is_exception(effect):
                raise effect
            if callable(effect):
                result = effect()
                if inspect.isawaitable(result):
                    result = await result
                return result
        value = self.aenter_return
        if value is None:
            value = self.return_value
        if isinstance(value, AsyncMock):
            return value.coro
        return value

    async def _aexit(self, *exc_info: Any) -> Any:
        return self.aexit_return


#: Alias of :class:`AsyncContextManagerMock` (both names existed in the original).
AsyncContextMock = AsyncContextManagerMock


class ContextMock(Mock):
    """A :class:`Mock` usable in ``with``: ``__enter__`` returns the mock itself.

    ``__exit__`` returns None (exceptions propagate).  Both are mocks, so
    ``m.__enter__.assert_called_once()`` works; child mocks are context
    mocks too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        setattr(self, "__enter__", Mock(return_value=self))  # noqa: B010
        setattr(self, "__exit__", Mock(return_value=None))  # noqa: B010


class FutureMock(Mock):
    """An awaitable :class:`Mock`, standing in for a future.

    ``await m`` calls ``m()`` and returns its result at once (it does not
    suspend, like a future that is already done), and sets :attr:`awaited`.
    Configure it as any mock: ``FutureMock(return_value=3)``,
    ``FutureMock(side_effect=KeyError())``.  Unlike the original, it does
    not look up an event loop when created (and did not need one).
    """

    #: True once the mock was awaited (False again after reset_mock()).
    awaited: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.__dict__["awaited"] = False

    def __await__(self) -> Generator[Any, None, Any]:
        yield from ()  # a generator that never suspends: the result is ready
        self.__dict__["awaited"] = True
        return self()

    def assert_awaited(self) -> None:
        """Raise AssertionError unless the mock was awaited."""
        if not self.awaited:
            raise AssertionError(f"Expected {self!r} to have been awaited.")

    def assert_not_awaited(self) -> None:
        """Raise AssertionError if the mock was awaited."""
        if self.awaited:
            raise AssertionError(f"Expected {self!r} to not have been awaited.")

    def reset_mock(self, *args: Any, **kwargs: Any) -> None:
        """Reset like :meth:`Mock.reset_mock`, and :attr:`awaited`."""
        super().reset_mock(*args, **kwargs)
        self.__dict__["awaited"] = False


def _check_names(func: str, names: Sequence[object]) -> None:
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"{func}() takes module names as non-empty strings, not {name!r}"
            )


def _masks(name: str, masked: frozenset[str]) -> bool:
    if name in masked:
        return True
    return any(name.startswith(f"{m}.") for m in masked)


@contextmanager
def mask_module(*modnames: str) -> Iterator[None]:
    """Make importing the modules ``modnames`` fail, for the ``with`` block.

    ``import x`` and ``from x import y`` raise :class:`ModuleNotFoundError`
    (an :class:`ImportError`) ``No module named x`` for each masked name and
    its submodules, even if the module was imported before.  Use it to test
    the code path taken when an optional dependency is missing::

        with mask_module("croniter"):
            with pytest.raises(ImportError):
                Service.crontab("* * * * *")

    It replaces :func:`builtins.__import__`, which every ``import``
    statement goes through; :func:`importlib.import_module` does not, and is
    not masked.  The previous ``__import__`` is restored on exit.

    Raises:
        TypeError: a name is not a non-empty string.
    """
    _check_names("mask_module", modnames)
    masked = frozenset(modnames)
    real_import = builtins.__import__

    def masking_import(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        if level == 0 and _masks(name, masked):
            raise ModuleNotFoundError(f"No module named {name}", name=name)
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = masking_import
    try:
        yield
    finally:
        builtins.__import__ = real_import


def _mock_module(name: str, new_callable: Callable[[], Any]) -> types.ModuleType:
    module = types.ModuleType(name)

    def __getattr__(attr: str) -> Any:  # PEP 562: called for missing names only
        if attr.startswith("__") and attr.endswith("__"):
            # Keep introspection sane: no mock __path__, __file__, __spec__...
            raise AttributeError(f"mock module {name!r} has no attribute {attr!r}")
        value = new_callable()
        setattr(module, attr, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


@contextmanager
def patch_module(
    *names: str, new_callable: Callable[[], Any] = MagicMock
) -> Iterator[list[types.ModuleType]]:
    """Replace the modules ``names`` in :data:`sys.modules` with mock modules.

    Each mock module creates a missing attribute on first access with
    ``new_callable()`` (and then keeps it), so anything imported from it is
    a mock.  A patched ``a.b`` is also the attribute ``b`` of a patched
    ``a``.  Yields the mock modules, in the order of ``names``::

        with patch_module("aiomonitor") as (aiomonitor,):
            Worker(monitor=True).execute_from_commandline()
            aiomonitor.start_monitor.assert_called_once()

    On exit every name is put back as it was: the previous module is
    restored, or the name removed if it was not imported before.  Dunder
    attributes (``__file__``, ``__path__`` ...) are not mocked.

    Raises:
        TypeError: a name is not a non-empty string, or ``new_callable`` is
            not callable.
    """
    _check_names("patch_module", names)
    if not callable(new_callable):
        raise TypeError(
            f"patch_module() new_callable= must be a callable making the mock "
            f"attributes (like MagicMock), not {type(new_callable).__name__}"
        )
    missing = object()
    previous = {name: sys.modules.get(name, missing) for name in names}
    modules = [_mock_module(name, new_callable) for name in names]
    by_name = dict(zip(names, modules, strict=True))
    for name, module in by_name.items():
        parent, _, child = name.rpartition(".")
        if parent in by_name:
            setattr(by_name[parent], child, module)
        sys.modules[name] = module
    try:
        yield modules
    finally:
        for name, prev in previous.items():
            if prev is missing:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = prev  # type: ignore[assignment]
