"""mode.loop.factory and the registry: backends, entry points, errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import mode.loop
from mode.loop import (
    BackendUnavailableError,
    LoopFactory,
    UnknownBackendError,
    available,
    factory,
    names,
)

# -- a real workload -------------------------------------------------------


async def producer_consumer(n: int = 50) -> tuple[list[int], str]:
    """Queue hand-off between two tasks, a timer and a thread hop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=4)
    got: list[int] = []

    async def produce() -> None:
        for i in range(n):
            await queue.put(i)
        await queue.put(None)

    async def consume() -> None:
        while (item := await queue.get()) is not None:
            got.append(item)

    timer: asyncio.Future[str] = loop.create_future()
    loop.call_later(0.001, timer.set_result, "timer fired")
    await asyncio.gather(produce(), consume())
    from_thread = await loop.run_in_executor(None, lambda: "thread")
    assert from_thread == "thread"
    return got, await timer


async def run_service() -> tuple[list[int], int]:
    """A mode Service with two background tasks and a timer (test-only import)."""
    from mode.services import Service

    class Pipeline(Service):
        def __init__(self) -> None:
            super().__init__()
            self.queue: asyncio.Queue[int] = asyncio.Queue()
            self.got: list[int] = []
            self.ticks = 0
            self.consumed = asyncio.Event()
            self.ticked = asyncio.Event()

        @Service.task
        async def _produce(self) -> None:
            for i in range(20):
                await self.queue.put(i)

        @Service.task
        async def _consume(self) -> None:
            while len(self.got) < 20:
                self.got.append(await self.queue.get())
            self.consumed.set()

        @Service.timer(0.001)
        async def _tick(self) -> None:
            self.ticks += 1
            if self.ticks >= 2:
                self.ticked.set()

    service = Pipeline()
    async with service:
        await service.consumed.wait()
        await service.ticked.wait()
    return service.got, service.ticks


def _has_service() -> bool:
    try:
        from mode.services import Service  # noqa: F401
    except ImportError:  # pragma: no cover - mode-service not installed
        return False
    return True


BACKENDS = ["asyncio", "aio", "uvloop", "gevent"]


@pytest.mark.parametrize("name", BACKENDS)
def test_each_installed_backend_runs_a_real_workload(name: str) -> None:
    if name.replace("aio", "asyncio") not in available():
        pytest.skip(f"{name} is not installed here")  # pragma: no cover
    with asyncio.Runner(loop_factory=factory(name), debug=True) as runner:
        loop = runner.get_loop()
        loop.slow_callback_duration = 1.0
        got, timer = runner.run(producer_consumer())
        assert got == list(range(50))
        assert timer == "timer fired"
        if _has_service():
            items, ticks = runner.run(run_service())
            assert items == list(range(20))
            assert ticks >= 2
    assert loop.is_closed()


def test_gevent_factory_is_asyncio_gevents_loop_class() -> None:
    asyncio_gevent = pytest.importorskip("asyncio_gevent")
    assert factory("gevent") is asyncio_gevent.EventLoop


def test_factory_returns_the_backend_loop_classes() -> None:
    import uvloop

    assert factory() is asyncio.SelectorEventLoop
    assert factory("asyncio") is factory("aio") is asyncio.SelectorEventLoop
    assert factory("uvloop") is uvloop.new_event_loop
    loop = factory("uvloop")()
    try:
        assert isinstance(loop, uvloop.Loop)
        assert not loop.is_running()
    finally:
        loop.close()


def test_each_call_of_a_factory_makes_a_new_loop() -> None:
    make = factory("asyncio")
    first, second = make(), make()
    try:
        assert first is not second
    finally:
        first.close()
        second.close()


@pytest.mark.usefixtures("restore_policy")
def test_asyncio_factory_ignores_the_global_policy() -> None:
    mode.loop.use("uvloop")
    loop = factory("asyncio")()
    try:
        assert type(loop).__module__.startswith("asyncio")
    finally:
        loop.close()


async def test_tests_run_on_both_workspace_loops() -> None:
    # The workspace conftest runs each async test on asyncio and on uvloop.
    assert type(asyncio.get_running_loop()).__name__ in {
        "_UnixSelectorEventLoop",
        "Loop",
    }


# -- listing ---------------------------------------------------------------


def test_names_lists_every_builtin_sorted() -> None:
    assert names() == ["asyncio", "eventlet", "gevent", "uvloop", "winloop"]


def test_available_lists_what_is_installed_here() -> None:
    here = available()
    assert here == sorted(here)
    assert {"asyncio", "uvloop"} <= set(here)
    assert "eventlet" not in here
    assert "winloop" not in here  # not Windows
    assert "aio" not in here


def test_available_leaves_out_a_masked_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert "uvloop" not in available()
    assert "uvloop" in names()


def test_available_leaves_out_an_uninstalled_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mode.loop import _registry

    gevent = _registry._BUILTINS["gevent"]
    monkeypatch.setattr(gevent, "modules", ("mode_loop_not_installed_xyz",))
    assert "gevent" not in available()


# -- errors ----------------------------------------------------------------


def test_unknown_name_is_a_value_error_listing_names_with_a_hint() -> None:
    with pytest.raises(UnknownBackendError) as info:
        factory("uvlop")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.name == "uvlop"
    assert err.choices == names()
    message = str(err)
    assert "'uvlop'" in message
    assert "asyncio, eventlet, gevent, uvloop, winloop" in message
    assert "Did you mean uvloop?" in message
    assert type(err).__module__ == "mode.loop"


def test_unknown_name_without_a_close_match_has_no_hint() -> None:
    with pytest.raises(UnknownBackendError, match="valid names") as info:
        factory("tornado")
    assert "Did you mean" not in str(info.value)


def test_hint_falls_back_to_difflib_without_mode_utils(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "mode.utils.text", None)
    with pytest.raises(UnknownBackendError, match=r"Did you mean gevent\?"):
        factory("gevnt")
    with pytest.raises(UnknownBackendError) as info:
        factory("zzz")
    assert "Did you mean" not in str(info.value)


@pytest.mark.parametrize("bad", [None, 3, b"uvloop"])
def test_a_name_must_be_a_string(bad: Any) -> None:
    with pytest.raises(TypeError, match="must be a str"):
        factory(bad)


def test_missing_uvloop_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    with pytest.raises(BackendUnavailableError) as info:
        factory("uvloop")
    assert isinstance(info.value, ImportError)
    assert "pip install 'mode-loop[uvloop]'" in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)


@pytest.mark.parametrize("module", ["gevent", "asyncio_gevent"])
def test_missing_gevent_parts_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(BackendUnavailableError, match=r"mode-loop\[gevent\]"):
        factory("gevent")


def test_eventlet_is_refused_with_the_reason_and_the_alternative() -> None:
    with pytest.raises(BackendUnavailableError) as info:
        factory("eventlet")
    message = str(info.value)
    assert "not supported" in message
    assert "deprecated" in message
    assert "aioeventlet" in message
    assert "'asyncio'" in message


def test_winloop_off_windows_points_to_uvloop() -> None:
    with pytest.raises(BackendUnavailableError, match=r"Windows only.*'uvloop'"):
        factory("winloop")


def test_winloop_on_windows_uses_winloop(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("winloop")
    fake.new_event_loop = asyncio.SelectorEventLoop  # type: ignore[attr-defined]
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "winloop", fake)
    assert factory("winloop") is asyncio.SelectorEventLoop
    assert "winloop" in available()
    assert "uvloop" not in available()
    with pytest.raises(BackendUnavailableError, match="does not run on Windows"):
        factory("uvloop")


def test_winloop_missing_on_windows_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "winloop", None)
    with pytest.raises(BackendUnavailableError, match=r"mode-loop\[winloop\]"):
        factory("winloop")


# -- entry points ----------------------------------------------------------


@pytest.mark.usefixtures("fake_plugin")
def test_entry_point_backend_is_found_and_runs() -> None:
    assert "fakeloop" in names()
    assert "fakeloop" in available()
    make = factory("fakeloop")
    plugin = sys.modules["mode_loop_fake_backend"]
    with asyncio.Runner(loop_factory=make) as runner:
        assert type(runner.get_loop()).__name__ == "FakeLoop"
        got, _ = runner.run(producer_consumer(5))
    assert got == list(range(5))
    assert plugin.CALLS == [1]


@pytest.mark.usefixtures("fake_plugin")
def test_entry_points_cannot_shadow_builtins() -> None:
    import uvloop

    assert factory("uvloop") is uvloop.new_event_loop
    assert factory("aio") is asyncio.SelectorEventLoop
    assert names().count("uvloop") == 1
    assert "aio" not in names()


@pytest.mark.usefixtures("fake_plugin")
def test_broken_entry_point_reports_where_it_came_from() -> None:
    with pytest.raises(BackendUnavailableError) as info:
        factory("brokenloop")
    message = str(info.value)
    assert "mode_loop_no_such_module:new_event_loop" in message
    assert "mode.loop.backends" in message
    assert "ModuleNotFoundError" in message


@pytest.mark.usefixtures("fake_plugin")
def test_entry_point_that_is_not_callable_is_refused() -> None:
    with pytest.raises(BackendUnavailableError, match="42, not a callable"):
        factory("notcallable")


@pytest.mark.usefixtures("fake_plugin")
def test_unknown_name_lists_entry_point_backends_too() -> None:
    with pytest.raises(UnknownBackendError, match="fakeloop") as info:
        factory("fakelop")
    assert "Did you mean fakeloop?" in str(info.value)


def test_entry_points_are_read_when_asked_not_cached(fake_plugin: Path) -> None:
    assert "fakeloop" in names()
    (
        fake_plugin / "mode_loop_fake_backend-1.0.dist-info" / "entry_points.txt"
    ).write_text("[mode.loop.backends]\n")
    assert "fakeloop" not in names()


# -- the package -----------------------------------------------------------


def test_loop_factory_alias_accepts_factories() -> None:
    make: LoopFactory = factory("asyncio")
    assert callable(make)


def test_importing_mode_loop_imports_no_backend() -> None:
    code = (
        "import sys, json\n"
        "import mode\n"
        "before = set(sys.modules)\n"
        "import mode.loop\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    new = set(json.loads(out))
    assert {"mode.loop", "mode.loop._registry", "mode.loop._policy"} <= new
    for heavy in ("uvloop", "gevent", "asyncio_gevent", "importlib.metadata"):
        assert heavy not in new
    assert "asyncio" not in new
