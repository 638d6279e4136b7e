"""Bad input to the public API of mode.testing: the exact error of every row.

``ROWS`` is the table of ../BAD_INPUT.md: one entry point, one wrong value,
the error type and its exact message.  ``test_bad_input`` checks each row
(awaiting what a row returns, under a deadline: no bad input hangs);
``test_the_doc_is_the_table`` checks that BAD_INPUT.md lists exactly these
rows, and that no AttributeError, KeyError or AssertionError comes out of a
public API for bad input, except the lookups whose protocol *is* that error
(marked ``lookup=True``).  The row type and the checks are the workspace's
(tests/support_bad_input.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from support_bad_input import Row, bad, check_doc, check_raises_async, row_id

import mode.testing
from mode import Service
from mode.testing import (
    StartService,
    VirtualClock,
    mask_module,
    patch_module,
    running,
    wait_all_tasks_blocked,
)

BAD_INPUT_MD = Path(__file__).resolve().parent.parent / "BAD_INPUT.md"

_NOT_INSTALLED = (
    "this VirtualClock is not installed on a loop: use `with VirtualClock():` "
    "in a coroutine, or clock.install(loop)"
)


class App(Service):
    """A service."""


async def _enter(cm: AbstractAsyncContextManager[Any]) -> None:
    async with cm:
        pass  # pragma: no cover - never entered


def _with(cm: Callable[[], AbstractContextManager[Any]]) -> Callable[[], None]:
    def call() -> None:
        with cm():
            pass  # pragma: no cover - never entered

    return call


def _on_a_new_loop(fun: Callable[[asyncio.AbstractEventLoop], Any]) -> Any:
    loop = asyncio.SelectorEventLoop()
    loop.set_debug(False)  # its repr shows the flag
    try:
        return fun(loop)
    finally:
        loop.close()


def _install_twice() -> None:
    def install(loop: asyncio.AbstractEventLoop) -> None:
        clock = VirtualClock().install(loop)
        try:
            clock.install(loop)
        finally:
            clock.uninstall()

    _on_a_new_loop(install)


def _second_clock() -> None:
    def install(loop: asyncio.AbstractEventLoop) -> None:
        clock = VirtualClock().install(loop)
        try:
            VirtualClock().install(loop)
        finally:
            clock.uninstall()

    _on_a_new_loop(install)


def _attribute() -> Any:
    return bad(mode.testing).no_such_helper


ROWS: list[Row] = [
    # mode.testing.clock
    Row(
        "clock",
        "VirtualClock(autojump_threshold=-1)",
        lambda: VirtualClock(autojump_threshold=-1),
        ValueError,
        "autojump_threshold must be a finite number of seconds >= 0, not -1",
    ),
    Row(
        "clock",
        'VirtualClock(autojump_threshold=float("inf"))',
        lambda: VirtualClock(autojump_threshold=float("inf")),
        ValueError,
        "autojump_threshold must be a finite number of seconds >= 0, not inf",
    ),
    Row(
        "clock",
        'VirtualClock(autojump_threshold="1")',
        lambda: VirtualClock(autojump_threshold=bad("1")),
        TypeError,
        "VirtualClock autojump_threshold takes a number of seconds, not str",
    ),
    Row(
        "clock",
        "VirtualClock(0.5)",
        lambda: bad(VirtualClock)(0.5),
        TypeError,
        "VirtualClock.__init__() takes 1 positional argument but 2 were given",
    ),
    Row(
        "clock",
        "clock.advance(-1)",
        lambda: VirtualClock().advance(-1),
        ValueError,
        "advance() takes a finite number of seconds >= 0 (virtual time never "
        "goes backwards), not -1",
    ),
    Row(
        "clock",
        "clock.advance(None)",
        lambda: VirtualClock().advance(bad(None)),
        TypeError,
        "advance() takes a number of seconds, not NoneType",
    ),
    Row(
        "clock",
        "clock.advance(1) (not installed)",
        lambda: VirtualClock().advance(1),
        RuntimeError,
        _NOT_INSTALLED,
    ),
    Row(
        "clock",
        "clock.loop (not installed)",
        lambda: VirtualClock().loop,
        RuntimeError,
        _NOT_INSTALLED,
    ),
    Row(
        "clock",
        "clock.install(5)",
        lambda: VirtualClock().install(bad(5)),
        TypeError,
        "VirtualClock needs an asyncio event loop implemented in Python "
        "(asyncio.BaseEventLoop with a selector), not builtins.int: its clock "
        "cannot be replaced.  Run this test on the asyncio loop.",
    ),
    Row(
        "clock",
        "clock.install(loop) (installed already)",
        _install_twice,
        RuntimeError,
        "<VirtualClock: elapsed=0.0> is installed already: uninstall() it first",
    ),
    Row(
        "clock",
        "VirtualClock().install(loop) (the loop has one)",
        _second_clock,
        RuntimeError,
        "<_UnixSelectorEventLoop running=False closed=False debug=False> already "
        "runs on a virtual clock",
    ),
    # mode.testing.services
    Row(
        "services",
        "async with running(5)",
        lambda: _enter(running(bad(5))),
        TypeError,
        "running() takes a service (a mode.Service), not int",
    ),
    Row(
        "services",
        "async with running(App)",
        lambda: _enter(running(bad(App))),
        TypeError,
        "running() takes a service (a mode.Service), not the class App: pass App()",
    ),
    # mode.testing.tasks
    Row(
        "tasks",
        "await wait_all_tasks_blocked(cushion=-1)",
        lambda: wait_all_tasks_blocked(cushion=-1),
        ValueError,
        "wait_all_tasks_blocked() needs cushion >= 0 and max_iterations >= 1, "
        "got cushion=-1, max_iterations=10000",
    ),
    Row(
        "tasks",
        "await wait_all_tasks_blocked(max_iterations=0)",
        lambda: wait_all_tasks_blocked(max_iterations=0),
        ValueError,
        "wait_all_tasks_blocked() needs cushion >= 0 and max_iterations >= 1, "
        "got cushion=3, max_iterations=0",
    ),
    Row(
        "tasks",
        'await wait_all_tasks_blocked(cushion="1")',
        lambda: wait_all_tasks_blocked(cushion=bad("1")),
        TypeError,
        "wait_all_tasks_blocked() cushion must be an int, not str",
    ),
    Row(
        "tasks",
        "await wait_all_tasks_blocked(max_iterations=None)",
        lambda: wait_all_tasks_blocked(max_iterations=bad(None)),
        TypeError,
        "wait_all_tasks_blocked() max_iterations must be an int, not NoneType",
    ),
    # mode.testing.mocks
    Row(
        "mocks",
        "with mask_module(5)",
        _with(lambda: mask_module(bad(5))),
        TypeError,
        "mask_module() takes module names as non-empty strings, not 5",
    ),
    Row(
        "mocks",
        'with mask_module("")',
        _with(lambda: mask_module("")),
        TypeError,
        "mask_module() takes module names as non-empty strings, not ''",
    ),
    Row(
        "mocks",
        "with patch_module(None)",
        _with(lambda: patch_module(bad(None))),
        TypeError,
        "patch_module() takes module names as non-empty strings, not None",
    ),
    Row(
        "mocks",
        'with patch_module("redis", new_callable=5)',
        _with(lambda: patch_module("redis", new_callable=bad(5))),
        TypeError,
        "patch_module() new_callable= must be a callable making the mock "
        "attributes (like MagicMock), not int",
    ),
    # Lookups whose protocol is AttributeError (kept on purpose).
    Row(
        "mode.testing",
        "mode.testing.no_such_helper",
        _attribute,
        AttributeError,
        "module 'mode.testing' has no attribute 'no_such_helper'",
        lookup=True,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_bad_input(row: Row) -> None:
    await check_raises_async(row)


async def test_start_service_checks_like_running(start_service: StartService) -> None:
    with pytest.raises(TypeError) as info:
        await start_service(bad(5))
    assert str(info.value) == (
        "start_service() takes a service (a mode.Service), not int"
    )
    with pytest.raises(TypeError) as info:
        await start_service(bad(App))
    assert str(info.value) == (
        "start_service() takes a service (a mode.Service), not the class App: "
        "pass App()"
    )


def test_the_doc_is_the_table() -> None:
    check_doc(BAD_INPUT_MD, ROWS)
