"""What defining a Service subclass does to the user's code (issue 16).

- It adds no handler to the user's module logger (nor to mode's own), so
  the user's own ``logger.error(...)`` still reaches Python's last-resort
  handler (stderr) when logging is not configured.
- Plain functions where coroutines are expected (the lifecycle hooks,
  ``@Service.task``/``timer``/``crontab``) are refused when the class is
  defined; other callables (mocks, partials, functions marked as coroutine
  functions, sync wrappers of async functions) are left alone.
"""

from __future__ import annotations

import functools
import inspect
import logging
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from typing import Any
from unittest.mock import AsyncMock, Mock

import pytest

from mode import Service
from mode.services import ServiceBase

HOOKS = (
    "on_first_start",
    "on_start",
    "on_started",
    "on_stop",
    "on_shutdown",
    "on_restart",
)


# -- logging ------------------------------------------------------------------


def test_user_logger_reaches_stderr_when_logging_is_not_configured() -> None:
    code = textwrap.dedent(
        """
        import logging
        from mode import Service

        class MyService(Service):
            pass

        MyService()
        logging.getLogger(__name__).error("boom")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "boom" in proc.stderr


def test_no_handler_on_a_logger_outside_mode() -> None:
    name = "issue16_user_module"
    logger = logging.getLogger(name)
    assert not logger.handlers
    cls: type[Service] = type("UserService", (Service,), {"__module__": name})
    assert cls.logger is logger
    assert not logger.handlers


def test_no_handler_on_a_logger_of_mode_either() -> None:
    # A NullHandler there would hide mode's own errors from the last-resort
    # handler (test_first_hour has the subprocess check).
    name = "mode.issue16_own_module"
    cls: type[Service] = type("OwnService", (Service,), {"__module__": name})
    assert cls.logger.name == name
    assert not cls.logger.handlers


# -- hooks --------------------------------------------------------------------


@pytest.mark.parametrize("hook", HOOKS)
def test_plain_def_hook_is_refused(hook: str) -> None:
    def plain(self: Any) -> None:
        pass

    plain.__name__ = plain.__qualname__ = hook
    with pytest.raises(TypeError) as info:
        type("MyService", (Service,), {hook: plain})
    message = str(info.value)
    assert message.startswith(f"MyService.{hook} must be an async def (it is awaited")
    assert message.endswith(f"write `async def {hook}(self) -> None:`")


def test_plain_def_hook_in_a_mixin_is_refused() -> None:
    class Mixin:
        def on_stop(self) -> None:
            pass

    with pytest.raises(TypeError, match=r"Mixin\.on_stop must be an async def"):

        class MyService(Mixin, Service):  # type: ignore[misc]
            pass


def test_async_generator_hook_is_refused() -> None:
    with pytest.raises(TypeError, match=r"MyService\.on_start must be an async def"):

        class MyService(Service):
            async def on_start(self) -> Any:
                yield  # pragma: no cover


def _marked(self: Any) -> Awaitable[None]:
    return AsyncMock()()  # type: ignore[no-any-return]


def _sync_wrapper(fun: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fun)
    def wrapper(*args: Any) -> Any:
        return fun(*args)

    return wrapper


async def _noop(self: Any) -> None:
    pass


def _other_callables() -> list[tuple[str, object]]:
    values: list[tuple[str, object]] = [
        ("mock", Mock()),
        ("async mock", AsyncMock()),
        ("partial", functools.partial(_noop)),
        ("sync wrapper of an async def", _sync_wrapper(_noop)),
    ]
    mark = getattr(inspect, "markcoroutinefunction", None)  # Python 3.12+
    if mark is not None:
        values.append(("marked", mark(_marked)))
    return values


@pytest.mark.parametrize(
    "value", [v for _, v in _other_callables()], ids=[k for k, _ in _other_callables()]
)
def test_other_callables_as_hooks_are_left_alone(value: object) -> None:
    cls = type("MyService", (Service,), dict.fromkeys(HOOKS, value))
    assert issubclass(cls, Service)


def test_static_and_class_methods_as_hooks_are_left_alone() -> None:
    class MyService(Service):
        on_start = staticmethod(lambda: None)  # type: ignore[assignment]
        on_stop = classmethod(lambda cls: None)  # type: ignore[assignment]

    assert issubclass(MyService, Service)


def test_service_base_subclasses_are_not_checked() -> None:
    # ServiceBase has no hooks (ServiceProxy and friends): a plain method of
    # that name means something else there.
    class NotAService(ServiceBase):
        def on_start(self) -> None:
            pass

    assert callable(NotAService.on_start)


# -- tasks, timers, crontabs ---------------------------------------------------


def _decorators() -> list[tuple[str, Callable[[Any], Any]]]:
    return [
        ("Service.task", Service.task),
        ("Service.timer", Service.timer(1.0)),
        ("Service.crontab", Service.crontab("* * * * *")),
    ]


@pytest.mark.parametrize(
    ("name", "decorate"), _decorators(), ids=[n for n, _ in _decorators()]
)
def test_plain_def_task_is_refused(name: str, decorate: Callable[[Any], Any]) -> None:
    def _poll(self: Any) -> None:
        pass

    with pytest.raises(TypeError) as info:
        decorate(_poll)
    assert str(info.value) == (
        f"{name} decorates an async def, but "
        "test_plain_def_task_is_refused.<locals>._poll is a plain function: "
        "write `async def _poll(self) -> None:`"
    )


@pytest.mark.parametrize(
    ("name", "decorate"), _decorators(), ids=[n for n, _ in _decorators()]
)
def test_other_callables_as_tasks_are_left_alone(
    name: str, decorate: Callable[[Any], Any]
) -> None:
    for _, value in _other_callables():
        decorate(value)
