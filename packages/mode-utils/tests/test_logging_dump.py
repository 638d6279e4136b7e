"""cry() and print_task_name() (mode.utils.logging.dump)."""

from __future__ import annotations

import _thread
import asyncio
import io
import os
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest

from mode.utils.logging import cry, print_task_name
from mode.utils.logging import dump as dump_module


async def waiter_job(ev: asyncio.Event) -> None:
    local_marker = "waiter-local"
    await ev.wait()
    del local_marker


async def other_thread_job(ev: asyncio.Event) -> None:
    await ev.wait()


class LoopThread(threading.Thread):
    """A thread running its own loop, exposing it as ``.loop`` (like ServiceThread)."""

    def __init__(self) -> None:
        super().__init__(name="mode-cry-thread", daemon=True)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop: asyncio.Event | None = None

    def run(self) -> None:
        self.loop.run_until_complete(self.main())

    async def main(self) -> None:
        self.stop = asyncio.Event()
        task = asyncio.create_task(other_thread_job(self.stop), name="in-thread")
        self.ready.set()
        await task

    def finish(self) -> None:
        stop = self.stop
        assert stop is not None
        self.loop.call_soon_threadsafe(stop.set)
        self.join(10)
        self.loop.close()


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread()
    thread.start()
    assert thread.ready.wait(10)
    yield thread
    thread.finish()


def sections(out: str) -> dict[str, str]:
    """Split a cry() report into ``{thread name: its part}``."""
    pieces = re.split(r"^THREAD (.+)\n={49}\n", out, flags=re.MULTILINE)
    return dict(zip(pieces[1::2], pieces[2::2], strict=True))


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_cry_reports_threads_tasks_and_stacks(loop_thread: LoopThread) -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(waiter_job(ev), name="pending-waiter")
    task.__wrapped__ = waiter_job  # type: ignore[attr-defined]
    await settle()
    buf = io.StringIO()
    cry(buf)
    out = buf.getvalue()
    ev.set()
    await task

    parts = sections(out)
    main_part = parts[threading.current_thread().name]
    thread_part = parts["mode-cry-thread"]
    assert f"THREAD {threading.current_thread().name}\n" + "=" * 49 in out
    assert "THREAD mode-cry-thread\n" + "=" * 49 in out
    assert "-" * 49 + "\nLOCAL VARIABLES\n" + "-" * 49 in out
    # This loop's pending task: name, wrapped function, repr, stack, locals.
    assert "TASKS\n" + "-" * 49 in main_part
    assert "  TASK waiter_job\n" in main_part
    assert f"   -> {waiter_job}\n" in main_part
    assert "name='pending-waiter'" in main_part
    assert "  " + "~" * 49 + "\n" in main_part
    assert "Stack for <Task pending name='pending-waiter'" in main_part
    assert "in waiter_job" in main_part
    assert "local_marker = 'waiter-local'" in main_part
    # The other thread's loop (its `loop` attribute) and task.
    assert "TASKS\n" in thread_part
    assert "  TASK other_thread_job\n" in thread_part
    assert "name='in-thread'" in thread_part
    assert "in other_thread_job" in thread_part
    assert out.endswith("\n\n\n")


def test_cry_without_running_loop() -> None:
    buf = io.StringIO()
    cry(buf, sep1="#", sep2="+", sep3="~", seplen=10)
    out = buf.getvalue()
    assert f"THREAD {threading.current_thread().name}\n##########\n" in out
    assert "++++++++++\nLOCAL VARIABLES\n++++++++++\n" in out
    assert "TASKS" not in out  # no loop in this thread
    assert "in test_cry_without_running_loop" in out


def test_cry_skips_unknown_threads() -> None:
    # A thread started without the threading module is not in enumerate().
    lock = _thread.allocate_lock()
    lock.acquire()
    done = _thread.allocate_lock()
    done.acquire()

    started = _thread.allocate_lock()
    started.acquire()

    def raw() -> None:
        started.release()
        lock.acquire()
        done.release()

    _thread.start_new_thread(raw, ())
    assert started.acquire(timeout=10)
    try:
        buf = io.StringIO()
        cry(buf)
        assert buf.getvalue().count("THREAD ") == len(threading.enumerate())
    finally:
        lock.release()
        assert done.acquire(timeout=10)


async def test_cry_survives_bad_locals_and_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def bad_pprint(obj: object, stream: Any = None) -> None:
        raise RuntimeError("bad repr")

    def bad_stack(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no stack")

    monkeypatch.setattr(dump_module, "pprint", bad_pprint)
    monkeypatch.setattr(dump_module, "print_task_stack", bad_stack)
    buf = io.StringIO()
    cry(buf)
    out = buf.getvalue()
    assert "<locals cannot be shown: RuntimeError('bad repr')>" in out
    assert "<task cannot be shown: RuntimeError('no stack')>" in out


def hold_a_secret(read_end: int) -> None:
    db_password = "hunter2-in-a-thread"
    long_value = "y" * 1000
    os.read(read_end, 1)  # blocks in C: this is the thread's innermost frame
    del db_password, long_value


def test_cry_redacts_thread_locals_and_cuts_long_values() -> None:
    read_end, write_end = os.pipe()
    thread = threading.Thread(
        target=hold_a_secret, args=(read_end,), name="secret-holder", daemon=True
    )
    thread.start()
    try:
        # Until the thread is blocked in os.read, in hold_a_secret (a
        # condition on its frame; bounded).
        for _ in range(10_000):
            frame = sys._current_frames().get(thread.ident or 0)
            if frame is not None and frame.f_code is hold_a_secret.__code__:
                break
            thread.join(0.001)
        buf = io.StringIO()
        cry(buf)
    finally:
        os.write(write_end, b"x")
        thread.join(10)
        os.close(read_end)
        os.close(write_end)
    part = sections(buf.getvalue())["secret-holder"]
    assert "hunter2" not in part
    assert "'db_password': <redacted>" in part
    assert f"'long_value': '{'y' * 199}...<802 more chars>" in part


async def test_print_task_name() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(waiter_job(ev))
    buf = io.StringIO()
    print_task_name(task, buf)
    assert buf.getvalue() == f"  TASK waiter_job\n   {task!r}\n"
    ev.set()
    await task


def test_print_task_name_without_coroutine_name() -> None:
    class Nameless:
        def __repr__(self) -> str:
            return "<nameless>"

    class FakeTask:
        def get_coro(self) -> Nameless:
            return Nameless()

        def __repr__(self) -> str:
            return "<FakeTask>"

    buf = io.StringIO()
    print_task_name(cast(Any, FakeTask()), buf)
    assert buf.getvalue() == "  TASK <nameless>\n   <FakeTask>\n"
