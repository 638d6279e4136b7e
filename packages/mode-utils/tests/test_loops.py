"""Tests for mode.utils.loops."""

from __future__ import annotations

import asyncio
import contextvars
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from typing import Any

import pytest
from support_loops import in_new_thread

from mode.utils import loops
from mode.utils.loops import call_asap, clone_loop, get_event_loop

LOOP_FACTORIES: list[Callable[[], asyncio.AbstractEventLoop]] = [asyncio.new_event_loop]
try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop missing for this Python
    pass
else:
    LOOP_FACTORIES.append(uvloop.new_event_loop)

_var: contextvars.ContextVar[str] = contextvars.ContextVar("_var", default="unset")


def test_all() -> None:
    assert loops.__all__ == ["call_asap", "clone_loop", "get_event_loop"]


# -- call_asap -------------------------------------------------------------


async def test_call_asap_runs_exactly_once_in_fifo_order() -> None:
    # FIX: upstream ran the callback twice (['asap', 'first', 'asap']).
    loop = asyncio.get_running_loop()
    calls: list[str] = []
    loop.call_soon(calls.append, "first")
    handle = call_asap(calls.append, "asap", loop=loop)
    assert not handle.cancelled()  # an asyncio.Handle (or uvloop's equivalent)
    for _ in range(5):
        await asyncio.sleep(0)
    assert calls == ["first", "asap"]


async def test_call_asap_handle_can_cancel() -> None:
    loop = asyncio.get_running_loop()
    calls: list[int] = []
    call_asap(calls.append, 1, loop=loop).cancel()
    for _ in range(3):
        await asyncio.sleep(0)
    assert calls == []


async def test_call_asap_runs_in_given_context() -> None:
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    ctx.run(_var.set, "inside")
    done: asyncio.Future[str] = loop.create_future()
    call_asap(lambda: done.set_result(_var.get()), context=ctx, loop=loop)
    assert await done == "inside"
    assert _var.get() == "unset"


async def test_call_asap_from_another_thread() -> None:
    loop = asyncio.get_running_loop()
    ran_in: asyncio.Future[int] = loop.create_future()
    calls: list[int] = []

    def callback() -> None:
        calls.append(1)
        ran_in.set_result(threading.get_ident())

    thread = threading.Thread(target=call_asap, args=(callback,), kwargs={"loop": loop})
    thread.start()
    thread.join()
    assert await ran_in == threading.get_ident()
    for _ in range(3):
        await asyncio.sleep(0)
    assert calls == [1]


@pytest.mark.parametrize("factory", LOOP_FACTORIES)
def test_call_asap_on_loop_not_running(
    factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = factory()
    try:
        calls: list[str] = []
        call_asap(calls.append, "x", loop=loop)
        loop.run_until_complete(asyncio.sleep(0))
        assert calls == ["x"]
    finally:
        loop.close()


def test_call_asap_on_closed_loop_raises() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        call_asap(print, loop=loop)


# -- clone_loop ------------------------------------------------------------


def _handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    return None


def _factory(
    loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
) -> asyncio.Task[Any]:
    return asyncio.Task(coro, loop=loop, **kwargs)


@pytest.mark.parametrize("factory", LOOP_FACTORIES)
def test_clone_loop_same_type_and_settings(
    factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = factory()
    loop.set_debug(True)
    loop.slow_callback_duration = 2.5
    loop.set_exception_handler(_handler)
    loop.set_task_factory(_factory)
    clone = clone_loop(loop)
    try:
        assert clone is not loop
        assert type(clone) is type(loop)
        assert clone.get_debug() is True
        assert clone.slow_callback_duration == 2.5
        assert clone.get_exception_handler() is _handler
        assert clone.get_task_factory() is _factory
        assert not clone.is_running()
        assert not clone.is_closed()

        async def answer() -> int:
            return 42

        assert clone.run_until_complete(answer()) == 42
    finally:
        clone.close()
        loop.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal handlers")
@pytest.mark.parametrize("factory", LOOP_FACTORIES)
def test_clone_loop_does_not_copy_signal_handlers(
    factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = factory()
    clone = None
    try:
        loop.add_signal_handler(signal.SIGUSR2, lambda: None)
        clone = clone_loop(loop)
        assert clone.remove_signal_handler(signal.SIGUSR2) is False
    finally:
        loop.remove_signal_handler(signal.SIGUSR2)
        if clone is not None:
            clone.close()
        loop.close()


async def test_clone_running_loop() -> None:
    loop = asyncio.get_running_loop()
    clone = clone_loop(loop)
    try:
        assert type(clone) is type(loop)
        assert clone.get_debug() == loop.get_debug()
        assert not clone.is_running()
    finally:
        clone.close()


def test_clone_loop_needing_arguments_raises_type_error() -> None:
    class NeedsArgument(asyncio.AbstractEventLoop):
        def __init__(self, required: int) -> None:
            self.required = required

    with pytest.raises(TypeError, match="create the new loop yourself"):
        clone_loop(NeedsArgument(1))  # type: ignore[abstract]


# -- get_event_loop --------------------------------------------------------


def _in_new_thread(fun: Callable[[], Any]) -> Any:
    """In a fresh thread, leaving its current loop as ``fun`` left it."""
    return in_new_thread(fun, close_loop=False)


def _run_python(code: str) -> str:
    """Run ``code`` in a new interpreter with warnings as errors; return stdout."""
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


async def test_get_event_loop_returns_the_running_loop() -> None:
    assert get_event_loop() is asyncio.get_running_loop()


def test_get_event_loop_creates_and_sets_one_per_thread() -> None:
    def in_thread() -> tuple[bool, bool, bool, bool]:
        loop = get_event_loop()
        try:
            return (
                get_event_loop() is loop,  # the same one on every call
                asyncio.get_event_loop() is loop,  # and it is current
                loop.is_running(),
                loop.is_closed(),
            )
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    assert _in_new_thread(in_thread) == (True, True, False, False)


def test_get_event_loop_is_per_thread() -> None:
    def in_thread() -> asyncio.AbstractEventLoop:
        return get_event_loop()

    first = _in_new_thread(in_thread)
    second = _in_new_thread(in_thread)
    try:
        assert first is not second
    finally:
        first.close()
        second.close()


def test_get_event_loop_returns_the_loop_set_for_the_thread() -> None:
    def in_thread() -> bool:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return get_event_loop() is loop
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    assert _in_new_thread(in_thread) is True


def test_get_event_loop_follows_a_later_set_event_loop() -> None:
    # The original cached the first loop per thread and kept returning it.
    def in_thread() -> bool:
        first = get_event_loop()
        later = asyncio.new_event_loop()
        asyncio.set_event_loop(later)
        try:
            return get_event_loop() is later
        finally:
            asyncio.set_event_loop(None)
            first.close()
            later.close()

    assert _in_new_thread(in_thread) is True


def test_get_event_loop_replaces_a_closed_loop() -> None:
    def in_thread() -> tuple[bool, bool, bool]:
        closed = asyncio.new_event_loop()
        asyncio.set_event_loop(closed)
        closed.close()
        loop = get_event_loop()
        try:
            return (
                loop is not closed,
                loop.is_closed(),
                asyncio.get_event_loop() is loop,
            )
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    assert _in_new_thread(in_thread) == (True, False, True)


def test_get_event_loop_in_the_main_thread_without_warnings() -> None:
    # Python 3.12 and 3.13 warn (DeprecationWarning) when asyncio creates the
    # main thread's loop implicitly; the interpreter runs with -W error.
    out = _run_python(
        """
        import asyncio
        from mode.utils.loops import get_event_loop

        loop = get_event_loop()
        assert get_event_loop() is loop
        assert not loop.is_running() and not loop.is_closed()

        async def main() -> bool:
            return get_event_loop() is asyncio.get_running_loop()

        assert loop.run_until_complete(main())
        loop.close()
        again = get_event_loop()
        assert again is not loop and not again.is_closed()
        again.close()
        asyncio.set_event_loop(None)  # nothing current any more
        third = get_event_loop()
        assert third not in (loop, again)
        third.close()
        print("ok")
        """
    )
    assert out == "ok\n"


def test_get_event_loop_creates_through_the_policy() -> None:
    out = _run_python(
        """
        import asyncio

        from mode.utils.loops import get_event_loop

        class Marked(asyncio.SelectorEventLoop):
            pass

        class Policy(asyncio.DefaultEventLoopPolicy):
            def new_event_loop(self) -> asyncio.AbstractEventLoop:
                return Marked()

        asyncio.set_event_loop_policy(Policy())
        loop = get_event_loop()
        print(type(loop).__name__)
        loop.close()
        """
    )
    assert out == "Marked\n"
