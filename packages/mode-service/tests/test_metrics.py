"""mode.metrics: the tree's numbers through OpenTelemetry (SDK in-memory reader)."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from mode import metrics, signals, threads
from mode.metrics import Instrumentation, instrument, unwatch_queue, watch_queue
from mode.services import Service
from mode.signals import Signal, SyncSignal
from mode.status import snapshot
from mode.supervisors import OneForOneSupervisor
from mode.threads import QueueServiceThread
from mode.utils.queues import FlowControlEvent, FlowControlQueue, ThrowableQueue

Points = dict[tuple[tuple[str, Any], ...], Any]


class Reader:
    """A fresh SDK provider with an in-memory reader, and what it collected."""

    def __init__(self) -> None:
        self.reader = InMemoryMetricReader()
        self.provider = MeterProvider(
            metric_readers=[self.reader], shutdown_on_exit=False
        )

    def collect(self) -> dict[str, Points]:
        data = self.reader.get_metrics_data()
        found: dict[str, Points] = {}
        if data is None:
            return found
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                assert sm.scope.name == "mode"
                for metric in sm.metrics:
                    points = found.setdefault(metric.name, {})
                    for point in metric.data.data_points:
                        key = tuple(sorted((point.attributes or {}).items()))
                        points[key] = getattr(point, "value", point)
        return found


@pytest.fixture
def otel() -> Iterator[Reader]:
    reader = Reader()
    yield reader
    for inst in list(metrics._instrumentations.values()):
        inst.close()
    reader.provider.shutdown()
    assert threads._call_thread_observer is None
    assert signals._receiver_error_observer is None


def of(points: Points, **attrs: str) -> Any:
    """The value of the one point whose attributes include ``attrs``."""
    want = {(f"mode.{k.replace('_', '.')}", v) for k, v in attrs.items()}
    hits = [v for key, v in points.items() if want <= set(key)]
    assert len(hits) == 1, (attrs, points)
    return hits[0]


def hooked() -> bool:
    """Whether call_thread and signal sends are observed now."""
    observed = threads._call_thread_observer is not None
    assert observed == (signals._receiver_error_observer is not None)
    return observed


def cls(service: object) -> str:
    return f"{type(service).__module__}.{type(service).__qualname__}"


class Leaf(Service):
    """A service whose starts can be awaited."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started_times = 0
        self.nth_start: dict[int, asyncio.Event] = {}
        super().__init__()

    def starts_reach(self, n: int) -> asyncio.Event:
        event = self.nth_start.setdefault(n, asyncio.Event())
        if self.started_times >= n:
            event.set()
        return event

    async def on_start(self) -> None:
        self.started_times += 1
        self.starts_reach(self.started_times).set()

    @Service.task
    async def _idle(self) -> None:
        await self.wait_until_stopped()

    def _repr_name(self) -> str:
        return f"Leaf-{self.name}"


class App(Service):
    def __init__(self) -> None:
        self.a = Leaf("a")
        self.b = Leaf("b")
        super().__init__()

    def on_init_dependencies(self) -> list[Service]:
        return [self.a, self.b]


async def test_a_running_tree_shows_states_starts_and_tasks(otel: Reader) -> None:
    app = App()
    inst = instrument(app, meter_provider=otel.provider)
    assert inst.enabled
    assert inst.root is app
    before = otel.collect()
    assert (
        of(before["mode.service.count"], service_state="init", service_label="App") == 1
    )
    await app.start()
    try:
        got = otel.collect()
        count = got["mode.service.count"]
        assert of(count, service_label="Leaf-a", service_state="running") == 1
        assert of(count, service_label="Leaf-a", service_state="init") == 0
        assert of(count, service_label="App", service_state="running") == 1
        assert sum(count.values()) == 3
        starts = got["mode.service.starts"]
        assert of(starts, service_label="Leaf-b", service_class=cls(app.b)) == 1
        assert of(got["mode.service.stops"], service_label="Leaf-b") == 0
        assert of(got["mode.service.task.count"], service_label="Leaf-a") == 1
    finally:
        await app.stop()
    after = otel.collect()
    assert of(after["mode.service.stops"], service_label="Leaf-a") == 1
    assert (
        of(after["mode.service.count"], service_label="Leaf-a", service_state="stopped")
        == 1
    )
    assert of(after["mode.service.task.count"], service_label="Leaf-a") == 0


async def test_a_crash_is_counted(otel: Reader) -> None:
    app = App()
    instrument(app, meter_provider=otel.provider)
    async with app:
        await app.a.crash(ValueError("boom"))
        got = otel.collect()
        assert of(got["mode.service.crashes"], service_label="Leaf-a") == 1
        # (A crash goes up the tree: the app crashes with its child.)
        assert of(got["mode.service.crashes"], service_label="App") == 1
        count = got["mode.service.count"]
        assert of(count, service_label="Leaf-a", service_state="crashed") == 1


async def test_a_supervised_restart_is_counted(otel: Reader) -> None:
    a, b = Leaf("a"), Leaf("b")
    sup = OneForOneSupervisor(a, b)
    instrument(sup, meter_provider=otel.provider)
    async with sup:
        await a.starts_reach(1).wait()
        await a.crash(RuntimeError("boom"))
        await a.starts_reach(2).wait()
        got = otel.collect()
        assert of(got["mode.service.restarts"], service_label="Leaf-a") == 1
        assert of(got["mode.service.restarts"], service_label="Leaf-b") == 0
        assert of(got["mode.service.starts"], service_label="Leaf-a") == 2
        assert of(got["mode.service.stops"], service_label="Leaf-a") == 1
        assert of(got["mode.service.crashes"], service_label="Leaf-a") == 1


class Ticker(Service):
    def __init__(self, ticks: int) -> None:
        self.want = ticks
        self.ticks = 0
        self.done = asyncio.Event()
        super().__init__()

    @Service.timer(0.005)
    async def _tick(self) -> None:
        self.ticks += 1
        if self.ticks == 2:
            time.sleep(0.03)  # blocks the loop: the next tick runs late
        if self.ticks >= self.want:
            self.done.set()


async def test_timer_ticks_and_lateness_are_reported(otel: Reader) -> None:
    ticker = Ticker(4)
    instrument(ticker, meter_provider=otel.provider)
    async with ticker:
        await ticker.done.wait()
        got = otel.collect()  # on this loop: the snapshot is taken in place
        (timer,) = snapshot(ticker)["root"]["timers"]
    ticks = of(got["mode.timer.ticks"], timer_name=timer["name"])
    assert ticks == timer["ticks"] >= 4
    total = of(got["mode.timer.lateness"], timer_name=timer["name"])
    assert total == pytest.approx(timer["lateness_mean"] * timer["ticks"])
    late = of(got["mode.timer.lateness.max"], timer_name=timer["name"])
    assert late == timer["lateness_max"] >= 0.01
    assert total >= late


class Blocking(QueueServiceThread):
    def work(self, x: int) -> int:
        if x < 0:
            raise ValueError(x)
        return x * 2


async def test_call_thread_latency_histogram(
    otel: Reader, no_thread_left: None
) -> None:
    service = Blocking()
    instrument(service, meter_provider=otel.provider)
    async with service:
        assert await service.call_thread(service.work, 1) == 2
        assert await service.call_thread(service.work, 2) == 4
        with pytest.raises(ValueError):
            await service.call_thread(service.work, -1)
        got = otel.collect()["mode.thread.call.duration"]
    (ok,) = [v for k, v in got.items() if not any(a == "error.type" for a, _ in k)]
    assert (("mode.service.class", cls(service))) in next(iter(got))
    assert ok.count == 2
    assert 0 < ok.sum < 5
    assert ok.min > 0
    failed = [v for k, v in got.items() if ("error.type", "ValueError") in k]
    assert [p.count for p in failed] == [1]


async def test_receiver_errors_are_counted(otel: Reader) -> None:
    inst = instrument(Service(), meter_provider=otel.provider)
    sig: Signal[Any] = Signal(name="on_thing")
    sync: SyncSignal[Any] = SyncSignal(name="on_sync_thing")
    calls: list[str] = []

    async def bad(sender: Any, **kwargs: Any) -> None:
        raise KeyError("x")

    def also_bad(sender: Any, **kwargs: Any) -> None:
        raise OSError("y")

    def good(sender: Any, **kwargs: Any) -> None:
        calls.append("good")

    sig.connect(bad)
    sync.connect(good)
    sync.connect(also_bad)
    with pytest.raises(KeyError):
        await sig.send(object())
    with pytest.raises(KeyError):
        await sig(object())
    with pytest.raises(OSError):
        sync.send(object())
    with pytest.raises(TypeError):  # a bad call is not a receiver's error
        sync.send()
    assert calls == ["good"]
    got = otel.collect()["mode.signal.receiver.errors"]
    assert of(got, signal_name="on_thing") == 2
    assert ("error.type", "KeyError") in next(
        iter(k for k in got if ("mode.signal.name", "on_thing") in k)
    )
    assert of(got, signal_name="on_sync_thing") == 1
    inst.close()
    # Off again: the plain sends, errors no longer counted.
    assert Signal.send is signals._plain_signal_send
    assert SyncSignal.__call__ is signals._plain_sync_signal_send
    with pytest.raises(KeyError):
        await sig.send(object())
    assert (
        of(otel.collect()["mode.signal.receiver.errors"], signal_name="on_thing") == 2
    )


async def test_watched_queue_length_and_limit(otel: Reader) -> None:
    instrument(Service(), meter_provider=otel.provider)
    flow = FlowControlEvent(initially_suspended=False)
    queue: FlowControlQueue[int] = FlowControlQueue(maxsize=10, flow_control=flow)
    unbounded: ThrowableQueue[int] = ThrowableQueue(flow_control=flow)
    watch_queue(queue, name="stage-1")
    watch_queue(unbounded, name="errors")
    for i in range(3):
        queue.put_nowait(i)
    unbounded.put_nowait(1)
    got = otel.collect()
    assert of(got["mode.queue.length"], queue_name="stage-1") == 3
    assert of(got["mode.queue.length"], queue_name="errors") == 1
    assert got["mode.queue.limit"] == {(("mode.queue.name", "stage-1"),): 10}
    await queue.get()
    assert of(otel.collect()["mode.queue.length"], queue_name="stage-1") == 2
    unwatch_queue(queue)
    del unbounded  # held weakly: a collected queue drops out
    assert not metrics._queues
    assert not otel.collect().get("mode.queue.length")


async def test_collected_from_another_thread_on_the_tree_loop(otel: Reader) -> None:
    app = App()
    instrument(app, meter_provider=otel.provider)
    async with app:
        got = await asyncio.to_thread(otel.collect)
        assert (
            of(got["mode.service.count"], service_label="App", service_state="running")
            == 1
        )


async def test_a_blocked_loop_gets_the_previous_snapshot(
    otel: Reader, caplog: pytest.LogCaptureFixture
) -> None:
    app = App()
    instrument(app, meter_provider=otel.provider, snapshot_timeout=0.05)
    async with app:
        first = await asyncio.to_thread(otel.collect)
        assert of(first["mode.service.starts"], service_label="App") == 1
        results: list[dict[str, Points]] = []
        thread = threading.Thread(target=lambda: results.append(otel.collect()))
        with caplog.at_level(logging.WARNING, logger="mode.metrics"):
            thread.start()
            thread.join()  # blocks this loop: it cannot take a snapshot
        assert of(results[0]["mode.service.starts"], service_label="App") == 1
        assert "did not answer" in caplog.text
        await asyncio.sleep(0)  # let the late snapshot job run (it is dropped)


async def test_instrument_is_idempotent_and_close_stops_reporting(otel: Reader) -> None:
    app = App()
    inst = instrument(app, meter_provider=otel.provider)
    assert instrument(app, meter_provider=otel.provider) is inst
    assert hooked()
    with inst:
        pass
    assert not inst.enabled
    assert "closed" in repr(inst)
    inst.close()  # idempotent
    assert not hooked()
    assert not otel.collect().get("mode.service.count")
    again = instrument(app, meter_provider=otel.provider)
    assert again is not inst
    assert again.enabled
    assert (
        of(
            otel.collect()["mode.service.count"],
            service_label="App",
            service_state="init",
        )
        == 1
    )


async def test_two_trees_on_one_provider_add_up(otel: Reader) -> None:
    one, two = Leaf("x"), Leaf("x")
    instrument(one, meter_provider=otel.provider)
    instrument(two, meter_provider=otel.provider)
    async with one, two:
        got = otel.collect()
    assert of(got["mode.service.starts"], service_label="Leaf-x") == 2


def test_bad_input() -> None:
    with pytest.raises(TypeError, match="root service"):
        instrument(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="event loop"):
        instrument(Service(), loop=1)  # type: ignore[arg-type]
    for bad in (0, -1, True, "1"):
        with pytest.raises(TypeError, match="positive number"):
            instrument(Service(), snapshot_timeout=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"asyncio\.Queue"):
        watch_queue([], name="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name="):
        watch_queue(asyncio.Queue(), name="")
    with pytest.raises(TypeError, match="callable"):
        threads.set_call_thread_observer(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        signals.set_receiver_error_observer(1)  # type: ignore[arg-type]


def test_without_sdk_nothing_is_reported(otel: Reader) -> None:
    # The global provider is OpenTelemetry's default proxy: off.
    inst = instrument(Service())
    assert isinstance(inst, Instrumentation)
    assert not inst.enabled
    assert inst.root is None
    assert "disabled" in repr(inst)
    inst.close()
    assert threads._call_thread_observer is None


_NOTHING_IMPORTED = """
import asyncio, json, sys
from mode import Service, Signal
from mode.threads import QueueServiceThread

class T(QueueServiceThread):
    pass

async def main():
    async with T() as t:
        await t.call_thread(len, "ab")
    sig = Signal()
    sig.connect(lambda sender, **kw: None)
    await sig.send(1)

asyncio.run(main())
prefixes = ("opentelemetry", "mode.metrics")
before = sorted(m for m in sys.modules if m.startswith(prefixes))
import mode.metrics
inst = mode.metrics.instrument(Service())
after = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
print(json.dumps([before, after, inst.enabled]))
"""


def test_nothing_is_imported_or_hooked_when_unused() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _NOTHING_IMPORTED],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    before, after, enabled = json.loads(out)
    assert before == []
    assert after == []  # no provider could be configured: not even the API
    assert enabled is False


_NO_SDK = """
import json, sys
from opentelemetry import metrics as api  # the API alone, no SDK provider set
import mode.metrics
from mode import Service
inst = mode.metrics.instrument(Service())
sdk = [m for m in sys.modules if m.startswith("opentelemetry.sdk")]
print(json.dumps([inst.enabled, sdk]))
"""

_NO_OTEL = """
import json, sys
sys.modules["opentelemetry"] = None  # not installed
import mode.metrics
from mode import Service
import os
os.environ["OTEL_PYTHON_METER_PROVIDER"] = "sdk_meter_provider"
print(json.dumps(mode.metrics.instrument(Service()).enabled))
"""


def test_api_without_sdk_or_no_opentelemetry_at_all_is_off() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _NO_SDK],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out) == [False, []]
    out = subprocess.run(
        [sys.executable, "-c", _NO_OTEL],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out) is False


async def test_a_failing_snapshot_is_logged_and_reported_as_nothing(
    otel: Reader, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import mode.status

    def broken(service: object) -> None:
        raise RuntimeError("snapshot bug")

    monkeypatch.setattr(mode.status, "snapshot", broken)
    instrument(Service(), meter_provider=otel.provider)
    with caplog.at_level(logging.ERROR, logger="mode.metrics"):
        got = otel.collect()
    assert not got.get("mode.service.count")
    assert "snapshot bug" in caplog.text


def test_a_collected_root_and_a_closed_loop_report_nothing_or_in_place(
    otel: Reader,
) -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    service = Service()
    inst = instrument(service, meter_provider=otel.provider, loop=loop)
    # The loop is closed: nothing runs the tree, the snapshot is taken here.
    got = otel.collect()
    assert of(got["mode.service.count"], service_state="init") == 1
    del service
    gc.collect()  # a service and its tree node refer to each other
    assert inst.root is None
    assert not otel.collect().get("mode.service.count")
