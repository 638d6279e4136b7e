"""Async iteration helpers: the async counterparts of enumerate, iter, range, ...

:func:`aiter` differs from the builtin of the same name on purpose: it also
accepts ordinary (sync) iterables and wraps them, so helpers built on it work
with lists as well as async generators.  :func:`anext` is the builtin.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TypeVar, overload

__all__ = [
    "AsyncIterWrapper",
    "aenumerate",
    "aiter",
    "alist",
    "anext",
    "arange",
    "aslice",
    "chunks",
]

T = TypeVar("T")

#: ``anext(ait[, default])``: the builtin (Python 3.10+).  Awaits the next item
#: of an async iterator; at the end it returns ``default`` when one was given
#: (even a falsy one such as None) and raises StopAsyncIteration otherwise.
anext = builtins.anext


async def aenumerate(
    it: AsyncIterable[T], start: int = 0
) -> AsyncIterator[tuple[int, T]]:
    """Async ``enumerate``: yield ``(index, item)`` pairs, counting from ``start``."""
    index = start
    async for item in it:
        yield index, item
        index += 1


class AsyncIterWrapper(AsyncIterator[T]):
    """Wrap a sync iterator (or iterable) into an async iterator.

    Each ``__anext__`` calls ``next()`` on the wrapped iterator without
    yielding to the event loop; its StopIteration becomes StopAsyncIteration.

    Raises:
        TypeError: ``it`` is not iterable.
    """

    __slots__ = ("__dict__", "_it")

    def __init__(self, it: Iterable[T]) -> None:
        self._it: Iterator[T] = iter(it)

    def __aiter__(self) -> AsyncIterWrapper[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return next(self._it)
        except StopIteration:
            raise StopAsyncIteration from None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._it}>"


@overload
def aiter(it: AsyncIterable[T]) -> AsyncIterator[T]: ...
@overload
def aiter(it: Iterable[T]) -> AsyncIterator[T]: ...
def aiter(it: AsyncIterable[T] | Iterable[T]) -> AsyncIterator[T]:
    """Return an async iterator over ``it``.

    An async iterable gives ``it.__aiter__()``; a sync iterable is wrapped in
    :class:`AsyncIterWrapper`.  (The builtin ``aiter`` rejects sync iterables.)

    Raises:
        TypeError: ``it`` is neither (``"<it> object is not an iterable"``).
    """
    if isinstance(it, AsyncIterable):
        return it.__aiter__()
    try:
        return AsyncIterWrapper(it)
    except TypeError:
        raise TypeError(f"{it!r} object is not an iterable") from None


class arange(AsyncIterable[int]):
    """Async ``range``: ``async for i in arange(10)``.

    Takes the arguments of ``range`` (``stop`` or ``start, stop[, step]``),
    exposed as :attr:`start` (default 0), :attr:`stop` and :attr:`step`
    (default 1).  Every ``async for`` starts a new iteration.

    Raises:
        TypeError: no arguments or non-integer arguments.
        ValueError: ``step`` is zero.
    """

    __slots__ = ("__dict__", "_range", "start", "step", "stop")

    start: int
    stop: int
    step: int

    def __init__(self, *slice_args: int) -> None:
        if not 1 <= len(slice_args) <= 3:
            raise TypeError(
                "arange() takes 1 to 3 int arguments (stop, or start, stop[, "
                f"step]), got {len(slice_args)}"
            )
        for value in slice_args:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f"arange() arguments must be ints, not {type(value).__name__}"
                )
        if len(slice_args) == 3 and slice_args[2] == 0:
            raise ValueError("arange() step must not be zero")
        s = slice(*slice_args)
        self.start = 0 if s.start is None else s.start
        self.stop = s.stop
        self.step = 1 if s.step is None else s.step
        self._range = range(self.start, self.stop, self.step)

    def count(self, n: int) -> int:
        """Return 1 if ``n`` is in the range, else 0 (like ``range.count``)."""
        return self._range.count(n)

    def index(self, n: int) -> int:
        """Return the position of ``n``; raises ValueError if it is not there."""
        return self._range.index(n)

    def __contains__(self, n: object) -> bool:
        return n in self._range

    def __aiter__(self) -> AsyncIterator[int]:
        return AsyncIterWrapper(self._range)

    def __repr__(self) -> str:
        return f"arange({self.start}, {self.stop}, {self.step})"


async def alist(ait: AsyncIterable[T]) -> list[T]:
    """Consume an async iterable into a list."""
    return [item async for item in ait]


def _slice_bounds(slice_args: tuple[int | None, ...]) -> range:
    s = slice(*slice_args)
    for name, value in (("start", s.start), ("stop", s.stop), ("step", s.step)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise TypeError(
                f"aslice() {name} must be an int or None, not {type(value).__name__}"
            )
        if value is not None and value < 0:
            raise ValueError(f"aslice() {name} must be >= 0, got {value!r}")
    if s.step == 0:
        raise ValueError("aslice() step must be >= 1, got 0")
    return range(s.start or 0, s.stop or sys.maxsize, s.step or 1)


def aslice(ait: AsyncIterable[T], *slice_args: int | None) -> AsyncIterator[T]:
    """Async ``itertools.islice``: ``aslice(ait, [start,] stop[, step])``.

    As in the original library a ``stop`` of 0 or None means "no limit", so
    ``aslice(ait, 0)`` yields everything (``islice`` would yield nothing).
    Iteration stops as soon as the last wanted item has been yielded: no item
    is read from ``ait`` beyond it.

    Raises:
        TypeError: an argument is not an int or None (raised at the call).
        ValueError: a negative argument or a zero step (raised at the call).
    """
    return _aslice(ait, iter(_slice_bounds(slice_args)))


async def _aslice(ait: AsyncIterable[T], wanted: Iterator[int]) -> AsyncIterator[T]:
    next_index = next(wanted, None)
    if next_index is None:
        return
    index = 0
    async for item in ait:
        if index == next_index:
            yield item
            next_index = next(wanted, None)
            if next_index is None:
                return
        index += 1


def chunks(it: AsyncIterable[T] | Iterable[T], n: int) -> AsyncIterator[list[T]]:
    """Split ``it`` (async or sync iterable) into lists of ``n`` items.

    The last list may be shorter; no empty list is ever yielded.  The
    iterator is read lazily, ``n`` items at a time.  When ``it`` is an
    iterable (not itself an iterator), the iterator made from it belongs to
    ``chunks`` and is closed with it (``aclose()``), so an async generator
    behind it is finalised at once rather than by the garbage collector; an
    iterator you pass stays yours and open.

    Raises:
        ValueError: ``n`` is smaller than 1 (raised at the call).
        TypeError: ``n`` is not an int, or ``it`` is not iterable (at the call).
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"chunks() n must be an int, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"chunks() n must be >= 1, got {n!r}")
    ait = aiter(it)
    return _chunks(ait, n, owned=ait is not it)


async def _chunks(ait: AsyncIterator[T], n: int, owned: bool) -> AsyncIterator[list[T]]:
    chunk: list[T] = []
    try:
        async for item in ait:
            chunk.append(item)
            if len(chunk) >= n:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    finally:
        aclose = getattr(ait, "aclose", None) if owned else None
        if aclose is not None:
            await aclose()
