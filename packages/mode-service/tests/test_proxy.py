"""mode.proxy.ServiceProxy forwards the lifecycle to its service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from mode import Service
from mode.proxy import ServiceProxy
from mode.types.services import ServiceT
from mode.utils.objects import cached_property
from mode.utils.trees import Node


class Inner(Service):
    def __post_init__(self) -> None:
        self.events: list[str] = []

    async def on_start(self) -> None:
        self.events.append("start")

    async def on_stop(self) -> None:
        self.events.append("stop")


def started(service: ServiceT) -> bool:
    return service.started  # a call: keeps mypy from narrowing across awaits


def reason(service: ServiceT) -> BaseException | None:
    return service.crash_reason


class App(ServiceProxy):
    def __init__(self) -> None:
        super().__init__()

    @cached_property
    def _service(self) -> Inner:
        return Inner()


def test_abstract_without_service() -> None:
    class Incomplete(ServiceProxy):
        pass

    with pytest.raises(TypeError, match="_service"):
        Incomplete()  # type: ignore[abstract]


async def test_start_stop_and_flags_forward() -> None:
    app = App()
    inner = app._service
    assert app.state == "init"
    assert not started(app)
    await app.start()
    assert started(app)
    assert started(inner)
    assert app.state == "running"
    assert not await app.maybe_start()
    await app.stop()
    assert inner.events == ["start", "stop"]
    assert app.should_stop
    app.set_shutdown()
    assert app.state == "shutdown"
    app.service_reset()
    assert inner.restart_count == 1
    assert app.state == "init"


async def test_async_with_and_restart_and_wait_until_stopped() -> None:
    app = App()
    async with app:
        assert app._service.started
        await app.restart()
        assert app._service.events == ["start", "stop", "start"]
        await app._service.stop()
        await app.wait_until_stopped()
    assert app.state == "init"


async def test_crash_forwards() -> None:
    app = App()
    await app.start()
    exc = RuntimeError("boom")
    await app.crash(exc)
    assert app.crashed
    assert app.crash_reason is exc
    app.crash_reason = None
    assert reason(app._service) is None
    other = ValueError("x")
    app._crash(other)
    assert reason(app._service) is other
    await app.stop()


async def test_dependencies_and_contexts_forward() -> None:
    app = App()
    child = Inner()
    assert app.add_dependency(child) is child
    late = Inner()
    entered: list[str] = []

    @contextlib.contextmanager
    def cm() -> Iterator[str]:
        entered.append("sync")
        yield "s"

    @contextlib.asynccontextmanager
    async def acm() -> AsyncIterator[str]:
        entered.append("async")
        yield "a"

    async with app:
        assert child.started
        assert await app.add_runtime_dependency(late) is late
        assert late.started
        assert app.add_context(cm()) == "s"
        assert await app.add_async_context(acm()) == "a"
    assert entered == ["sync", "async"]
    assert child.events == ["start", "stop"]


async def test_proxy_as_a_dependency_of_a_service() -> None:
    parent = Service()
    app = App()
    parent.add_dependency(app)
    async with parent:
        assert app._service.started
    assert app._service.events == ["start", "stop"]


def test_label_beacon_and_log_prefix() -> None:
    app = App()
    assert app.label == app.shortlabel == "App"
    node: Node[ServiceT] = Node(app._service)
    app.beacon = node
    assert app.beacon is node
    assert app._service.beacon is node
    assert app._format_log(20, "hello") == "[^App]: hello"
    assert repr(app).startswith("<App: init")
