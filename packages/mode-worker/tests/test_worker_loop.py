"""Which loop a Worker runs: ``worker.loop`` read before it runs.

``execute_from_commandline()`` runs ``worker.loop`` (test_loop_compat.py
checks that in real processes).  Read before any loop runs it is, in order:
the one loop the worker and its services were given; else a new loop of the
backend named by ``Worker(loop="name")`` (kept, so later reads agree); else
the thread's current loop (``mode.utils.loops.get_event_loop()``).  Tests
that reach the thread's current loop run in a thread of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support_loops import in_new_thread

from mode import Service
from mode.loop import available
from mode.threads import ServiceThread
from mode.utils.loops import get_event_loop
from mode.worker import Worker


@pytest.fixture
def new_loop() -> Iterator[Callable[[], asyncio.AbstractEventLoop]]:
    """Make new event loops; all are closed at the end of the test."""
    made: list[asyncio.AbstractEventLoop] = []

    def make() -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        made.append(loop)
        return loop

    yield make
    for loop in made:
        loop.close()


class Parent(Service):
    def __init__(self, child_loop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
        self.child_loop = child_loop
        super().__init__(**kwargs)

    def __post_init__(self) -> None:
        self.add_dependency(Service(loop=self.child_loop))


def test_the_loop_the_services_were_given(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = new_loop()
    assert Worker(Service(loop=loop)).loop is loop
    assert Worker(Service(), Service(loop=loop), Service(loop=loop)).loop is loop
    assert Worker(Service(loop=loop), loop=loop).loop is loop


def test_the_loop_a_child_of_a_service_was_given(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = new_loop()
    assert Worker(Parent(loop)).loop is loop


def test_services_with_different_loops_are_refused(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    one, two = new_loop(), new_loop()
    for worker in (
        Worker(Service(loop=one), Service(loop=two)),
        Worker(Service(loop=one), loop=two),
        Worker(Parent(two, loop=one)),
    ):
        with pytest.raises(RuntimeError, match="different event loops"):
            worker.loop  # noqa: B018


def test_a_closed_loop_is_refused(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = new_loop()
    loop.close()
    with pytest.raises(RuntimeError, match="is closed"):
        Worker(Service(loop=loop)).loop  # noqa: B018


def test_a_service_thread_counts_with_its_parent_loop(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    parent, thread = new_loop(), new_loop()
    worker = Worker(ServiceThread(loop=parent, thread_loop=thread))
    assert worker.loop is parent
    # Its thread loop alone is no claim on the worker's loop.
    assert Worker(Service(loop=parent), ServiceThread(thread_loop=thread)).loop is (
        parent
    )


def test_no_loop_given_is_the_threads_current_loop() -> None:
    def in_thread() -> tuple[bool, bool]:
        service = Service()
        read_first = service.loop  # as the original's code does
        worker = Worker(service)
        return (worker.loop is read_first, get_event_loop() is read_first)

    assert in_new_thread(in_thread) == (True, True)


@pytest.mark.parametrize("name", ["asyncio", "uvloop"])
def test_a_backend_name_makes_a_loop_of_it_and_keeps_it(name: str) -> None:
    if name not in available():
        pytest.skip(f"{name} is not installed for this Python")
    worker = Worker(loop=name)
    loop = worker.loop
    try:
        assert worker.loop is loop
        expected = "uvloop" if name == "uvloop" else "asyncio"
        assert type(loop).__module__.split(".")[0] == expected
        assert not loop.is_running()
    finally:
        loop.close()


def test_a_backend_name_accepts_services_given_a_loop_of_it(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = new_loop()  # an asyncio loop
    assert Worker(Service(loop=loop), loop="asyncio").loop is loop
    if "uvloop" in available():
        with pytest.raises(RuntimeError, match="not a 'uvloop' loop"):
            Worker(Service(loop=loop), loop="uvloop").loop  # noqa: B018


async def test_while_running_the_running_loop() -> None:
    worker = Worker(loop="asyncio")
    assert worker.loop is asyncio.get_running_loop()


def test_a_stand_in_loop_of_a_test_is_taken_as_it_is() -> None:
    # Tests written for the original give services mock loops.
    from unittest.mock import Mock

    loop = Mock(name="loop")
    assert Worker(Service(loop=loop)).loop is loop
