"""Tests for mode.utils.compat, mode.utils.contexts and mode.utils.typing."""

from __future__ import annotations

import contextlib
import typing

from mode.utils import compat, contexts, text
from mode.utils import typing as mode_typing
from mode.utils.contexts import asyncnullcontext


def test_compat_aliases_text() -> None:
    assert compat.__all__ == ["isatty", "want_bytes", "want_str"]
    assert compat.want_bytes is text.want_bytes
    assert compat.want_str is text.want_str
    assert compat.isatty is text.isatty
    assert compat.want_bytes("x") == b"x"
    assert compat.want_str(b"x") == "x"
    assert compat.isatty(object()) is False


def test_contexts_reexports_contextlib() -> None:
    assert set(contexts.__all__) == {
        "AbstractAsyncContextManager",
        "AsyncExitStack",
        "ExitStack",
        "asynccontextmanager",
        "asyncnullcontext",
        "nullcontext",
    }
    assert contexts.AbstractAsyncContextManager is (
        contextlib.AbstractAsyncContextManager
    )
    assert contexts.AsyncExitStack is contextlib.AsyncExitStack
    assert contexts.ExitStack is contextlib.ExitStack
    assert contexts.asynccontextmanager is contextlib.asynccontextmanager
    assert contexts.nullcontext is contextlib.nullcontext
    assert asyncnullcontext is contextlib.nullcontext


async def test_asyncnullcontext() -> None:
    ctx = asyncnullcontext()
    assert isinstance(ctx, contextlib.AbstractAsyncContextManager)
    async with ctx as value:
        assert value is None
    marker = object()
    async with asyncnullcontext(marker) as value2:
        assert value2 is marker
    with asyncnullcontext(3) as value3:  # also a sync context manager
        assert value3 == 3


def test_typing_aliases() -> None:
    names = [
        "AsyncContextManager",
        "AsyncGenerator",
        "ChainMap",
        "Counter",
        "Deque",
        "NoReturn",
        "Protocol",
    ]
    assert sorted(mode_typing.__all__) == sorted(names)
    for name in names:
        assert getattr(mode_typing, name) is getattr(typing, name)
