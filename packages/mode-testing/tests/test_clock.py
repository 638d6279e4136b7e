"""VirtualClock: timers fire instantly and in order, I/O still comes first."""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time

import pytest

from mode.testing import VirtualClock, wait_all_tasks_blocked

#: VirtualClock needs asyncio's own loop (uvloop's clock is in C).
on_asyncio = pytest.mark.asyncio(loop_factories=["asyncio"])


def _python_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, asyncio.BaseEventLoop)
    return loop


@on_asyncio
async def test_sleep_returns_at_once_and_time_advances() -> None:
    _python_loop()
    t0 = time.monotonic()
    with VirtualClock() as clock:
        start = clock.time()
        await asyncio.sleep(3600)
        assert clock.elapsed == pytest.approx(3600)
        assert clock.time() == pytest.approx(start + 3600)
        assert asyncio.get_running_loop().time() == clock.time()
        assert clock.jumps == 1
    assert time.monotonic() - t0 < 5


@on_asyncio
async def test_virtual_time_starts_at_loop_time_and_stands_still() -> None:
    loop = _python_loop()
    before = loop.time()
    with VirtualClock() as clock:
        assert before <= clock.time() <= loop.time()
        first = loop.time()
        sum(range(10_000))
        await asyncio.sleep(0)
        assert loop.time() == first


@on_asyncio
async def test_timers_fire_in_order_at_their_virtual_times() -> None:
    loop = _python_loop()
    fired: list[tuple[str, float]] = []
    with VirtualClock() as clock:
        start = clock.time()

        async def sleeper(name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            fired.append((name, loop.time() - start))

        await asyncio.gather(sleeper("c", 30.0), sleeper("a", 10.0), sleeper("b", 20.0))
    assert [name for name, _ in fired] == ["a", "b", "c"]
    assert [t for _, t in fired] == pytest.approx([10.0, 20.0, 30.0])


@on_asyncio
async def test_call_later_and_call_at() -> None:
    loop = _python_loop()
    with VirtualClock() as clock:
        done = loop.create_future()
        seen: list[float] = []
        loop.call_later(5, lambda: seen.append(clock.elapsed))
        loop.call_at(clock.time() + 7, lambda: done.set_result(clock.elapsed))
        assert await done == pytest.approx(7)
        assert seen == [pytest.approx(5)]


@on_asyncio
async def test_timeouts_expire_on_virtual_time() -> None:
    _python_loop()
    with VirtualClock() as clock:
        never = asyncio.get_running_loop().create_future()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(never, timeout=60)
        assert clock.elapsed == pytest.approx(60)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(30):
                await asyncio.Event().wait()
        assert clock.elapsed == pytest.approx(90)


@on_asyncio
async def test_ready_io_is_served_before_a_jump() -> None:
    _python_loop()
    a, b = socket.socketpair()
    try:
        with VirtualClock() as clock:
            reader, writer = await asyncio.open_connection(sock=a)
            b.sendall(b"ping\n")
            line = await asyncio.wait_for(reader.readline(), timeout=60)
            assert line == b"ping\n"
            assert clock.elapsed < 60
            writer.close()
            await writer.wait_closed()
    finally:
        b.close()


@on_asyncio
async def test_autojump_threshold_waits_for_real_io() -> None:
    _python_loop()
    loop = asyncio.get_running_loop()
    with VirtualClock(autojump_threshold=5.0) as clock:
        fut: asyncio.Future[int] = loop.create_future()
        go = threading.Event()

        def work() -> None:
            go.wait()
            loop.call_soon_threadsafe(fut.set_result, 1)

        thread = threading.Thread(target=work)
        thread.start()
        go.set()
        # the thread answers through the loop's self-pipe (real I/O) long
        # before 5 real seconds: no jump, no timeout
        assert await asyncio.wait_for(fut, timeout=60) == 1
        assert clock.jumps == 0
        thread.join()


@on_asyncio
async def test_without_timers_the_loop_blocks_on_io_as_usual() -> None:
    _python_loop()
    loop = asyncio.get_running_loop()
    with VirtualClock() as clock:
        fut: asyncio.Future[str] = loop.create_future()
        thread = threading.Thread(
            target=lambda: loop.call_soon_threadsafe(fut.set_result, "x")
        )
        thread.start()
        assert await fut == "x"
        thread.join()
        assert clock.jumps == 0


@on_asyncio
async def test_advance_moves_time_and_due_timers_run() -> None:
    loop = _python_loop()
    with VirtualClock() as clock:
        fired: list[float] = []
        loop.call_later(10, lambda: fired.append(clock.elapsed))
        clock.advance(10)
        assert clock.elapsed == 10
        await wait_all_tasks_blocked()
        assert fired == [10]
        clock.advance(0)


@on_asyncio
async def test_advance_rejects_bad_values() -> None:
    _python_loop()
    with VirtualClock() as clock:
        with pytest.raises(ValueError, match="never goes backwards"):
            clock.advance(-1)
        with pytest.raises(ValueError):
            clock.advance(math.inf)


def test_advance_needs_install() -> None:
    with pytest.raises(RuntimeError, match="not installed"):
        VirtualClock().advance(1)


def test_bad_threshold() -> None:
    with pytest.raises(ValueError, match="autojump_threshold"):
        VirtualClock(autojump_threshold=-1)
    with pytest.raises(ValueError):
        VirtualClock(autojump_threshold=math.nan)


@on_asyncio
async def test_uninstall_restores_real_clock_and_selector() -> None:
    loop = _python_loop()
    selector = loop._selector  # type: ignore[attr-defined]
    clock = VirtualClock().install()
    assert clock.loop is loop
    assert "elapsed=" in repr(clock)
    await asyncio.sleep(100)
    clock.uninstall()
    assert not clock.installed
    assert "not installed" in repr(clock)
    assert loop._selector is selector  # type: ignore[attr-defined]
    assert "time" not in vars(loop)
    assert abs(loop.time() - time.monotonic()) < 5
    clock.uninstall()  # idempotent
    with pytest.raises(RuntimeError, match="not installed"):
        _ = clock.loop


@on_asyncio
async def test_install_twice_is_refused() -> None:
    _python_loop()
    with VirtualClock() as clock:
        with pytest.raises(RuntimeError, match="installed already"):
            clock.install()
        with pytest.raises(RuntimeError, match="already runs on a virtual clock"):
            VirtualClock().install()


def test_install_on_a_loop_that_is_not_running() -> None:
    loop = asyncio.new_event_loop()
    try:
        clock = VirtualClock().install(loop)
        assert loop.run_until_complete(asyncio.sleep(50, result="late")) == "late"
        assert clock.elapsed == pytest.approx(50)
        clock.uninstall()
    finally:
        loop.close()


def test_install_without_loop_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        VirtualClock().install()


def test_uvloop_is_refused_with_the_reason() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = uvloop.new_event_loop()
    try:
        with pytest.raises(TypeError, match="implemented in Python"):
            VirtualClock().install(loop)
    finally:
        loop.close()


async def test_virtual_clock_fixture(virtual_clock: VirtualClock) -> None:
    assert virtual_clock.installed
    assert virtual_clock.loop is asyncio.get_running_loop()
    await asyncio.sleep(86400 * 3)  # more than the 1-day select maximum
    assert virtual_clock.elapsed == pytest.approx(86400 * 3)


def test_whole_second_sleeps_elapse_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    # A loop clock reading with many fraction bits: virtual time still adds
    # whole seconds exactly (it starts at the next whole second).
    loop = asyncio.new_event_loop()
    try:
        clock = VirtualClock()
        monkeypatch.setattr(type(loop), "time", lambda self: 98765.43210987)
        clock.install(loop)
        monkeypatch.undo()
        try:
            loop.run_until_complete(asyncio.sleep(600))
            assert clock.elapsed == 600.0
            assert clock.time() == 98766.0 + 600.0
        finally:
            clock.uninstall()
    finally:
        loop.close()
