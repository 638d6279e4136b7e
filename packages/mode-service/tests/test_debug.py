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


async def test_an_idle_loop_is_not_blocking() -> None:
    async with BlockingDetector(0.02) as detector:
        await asyncio.sleep(0.06)  # three timeouts of an idle, healthy loop
        assert not detector.crashed


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


def test_alarm_in_selector_rearms_without_raising() -> None:
    detector = BlockingDetector(50.0)

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
