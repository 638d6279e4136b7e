"""Tests for mode.utils.locals.LocalStack."""

from __future__ import annotations

import asyncio
import threading

import pytest

from mode.utils import locals as mode_locals
from mode.utils.locals import LocalStack


def test_all() -> None:
    assert mode_locals.__all__ == ["LocalStack"]


def test_empty_stack() -> None:
    stack: LocalStack[int] = LocalStack()
    assert len(stack) == 0
    assert not stack
    assert stack.top is None
    assert stack.pop() is None
    assert list(stack.stack) == []


def test_push_and_pop_order() -> None:
    stack: LocalStack[str] = LocalStack()
    stack.push_without_automatic_cleanup("a")
    stack.push_without_automatic_cleanup("b")
    assert len(stack) == 2
    assert stack.top == "b"
    assert list(stack.stack) == ["a", "b"]
    assert stack.pop() == "b"
    assert stack.pop() == "a"
    assert stack.pop() is None
    assert len(stack) == 0


def test_push_context_manager_pops_on_exit() -> None:
    stack: LocalStack[str] = LocalStack()
    with stack.push("outer") as outer:
        assert outer == "outer"
        with stack.push("inner"):
            assert list(stack.stack) == ["outer", "inner"]
        assert stack.top == "outer"
    assert stack.top is None


def test_push_context_manager_pops_on_error() -> None:
    stack: LocalStack[str] = LocalStack()
    with pytest.raises(KeyError), stack.push("x"):
        raise KeyError("x")
    assert len(stack) == 0


def test_stack_is_read_only_snapshot() -> None:
    stack: LocalStack[int] = LocalStack()
    stack.push_without_automatic_cleanup(1)
    snapshot = stack.stack
    assert isinstance(snapshot, tuple)
    stack.push_without_automatic_cleanup(2)
    assert list(snapshot) == [1]
    assert list(stack.stack) == [1, 2]


def test_stacks_are_independent() -> None:
    one: LocalStack[int] = LocalStack()
    two: LocalStack[int] = LocalStack()
    one.push_without_automatic_cleanup(1)
    assert two.top is None
    assert len(one) == 1


def test_repr() -> None:
    stack: LocalStack[int] = LocalStack()
    stack.push_without_automatic_cleanup(7)
    assert repr(stack).startswith("<LocalStack at 0x")
    assert repr(stack).endswith("[7]>")


async def test_child_task_is_isolated_from_parent() -> None:
    # FIX: upstream mutated a shared list in place, so a child's push showed
    # up in the parent and the parent's pop removed the child's item.
    stack: LocalStack[str] = LocalStack()
    stack.push_without_automatic_cleanup("parent")
    child_pushed = asyncio.Event()
    parent_popped = asyncio.Event()
    child_view: list[list[str]] = []

    async def child() -> None:
        assert list(stack.stack) == ["parent"]  # inherited snapshot
        stack.push_without_automatic_cleanup("child")
        child_pushed.set()
        await parent_popped.wait()
        child_view.append(list(stack.stack))

    task = asyncio.create_task(child())
    await child_pushed.wait()
    assert list(stack.stack) == ["parent"]  # the child's push is invisible
    assert stack.pop() == "parent"  # not "child"
    assert len(stack) == 0
    parent_popped.set()
    await task
    assert child_view == [["parent", "child"]]  # the parent's pop is invisible
    assert stack.top is None


async def test_sibling_tasks_are_isolated() -> None:
    stack: LocalStack[int] = LocalStack()
    both_pushed = asyncio.Barrier(2)
    views: dict[int, list[int]] = {}

    async def worker(n: int) -> None:
        with stack.push(n):
            await both_pushed.wait()
            views[n] = list(stack.stack)

    await asyncio.gather(worker(1), worker(2))
    assert views == {1: [1], 2: [2]}
    assert len(stack) == 0


def test_threads_are_isolated() -> None:
    stack: LocalStack[str] = LocalStack()
    stack.push_without_automatic_cleanup("main")
    seen: list[object] = []

    def in_thread() -> None:
        seen.append(stack.top)
        stack.push_without_automatic_cleanup("thread")
        seen.append(list(stack.stack))

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [None, ["thread"]]
    assert list(stack.stack) == ["main"]
