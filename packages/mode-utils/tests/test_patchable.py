"""Instances of the helper classes can be patched, as in the original.

The classes keep ``__slots__`` for their own attributes (speed, memory) but
also have an instance ``__dict__``, so that ``mock.patch.object(instance,
"method")`` and setting an attribute of one's own work, as test suites
written for the original do (the original's classes had no slots).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest

from mode.utils.aiter import AsyncIterWrapper, arange
from mode.utils.collections import Heap, LRUCache
from mode.utils.locals import LocalStack
from mode.utils.locks import Event
from mode.utils.objects import Unordered
from mode.utils.tracebacks import Traceback


def _frame() -> Any:
    import sys

    return sys._getframe()


FACTORIES: dict[str, tuple[Callable[[], Any], str]] = {
    "Event": (Event, "is_set"),
    "Heap": (lambda: Heap([3, 1, 2]), "pop"),
    "LRUCache": (lambda: LRUCache(limit=10), "keys"),
    "LocalStack": (LocalStack, "push"),
    "AsyncIterWrapper": (lambda: AsyncIterWrapper(iter([1])), "__repr__"),
    "arange": (lambda: arange(3), "__repr__"),
    "Unordered": (lambda: Unordered(1), "__repr__"),
    "Traceback": (lambda: Traceback(_frame()), "__repr__"),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_instance_method_can_be_patched(name: str) -> None:
    factory, method = FACTORIES[name]
    obj = factory()
    if not method.startswith("__"):  # dunder look-ups go to the type
        with mock.patch.object(obj, method, return_value="patched") as patched:
            assert getattr(obj, method)() == "patched"
        patched.assert_called_once_with()
        # Unpatched again: the class's method is back.
        assert getattr(obj, method).__func__ is getattr(type(obj), method)
    obj.note = "mine"
    assert obj.note == "mine"


def test_patching_an_event_does_not_change_other_events() -> None:
    a, b = Event(), Event()
    with mock.patch.object(a, "is_set", return_value=True):
        assert a.is_set()
        assert not b.is_set()
