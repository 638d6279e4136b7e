"""Service.loop: which loop a service reports and uses, before and while it runs.

The original's code reads ``self.loop`` before any loop runs (in
``__init__``/``__post_init__``, at module level) and passes it on
(``OtherService(loop=self.loop)``).  These tests run in threads of their
own: reading ``loop`` with no loop running gets or creates the thread's
current loop, which each test closes again.
"""

from __future__ import annotations

import asyncio

import pytest
from support_loops import in_new_thread

from mode.services import Service


class Other(Service):
    """Fires a call_later on its loop once started."""

    def __post_init__(self) -> None:
        self.fired: asyncio.Future[asyncio.AbstractEventLoop] | None = None

    async def on_started(self) -> None:
        fired = self.fired = asyncio.get_running_loop().create_future()
        self.loop.call_later(0.01, fired.set_result, self.loop)


class ReadmeService(Service):
    """The original README's pattern: a child made with the parent's loop."""

    def __post_init__(self) -> None:
        self.other = self.add_dependency(Other(loop=self.loop))


def test_loop_read_before_a_loop_runs_is_the_threads_current_loop() -> None:
    def in_thread() -> None:
        s = Service()
        loop = s.loop  # the original returned a loop here; it used to raise
        assert isinstance(loop, asyncio.AbstractEventLoop)
        assert not loop.is_running()
        assert not loop.is_closed()
        assert s.loop is loop
        assert asyncio.get_event_loop() is loop  # current: a Worker runs it
        assert Service().loop is loop  # every service agrees

    in_new_thread(in_thread)


def test_readme_pattern_runs_on_the_loop_it_was_read_from() -> None:
    def in_thread() -> tuple[bool, bool, bool]:
        s = ReadmeService()
        loop = s.loop

        async def main() -> tuple[bool, bool, bool]:
            async with s:
                assert s.other.fired is not None
                ran_on = await asyncio.wait_for(s.other.fired, 5.0)
                return (
                    ran_on is loop,
                    s.loop is loop,
                    s.other.loop is loop,
                )

        return loop.run_until_complete(main())

    assert in_new_thread(in_thread) == (True, True, True)


def test_a_service_read_before_asyncio_run_follows_the_running_loop() -> None:
    # Read before asyncio.run(), which makes a loop of its own: the service
    # stored nothing, so it runs (tasks, timers, call_later) on that loop.
    class Ticking(Service):
        def __post_init__(self) -> None:
            self.ticked = asyncio.Event()  # binds to a loop when first awaited

        @Service.timer(0.01)
        async def _tick(self) -> None:
            self.ticked.set()

    def in_thread() -> tuple[bool, bool, bool]:
        s = Ticking()
        before = s.loop
        try:

            async def main() -> tuple[bool, bool, bool]:
                running = asyncio.get_running_loop()
                async with s:
                    fired: asyncio.Future[None] = running.create_future()
                    s.loop.call_later(0.01, fired.set_result, None)
                    await asyncio.wait_for(fired, 5.0)
                    await asyncio.wait_for(s.ticked.wait(), 5.0)
                    return (s.loop is running, running is not before, True)

            return asyncio.run(main())
        finally:
            # asyncio.run() left no current loop behind: `before` is orphaned.
            before.close()

    assert in_new_thread(in_thread) == (True, True, True)


def test_the_running_loop_is_returned_not_stored() -> None:
    s = Service()

    async def main() -> asyncio.AbstractEventLoop:
        assert s.loop is asyncio.get_running_loop()
        return asyncio.get_running_loop()

    def in_thread() -> bool:
        first = asyncio.run(main())
        second = asyncio.run(main())
        return first is not second

    assert in_new_thread(in_thread) is True


def test_on_init_dependencies_with_loop_self_loop() -> None:
    class Parent(Service):
        def on_init_dependencies(self) -> list[Service]:
            return [Other(loop=self.loop), Other(loop=self.loop)]

    async def main() -> bool:
        async with Parent() as parent:
            children = [c for c in parent._children if isinstance(c, Other)]
            assert len(children) == 2
            for child in children:
                assert child.fired is not None
                await asyncio.wait_for(child.fired, 5.0)
            return all(c.loop is asyncio.get_running_loop() for c in children)

    assert in_new_thread(lambda: asyncio.run(main())) is True


def test_add_future_refuses_a_given_loop_that_does_not_run() -> None:
    # A child given (at module level) a loop that never runs, started under
    # asyncio.run()'s loop: its tasks would never run.  Refused, loudly.
    class Child(Service):
        @Service.task
        async def _work(self) -> None:  # pragma: no cover - never runs
            pass

    def in_thread() -> str:
        stale = asyncio.new_event_loop()
        try:
            child = Child(loop=stale)

            async def main() -> None:
                async with child:  # pragma: no cover - the start fails
                    pass

            with pytest.raises(RuntimeError) as info:
                asyncio.run(main())
            return str(info.value)
        finally:
            stale.close()

    message = in_new_thread(in_thread)
    assert "is not running" in message
    assert "loop=" in message


def test_add_future_queues_on_a_given_loop_before_it_runs() -> None:
    # As in the original: with a loop given and none running, the task is
    # queued on that loop and runs once it does.
    def in_thread() -> list[str]:
        loop = asyncio.new_event_loop()
        try:
            s = Service(loop=loop)
            ran: list[str] = []

            async def work() -> None:
                ran.append("ran")

            task = s.add_future(work())
            loop.run_until_complete(task)
            return ran
        finally:
            loop.close()

    assert in_new_thread(in_thread) == ["ran"]
