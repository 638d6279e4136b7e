"""Exit codes and the exiting() context manager (in-process)."""

from __future__ import annotations

import io

import pytest

from mode.worker import (
    EX_FAILURE,
    EX_INTERRUPTED,
    EX_OK,
    EX_OSERR,
    EX_SHUTDOWN_TIMEOUT,
    EX_USAGE,
    exit_code_of,
    exiting,
)


def test_codes_are_distinct_and_documented_values() -> None:
    codes = [EX_OK, EX_FAILURE, EX_USAGE, EX_OSERR, EX_SHUTDOWN_TIMEOUT, EX_INTERRUPTED]
    assert codes == [0, 1, 2, 71, 75, 130]


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (SystemExit(), 0),
        (SystemExit(4), 4),
        (SystemExit("message"), 1),
        (MemoryError(), 71),
        (KeyboardInterrupt(), 130),
        (RuntimeError("x"), 1),
    ],
)
def test_exit_code_of(exc: BaseException, code: int) -> None:
    assert exit_code_of(exc) == code


def test_exiting_normal_end_exits_0() -> None:
    with pytest.raises(SystemExit) as info, exiting():
        pass
    assert info.value.code == 0


def test_exiting_memory_error_exits_71() -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit) as info, exiting(file=out):
        raise MemoryError()
    assert info.value.code == 71
    assert out.getvalue() == "Out of memory!\n"


def test_exiting_prints_the_exception_when_asked() -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit) as info, exiting(print_exception=True, file=out):
        raise KeyError("k")
    assert info.value.code == 1
    assert "Command raised exception: KeyError('k')" in out.getvalue()
    assert "Traceback" in out.getvalue()


def test_exiting_is_quiet_by_default() -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit) as info, exiting(file=out):
        raise KeyError("k")
    assert info.value.code == 1
    assert out.getvalue() == ""


def test_exiting_lets_keyboard_interrupt_through() -> None:
    with pytest.raises(KeyboardInterrupt), exiting():
        raise KeyboardInterrupt
