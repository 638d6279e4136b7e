"""mode.debug: the SIGALRM blocking detector, with real alarms."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any

import pytest

import mode.debug
from mode.debug import (
    Blocking,
    BlockingDetector,
    _in_loop_machinery,
    _in_own_switch,
    arm_alarm,
    blocking_detection_supported,
)

pytestmark = pytest.mark.skipif(
    not blocking_detection_supported(), reason="needs SIGALRM in the main thread"
)


def block_the_loop(limit: float = 5.0) -> None:
    """Busy-wait (the loop cannot run) until the detector interrupts us."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pass
    raise AssertionError("the blocking detector did not fire")


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="> 0"):
        BlockingDetector(0)
    assert BlockingDetector("10/s").timeout == 10.0


async def test_blocking_code_is_interrupted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    previous = signal.getsignal(signal.SIGALRM)
    detector = BlockingDetector(0.05)
    caplog.set_level(logging.WARNING, logger="mode.debug")
    async with detector:
        await asyncio.sleep(0)  # let the deadman switch arm the alarm
        with pytest.raises(Blocking, match=r"Blocking detected \(timeout=0.05\)"):
            block_the_loop()
    assert signal.getsignal(signal.SIGALRM) == previous
    record = next(r for r in caplog.records if "Blocking detected" in r.getMessage())
    assert "block_the_loop" in record.getMessage()


async def test_custom_exception_class() -> None:
    class TooSlow(Exception):
        pass

    async with BlockingDetector(0.05, raises=TooSlow):
        await asyncio.sleep(0)
        with pytest.raises(TooSlow):
            block_the_loop()


async def test_an_idle_loop_is_not_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    # The switch re-arms every 0.96 timeouts, so on an idle loop the alarm
    # would (almost) never fire: make it re-arm every third timeout, so that
    # the alarm fires, three times, while the loop idles.  The test's own
    # code never runs while an alarm is due: it waits for the third alarm
    # in one await, and that alarm's re-arm is an hour away.
    monkeypatch.setattr(mode.debug, "REARM_RATIO", 3.0)
    loop = asyncio.get_running_loop()
    third: asyncio.Future[None] = loop.create_future()
    detector = BlockingDetector(0.02)
    on_alarm = detector._on_alarm
    alarms = 0

    def counting(signum: int, frame: types.FrameType | None) -> None:
        nonlocal alarms
        alarms += 1
        if alarms == 3:
            detector.timeout = 3600.0
        on_alarm(signum, frame)  # raises if it judged the loop blocked
        if alarms == 3:
            loop.call_soon_threadsafe(third.set_result, None)

    detector._on_alarm = counting  # type: ignore[method-assign]
    async with detector:
        await asyncio.wait_for(third, timeout=10)
        assert not detector.crashed
    assert alarms == 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_alarm_outside_the_watched_loop_disarms_without_raising() -> None:
    # The loop the detector watches is not running (it ended before the
    # switch could disarm the alarm): the code the alarm lands in is not
    # the loop's (it was pytest's own report hook once), so it must not
    # raise there; and it is not re-armed.
    detector = BlockingDetector(0.05)
    loop = asyncio.new_event_loop()
    try:
        detector._watched_loop = loop
        arm_alarm(100.0)
        detector._on_alarm(signal.SIGALRM, sys._getframe())  # no exception
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        detector._watched_loop = None  # the switch is gone
        arm_alarm(100.0)
        detector._on_alarm(signal.SIGALRM, sys._getframe())
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        arm_alarm(0)
        loop.close()


OUTSIDE_THE_LOOP = """
import asyncio, signal, sys, time
from mode.debug import Blocking, BlockingDetector

if sys.argv[1] == "uvloop":
    import uvloop

    loop = uvloop.new_event_loop()
else:
    loop = asyncio.new_event_loop()
detector = BlockingDetector(0.05)


def armed() -> bool:
    return signal.getitimer(signal.ITIMER_REAL)[0] > 0


async def until_armed() -> None:
    while not armed():
        await asyncio.sleep(0)


async def begin() -> None:
    await detector.start()
    await until_armed()


def busy(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


async def block() -> None:
    await until_armed()
    busy(5.0)


# The loop stops with the alarm armed (as when a test's loop ends before the
# detector stopped): plain code running then is not interrupted.
loop.run_until_complete(begin())
busy(0.5)
print("OUTSIDE-NOT-INTERRUPTED", flush=True)
assert not armed()
# Run again, the loop is watched again: a block is caught.
try:
    loop.run_until_complete(block())
except Blocking:
    print("INSIDE-CAUGHT", flush=True)
loop.run_until_complete(detector.stop())
loop.close()
assert not armed()
"""


@pytest.mark.parametrize("backend", ["asyncio", "uvloop"])
def test_the_alarm_never_raises_outside_the_watched_loop(
    backend: str, tmp_path: Path
) -> None:
    if backend == "uvloop":
        pytest.importorskip("uvloop")
    # A file, not -c: code in "<string>" counts as the standard library's.
    script = tmp_path / "outside.py"
    script.write_text(OUTSIDE_THE_LOOP)
    proc = subprocess.run(
        [sys.executable, str(script), backend],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["OUTSIDE-NOT-INTERRUPTED", "INSIDE-CAUGHT"]


async def test_unsupported_platform_disables_itself(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(mode.debug, "blocking_detection_supported", lambda: False)
    before = signal.getsignal(signal.SIGALRM)
    caplog.set_level(logging.WARNING, logger="mode.debug")
    async with BlockingDetector(0.05):
        for _ in range(3):
            await asyncio.sleep(0)
        assert signal.getsignal(signal.SIGALRM) == before
    assert any("disabled" in r.getMessage() for r in caplog.records)


def test_arm_alarm_needs_setitimer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(signal, "setitimer")
    with pytest.raises(RuntimeError, match="POSIX"):
        arm_alarm(1.0)
    assert not blocking_detection_supported()


def test_arm_and_disarm() -> None:
    arm_alarm(100.0)
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    assert 0 < remaining <= 100.0
    arm_alarm(0)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_in_loop_machinery_detection() -> None:
    def frame_in(filename: str) -> types.FrameType:
        code = compile("import sys; f = sys._getframe()", filename, "exec")
        ns: dict[str, types.FrameType] = {}
        exec(code, ns)
        return ns["f"]

    assert _in_loop_machinery(frame_in("/usr/lib/python3/selectors.py"))
    assert _in_loop_machinery(frame_in(asyncio.runners.__file__))
    assert not _in_loop_machinery(frame_in("app.py"))
    assert not _in_loop_machinery(None)


def _frame_called_from(inner_file: str, outer_file: str) -> types.FrameType:
    # A frame "in" inner_file whose caller is "in" outer_file.
    ns: dict[str, Any] = {}
    exec(
        compile("import sys\ndef inner(): return sys._getframe()", inner_file, "exec"),
        ns,
    )
    exec(compile("f = inner()", outer_file, "exec"), ns)
    frame: types.FrameType = ns["f"]
    return frame


def test_stdlib_called_by_the_loop_is_loop_machinery() -> None:
    # asyncio's debug mode extracts a traceback for every handle it creates.
    assert _in_loop_machinery(
        _frame_called_from(traceback.__file__, asyncio.events.__file__)
    )
    # The same standard-library code called by the program is the program.
    assert not _in_loop_machinery(_frame_called_from(traceback.__file__, "app.py"))
    assert not _in_loop_machinery(
        _frame_called_from(subprocess.__file__, "/srv/app/site-packages/x.py")
    )


async def test_alarm_in_selector_rearms_without_raising() -> None:
    detector = BlockingDetector(50.0)
    detector._watched_loop = asyncio.get_running_loop()

    def frame() -> types.FrameType:
        code = compile("import sys; f = sys._getframe()", "selectors.py", "exec")
        ns: dict[str, types.FrameType] = {}
        exec(code, ns)
        return ns["f"]

    try:
        detector._on_alarm(signal.SIGALRM, frame())  # no exception
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert remaining > 0
    finally:
        arm_alarm(0)


def test_alarm_racing_with_the_rearm_is_not_blocking() -> None:
    import sys

    def fake_switch() -> types.FrameType:
        code = compile(
            "import sys; f = sys._getframe()", mode.debug.__file__, "exec"
        ).replace(co_name="_deadman_switch")
        ns: dict[str, types.FrameType] = {}
        exec(code, ns)
        return ns["f"]

    assert _in_own_switch(fake_switch())
    assert not _in_own_switch(sys._getframe())
    assert not _in_own_switch(None)


def test_alarm_in_the_sleep_wake_up_callback_is_not_blocking() -> None:
    # uvloop calls timer callbacks from C: a late alarm can land in the
    # callback that wakes Service.sleep (the switch's own wake-up).
    from mode.services import _set_result_unless_done

    frames: list[types.FrameType] = []

    class Fut:
        def done(self) -> bool:
            frames.append(sys._getframe(1))
            return True

    _set_result_unless_done(Fut())  # type: ignore[arg-type]
    assert _in_own_switch(frames[0])
    assert not _in_own_switch(sys._getframe())
