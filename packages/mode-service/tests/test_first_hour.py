"""What a newcomer meets in the first hour (issue 16).

- A crash inside ``async with service:`` reaches stderr with its traceback
  even when logging is not configured, also when the service that logs it is
  one of mode's own (a supervisor giving up): mode's loggers have no
  NullHandler, which would hide their errors from Python's last-resort
  handler.  ``crash_reason`` stays readable after the block (until the next
  start or ``service_reset()``), and the block does not raise it.
- A subclass whose ``__init__`` forgot ``super().__init__()`` is told so at
  the first use of the service, instead of a missing private attribute.
- A rate string (``"10/s"``) given as an interval warns, when the class is
  defined, what it means (seconds, not a rate) and how to write it.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from mode import Service
from mode.exceptions import RateStringWarning
from mode.proxy import ServiceProxy
from mode.timers import Timer

# -- a crash inside `async with` ----------------------------------------------


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "first_hour.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_crash_in_async_with_is_on_stderr_without_logging_configured(
    tmp_path: Path,
) -> None:
    proc = _run(
        tmp_path,
        """
        import asyncio
        from mode import Service

        class Ticker(Service):
            @Service.timer(0.01)
            async def tick(self):
                raise RuntimeError("boom in a timer")

        async def main():
            ticker = Ticker()
            async with ticker:
                await ticker.wait_until_stopped()
            print("after:", repr(ticker.crash_reason), ticker.state)

        asyncio.run(main())
        """,
    )
    # The original's contract is kept: the block does not raise the crash.
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "after: RuntimeError('boom in a timer') init\n"
    assert "[^Ticker]: Crashed reason=RuntimeError('boom in a timer')" in proc.stderr
    assert "Traceback (most recent call last):" in proc.stderr
    assert 'raise RuntimeError("boom in a timer")' in proc.stderr


def test_mode_own_logger_errors_are_on_stderr_without_logging_configured(
    tmp_path: Path,
) -> None:
    # The supervisor's own crash (it gives up) is logged by mode.supervisors:
    # a NullHandler on mode's loggers hid it.
    proc = _run(
        tmp_path,
        """
        import asyncio
        from mode import Service
        from mode.supervisors import OneForOneSupervisor

        class Flaky(Service):
            @Service.task
            async def run(self):
                raise KeyError("flaky")

        async def main():
            sup = OneForOneSupervisor(max_restarts=1, over=60)
            sup.add(Flaky())
            async with sup:
                await sup.wait_until_stopped()
            print("after:", type(sup.crash_reason).__name__)

        asyncio.run(main())
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "after: MaxRestartsExceeded\n"
    assert "[^OneForOneSupervisor" in proc.stderr
    assert "Crashed reason=MaxRestartsExceeded" in proc.stderr
    assert "mode.exceptions.MaxRestartsExceeded" in proc.stderr


@pytest.mark.parametrize(
    "module", ["mode.services", "mode.supervisors", "mode.debug", "mode.threads"]
)
def test_mode_loggers_get_no_null_handler(module: str) -> None:
    # Import the module and define a service there: neither adds a handler
    # to mode's loggers (Python's last-resort handler must still see them).
    __import__(module)
    type("OwnService", (Service,), {"__module__": module})
    for name in ("mode", module):
        handlers = logging.getLogger(name).handlers
        assert not any(isinstance(h, logging.NullHandler) for h in handlers), name


class Crashing(Service):
    started_runs = 0

    @Service.task
    async def run(self) -> None:
        type(self).started_runs += 1
        if type(self).started_runs == 1:
            raise ValueError("first run")


async def test_crash_reason_is_kept_after_the_block_until_the_next_start() -> None:
    Crashing.started_runs = 0
    service = Crashing()
    async with service:
        await service.wait_until_stopped()
    reason = service.crash_reason
    assert isinstance(reason, ValueError)
    assert str(reason) == "first run"
    assert service.state == "init"  # reset: startable again
    assert not service.crashed
    # A clean second run: no crash of its own, none after it either.
    async with service:
        assert service.crash_reason is None
    assert service.crash_reason is None


async def test_service_reset_forgets_the_kept_crash_reason() -> None:
    Crashing.started_runs = 0
    service = Crashing()
    async with service:
        await service.wait_until_stopped()
    assert service.crash_reason is not None
    service.service_reset()
    assert service.crash_reason is None


async def test_a_new_crash_after_the_block_replaces_the_kept_reason() -> None:
    Crashing.started_runs = 0
    service = Crashing()
    async with service:
        await service.wait_until_stopped()
    second = KeyError("second run")
    async with service:
        await service.crash(second)
    assert service.crash_reason is second


async def test_the_body_exception_propagates_and_the_crash_is_kept() -> None:
    Crashing.started_runs = 0
    service = Crashing()

    async def body() -> None:
        async with service:
            await service.wait_until_stopped()
            raise LookupError("in the body")

    with pytest.raises(LookupError):
        await body()
    assert isinstance(service.crash_reason, ValueError)


async def test_recipe_to_raise_the_crash_after_the_block() -> None:
    # The one line the services guide gives to fail like a TaskGroup.
    Crashing.started_runs = 0
    service = Crashing()

    async def run() -> None:
        async with service:
            await service.wait_until_stopped()
        if service.crash_reason is not None:
            raise service.crash_reason

    with pytest.raises(ValueError, match="first run"):
        await run()


async def test_a_proxy_keeps_the_crash_reason_of_its_service() -> None:
    Crashing.started_runs = 0
    inner = Crashing()

    class Proxy(ServiceProxy):
        @property
        def _service(self) -> Service:
            return inner

    proxy = Proxy()
    async with proxy:
        await proxy.wait_until_stopped()
    assert isinstance(proxy.crash_reason, ValueError)
    assert inner.crash_reason is proxy.crash_reason


# -- a subclass that forgot super().__init__() ---------------------------------


class Forgetful(Service):
    def __init__(self, name: str) -> None:  # no super().__init__()
        self.name = name


class ForgetfulChild(Forgetful):
    def __init__(self) -> None:
        super().__init__("child")


def _says_forgot(exc: BaseException, cls: str = "Forgetful") -> None:
    message = str(exc)
    assert message.startswith(f"{cls}.__init__ did not call super().__init__()"), (
        message
    )
    assert "add super().__init__(**kwargs) to it" in message, message


async def test_forgotten_super_init_is_named_at_start() -> None:
    with pytest.raises(AttributeError) as info:
        await Forgetful("x").start()
    _says_forgot(info.value)


async def test_forgotten_super_init_is_named_at_async_with() -> None:
    with pytest.raises(AttributeError) as info:
        async with Forgetful("x"):
            pass  # pragma: no cover - not reached
    _says_forgot(info.value)


@pytest.mark.parametrize(
    "use",
    [
        lambda s: s.add_dependency(Service()),
        repr,
        lambda s: s.state,
        lambda s: s.should_stop,
        lambda s: s.crash_reason,
    ],
    ids=["add_dependency", "repr", "state", "should_stop", "crash_reason"],
)
def test_forgotten_super_init_is_named_at_first_use(use: Any) -> None:
    with pytest.raises(AttributeError) as info:
        use(Forgetful("x"))
    _says_forgot(info.value)


async def test_forgotten_super_init_names_the_class_whose_init_ran() -> None:
    # The outermost __init__ ran; the chain broke there or in a base class.
    with pytest.raises(AttributeError) as info:
        await ForgetfulChild().stop()
    _says_forgot(info.value, "ForgetfulChild")
    assert "or an __init__ of a base class" in str(info.value)


def test_a_missing_attribute_of_a_built_service_is_a_plain_error() -> None:
    service = Service()
    with pytest.raises(AttributeError) as info:
        service.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    assert str(info.value) == "'Service' object has no attribute 'no_such_thing'"
    assert info.value.name == "no_such_thing"
    assert info.value.obj is service
    assert not hasattr(service, "_no_such_private")


# -- rate strings as intervals -------------------------------------------------


def test_a_rate_string_timer_warns_at_class_definition() -> None:
    with pytest.warns(RateStringWarning) as record:

        class Poller(Service):
            @Service.timer("10/s")  # the line the warning points at
            async def poll(self) -> None: ...

    assert len(record) == 1
    warning = record[0]
    assert warning.filename == __file__
    assert Path(__file__).read_text().splitlines()[warning.lineno - 1].strip() == (
        '@Service.timer("10/s")  # the line the warning points at'
    )
    message = str(warning.message)
    assert message == (
        "Service.timer('10/s') runs every 10 seconds, not 10 times per second: "
        "a rate string is read as seconds (its events per second, the original "
        "mode's rule). Write Service.timer(10.0) to keep this interval, or "
        "Service.timer(0.1) for 10 per second."
    )


def test_a_rate_string_per_minute_says_both_numbers() -> None:
    with pytest.warns(RateStringWarning, match=r"Service.timer\('30/m'\)") as rec:

        class Poller(Service):
            @Service.timer("30/m")
            async def poll(self) -> None: ...

    message = str(rec[0].message)
    assert "runs every 0.5 seconds, not 30 times per minute" in message
    assert "Service.timer(0.5) to keep this interval" in message
    assert "Service.timer(2.0) for 30 per minute" in message


async def test_the_rate_string_timer_keeps_the_original_interval() -> None:
    # Accepted as before: "2/s" is a 2-second interval (one warning only,
    # at class definition, not at each start or tick).
    with pytest.warns(RateStringWarning):

        class Poller(Service):
            @Service.timer("2/s")
            async def poll(self) -> None: ...

    intervals: list[Any] = []
    built = asyncio.Event()

    class FakeTimer:
        def __init__(self, interval: Any, **kwargs: Any) -> None:
            intervals.append(interval)
            built.set()

        def __aiter__(self) -> FakeTimer:
            return self

        async def __anext__(self) -> float:
            await asyncio.Event().wait()  # until the stop cancels it
            raise AssertionError("unreachable")  # pragma: no cover

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mock.patch("mode.services.Timer", FakeTimer):
            async with Poller():
                await built.wait()
    assert intervals == [2.0]


@pytest.mark.parametrize("interval", [1.5, 2, "1.5", "3", 0.1])
def test_numbers_and_plain_strings_do_not_warn(interval: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Poller(Service):
            @Service.timer(interval)
            async def poll(self) -> None: ...


def test_timer_warns_at_the_callers_line() -> None:
    with pytest.warns(RateStringWarning) as record:
        Timer("10/s")  # the caller's line
    assert record[0].filename == __file__
    assert "Timer('10/s') runs every 10 seconds" in str(record[0].message)
    assert "Write Timer(10.0) to keep this interval" in str(record[0].message)


async def test_itertimer_warns_at_the_callers_line() -> None:
    service = Service()

    async def iterate() -> None:
        await service.stop()
        async for _ in service.itertimer("100/s"):  # the caller's line
            pass  # pragma: no cover - stopped: no tick

    async with service:
        with pytest.warns(RateStringWarning) as record:
            await iterate()
    assert len(record) == 1
    assert record[0].filename == __file__
    assert "Service.itertimer('100/s') runs every 100 seconds" in str(record[0].message)
