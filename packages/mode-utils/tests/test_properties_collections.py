"""Property-based tests of ``LRUCache`` and ``Heap`` against simple models.

* :class:`LRUCache` is driven by a hypothesis state machine and compared, after
  every step, with a reference built on :class:`collections.OrderedDict`:
  recency on read, eviction order, overwrite never evicts, limit changes.
* :class:`Heap` is compared with a plain list handled by :mod:`heapq`.

Runs are bounded and write no example database.
"""

from __future__ import annotations

import heapq
import pickle
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from mode.utils.collections import Heap, LRUCache

keys = st.integers(min_value=0, max_value=7)
values = st.integers()
limits = st.one_of(st.none(), st.integers(min_value=0, max_value=6))


class ModelLRU:
    """The reference: what the LRUCache docstring promises, in a few lines."""

    def __init__(self, limit: int | None) -> None:
        self.data: OrderedDict[int, Any] = OrderedDict()
        self.limit = limit

    def _trim(self) -> None:
        while self.limit and len(self.data) > self.limit:
            self.data.popitem(last=False)  # the least recently used

    def get(self, key: int) -> Any:
        self.data.move_to_end(key)  # a read is a use
        return self.data[key]

    def set(self, key: int, value: Any) -> None:
        # An overwrite keeps the key's place (a write is not a use); a new
        # key is the most recent.  Only a cache over its limit trims.
        self.data[key] = value
        self._trim()


class LRUCacheMachine(RuleBasedStateMachine):
    """Random operations on an LRUCache and on the model, compared step by step."""

    thread_safety = False

    def __init__(self) -> None:
        super().__init__()
        self.cache: LRUCache[int, Any] = LRUCache(thread_safety=self.thread_safety)
        self.model = ModelLRU(None)

    @initialize(limit=limits)
    def set_up(self, limit: int | None) -> None:
        self.cache.limit = limit
        self.model.limit = limit

    @rule(key=keys, value=values)
    def setitem(self, key: int, value: int) -> None:
        full_before = set(self.model.data)
        overwrite = key in self.model.data
        self.cache[key] = value
        self.model.set(key, value)
        if overwrite and (not self.model.limit or len(full_before) <= self.model.limit):
            # Overwriting never evicts another key (unless the limit was
            # lowered since the last write: then this write trims).
            assert set(self.cache) == full_before
        if self.model.limit:
            # After a write the cache is within its limit, whatever it was.
            assert len(self.cache) <= self.model.limit

    @rule(key=keys)
    def getitem(self, key: int) -> None:
        if key in self.model.data:
            assert self.cache[key] == self.model.get(key)
        else:
            with pytest.raises(KeyError):
                self.cache[key]

    @rule(key=keys, default=values)
    def get(self, key: int, default: int) -> None:
        if key in self.model.data:
            assert self.cache.get(key, default) == self.model.get(key)
        else:
            assert self.cache.get(key, default) == default

    @rule(key=keys)
    def contains_does_not_touch_recency(self, key: int) -> None:
        assert (key in self.cache) == (key in self.model.data)

    @rule(key=keys, default=values)
    def setdefault(self, key: int, default: int) -> None:
        if key in self.model.data:
            expected = self.model.get(key)
        else:
            self.model.set(key, default)
            expected = default
        assert self.cache.setdefault(key, default) == expected

    @rule(key=keys, delta=st.integers(-5, 5))
    def incr(self, key: int, delta: int) -> None:
        if key not in self.model.data:
            with pytest.raises(KeyError):
                self.cache.incr(key, delta)
            return
        current = self.model.data[key]
        try:
            expected = int(current) + delta
        except (TypeError, ValueError):
            with pytest.raises(ValueError, match="not an integer"):
                self.cache.incr(key, delta)
            return
        assert self.cache.incr(key, delta) == expected
        self.model.data[key] = str(expected)
        self.model.data.move_to_end(key)

    @rule(key=keys)
    def delitem(self, key: int) -> None:
        if key in self.model.data:
            del self.cache[key]
            del self.model.data[key]
        else:
            with pytest.raises(KeyError):
                del self.cache[key]

    @rule(key=keys)
    def pop(self, key: int) -> None:
        assert self.cache.pop(key, None) == self.model.data.pop(key, None)

    @rule(last=st.booleans())
    def popitem(self, last: bool) -> None:
        if self.model.data:
            assert self.cache.popitem(last=last) == self.model.data.popitem(last=last)
        else:
            with pytest.raises(KeyError):
                self.cache.popitem(last=last)

    @rule(pairs=st.lists(st.tuples(keys, values), max_size=6))
    def update(self, pairs: list[tuple[int, int]]) -> None:
        self.cache.update(pairs)
        self.model.data.update(pairs)
        self.model._trim()

    @rule(limit=limits)
    def change_limit(self, limit: int | None) -> None:
        # Takes effect at the next write; nothing is evicted right now.
        before = list(self.cache.items())
        self.cache.limit = limit
        self.model.limit = limit
        assert list(self.cache.items()) == before

    @precondition(lambda self: len(self.model.data) > 0)
    @rule()
    def clear(self) -> None:
        self.cache.clear()
        self.model.data.clear()

    @rule()
    def pickle_round_trip(self) -> None:
        clone = pickle.loads(pickle.dumps(self.cache))
        assert list(clone.items()) == list(self.cache.items())
        assert clone.limit == self.cache.limit
        assert clone.thread_safety == self.cache.thread_safety

    @invariant()
    def same_contents_in_recency_order(self) -> None:
        # keys()/values()/items() never refresh recency: reading them here
        # after every step must not change what the next step sees.
        assert list(self.cache.keys()) == list(self.model.data)
        assert list(self.cache.values()) == list(self.model.data.values())
        assert list(self.cache.items()) == list(self.model.data.items())
        assert len(self.cache) == len(self.model.data)


class ThreadSafeLRUCacheMachine(LRUCacheMachine):
    thread_safety = True


_MACHINE_SETTINGS = settings(
    max_examples=60, stateful_step_count=40, deadline=None, database=None
)
TestLRUCache = LRUCacheMachine.TestCase
TestLRUCache.settings = _MACHINE_SETTINGS
TestThreadSafeLRUCache = ThreadSafeLRUCacheMachine.TestCase
TestThreadSafeLRUCache.settings = _MACHINE_SETTINGS


@settings(max_examples=100, deadline=None, database=None)
@given(
    st.integers(min_value=1, max_value=5),
    st.lists(st.tuples(keys, values), max_size=30),
)
def test_lru_writes_keep_the_most_recent_keys(
    limit: int, writes: list[tuple[int, int]]
) -> None:
    cache: LRUCache[int, int] = LRUCache(limit=limit)
    for key, value in writes:
        cache[key] = value
        assert len(cache) <= limit
    # The survivors are the keys whose *first* write since they were last
    # evicted is most recent: replay on the model to know them.
    model = ModelLRU(limit)
    for key, value in writes:
        model.set(key, value)
    assert list(cache.items()) == list(model.data.items())


# -- Heap -----------------------------------------------------------------------

heap_items = st.integers(min_value=-50, max_value=50)
heap_ops = st.lists(
    st.one_of(
        st.tuples(st.just("push"), heap_items),
        st.tuples(st.just("pop"), st.just(0)),
        st.tuples(st.just("pushpop"), heap_items),
        st.tuples(st.just("replace"), heap_items),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(heap_items, max_size=20), heap_ops)
def test_heap_against_heapq(initial: list[int], ops: list[tuple[str, int]]) -> None:
    heap = Heap(initial)
    model = list(initial)
    heapq.heapify(model)
    for op, item in ops:
        if op == "push":
            heap.push(item)
            heapq.heappush(model, item)
        elif op == "pushpop":
            assert heap.pushpop(item) == heapq.heappushpop(model, item)
        elif not model:  # pop/replace on an empty heap
            with pytest.raises(IndexError):
                heap.pop() if op == "pop" else heap.replace(item)
        elif op == "pop":
            assert heap.pop() == heapq.heappop(model)
        else:
            assert heap.replace(item) == heapq.heapreplace(model, item)
        assert len(heap) == len(model)
        assert sorted(heap.data) == sorted(model)
        if model:
            assert heap[0] == min(model)
    n = len(model) // 2 + 1
    assert heap.nsmallest(n) == heapq.nsmallest(n, model)
    assert heap.nlargest(n) == heapq.nlargest(n, model)
    assert heap.nlargest(n, key=abs) == heapq.nlargest(n, model, key=abs)
    # Draining gives the items in sorted order.
    drained = [heap.pop() for _ in range(len(heap))]
    assert drained == sorted(model)
    assert not heap


@settings(max_examples=50, deadline=None, database=None)
@given(st.lists(heap_items, max_size=20), st.integers(min_value=1, max_value=5))
def test_heap_pop_only_the_top(items: list[int], index: int) -> None:
    heap = Heap(items)
    with pytest.raises(NotImplementedError, match=r"index 0\), got index="):
        heap.pop(index)
    assert sorted(heap.data) == sorted(items)
