"""Tests for mode.utils.aiter."""

from __future__ import annotations

import builtins
import itertools
import sys
from collections.abc import AsyncGenerator, AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mode.utils import aiter as aiter_module
from mode.utils.aiter import (
    AsyncIterWrapper,
    aenumerate,
    aiter,
    alist,
    anext,
    arange,
    aslice,
    chunks,
)


class Counted:
    """An async iterable over range(n) that records how many items were read."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.read = 0

    def __aiter__(self) -> AsyncIterator[int]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[int]:
        for i in range(self.n):
            self.read += 1
            yield i


def test_all() -> None:
    assert set(aiter_module.__all__) == {
        "AsyncIterWrapper",
        "aenumerate",
        "aiter",
        "alist",
        "anext",
        "arange",
        "aslice",
        "chunks",
    }


async def test_aenumerate() -> None:
    assert await alist(aenumerate(arange(3))) == [(0, 0), (1, 1), (2, 2)]
    assert await alist(aenumerate(aiter("ab"), start=5)) == [(5, "a"), (6, "b")]
    assert await alist(aenumerate(arange(0))) == []


async def test_async_iter_wrapper() -> None:
    it = iter([1, 2])
    wrapper = AsyncIterWrapper(it)
    assert wrapper.__aiter__() is wrapper
    assert repr(wrapper) == f"<AsyncIterWrapper: {it}>"
    assert await wrapper.__anext__() == 1
    assert await wrapper.__anext__() == 2
    with pytest.raises(StopAsyncIteration):
        await wrapper.__anext__()
    assert await alist(AsyncIterWrapper([3, 4])) == [3, 4]


def test_async_iter_wrapper_not_iterable() -> None:
    with pytest.raises(TypeError):
        AsyncIterWrapper(1)  # type: ignore[arg-type]


async def test_aiter_async_iterable() -> None:
    source = Counted(2)
    it = aiter(source)
    assert isinstance(it, AsyncIterator)
    assert await alist(it) == [0, 1]
    gen = Counted(1)._gen()
    assert aiter(gen) is gen


async def test_aiter_sync_iterable() -> None:
    it = aiter([1, 2, 3])
    assert isinstance(it, AsyncIterWrapper)
    assert await alist(it) == [1, 2, 3]
    assert await alist(aiter(x for x in "ab")) == ["a", "b"]


def test_aiter_rejects_non_iterables() -> None:
    with pytest.raises(TypeError, match="1 object is not an iterable"):
        aiter(1)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="object is not an iterable"):
        aiter(None)  # type: ignore[call-overload]


async def test_anext_is_the_builtin() -> None:
    assert anext is builtins.anext
    it = aiter([1])
    assert await anext(it) == 1
    with pytest.raises(StopAsyncIteration):
        await anext(it)
    assert await anext(it, "default") == "default"
    assert await anext(it, None) is None  # a falsy default is still a default
    with pytest.raises(TypeError):
        await anext([1])  # type: ignore[call-overload]


async def test_arange() -> None:
    r = arange(3)
    assert (r.start, r.stop, r.step) == (0, 3, 1)
    assert await alist(r) == [0, 1, 2]
    assert await alist(r) == [0, 1, 2]  # a new iterator every time
    assert await alist(arange(1, 10, 3)) == [1, 4, 7]
    assert await alist(arange(5, 0, -2)) == [5, 3, 1]
    assert repr(arange(1, 10, 3)) == "arange(1, 10, 3)"


def test_arange_range_methods() -> None:
    r = arange(1, 10, 3)
    assert (r.start, r.stop, r.step) == (1, 10, 3)
    assert 4 in r
    assert 5 not in r
    assert r.count(4) == 1
    assert r.count(5) == 0
    assert r.index(7) == 2
    with pytest.raises(ValueError):
        r.index(5)


def test_arange_bad_arguments() -> None:
    with pytest.raises(ValueError):
        arange(0, 10, 0)
    with pytest.raises(TypeError):
        arange()
    with pytest.raises(TypeError):
        arange(1.5)  # type: ignore[arg-type]


async def test_alist() -> None:
    assert await alist(arange(0)) == []
    assert await alist(Counted(3)) == [0, 1, 2]


async def test_aslice() -> None:
    assert await alist(aslice(arange(10), 3)) == [0, 1, 2]
    assert await alist(aslice(arange(10), 2, 5)) == [2, 3, 4]
    assert await alist(aslice(arange(10), 1, 8, 3)) == [1, 4, 7]
    assert await alist(aslice(arange(10), 8, 20)) == [8, 9]
    assert await alist(aslice(arange(10), 5, 3)) == []
    assert await alist(aslice(arange(10), None, None, 4)) == [0, 4, 8]


async def test_aslice_stop_zero_or_none_means_no_limit() -> None:
    # ⚠ unlike itertools.islice(x, 0), which yields nothing.
    assert await alist(aslice(arange(5), 0)) == [0, 1, 2, 3, 4]
    assert await alist(aslice(arange(5), None)) == [0, 1, 2, 3, 4]
    assert await alist(aslice(arange(5), 2, 0)) == [2, 3, 4]


async def test_aslice_does_not_over_read() -> None:
    source = Counted(100)
    ait = aiter(source)
    assert await alist(aslice(ait, 3)) == [0, 1, 2]
    assert source.read == 3
    assert await alist(aslice(ait, 1, 3)) == [4, 5]
    assert source.read == 6
    empty = Counted(100)
    assert await alist(aslice(empty, 4, 2)) == []
    assert empty.read == 0
    await ait.aclose()  # type: ignore[attr-defined]


def test_aslice_bad_arguments() -> None:
    with pytest.raises(ValueError, match="step"):
        aslice(arange(3), 0, 3, 0)
    with pytest.raises(ValueError, match="start"):
        aslice(arange(3), -1, 3)
    with pytest.raises(ValueError, match="stop"):
        aslice(arange(3), -1)
    with pytest.raises(TypeError, match="stop"):
        aslice(arange(3), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="start"):
        aslice(arange(3), True, 2)


@given(
    st.integers(0, 30),
    st.one_of(st.none(), st.integers(0, 12)),
    st.one_of(st.none(), st.integers(0, 12)),
    st.one_of(st.none(), st.integers(1, 4)),
)
async def test_aslice_matches_islice_model(
    n: int, start: int | None, stop: int | None, step: int | None
) -> None:

    expected = list(itertools.islice(range(n), start, stop or sys.maxsize, step))
    assert await alist(aslice(arange(n), start, stop, step)) == expected


async def test_chunks() -> None:
    assert await alist(chunks(arange(10), 3)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert await alist(chunks(arange(6), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert await alist(chunks(arange(0), 3)) == []
    assert await alist(chunks([1, 2, 3], 1)) == [[1], [2], [3]]


async def test_chunks_shares_one_iterator_and_reads_lazily() -> None:
    source = Counted(100)
    it = chunks(source, 4)
    assert await anext(it) == [0, 1, 2, 3]
    assert source.read == 4
    await it.aclose()  # type: ignore[attr-defined]


def test_chunks_bad_n() -> None:
    for n in (0, -1):
        with pytest.raises(ValueError, match=">= 1"):
            chunks(arange(3), n)
    with pytest.raises(TypeError, match="int"):
        chunks(arange(3), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        chunks(arange(3), True)
    with pytest.raises(TypeError, match="not an iterable"):
        chunks(1, 2)  # type: ignore[arg-type]


async def test_chunks_closes_the_iterator_it_made_but_not_yours() -> None:
    closed: list[str] = []

    async def gen() -> AsyncGenerator[int, None]:
        try:
            for i in range(10):
                yield i
        finally:
            closed.append("gen")

    class Source:
        def __aiter__(self) -> AsyncIterator[int]:
            return gen()

    it = chunks(Source(), 3)
    assert await anext(it) == [0, 1, 2]
    await it.aclose()  # type: ignore[attr-defined]
    assert closed == ["gen"]  # at once, not by the garbage collector

    mine = gen()
    it2 = chunks(mine, 3)
    assert await anext(it2) == [0, 1, 2]
    await it2.aclose()  # type: ignore[attr-defined]
    assert closed == ["gen"]  # an iterator passed in stays open for its owner
    assert await anext(mine) == 3
    await mine.aclose()
    assert closed == ["gen", "gen"]
