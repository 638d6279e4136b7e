"""Custom data structures: heaps, fast user dicts/sets, an LRU cache and friends.

* :class:`FastUserDict`, :class:`FastUserSet` and :class:`FastUserList` wrap a
  ``data`` attribute and delegate every operation straight to it (no per-call
  indirection through the ABC mixins where a direct call exists).
* :class:`ManagedUserDict` and :class:`ManagedUserSet` add hook methods called
  on every change, for subclasses that mirror their contents elsewhere.
* :class:`LRUCache` is a bounded mapping that evicts the least recently used
  key, optionally guarded by a re-entrant lock.
* :class:`AttributeDict` / :class:`DictAttribute` bridge attribute access and
  item access in both directions; :func:`force_mapping` picks the right one.

All containers are generic: ``class Cache(LRUCache[str, bytes])`` works at
runtime and type-checks.
"""

from __future__ import annotations

import abc
import heapq
import importlib
import sys
import threading
from collections import OrderedDict, UserList
from collections.abc import (
    Callable,
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
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Generic, Protocol, Self, TypeVar, cast, overload

__all__ = [
    "AttributeDict",
    "AttributeDictMixin",
    "DictAttribute",
    "FastUserDict",
    "FastUserList",
    "FastUserSet",
    "Heap",
    "LRUCache",
    "LazyObject",
    "LazySettings",
    "ManagedUserDict",
    "ManagedUserSet",
    "MappingViewProxy",
    "ProxyItemsView",
    "ProxyKeysView",
    "ProxyValuesView",
    "force_mapping",
]

#: True when this interpreter runs without a GIL (a free-threaded build with
#: the GIL actually off; ``PYTHON_GIL=1`` turns it back on).  There an
#: unguarded :class:`LRUCache` could corrupt its OrderedDict, so it locks.
FREE_THREADED: bool = not getattr(sys, "_is_gil_enabled", lambda: True)()

T = TypeVar("T")
KT = TypeVar("KT")
VT = TypeVar("VT")
_D = TypeVar("_D")


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


HT = TypeVar("HT", bound=_Comparable)

_MISSING: Any = object()

# LRUCache's hot path calls this directly (see LRUCache.__getitem__).
_move_to_end = OrderedDict.move_to_end


# ---------------------------------------------------------------- Django


class _LazyObjectPlaceholder:
    """Stand-in for ``django.utils.functional.LazyObject`` (Django not installed).

    Nothing is an instance of it unless you subclass it, so :func:`force_mapping`
    simply never unwraps anything when Django is absent.
    """


class _LazySettingsPlaceholder(_LazyObjectPlaceholder):
    """Stand-in for ``django.conf.LazySettings`` (Django not installed)."""


def _django_lazy_classes() -> tuple[type[Any], type[Any], Any]:
    """Return Django's ``(LazyObject, LazySettings, empty)`` or placeholders."""
    try:
        functional = importlib.import_module("django.utils.functional")
        conf = importlib.import_module("django.conf")
    except ImportError:
        return _LazyObjectPlaceholder, _LazySettingsPlaceholder, _MISSING
    return functional.LazyObject, conf.LazySettings, functional.empty


#: ``django.utils.functional.LazyObject`` if Django is importable, else a dummy.
LazyObject: type[Any]
#: ``django.conf.LazySettings`` if Django is importable, else a dummy.
LazySettings: type[Any]
LazyObject, LazySettings, _django_empty = _django_lazy_classes()


# ---------------------------------------------------------------- Heap


class Heap(MutableSequence[HT]):
    """A min-heap (:mod:`heapq`) with a list-like interface.

    ``data`` is the underlying list, heapified by the constructor; ``data[0]``
    is always the smallest item as long as only :meth:`push`, :meth:`pop`,
    :meth:`pushpop` and :meth:`replace` are used to change it.

    Note:
        :meth:`insert` (and so the inherited ``append``/``extend``) and item
        assignment are raw list operations that do **not** keep the heap
        invariant, as in the original library.  Use :meth:`push`.
    """

    __slots__ = ("__dict__", "data")

    def __init__(self, data: Sequence[HT] | None = None) -> None:
        self.data: list[HT] = list(data) if data is not None else []
        heapq.heapify(self.data)

    def pop(self, index: int = 0) -> HT:
        """Remove and return the smallest item.

        Raises:
            IndexError: the heap is empty.
            NotImplementedError: ``index`` is not 0 (a heap only pops its top).
        """
        if index == 0:
            return heapq.heappop(self.data)
        raise NotImplementedError(
            f"Heap.pop() only removes the smallest item (index 0), got index={index}"
        )

    def push(self, item: HT) -> None:
        """Add ``item``, keeping the heap invariant."""
        heapq.heappush(self.data, item)

    def pushpop(self, item: HT) -> HT:
        """Push ``item``, then pop and return the smallest item (one step)."""
        return heapq.heappushpop(self.data, item)

    def replace(self, item: HT) -> HT:
        """Pop and return the smallest item, then push ``item`` (one step).

        Raises:
            IndexError: the heap is empty.
        """
        return heapq.heapreplace(self.data, item)

    def nlargest(self, n: int, key: Callable[[HT], Any] | None = None) -> list[HT]:
        """Return the ``n`` largest items (optionally by ``key``), largest first."""
        return heapq.nlargest(n, self.data, key=key)

    def nsmallest(self, n: int, key: Callable[[HT], Any] | None = None) -> list[HT]:
        """Return the ``n`` smallest items (optionally by ``key``), smallest first."""
        return heapq.nsmallest(n, self.data, key=key)

    def insert(self, index: int, obj: HT) -> None:
        """Raw ``list.insert``: does **not** keep the heap invariant."""
        self.data.insert(index, obj)

    @overload
    def __getitem__(self, index: int) -> HT: ...

    @overload
    def __getitem__(self, index: slice) -> MutableSequence[HT]: ...

    def __getitem__(self, index: int | slice) -> HT | MutableSequence[HT]:
        return self.data[index]

    @overload
    def __setitem__(self, index: int, value: HT) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[HT]) -> None: ...

    def __setitem__(self, index: int | slice, value: Any) -> None:
        self.data[index] = value

    def __delitem__(self, index: int | slice) -> None:
        del self.data[index]

    def __len__(self) -> int:
        return len(self.data)

    def __str__(self) -> str:
        return str(self.data)

    def __repr__(self) -> str:
        return repr(self.data)


# ---------------------------------------------------------------- FastUserDict


class FastUserDict(MutableMapping[KT, VT], Generic[KT, VT]):
    """A mapping that delegates to the ``self.data`` mapping, directly.

    There is no ``__init__``: the subclass must set ``self.data``.  A subclass
    may define ``__missing__(key)``, which ``self[key]`` calls for a missing
    key (like ``dict``).  :meth:`update` writes to ``data`` directly, bypassing
    a subclass's ``__setitem__``.
    """

    __slots__ = ()

    data: MutableMapping[KT, VT]

    @classmethod
    def fromkeys(cls, iterable: Iterable[KT], value: Any = None) -> Self:
        """Return ``cls()`` with every key of ``iterable`` set to ``value``."""
        self = cls()
        self.update(dict.fromkeys(iterable, value))
        return self

    def __getitem__(self, key: KT) -> VT:
        try:
            return self.data[key]
        except KeyError:
            missing = getattr(self, "__missing__", None)
            if missing is None:
                raise
            return cast(VT, missing(key))

    def __setitem__(self, key: KT, value: VT) -> None:
        self.data[key] = value

    def __delitem__(self, key: KT) -> None:
        del self.data[key]

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[KT]:
        return iter(self.data)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __repr__(self) -> str:
        return repr(self.data)

    def copy(self) -> dict[KT, VT]:
        """Return a shallow copy as a plain ``dict``."""
        return dict(self.data)

    def update(self, *args: Any, **kwargs: VT) -> None:
        """Update ``data`` like ``dict.update`` (a mapping or pairs, and keywords)."""
        self.data.update(*args, **kwargs)

    def clear(self) -> None:
        """Remove every item."""
        self.data.clear()

    def items(self) -> ItemsView[KT, VT]:
        """Return the items view of ``data``."""
        return self.data.items()

    def keys(self) -> KeysView[KT]:
        """Return the keys view of ``data``."""
        return self.data.keys()

    def values(self) -> ValuesView[VT]:
        """Return the values view of ``data``."""
        return self.data.values()


# ---------------------------------------------------------------- FastUserSet


class FastUserSet(MutableSet[T], Generic[T]):
    """A set that delegates every operation to the ``self.data`` set.

    There is no ``__init__``: the subclass must set ``self.data`` (a ``set``).
    Binary operators return plain sets; the in-place ones change ``data`` and
    return ``self``.  Reflected operators keep the operand order, so
    ``{1, 2} - s`` is ``{1, 2} - s.data``.  Pickling and ``copy.copy`` give a
    plain ``set`` (``__reduce__`` is that of ``data``), as in the original.
    """

    __slots__ = ()

    data: set[T]

    # -- binary operators (plain sets out)
    def __and__(self, other: AbstractSet[Any]) -> set[T]:
        return self.data & other

    def __rand__(self, other: AbstractSet[Any]) -> AbstractSet[Any]:
        return other & self.data

    def __or__(self, other: AbstractSet[Any]) -> set[Any]:
        return self.data | other

    def __ror__(self, other: AbstractSet[Any]) -> AbstractSet[Any]:
        return other | self.data

    def __sub__(self, other: AbstractSet[Any]) -> set[T]:
        return self.data - other

    def __rsub__(self, other: AbstractSet[Any]) -> AbstractSet[Any]:
        return other - self.data

    def __xor__(self, other: AbstractSet[Any]) -> set[Any]:
        return self.data ^ other

    def __rxor__(self, other: AbstractSet[Any]) -> AbstractSet[Any]:
        return other ^ self.data

    # -- in-place operators: via the named methods (so subclass hooks run)
    def __iand__(self, other: AbstractSet[Any]) -> Self:
        self.intersection_update(other)
        return self

    def __ior__(self, other: AbstractSet[Any]) -> Self:
        self.update(other)
        return self

    def __isub__(self, other: AbstractSet[Any]) -> Self:
        self.difference_update(other)
        return self

    def __ixor__(self, other: AbstractSet[Any]) -> Self:
        self.symmetric_difference_update(other)
        return self

    # -- comparisons
    def __le__(self, other: AbstractSet[Any]) -> bool:
        return self.data <= other

    def __ge__(self, other: AbstractSet[Any]) -> bool:
        return self.data >= other

    def __lt__(self, other: AbstractSet[Any]) -> bool:
        return self.data < other

    def __gt__(self, other: AbstractSet[Any]) -> bool:
        return self.data > other

    # -- container protocol
    def __contains__(self, value: object) -> bool:
        return value in self.data

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __reduce__(self) -> str | tuple[Any, ...]:
        return self.data.__reduce__()

    def __reduce_ex__(self, protocol: Any) -> str | tuple[Any, ...]:
        return self.data.__reduce_ex__(protocol)

    def __sizeof__(self) -> int:
        return self.data.__sizeof__()

    def __str__(self) -> str:
        return str(self.data)

    def __repr__(self) -> str:
        return repr(self.data)

    # -- named, non-mutating
    def copy(self) -> set[T]:
        """Return a shallow copy as a plain ``set``."""
        return self.data.copy()

    def difference(self, *others: Iterable[Any]) -> set[T]:
        """Return ``data`` minus every element of ``others``, as a new set."""
        return self.data.difference(*others)

    def intersection(self, *others: Iterable[Any]) -> set[T]:
        """Return the elements common to ``data`` and all ``others``."""
        return self.data.intersection(*others)

    def isdisjoint(self, other: Iterable[Any]) -> bool:
        """Return True if ``data`` and ``other`` share no element."""
        return self.data.isdisjoint(other)

    def issubset(self, other: Iterable[Any]) -> bool:
        """Return True if every element of ``data`` is in ``other``."""
        return self.data.issubset(other)

    def issuperset(self, other: Iterable[Any]) -> bool:
        """Return True if every element of ``other`` is in ``data``."""
        return self.data.issuperset(other)

    def symmetric_difference(self, other: Iterable[T]) -> set[T]:
        """Return the elements in exactly one of ``data`` and ``other``."""
        return self.data.symmetric_difference(other)

    def union(self, *others: Iterable[T]) -> set[T]:
        """Return ``data`` joined with every element of ``others``."""
        return self.data.union(*others)

    # -- named, mutating
    def add(self, value: T) -> None:
        """Add ``value`` to the set."""
        self.data.add(value)

    def clear(self) -> None:
        """Remove every element."""
        self.data.clear()

    def difference_update(self, *others: Iterable[Any]) -> None:
        """Remove every element of ``others``."""
        self.data.difference_update(*others)

    def discard(self, value: T) -> None:
        """Remove ``value`` if present; do nothing otherwise."""
        self.data.discard(value)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        """Keep only the elements also found in every one of ``others``."""
        self.data.intersection_update(*others)

    def pop(self) -> T:
        """Remove and return an arbitrary element.

        Raises:
            KeyError: the set is empty.
        """
        return self.data.pop()

    def remove(self, value: T) -> None:
        """Remove ``value``.

        Raises:
            KeyError: ``value`` is not in the set.
        """
        self.data.remove(value)

    def symmetric_difference_update(self, other: Iterable[T]) -> None:
        """Keep the elements found in exactly one of ``data`` and ``other``."""
        self.data.symmetric_difference_update(other)

    def update(self, *others: Iterable[T]) -> None:
        """Add every element of ``others``."""
        self.data.update(*others)


# ---------------------------------------------------------------- FastUserList


class FastUserList(UserList[T], Generic[T]):
    """A :class:`collections.UserList`, kept for compatibility (and generic)."""


# ---------------------------------------------------------------- Managed*


class ManagedUserSet(FastUserSet[T]):
    """A :class:`FastUserSet` that calls hook methods when it changes.

    The hooks do nothing by default; override them in a subclass.  Each hook
    is called **before** the change is applied, except ``pop`` which can only
    report the element after removing it:

    * ``add`` → :meth:`on_add`, only for a new element;
    * ``discard``/``remove`` → :meth:`on_discard`, only if present
      (``remove`` then raises KeyError for an absent element);
    * ``pop`` → :meth:`on_discard` after the removal;
    * ``clear`` → :meth:`on_clear`;
    * ``update``, ``difference_update``, ``intersection_update``,
      ``symmetric_difference_update`` and ``|= -= &= ^=`` → one
      :meth:`on_change` call with the elements that will be added/removed;
    * :meth:`raw_update` changes ``data`` without calling any hook.
    """

    __slots__ = ()

    def on_add(self, value: T) -> None:
        """Hook: ``value`` is about to be added."""

    def on_discard(self, value: T) -> None:
        """Hook: ``value`` is being removed."""

    def on_clear(self) -> None:
        """Hook: the set is about to be cleared."""

    def on_change(self, added: set[T], removed: set[T]) -> None:
        """Hook: a bulk operation is about to add ``added`` and remove ``removed``."""

    def add(self, value: T) -> None:
        """Add ``value``; calls :meth:`on_add` first if it is new."""
        if value not in self.data:
            self.on_add(value)
            self.data.add(value)

    def discard(self, value: T) -> None:
        """Remove ``value`` if present, calling :meth:`on_discard` first."""
        if value in self.data:
            self.on_discard(value)
            self.data.discard(value)

    def remove(self, value: T) -> None:
        """Remove ``value``, calling :meth:`on_discard` first.

        The original library fired no hook here; a removal is a discard, so
        this re-implementation reports it.

        Raises:
            KeyError: ``value`` is not in the set (no hook is called).
        """
        if value not in self.data:
            raise KeyError(value)
        self.on_discard(value)
        self.data.remove(value)

    def pop(self) -> T:
        """Remove and return an arbitrary element, then call :meth:`on_discard`.

        Raises:
            KeyError: the set is empty.
        """
        value = self.data.pop()
        self.on_discard(value)
        return value

    def clear(self) -> None:
        """Call :meth:`on_clear`, then remove every element."""
        self.on_clear()
        self.data.clear()

    def raw_update(self, *others: Iterable[T]) -> None:
        """Add every element of ``others`` without calling any hook."""
        self.data.update(*others)

    def difference_update(self, *others: Iterable[Any]) -> None:
        """Remove every element of ``others``; one :meth:`on_change` call first."""
        data = self.data
        removed = {value for other in others for value in other if value in data}
        self.on_change(set(), removed)
        data.difference_update(removed)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        """Keep only elements found in all ``others``; one :meth:`on_change` first."""
        data = self.data
        removed = data - data.intersection(*others)
        self.on_change(set(), removed)
        data.difference_update(removed)

    def symmetric_difference_update(self, other: Iterable[T]) -> None:
        """Toggle every element of ``other``; one :meth:`on_change` call first."""
        data = self.data
        toggled = set(other)
        self.on_change(toggled - data, toggled & data)
        data.symmetric_difference_update(toggled)

    def update(self, *others: Iterable[T]) -> None:
        """Add every element of ``others``; one :meth:`on_change` call first."""
        data = self.data
        added = {value for other in others for value in other if value not in data}
        self.on_change(added, set())
        data.update(added)


def _pairs_of(arg: Any) -> list[tuple[Any, Any]]:
    """Return the (key, value) pairs of a mapping or of an iterable of pairs."""
    if isinstance(arg, Mapping):
        return list(arg.items())
    if hasattr(arg, "keys"):  # dict.update's duck-typed mapping protocol
        return [(key, arg[key]) for key in arg.keys()]  # noqa: SIM118
    try:
        iterator = iter(arg)
    except TypeError:
        raise TypeError(
            "update() expects a mapping or an iterable of (key, value) pairs, "
            f"not {type(arg).__name__}"
        ) from None
    pairs: list[tuple[Any, Any]] = []
    for index, item in enumerate(iterator):
        try:
            key, value = item
        except (TypeError, ValueError):
            raise ValueError(
                f"update() sequence element #{index} ({item!r}) is not a "
                "(key, value) pair"
            ) from None
        pairs.append((key, value))
    return pairs


class ManagedUserDict(FastUserDict[KT, VT]):
    """A :class:`FastUserDict` that calls hook methods on access and change.

    The hooks do nothing by default; override them in a subclass.  Each hook
    is called before the operation.  ``pop``, ``popitem`` and ``setdefault``
    come from the :class:`~collections.abc.MutableMapping` mixins, so they go
    through ``__getitem__``/``__delitem__``/``__setitem__`` and their hooks.
    """

    __slots__ = ()

    def on_key_get(self, key: KT) -> None:
        """Hook: ``key`` is about to be looked up."""

    def on_key_set(self, key: KT, value: VT) -> None:
        """Hook: ``key`` is about to be set to ``value``."""

    def on_key_del(self, key: KT) -> None:
        """Hook: ``key`` is about to be deleted."""

    def on_clear(self) -> None:
        """Hook: the mapping is about to be cleared."""

    def __getitem__(self, key: KT) -> VT:
        self.on_key_get(key)
        return super().__getitem__(key)

    def __setitem__(self, key: KT, value: VT) -> None:
        self.on_key_set(key, value)
        self.data[key] = value

    def __delitem__(self, key: KT) -> None:
        self.on_key_del(key)
        del self.data[key]

    def update(self, *args: Any, **kwargs: VT) -> None:
        """Update from mappings and/or iterables of pairs, and keywords.

        :meth:`on_key_set` is called for every pair first (in order), then
        ``data`` is updated.  Unlike the original, an iterable of pairs is
        accepted as well as a mapping, and several positional arguments are
        applied in order.

        Raises:
            TypeError: an argument is neither a mapping nor iterable.
            ValueError: an element of an iterable is not a (key, value) pair.
        """
        pairs = [pair for arg in args for pair in _pairs_of(arg)]
        pairs.extend(kwargs.items())
        for key, value in pairs:
            self.on_key_set(key, value)
        self.data.update(pairs)

    def clear(self) -> None:
        """Call :meth:`on_clear`, then remove every item."""
        self.on_clear()
        self.data.clear()

    def raw_update(self, *args: Any, **kwargs: VT) -> None:
        """Update ``data`` like ``dict.update``, without calling any hook."""
        self.data.update(*args, **kwargs)


# ---------------------------------------------------------------- views


class MappingViewProxy(abc.ABC, Generic[KT, VT]):
    """Mixin for mappings whose views iterate through ``_keys``/``_values``/
    ``_items`` (e.g. under a lock) instead of through ``__getitem__``.

    Used with :class:`ProxyKeysView`, :class:`ProxyValuesView` and
    :class:`ProxyItemsView`; the class must also be a Mapping.
    """

    __slots__ = ()

    @abc.abstractmethod
    def _keys(self) -> Iterator[KT]: ...

    @abc.abstractmethod
    def _values(self) -> Iterator[VT]: ...

    @abc.abstractmethod
    def _items(self) -> Iterator[tuple[KT, VT]]: ...


class ProxyKeysView(KeysView[KT]):
    """Keys view of a :class:`MappingViewProxy`: iterates its ``_keys()``.

    ``len()`` and ``in`` use the mapping's ``__len__``/``__contains__``.
    """

    __slots__ = ("_proxy",)

    def __init__(self, mapping: MappingViewProxy[KT, Any]) -> None:
        super().__init__(cast("Mapping[KT, Any]", mapping))
        self._proxy = mapping

    def __iter__(self) -> Iterator[KT]:
        return self._proxy._keys()


class ProxyValuesView(ValuesView[VT]):
    """Values view of a :class:`MappingViewProxy`: iterates its ``_values()``.

    ``in`` scans ``_values()`` (never ``__getitem__``), so it is O(n).
    """

    __slots__ = ("_proxy",)

    def __init__(self, mapping: MappingViewProxy[Any, VT]) -> None:
        super().__init__(cast("Mapping[Any, VT]", mapping))
        self._proxy = mapping

    def __iter__(self) -> Iterator[VT]:
        return self._proxy._values()

    def __contains__(self, value: object) -> bool:
        return any(v is value or v == value for v in self._proxy._values())


class ProxyItemsView(ItemsView[KT, VT]):
    """Items view of a :class:`MappingViewProxy`: iterates its ``_items()``.

    ``in`` scans ``_items()`` (never ``__getitem__``, so looking does not
    count as a use in an LRU cache); it is O(n).
    """

    __slots__ = ("_proxy",)

    def __init__(self, mapping: MappingViewProxy[KT, VT]) -> None:
        super().__init__(cast("Mapping[KT, VT]", mapping))
        self._proxy = mapping

    def __iter__(self) -> Iterator[tuple[KT, VT]]:
        return self._proxy._items()

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        key, value = item
        return any(
            k == key and (v is value or v == value) for k, v in self._proxy._items()
        )


# ---------------------------------------------------------------- LRUCache


class LRUCache(FastUserDict[KT, VT], MappingViewProxy[KT, VT]):
    """A mapping that keeps at most ``limit`` keys, evicting the least recently
    used one.

    * Recency: ``cache[key]``, :meth:`get`, :meth:`setdefault` on an existing
      key and :meth:`incr` make ``key`` the most recently used.  ``in``,
      ``len`` and iteration (also of :meth:`keys`/:meth:`values`/:meth:`items`)
      never change it.
    * Writing a **new** key when the cache is full evicts the oldest key(s).
      Overwriting an existing key never evicts another key and does **not**
      refresh its recency (a write is not a use; this keeps the original
      library's order).  The original also evicted on overwrite, shrinking a
      full cache; that is fixed.
    * :meth:`update` applies everything, then trims the oldest keys down to
      ``limit``.
    * ``limit`` of ``None`` or ``0`` means unbounded.
    * ``thread_safety=True`` guards every operation with a re-entrant lock
      (``threading.RLock``); iterating then works on a snapshot taken under the
      lock.  Without it there is no locking at all (the fast path is a plain
      :class:`~collections.OrderedDict` operation).  The default (None) is
      off, except on a free-threaded interpreter running without the GIL
      (:data:`FREE_THREADED`), where the lock is on and cannot be turned off:
      concurrent writes could corrupt the OrderedDict there.  The
      :attr:`thread_safety` attribute can be set later too.
    * Picklable; the lock is not pickled and is recreated on load (always on
      a free-threaded interpreter).

    Raises:
        TypeError: ``limit`` is not an int or None.
        ValueError: ``limit`` is negative, or ``thread_safety=False`` on a
            free-threaded interpreter.
    """

    __slots__ = ("__dict__", "__weakref__", "_limit", "_lock", "_max", "_mutex", "data")

    data: OrderedDict[KT, VT]
    _limit: int | None
    _max: int
    _lock: threading.RLock | None
    _mutex: AbstractContextManager[Any]

    def __init__(
        self, limit: int | None = None, *, thread_safety: bool | None = None
    ) -> None:
        self.limit = limit
        self.data = OrderedDict()
        self._lock = None
        self.thread_safety = FREE_THREADED if thread_safety is None else thread_safety

    def _setup_lock(self, thread_safety: bool) -> None:
        if not thread_safety:
            self._lock = None
            self._mutex = nullcontext()
        elif self._lock is None:  # a lock in use (maybe held) is kept
            self._lock = self._mutex = threading.RLock()

    @property
    def limit(self) -> int | None:
        """The maximum number of keys; ``None`` or ``0`` means unbounded.

        Lowering it takes effect at the next write (which trims the oldest
        keys).

        Raises:
            TypeError: set to something that is not an int or None.
            ValueError: set to a negative number.
        """
        return self._limit

    @limit.setter
    def limit(self, limit: int | None) -> None:
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int):
                raise TypeError(
                    f"LRUCache limit must be an int or None, not {type(limit).__name__}"
                )
            if limit < 0:
                raise ValueError(
                    f"LRUCache limit must be >= 0 (None or 0: unbounded), got {limit}"
                )
        self._limit = limit
        # The hot path compares against one int: no None/0 test per write.
        self._max = limit or sys.maxsize

    @property
    def thread_safety(self) -> bool:
        """True if operations are guarded by a re-entrant lock.

        Setting it switches the lock on or off (switch it before the cache
        is shared between threads: operations already running keep the mode
        they started with).

        Raises:
            ValueError: set to False on a free-threaded interpreter.
        """
        return self._lock is not None

    @thread_safety.setter
    def thread_safety(self, thread_safety: bool) -> None:
        if FREE_THREADED and not thread_safety:
            raise ValueError(
                "LRUCache(thread_safety=False) is not supported on a "
                "free-threaded interpreter (no GIL): concurrent writes could "
                "corrupt the cache; leave thread_safety at its default"
            )
        self._setup_lock(bool(thread_safety))

    # -- hot path: no lock, no context manager when thread_safety is off.
    # Measured on CPython 3.11 (benchmarks/bench.py, case lru_cache): the
    # module-level ``_move_to_end`` is a specialised call where
    # ``data.move_to_end`` is not.
    def __getitem__(self, key: KT) -> VT:
        if self._lock is None:
            data = self.data
            _move_to_end(data, key)  # KeyError(key) if missing: nothing moves
            return data[key]
        with self._lock:
            data = self.data
            _move_to_end(data, key)
            return data[key]

    @overload
    def get(self, key: KT, /) -> VT | None: ...

    @overload
    def get(self, key: KT, /, default: VT | _D) -> VT | _D: ...

    def get(self, key: KT, default: Any = None) -> Any:
        """Return ``self[key]`` (refreshing its recency), or ``default``."""
        if self._lock is None:
            data = self.data
            try:
                _move_to_end(data, key)
            except KeyError:
                return default
            return data[key]
        with self._lock:
            data = self.data
            try:
                _move_to_end(data, key)
            except KeyError:
                return default
            return data[key]

    def __setitem__(self, key: KT, value: VT) -> None:
        if self._lock is None:
            data = self.data
            data[key] = value
            if len(data) > self._max:  # a new key, or a lowered limit
                self._trim()
            return
        with self._lock:
            data = self.data
            data[key] = value
            if len(data) > self._max:
                self._trim()

    def _trim(self) -> None:
        data = self.data
        popitem = data.popitem
        limit = self._max
        while len(data) > limit:
            popitem(last=False)

    # -- everything else: under the mutex (a no-op context when not thread safe)
    def __delitem__(self, key: KT) -> None:
        with self._mutex:
            del self.data[key]

    def __iter__(self) -> Iterator[KT]:
        return self._keys()

    def update(self, *args: Any, **kwargs: VT) -> None:
        """Update like ``dict.update``, then evict the oldest keys over ``limit``.

        Existing keys keep their position; new keys are the most recent.
        """
        with self._mutex:
            self.data.update(*args, **kwargs)
            self._trim()

    def clear(self) -> None:
        """Remove every item."""
        with self._mutex:
            self.data.clear()

    def copy(self) -> dict[KT, VT]:
        """Return a shallow copy as a plain ``dict`` (oldest key first)."""
        with self._mutex:
            return dict(self.data)

    def popitem(self, *, last: bool = True) -> tuple[KT, VT]:
        """Remove and return the newest (``last=True``) or oldest item.

        Raises:
            KeyError: the cache is empty.
        """
        with self._mutex:
            return self.data.popitem(last=last)

    @overload
    def pop(self, key: KT, /) -> VT: ...

    @overload
    def pop(self, key: KT, /, default: VT | _D) -> VT | _D: ...

    def pop(self, key: KT, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its value (or ``default`` if given).

        Raises:
            KeyError: ``key`` is missing and no default was given.
        """
        with self._mutex:
            if default is _MISSING:
                return self.data.pop(key)
            return self.data.pop(key, default)

    @overload
    def setdefault(
        self: LRUCache[KT, T | None], key: KT, default: None = None, /
    ) -> T | None: ...

    @overload
    def setdefault(self, key: KT, default: VT, /) -> VT: ...

    def setdefault(self, key: KT, default: Any = None) -> Any:
        """Return ``self[key]`` (refreshing it); if missing, set it to ``default``."""
        with self._mutex:
            data = self.data
            if key in data:
                data.move_to_end(key)
                return data[key]
            self[key] = default
            return default

    def incr(self, key: KT, delta: int = 1) -> int:
        """Add ``delta`` to the integer stored at ``key``, memcached style.

        The new value is stored as a **str** and returned as an int; ``key``
        becomes the most recently used.

        Raises:
            KeyError: ``key`` is missing.
            ValueError: the stored value is not an integer (nothing changes).
        """
        with self._mutex:
            data = self.data
            current: Any = data[key]
            try:
                new_value = int(current) + delta
            except (TypeError, ValueError):
                raise ValueError(
                    f"LRUCache.incr({key!r}): the stored value {current!r} "
                    "is not an integer"
                ) from None
            data[key] = cast(VT, str(new_value))
            data.move_to_end(key)
            return new_value

    # -- views (never touch recency)
    def _keys(self) -> Iterator[KT]:
        lock = self._lock
        if lock is None:
            return iter(self.data)
        with lock:
            return iter(list(self.data))

    def _values(self) -> Iterator[VT]:
        lock = self._lock
        if lock is None:
            return iter(self.data.values())
        with lock:
            return iter(list(self.data.values()))

    def _items(self) -> Iterator[tuple[KT, VT]]:
        lock = self._lock
        if lock is None:
            return iter(self.data.items())
        with lock:
            return iter(list(self.data.items()))

    def keys(self) -> KeysView[KT]:
        """Return a keys view (oldest first) that does not refresh recency."""
        return ProxyKeysView(self)

    def values(self) -> ValuesView[VT]:
        """Return a values view (oldest first) that does not refresh recency."""
        return ProxyValuesView(self)

    def items(self) -> ItemsView[KT, VT]:
        """Return an items view (oldest first) that does not refresh recency."""
        return ProxyItemsView(self)

    # -- pickling: the lock is dropped and recreated
    def __getstate__(self) -> dict[str, Any]:
        with self._mutex:
            state = dict(getattr(self, "__dict__", {}))
            state["data"] = OrderedDict(self.data)
        state["limit"] = self.limit
        state["thread_safety"] = self.thread_safety
        return state

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        state = dict(state)
        self.data = state.pop("data")
        self.limit = state.pop("limit")
        self._lock = None
        # Made where the lock could be off: no choice without a GIL.
        self._setup_lock(bool(state.pop("thread_safety")) or FREE_THREADED)
        for name, value in state.items():
            object.__setattr__(self, name, value)


# ---------------------------------------------------------------- attributes


class AttributeDictMixin:
    """Mixin: attribute access to the items of a mapping (``d.x`` is ``d['x']``).

    Setting an attribute sets the item; deleting one deletes the item.  A
    missing key raises AttributeError, as attribute access should.
    """

    __slots__ = ()

    def __getattr__(self, key: str) -> Any:
        mapping: Any = self
        try:
            return mapping[key]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {key!r}"
            ) from None

    def __setattr__(self, key: str, value: Any) -> None:
        mapping: Any = self
        mapping[key] = value

    def __delattr__(self, key: str) -> None:
        mapping: Any = self
        try:
            del mapping[key]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {key!r}"
            ) from None


class AttributeDict(dict[str, VT], AttributeDictMixin):
    """A ``dict`` whose items are also attributes: ``d.x`` is ``d['x']``."""


class DictAttribute(MutableMapping[str, VT], MappingViewProxy[str, VT]):
    """Use an object as a mapping: ``d['x']`` is ``obj.x``.

    Iteration and the views list the names ``dir(obj)`` gives (class
    attributes and methods too), so ``{**d}`` holds every setting of a
    config class or module.  ``len(d)``, and so ``bool(d)``, counts the
    instance's own attributes (its ``__dict__``; everything ``dir`` lists for
    an object without one), as in the original mode: an instance with no
    attributes of its own is an empty, false mapping although iterating it
    lists its class's names.  ``key in d`` and ``d[key]`` follow attribute
    lookup (``hasattr``/``getattr``), so a dynamic attribute (from a
    ``__getattr__``) can be read although ``dir`` does not list it.
    ``del d[key]`` deletes the attribute (what the original's changelog
    promised; its code raised NotImplementedError).  Attribute access on the
    wrapper itself is forwarded to ``obj`` too.
    """

    __slots__ = ("obj",)

    obj: Any

    def __init__(self, obj: Any) -> None:
        object.__setattr__(self, "obj", obj)

    def __getattr__(self, key: str) -> Any:
        if key == "obj":  # not set yet (e.g. while unpickling): do not recurse
            raise AttributeError(key)
        return getattr(self.obj, key)

    def __setattr__(self, key: str, value: Any) -> None:
        setattr(self.obj, key, value)

    def get(self, key: str, default: Any = None) -> Any:
        """Return ``getattr(obj, key)``, or ``default`` if it has no such attribute."""
        try:
            return self[key]
        except KeyError:
            return default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``getattr(obj, key)``; if missing, set it to ``default`` first."""
        try:
            return self[key]
        except KeyError:
            self[key] = default
            return default

    def __getitem__(self, key: str) -> VT:
        try:
            return cast(VT, getattr(self.obj, key))
        except AttributeError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: VT) -> None:
        setattr(self.obj, key, value)

    def __delitem__(self, key: str) -> None:
        """Delete the attribute ``key`` of ``obj``.

        Raises:
            KeyError: ``obj`` has no such (deletable) attribute, e.g. it is
                defined on the class, not on the instance.
        """
        try:
            delattr(self.obj, key)
        except AttributeError:
            raise KeyError(key) from None

    def __len__(self) -> int:
        obj = self.obj
        try:
            return len(obj.__dict__)
        except AttributeError:
            return len(dir(obj))

    def __iter__(self) -> Iterator[str]:
        return iter(dir(self.obj))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and hasattr(self.obj, key)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.obj!r}>"

    def _keys(self) -> Iterator[str]:
        return iter(dir(self.obj))

    def _values(self) -> Iterator[VT]:
        obj = self.obj
        return (cast(VT, getattr(obj, key)) for key in dir(obj))

    def _items(self) -> Iterator[tuple[str, VT]]:
        obj = self.obj
        return ((key, cast(VT, getattr(obj, key))) for key in dir(obj))

    def keys(self) -> KeysView[str]:
        """Return a view of the attribute names (``dir(obj)``)."""
        return ProxyKeysView(self)

    def values(self) -> ValuesView[VT]:
        """Return a view of the attribute values, in ``dir(obj)`` order."""
        return ProxyValuesView(self)

    def items(self) -> ItemsView[str, VT]:
        """Return a view of ``(name, value)`` pairs, in ``dir(obj)`` order."""
        return ProxyItemsView(self)


def force_mapping(m: Any) -> Mapping[Any, Any]:
    """Return ``m`` as a Mapping.

    A Django ``LazyObject``/``LazySettings`` is unwrapped first (set up if it
    was not yet); a Mapping is returned as is; anything else is wrapped in a
    :class:`DictAttribute`.
    """
    if isinstance(m, (LazyObject, LazySettings)):
        wrapped = getattr(m, "_wrapped", _MISSING)
        if wrapped is _django_empty or wrapped is _MISSING:
            m._setup()
            wrapped = m._wrapped
        m = wrapped
    if isinstance(m, Mapping):
        return m
    return DictAttribute(m)
