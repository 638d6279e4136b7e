"""flight_recorder, on_timeout and current_flight_recorder."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest

from mode.utils.logging import (
    LogMessage,
    LogSeverityMixin,
    Logwrapped,
    current_flight_recorder,
    current_flight_recorder_stack,
    flight_recorder,
    on_timeout,
)
from mode.utils.logging import recorder as recorder_module

NAME = "test.mode.recorder"


@pytest.fixture
def logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    caplog.set_level(logging.DEBUG, logger=NAME)
    return logging.getLogger(NAME)


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(100):
        if cond():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records]


class Thing:
    def method(self, *args: Any, **kwargs: Any) -> str:
        return "result"


async def test_buffers_while_active_and_drops_on_exit(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    with flight_recorder(logger, timeout=60) as fl:
        assert current_flight_recorder() is fl
        fl.info("buffered %d", 1)
        on_timeout.warning("also buffered")
        await asyncio.sleep(0)
        assert caplog.records == []
        assert len(fl._buffer) == 2
    assert current_flight_recorder() is None
    assert fl._buffer == type(fl._buffer)()
    assert fl._timer is None
    assert caplog.records == []
    # After the block, log() goes straight to the logger, pointing at us.
    line = sys._getframe().f_lineno + 1
    fl.info("direct %s", "now")
    (record,) = caplog.records
    assert record.getMessage() == "direct now"
    assert (record.funcName, record.lineno) == (
        "test_buffers_while_active_and_drops_on_exit",
        line,
    )
    fl.log(logging.ERROR, "raw")
    assert caplog.records[-1].funcName == "test_buffers_while_active_and_drops_on_exit"


async def test_timeout_replays_in_exact_order(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    thing = Thing()
    with flight_recorder(logger, timeout=0) as fl:
        assert fl.loop is asyncio.get_running_loop()
        assert fl.enabled_by is asyncio.current_task()
        fl.extra_context["request"] = 7
        fl.info("step %d", 1)
        fl.warning("step two", extra={"data": {"x": 1}})
        assert fl.wrap_info(thing).method(1, k=2) == "result"
        on_timeout.error("100%% %s", "sure")
        fl.debug("50% done")
        await until(lambda: len(caplog.records) >= 10)
        ident = f"Flight Recorder-{fl.id}"
        started = fl.started_at_date
        assert started is not None
        got = messages(caplog)
        stamp = r"\(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\)"
        expected: list[tuple[int, str]] = [
            (logging.WARNING, "Warning: Task timed out!"),
            (logging.WARNING, "Please make sure it's hanging before restart."),
            (logging.INFO, f"[{ident}] (started at {started}) Replaying logs..."),
            (logging.INFO, f"[{ident}] STAMP step 1"),
            (logging.WARNING, f"[{ident}] STAMP step two"),
            (logging.INFO, f"[{ident}] STAMP method(1, k=2)"),
            (logging.ERROR, f"[{ident}] STAMP 100% sure"),
            (logging.DEBUG, f"[{ident}] STAMP 50% done"),
            (logging.INFO, f"[{ident}] -End of log-"),
            (logging.INFO, f"[{ident}] Task traceback"),
        ]
        assert len(got) == 11
        for (level, text), (want_level, want) in zip(got, expected, strict=False):
            assert level == want_level
            pattern = re.escape(want).replace("STAMP", stamp)
            assert re.fullmatch(pattern, text), (text, want)
        stack_level, stack = got[10]
        assert stack_level == logging.INFO
        assert fl.enabled_by is not None
        task_name = fl.enabled_by.get_name()
        assert stack.startswith(f"Stack for <Task pending name='{task_name}'")
        assert "test_timeout_replays_in_exact_order" in stack
        # extra_context is merged into extra["data"] of replayed entries.
        replayed = caplog.records[3:8]
        assert replayed[0].__dict__["data"] == {"request": 7}
        assert replayed[1].__dict__["data"] == {"request": 7, "x": 1}
        # Decision: after the timeout fired, entries go out at once, prefixed.
        fl.info("late %s", "entry")
        assert re.fullmatch(
            re.escape(f"[{ident}] ") + stamp + " late entry",
            caplog.records[-1].getMessage(),
        )
        assert caplog.records[-1].__dict__["data"] == {"request": 7}
    count = len(caplog.records)
    await asyncio.sleep(0)
    assert len(caplog.records) == count


async def test_nested_recorders_inherit_extra_context(logger: logging.Logger) -> None:
    outer = flight_recorder(logger, timeout=60)
    outer.extra_context.update(a=1, b=2)
    inner = flight_recorder(logger, timeout=60)
    inner.extra_context["b"] = 3
    assert inner.id == outer.id + 1
    with outer:
        with inner:
            assert current_flight_recorder() is inner
            assert list(current_flight_recorder_stack.stack) == [outer, inner]
            assert inner.extra_context == {"b": 3, "a": 1}
        assert current_flight_recorder() is outer
    assert current_flight_recorder() is None
    assert outer.extra_context == {"a": 1, "b": 2}


async def test_recorder_stack_is_local_to_the_task(logger: logging.Logger) -> None:
    seen: list[flight_recorder | None] = []
    ready = asyncio.Event()
    proceed = asyncio.Event()

    async def child() -> None:
        seen.append(current_flight_recorder())
        with flight_recorder(logger, timeout=60) as mine:
            seen.append(current_flight_recorder())
            ready.set()
            await proceed.wait()
            assert current_flight_recorder() is mine

    with flight_recorder(logger, timeout=60) as parent:
        task = asyncio.create_task(child())
        await ready.wait()
        # The child's recorder is invisible here.
        assert current_flight_recorder() is parent
        proceed.set()
        await task
    assert seen[0] is parent
    assert seen[1] is not parent
    assert seen[1] is not None


async def test_on_timeout_without_recorder_does_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert isinstance(on_timeout, LogSeverityMixin)
    on_timeout.info("lost")
    on_timeout.log(logging.ERROR, "lost too")
    assert caplog.records == []
    assert repr(on_timeout) == "<on_timeout -> None>"


async def test_on_timeout_points_at_caller_after_fire(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    with flight_recorder(logger, timeout=60) as fl:
        fl.cancel()  # now logging goes straight through, still on the stack
        assert repr(fl) in repr(on_timeout)
        line = sys._getframe().f_lineno + 1
        on_timeout.info("via proxy")
        on_timeout.log(logging.WARNING, "via proxy log")
    first, second = caplog.records
    assert (first.funcName, first.lineno) == (
        "test_on_timeout_points_at_caller_after_fire",
        line,
    )
    assert second.funcName == "test_on_timeout_points_at_caller_after_fire"
    assert second.levelno == logging.WARNING


async def test_activate_twice_and_cancel(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    fl = flight_recorder(logger, timeout=60)
    assert fl.loop is None  # bound lazily
    fl.activate()
    with pytest.raises(RuntimeError, match="already active"):
        fl.activate()
    fl.info("dropped")
    fl.cancel()
    fl.blush()  # nothing buffered any more
    assert not any("dropped" in m for _, m in messages(caplog))
    # It can be activated again once cancelled.
    fl.activate()
    fl.info("kept %s", "entry")
    fl.flush_logs()
    assert caplog.records[-1].getMessage().endswith(" kept entry")
    assert caplog.records[-1].getMessage().startswith(f"[Flight Recorder-{fl.id}] (")
    fl.cancel()


async def test_exceptions_propagate(logger: logging.Logger) -> None:
    fl = flight_recorder(logger, timeout=60)
    with pytest.raises(KeyError), fl:
        raise KeyError("x")
    assert current_flight_recorder() is None
    assert fl._timer is None


async def test_wrap_severities(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    fl = flight_recorder(logger, timeout=60)  # not active: logs straight through
    thing = Thing()
    wrappers = [
        (fl.wrap_debug(thing), logging.DEBUG),
        (fl.wrap_info(thing), logging.INFO),
        (fl.wrap_warn(thing), logging.WARNING),
        (fl.wrap_error(thing), logging.ERROR),
        (fl.wrap("critical", thing), logging.CRITICAL),
    ]
    for wrapped, level in wrappers:
        assert isinstance(wrapped, Logwrapped)
        assert wrapped.logger is fl
        line = sys._getframe().f_lineno + 1
        wrapped.method("a")
        record = caplog.records[-1]
        assert record.levelno == level
        assert record.getMessage() == "method('a')"
        assert (record.funcName, record.lineno) == ("test_wrap_severities", line)


async def test_blush_error_is_logged_and_swallowed_by_timer() -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    class Broken(logging.Logger):
        def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("handler exploded")

    broken = Broken("broken")
    broken.addHandler(Collect())
    fl = flight_recorder(broken, timeout=0)
    with pytest.raises(RuntimeError, match="handler exploded"):
        fl.blush()
    assert records[-1].getMessage() == (
        "Flight recorder internal error: RuntimeError('handler exploded')"
    )
    assert records[-1].exc_info is not None
    records.clear()
    with fl:
        await until(lambda: bool(records) and records[-1].levelno == logging.ERROR)
    assert "internal error" in records[-1].getMessage()


def test_explicit_loop_and_no_task(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.new_event_loop()
    try:
        fl = flight_recorder(logger, timeout=0, loop=loop)
        fl.activate()  # outside the loop: no task enabled it
        assert fl.enabled_by is None
        loop.run_until_complete(until(lambda: len(caplog.records) >= 6))
        ident = f"Flight Recorder-{fl.id}"
        assert caplog.records[-1].getMessage() == (
            f"[{ident}] -missing-: not enabled by task"
        )
        fl.cancel()
    finally:
        loop.close()


def test_activate_needs_a_loop(logger: logging.Logger) -> None:
    fl = flight_recorder(logger, timeout=1)
    with pytest.raises(RuntimeError, match="inside a running event loop"):
        fl.activate()
    with pytest.raises(RuntimeError, match="inside a running event loop"), fl:
        pass
    assert current_flight_recorder() is None


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [(1, 1.0), (2.5, 2.5), ("1.5", 1.5), (timedelta(minutes=1), 60.0)],
)
def test_timeout_conversion(
    logger: logging.Logger, timeout: float | str | timedelta, seconds: float
) -> None:
    fl = flight_recorder(logger, timeout=timeout)
    assert fl.timeout == seconds
    assert isinstance(fl.timeout, float)


def test_bad_timeout(logger: logging.Logger) -> None:
    with pytest.raises(ValueError, match="0 or more seconds"):
        flight_recorder(logger, timeout=-1)
    with pytest.raises(TypeError, match="needs a timeout in seconds, got None"):
        flight_recorder(logger, timeout=cast(Any, None))
    with pytest.raises(TypeError):
        flight_recorder(logger, timeout=cast(Any, [1]))


def test_attributes_and_repr(logger: logging.Logger) -> None:
    fl = flight_recorder(logger, timeout=3)
    assert fl.logger is logger
    assert fl.started_at_date is None
    assert fl.enabled_by is None
    assert fl.extra_context == {}
    assert re.fullmatch(rf"<Flight Recorder-{fl.id} @0x[0-9a-f]+>", repr(fl))
    assert flight_recorder(logger, timeout=3).id == fl.id + 1


def test_log_message_fields() -> None:
    entry = LogMessage(logging.INFO, "m", "date", (1,), {"k": 2})
    assert entry._fields == ("severity", "message", "asctime", "args", "kwargs")
    assert entry.message == "m"


async def test_mapping_args_replayed(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    fl = flight_recorder(logger, timeout=60)
    fl.activate()
    fl.info("%(who)s at 100%%", {"who": "me"})
    fl.flush_logs(ident="X")
    fl.cancel()
    assert re.fullmatch(r"\[X\] \(.+\) me at 100%", caplog.records[-1].getMessage())


async def test_subclass_ident(logger: logging.Logger) -> None:
    class slow_request(flight_recorder):
        pass

    fl = slow_request(logger, timeout=60)
    assert repr(fl).startswith(f"<Slow Request-{fl.id} @")
    assert cast(Any, fl)._ident() == f"Slow Request-{fl.id}"


async def test_enter_cancels_when_push_fails(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenStack:
        top = None

        def push(self, obj: object) -> Any:
            raise RuntimeError("no stack")

    fl = flight_recorder(logger, timeout=60)
    monkeypatch.setattr(recorder_module, "current_flight_recorder_stack", BrokenStack())
    with pytest.raises(RuntimeError, match="no stack"), fl:
        pass
    assert fl._timer is None
    fl.activate()  # not left active
    fl.cancel()
