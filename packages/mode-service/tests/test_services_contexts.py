"""Service.add_context / add_async_context: entered now, exited on stop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from mode.services import Service


def sync_ctx(name: str, log: list[str]) -> contextlib.AbstractContextManager[str]:
    @contextlib.contextmanager
    def _ctx() -> Iterator[str]:
        log.append(f"enter {name}")
        try:
            yield name
        finally:
            log.append(f"exit {name}")

    return _ctx()


def async_ctx(name: str, log: list[str]) -> contextlib.AbstractAsyncContextManager[str]:
    @contextlib.asynccontextmanager
    async def _ctx() -> AsyncIterator[str]:
        log.append(f"enter {name}")
        try:
            yield name
        finally:
            log.append(f"exit {name}")

    return _ctx()


async def test_changelog_example_both_context_kinds() -> None:
    # The original changelog's example: in on_start, an async context with
    # add_async_context and a regular one with add_context.
    log: list[str] = []

    class X(Service):
        async def on_start(self) -> None:
            self.conn = await self.add_async_context(async_ctx("async", log))
            self.file = self.add_context(sync_ctx("sync", log))

    async with X() as x:
        assert (x.conn, x.file) == ("async", "sync")
        assert log == ["enter async", "enter sync"]
    # Sync contexts are exited first, then async ones, as in the original.
    assert log == ["enter async", "enter sync", "exit sync", "exit async"]


async def test_contexts_are_entered_at_once_and_exited_in_reverse_order() -> None:
    log: list[str] = []
    s = Service()
    assert s.add_context(sync_ctx("a", log)) == "a"
    assert log == ["enter a"]  # entered immediately, before start
    await s.start()
    s.add_context(sync_ctx("b", log))
    await s.add_async_context(async_ctx("c", log))
    await s.add_async_context(async_ctx("d", log))
    await s.stop()
    assert log == [
        "enter a",
        "enter b",
        "enter c",
        "enter d",
        "exit b",
        "exit a",
        "exit d",
        "exit c",
    ]


async def test_contexts_exit_after_the_tasks_stopped() -> None:
    log: list[str] = []

    class S(Service):
        async def on_start(self) -> None:
            self.add_context(sync_ctx("ctx", log))

        @Service.task
        async def _bg(self) -> None:
            try:
                await self.wait_until_stopped()
                await self.sleep(3600)
            finally:
                log.append("task done")

    async with S():
        pass
    assert log == ["enter ctx", "task done", "exit ctx"]


async def test_add_context_rejects_async_context_managers() -> None:
    log: list[str] = []
    cm = async_ctx("x", log)
    with pytest.raises(TypeError, match=r"await self.add_async_context\(ctx\)"):
        Service().add_context(cm)  # type: ignore[arg-type]
    assert log == []


async def test_add_async_context_rejects_sync_context_managers() -> None:
    log: list[str] = []
    with pytest.raises(TypeError, match=r"self.add_context\(ctx\)"):
        await Service().add_async_context(sync_ctx("x", log))  # type: ignore[arg-type]
    assert log == []


async def test_non_context_managers_are_rejected() -> None:
    s = Service()
    with pytest.raises(TypeError, match="takes a context manager, not int"):
        s.add_context(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes an async context manager, not str"):
        await s.add_async_context("x")  # type: ignore[arg-type]


async def test_context_exit_errors_do_not_stop_the_shutdown() -> None:
    log: list[str] = []

    class Broken:
        def __enter__(self) -> None:
            pass

        def __exit__(self, *exc: object) -> None:
            raise OSError("close failed")

    class S(Service):
        async def on_shutdown(self) -> None:
            log.append("on_shutdown")

    s = S()
    await s.add_async_context(async_ctx("async", log))
    s.add_context(Broken())
    with pytest.raises(OSError, match="close failed"):
        await s.stop()
    # The async context was still exited and on_shutdown still ran.
    assert log == ["enter async", "exit async", "on_shutdown"]


async def test_a_failing_start_exits_the_contexts_entered_so_far() -> None:
    log: list[str] = []

    class Failing(Service):
        async def on_start(self) -> None:
            self.add_context(sync_ctx("sync", log))
            await self.add_async_context(async_ctx("async", log))
            raise RuntimeError("start failed")

    failing = Failing()
    with pytest.raises(RuntimeError, match="start failed"):
        await failing.start()
    assert log == ["enter sync", "enter async", "exit sync", "exit async"]
    await failing.stop()  # a failed start still needs its stop (as the original)
    assert log == ["enter sync", "enter async", "exit sync", "exit async"]


async def test_exit_stacks_are_made_on_first_use_and_can_be_replaced() -> None:
    log: list[str] = []
    s = Service()
    assert s._exit_stack is None
    assert s._async_exit_stack is None  # a service without contexts costs none
    mine, amine = contextlib.ExitStack(), contextlib.AsyncExitStack()
    s.exit_stack, s.async_exit_stack = mine, amine
    assert (s.exit_stack, s.async_exit_stack) == (mine, amine)
    s.add_context(sync_ctx("a", log))
    await s.add_async_context(async_ctx("b", log))
    async with s:
        pass
    assert log == ["enter a", "enter b", "exit a", "exit b"]
