"""A stack that is local to the current context (task or thread).

:class:`LocalStack` keeps its items in a :class:`contextvars.ContextVar`
holding an immutable tuple.  Every push or pop stores a *new* tuple, so a task
created while the stack is non-empty starts with a snapshot of it and from
then on is isolated: what the child pushes or pops is invisible to its
parent, and the other way around.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

__all__ = ["LocalStack"]

_T = TypeVar("_T")


class LocalStack(Generic[_T]):
    """A LIFO stack whose contents are local to the current context.

    Each asyncio task (and each thread) sees its own stack; a new task starts
    with a copy of its creator's stack as it was at creation time.
    Typical use is nesting of "current object" state::

        stack: LocalStack[Request] = LocalStack()
        with stack.push(request):
            ...  # stack.top is request here, in this task only
    """

    __slots__ = ("__dict__", "_var")

    def __init__(self) -> None:
        self._var: ContextVar[tuple[_T, ...]] = ContextVar(
            f"LocalStack@{id(self):#x}", default=()
        )

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} at {id(self):#x} {list(self.stack)!r}>"

    @contextmanager
    def push(self, obj: _T) -> Iterator[_T]:
        """Context manager: push ``obj`` on entry, pop it again on exit.

        Yields ``obj``.  The pop happens even if the block raises.
        """
        self.push_without_automatic_cleanup(obj)
        try:
            yield obj
        finally:
            self.pop()

    def push_without_automatic_cleanup(self, obj: _T) -> None:
        """Push ``obj``; the caller is responsible for the matching :meth:`pop`."""
        var = self._var
        var.set((*var.get(), obj))

    def pop(self) -> _T | None:
        """Remove and return the top item, or return None if the stack is empty."""
        var = self._var
        items = var.get()
        if not items:
            return None
        var.set(items[:-1])
        return items[-1]

    def __len__(self) -> int:
        return len(self._var.get())

    @property
    def stack(self) -> Sequence[_T]:
        """The items, bottom first, as a read-only sequence (empty if none)."""
        return self._var.get()

    @property
    def top(self) -> _T | None:
        """The most recently pushed item, or None if the stack is empty."""
        items = self._var.get()
        return items[-1] if items else None
