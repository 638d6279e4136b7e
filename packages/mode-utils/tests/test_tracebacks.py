"""Tests for mode.utils.tracebacks on real pending tasks, coroutines and agens."""

from __future__ import annotations

import asyncio
import io
import sys
import traceback
from collections.abc import AsyncGenerator, AsyncIterator
from types import FrameType, TracebackType
from typing import Any, cast

import pytest

from mode.utils import tracebacks
from mode.utils.tracebacks import (
    DEFAULT_MAX_FRAMES,
    Traceback,
    format_agen_stack,
    format_coro_stack,
    format_task_stack,
    print_agen_stack,
    print_coro_stack,
    print_task_stack,
)


async def inner(ev: asyncio.Event) -> None:
    marker_inner = "inner-local"
    await ev.wait()
    del marker_inner


async def middle(ev: asyncio.Event) -> None:
    await inner(ev)


async def outer(ev: asyncio.Event) -> None:
    await middle(ev)


async def agen(ev: asyncio.Event) -> AsyncGenerator[int, None]:
    await middle(ev)
    yield 1


async def consume(ev: asyncio.Event) -> None:
    async for _ in agen(ev):
        pass


async def nested(n: int, ev: asyncio.Event) -> None:
    if n:
        await nested(n - 1, ev)
    else:
        await ev.wait()


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def names(tb: Traceback | None) -> list[str]:
    result = []
    while tb is not None:
        result.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return result


def frame_lines(text: str) -> list[str]:
    """The function names of the ``File ...`` lines of a printed stack."""
    return [
        line.rsplit(" in ", 1)[1]
        for line in text.splitlines()
        if line.startswith('  File "')
    ]


def test_default_max_frames() -> None:
    assert sys.getrecursionlimit() // 8 == DEFAULT_MAX_FRAMES


def test_all() -> None:
    assert set(tracebacks.__all__) == {
        "DEFAULT_MAX_FRAMES",
        "Traceback",
        "format_agen_stack",
        "format_coro_stack",
        "format_task_stack",
        "print_agen_stack",
        "print_coro_stack",
        "print_task_stack",
    }


async def test_pending_task_nested_coroutines() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(outer(ev))
    await settle()
    text = format_task_stack(task)
    lines = text.splitlines()
    assert lines[0] == f"Stack for {task!r} (most recent call last):"
    # Outermost first, down to asyncio.Event.wait (what inner awaits).
    assert frame_lines(text) == ["outer", "middle", "inner", "wait"]
    assert "await middle(ev)" in text
    assert "await ev.wait()" in text
    assert "marker_inner" not in text  # no locals by default
    ev.set()
    await task


async def test_from_task_links_real_frames() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(outer(ev))
    await settle()
    tb = Traceback.from_task(task)
    coro = cast(Any, task.get_coro())
    assert tb.tb_frame is coro.cr_frame
    assert tb.tb_lineno == coro.cr_frame.f_lineno
    assert tb.tb_lasti == coro.cr_frame.f_lasti
    assert names(tb) == ["outer", "middle", "inner", "wait"]
    # The fake traceback is accepted by the traceback module.
    formatted = "".join(traceback.format_tb(cast(TracebackType, tb)))
    assert "in outer" in formatted
    assert "in wait" in formatted
    ev.set()
    await task


async def test_capture_locals() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(outer(ev))
    await settle()
    text = format_task_stack(task, capture_locals=True)
    assert "marker_inner = 'inner-local'" in text
    ev.set()
    await task


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


async def secretive(ev: asyncio.Event) -> None:
    db_password = "hunter2-in-a-task"
    API_Key = "k-0123456789"
    sessionCookie = "c-0123456789"
    visible = "plain-visible"
    huge = "x" * 5000
    odd = BadRepr()
    await ev.wait()
    del db_password, API_Key, sessionCookie, visible, huge, odd


async def test_capture_locals_redacts_secrets_and_cuts_long_values() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(secretive(ev))
    await settle()
    text = format_task_stack(task, capture_locals=True)
    for secret in ("hunter2", "k-0123456789", "c-0123456789"):
        assert secret not in text
    assert "db_password = <redacted>" in text
    assert "API_Key = <redacted>" in text
    assert "sessionCookie = <redacted>" in text
    assert "visible = 'plain-visible'" in text
    # The repr is 5002 characters ('x' * 5000 in quotes): 200 are shown.
    assert f"huge = '{'x' * 199}...<4802 more chars>\n" in text
    assert "odd = <repr failed: RuntimeError>" in text
    locals_lines = [line for line in text.splitlines() if " = " in line]
    assert max(len(line) for line in locals_lines) < 250
    ev.set()
    await task


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "PASSWD",
        "user_pwd",
        "client_secret",
        "authToken",
        "api_key",
        "Credentials",
        "oauth",
        "cookie_jar",
        "session",
        "private_pem",
        "signature",
    ],
)
def test_secret_names(name: str) -> None:
    assert tracebacks._is_secret_name(name)
    assert tracebacks._safe_repr(name, "s3cr3t") == "<redacted>"


@pytest.mark.parametrize("name", ["user", "count", "self", "payload", "host"])
def test_plain_names(name: str) -> None:
    assert not tracebacks._is_secret_name(name)
    assert tracebacks._safe_repr(name, "shown") == "'shown'"


async def test_task_in_async_for_ends_at_asend() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(consume(ev))
    await settle()
    tb = Traceback.from_task(task)
    assert names(tb) == ["consume", "[rest of traceback truncated]"]
    assert tb.tb_next is not None
    assert tb.tb_next.tb_frame.f_code.co_filename == "async_generator_asend"
    text = format_task_stack(task)
    assert 'File "async_generator_asend", line -1' in text
    ev.set()
    await task


async def test_agen_stack_follows_ag_await() -> None:
    ev = asyncio.Event()
    gen = agen(ev)
    step = asyncio.ensure_future(gen.__anext__())
    await settle()
    tb = Traceback.from_agen(gen)
    assert tb.tb_frame is cast(Any, gen).ag_frame
    assert names(tb) == ["agen", "middle", "inner", "wait"]
    text = format_agen_stack(gen)
    assert text.splitlines()[0] == f"Stack for {gen!r} (most recent call last):"
    assert frame_lines(text) == ["agen", "middle", "inner", "wait"]
    buf = io.StringIO()
    print_agen_stack(gen, file=buf, capture_locals=True)
    assert "marker_inner = 'inner-local'" in buf.getvalue()
    ev.set()
    assert await step == 1
    # Suspended at its yield: one frame, nothing awaited.
    assert frame_lines(format_agen_stack(gen)) == ["agen"]
    await gen.aclose()
    assert format_agen_stack(gen).splitlines()[1:] == ["  (finished)"]


async def test_coro_stack() -> None:
    ev = asyncio.Event()
    coro = middle(ev)
    task = asyncio.ensure_future(coro)
    await settle()
    text = format_coro_stack(coro)
    assert text.splitlines()[0] == f"Stack for {coro!r} (most recent call last):"
    assert frame_lines(text) == ["middle", "inner", "wait"]
    buf = io.StringIO()
    print_coro_stack(coro, file=buf)
    assert buf.getvalue() == text
    ev.set()
    await task


async def test_print_functions_default_to_current_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ev = asyncio.Event()
    gen = agen(ev)
    coro = outer(ev)
    task = asyncio.ensure_future(coro)
    step = asyncio.ensure_future(gen.__anext__())
    await settle()
    print_task_stack(task)
    print_coro_stack(coro)
    print_agen_stack(gen)
    err = capsys.readouterr().err
    assert err.count("(most recent call last):") == 3
    assert frame_lines(err) == ["outer", "middle", "inner", "wait"] * 2 + [
        "agen",
        "middle",
        "inner",
        "wait",
    ]
    ev.set()
    await task
    await step
    await gen.aclose()


async def test_limit_truncates() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(outer(ev))
    await settle()
    tb = Traceback.from_task(task, limit=2)
    assert names(tb) == ["outer", "middle", "[rest of traceback truncated]"]
    text = format_task_stack(task, limit=1)
    assert frame_lines(text) == ["outer", "[rest of traceback truncated]"]
    assert 'File "...", line -1, in [rest of traceback truncated]' in text
    # Exactly as many frames as the limit: no truncation node.
    assert names(Traceback.from_task(task, limit=4)) == [
        "outer",
        "middle",
        "inner",
        "wait",
    ]
    # depth counts frames already used by the caller.
    coro = cast(Any, task.get_coro())
    assert names(Traceback.from_coroutine(coro, depth=3, limit=4)) == [
        "outer",
        "[rest of traceback truncated]",
    ]
    assert names(Traceback.from_coroutine(coro, depth=4, limit=4)) == [
        "[rest of traceback truncated]"
    ]
    # The truncation node is accepted by the traceback module too.
    formatted = "".join(traceback.format_tb(cast(TracebackType, tb)))
    assert "[rest of traceback truncated]" in formatted
    ev.set()
    await task


async def test_deep_chain_default_limit_and_no_limit() -> None:
    ev = asyncio.Event()
    depth = DEFAULT_MAX_FRAMES + 50
    task = asyncio.create_task(nested(depth, ev))
    await settle()
    limited = names(Traceback.from_task(task))
    assert len(limited) == DEFAULT_MAX_FRAMES + 1
    assert limited[-1] == "[rest of traceback truncated]"
    full = names(Traceback.from_task(task, limit=None))
    # depth+1 calls of nested, plus Event.wait.
    assert full == ["nested"] * (depth + 1) + ["wait"]
    ev.set()
    await task


async def test_chain_stops_at_future() -> None:
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def waiter() -> None:
        await fut

    task = asyncio.create_task(waiter())
    await settle()
    assert names(Traceback.from_task(task)) == ["waiter"]
    fut.set_result(None)
    await task


async def test_finished_task_and_coroutine() -> None:
    ev = asyncio.Event()
    ev.set()
    task = asyncio.create_task(outer(ev))
    await task
    text = format_task_stack(task)
    assert text == (f"Stack for {task!r} (most recent call last):\n  (finished)\n")
    tb = Traceback.from_task(task)
    assert tb.tb_frame.f_code.co_name == "(finished)"
    assert tb.tb_next is None
    coro = cast(Any, task.get_coro())
    assert format_coro_stack(coro).endswith("\n  (finished)\n")


async def test_task_without_coroutine() -> None:
    class EagerDone(asyncio.Future[None]):
        """Like a 3.12 eager task that completed: get_coro() returns None."""

        def get_coro(self) -> None:
            return None

    fut = EagerDone()
    fut.set_result(None)
    tb = Traceback.from_task(cast(Any, fut))
    assert tb.tb_frame.f_code.co_name == "(finished)"
    assert format_task_stack(cast(Any, fut)).endswith("  (finished)\n")


def test_unstarted_coroutine() -> None:
    ev = asyncio.Event()
    coro = outer(ev)
    try:
        tb = Traceback.from_coroutine(coro)
        assert names(tb) == ["outer"]
    finally:
        coro.close()


def test_traceback_constructor() -> None:
    ev = asyncio.Event()
    coro = outer(ev)
    try:
        frame: FrameType = cast(Any, coro).cr_frame
        tb = Traceback(frame)
        assert tb.tb_frame is frame
        assert tb.tb_lineno == frame.f_lineno
        assert tb.tb_lasti == frame.f_lasti
        assert tb.tb_next is None
        tb2 = Traceback(frame, lineno=5, lasti=2)
        assert (tb2.tb_lineno, tb2.tb_lasti) == (5, 2)
    finally:
        coro.close()


def test_bad_input() -> None:
    with pytest.raises(TypeError, match=r"expects an asyncio\.Task, got str"):
        Traceback.from_task(cast(Any, "task"))
    with pytest.raises(TypeError, match="expects an async generator"):
        format_agen_stack(cast(Any, object()))
    with pytest.raises(TypeError):
        print_task_stack(cast(Any, None), file=io.StringIO())

    async def coro() -> None:
        pass

    c = coro()
    try:
        with pytest.raises(TypeError, match="limit must be None or an int"):
            Traceback.from_coroutine(c, limit=cast(Any, "5"))
        with pytest.raises(ValueError, match="depth must be 0 or more"):
            Traceback.from_coroutine(c, depth=-1)
    finally:
        c.close()


async def test_limit_zero_shows_no_frames() -> None:
    # limit counts frames (the original printed none for 0, instead of
    # raising); the frames left out are marked, as for any other limit.
    ev = asyncio.Event()
    task = asyncio.create_task(outer(ev))
    await settle()
    for limit in (0, -1):
        text = format_task_stack(task, limit=limit)
        assert text.splitlines()[0] == f"Stack for {task!r} (most recent call last):"
        assert frame_lines(text) == ["[rest of traceback truncated]"]
        assert names(Traceback.from_task(task, limit=limit)) == [
            "[rest of traceback truncated]"
        ]
    ev.set()
    await task


async def test_stack_of_asend_object_does_not_raise() -> None:
    # What ``async for`` awaits: the generator behind it is not reachable.
    ev = asyncio.Event()
    gen = agen(ev)
    asend = gen.asend(None)
    step = asyncio.ensure_future(asend)
    await settle()
    tb = Traceback.from_coroutine(cast(Any, asend))
    assert tb.tb_frame.f_code.co_filename == "async_generator_asend"
    assert names(tb) == ["[rest of traceback truncated]"]
    text = format_coro_stack(cast(Any, asend))
    assert text.splitlines() == [
        f"Stack for {asend!r} (most recent call last):",
        '  File "async_generator_asend", line -1, in [rest of traceback truncated]',
    ]
    ev.set()
    assert await step == 1
    await gen.aclose()


class _Awaitable:
    """An awaitable whose ``__await__`` is a generator (not a coroutine)."""

    def __init__(self, ev: asyncio.Event) -> None:
        self.ev = ev

    def __await__(self) -> Any:
        return (yield from self.ev.wait().__await__())


async def test_stack_of_unknown_awaitables_does_not_raise() -> None:
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    for odd in (fut, 42, object(), _Awaitable(asyncio.Event())):
        tb = Traceback.from_coroutine(cast(Any, odd))
        assert tb.tb_frame.f_code.co_filename == type(odd).__name__
        assert tb.tb_next is None
        text = format_coro_stack(cast(Any, odd), limit=0)
        assert text.splitlines() == [
            f"Stack for {odd!r} (most recent call last):",
            f'  File "{type(odd).__name__}", line -1, in [rest of traceback truncated]',
        ]
    fut.cancel()


async def test_stack_follows_generator_based_awaitables() -> None:
    # As the original: a generator's frame is shown, and what it awaits.
    ev = asyncio.Event()

    async def waits_on_awaitable() -> None:
        await _Awaitable(ev)

    task = asyncio.create_task(waits_on_awaitable())
    await settle()
    # The chain ends at the generator: what it awaits through
    # ``coroutine.__await__()`` is a wrapper without frames.
    assert names(Traceback.from_task(task)) == ["waits_on_awaitable", "__await__"]
    ev.set()
    await task

    def gen() -> Any:
        yield 1

    g = gen()
    assert names(Traceback.from_coroutine(cast(Any, g))) == ["gen"]
    g.close()
    assert format_coro_stack(cast(Any, g)).endswith("\n  (finished)\n")


def test_stack_of_frame_impostors_does_not_raise() -> None:
    # A mock answers every attribute: its cr_frame is no frame.
    class Impostor:
        cr_frame = "not a frame"
        cr_await = None

    impostor = Impostor()
    tb = Traceback.from_coroutine(cast(Any, impostor))
    assert tb.tb_frame.f_code.co_filename == "Impostor"
    assert "Impostor" in format_coro_stack(cast(Any, impostor))

    class Failing:
        @property
        def cr_frame(self) -> FrameType:
            raise RuntimeError("a proxy whose target is gone")

    failing = Failing()
    assert Traceback.from_coroutine(cast(Any, failing)).tb_frame.f_code.co_filename == (
        "Failing"
    )


def test_fake_frames_are_typed_like_frames() -> None:
    # Truncation nodes carry what traceback.StackSummary reads.
    async def agen_empty() -> AsyncIterator[int]:
        yield 1

    tb = Traceback.from_coroutine(cast(Any, agen_empty()), limit=1, depth=1)
    frame = cast(FrameType, tb.tb_frame)
    assert frame.f_code.co_filename == "..."
    assert frame.f_globals == {}
    assert frame.f_locals == {}
    assert frame.f_lineno == -1
    assert frame.f_back is None
