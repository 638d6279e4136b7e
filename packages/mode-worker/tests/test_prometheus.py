"""mode.worker._prometheus: the text exposition of mode.metrics for /metrics."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from mode.services import Service
from mode.signals import Signal
from mode.supervisors import OneForOneSupervisor
from mode.worker import _prometheus
from mode.worker._prometheus import PrometheusMetrics, instrument, render_metrics


class Child(Service):
    def __init__(self) -> None:
        self.started_twice = asyncio.Event()
        self.ticked_after_restart = asyncio.Event()
        self.n = 0
        super().__init__()

    async def on_start(self) -> None:
        self.n += 1
        if self.n == 2:
            self.started_twice.set()

    @Service.timer(0.001)
    async def _tick(self) -> None:
        if self.n == 2:
            self.ticked_after_restart.set()


def parse(body: bytes) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Sample name -> [(labels, value)], from the text format."""
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: list[tuple[dict[str, str], float]], **labels: str) -> float:
    hits = [v for got, v in samples if labels.items() <= got.items()]
    assert len(hits) == 1, (labels, samples)
    return hits[0]


@pytest.fixture
def prom() -> Iterator[PrometheusMetrics]:
    metrics = PrometheusMetrics()
    yield metrics
    metrics.close()


async def test_render_shows_the_tree_in_the_text_format(
    prom: PrometheusMetrics,
) -> None:
    child = Child()
    sup = OneForOneSupervisor(child)
    prom.instrument(sup)
    sig: Signal[int] = Signal(name="on_bad")

    def bad(sender: int, **kwargs: object) -> None:
        raise ValueError(sender)

    sig.connect(bad)
    async with sup:
        await child.crash(RuntimeError("boom"))
        await child.started_twice.wait()
        await child.ticked_after_restart.wait()
        with pytest.raises(ValueError):
            await sig.send(1)
        # Rendered from another thread, as the endpoint does.
        body, content_type = await asyncio.to_thread(prom.render)
    assert content_type.startswith("text/plain; version=")
    samples = parse(body)
    label = {"mode_service_label": child.label}
    assert value(samples["mode_service_starts_total"], **label) == 2
    assert value(samples["mode_service_restarts_total"], **label) == 1
    assert value(samples["mode_service_crashes_total"], **label) == 1
    assert value(samples["mode_service_stops_total"], **label) == 1
    assert (
        value(samples["mode_service_count"], **label, mode_service_state="running") == 1
    )
    assert value(samples["mode_timer_ticks_total"], **label) >= 1
    assert "mode_timer_lateness_seconds_total" in samples
    assert "mode_timer_lateness_max_seconds" in samples
    assert (
        value(
            samples["mode_signal_receiver_errors_total"],
            mode_signal_name="on_bad",
            error_type="ValueError",
        )
        == 1
    )
    text = body.decode()
    assert "# TYPE mode_service_starts_total counter" in text
    assert "# TYPE mode_timer_lateness_max_seconds gauge" in text


async def test_own_registry_two_at_once_and_not_the_global_one() -> None:
    one, two = PrometheusMetrics(), PrometheusMetrics()
    try:
        a, b = Service(), Child()
        one.instrument(a)
        two.instrument(b)
        first, second = parse(one.render()[0]), parse(two.render()[0])
        labels = {lbl["mode_service_label"] for lbl, _ in first["mode_service_count"]}
        assert labels == {a.label}
        labels = {lbl["mode_service_label"] for lbl, _ in second["mode_service_count"]}
        assert labels == {b.label}
        names = {m.name for m in REGISTRY.collect()}
        assert not any(n.startswith("mode_") for n in names)
    finally:
        one.close()
        two.close()
    one.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        one.instrument(Service())


async def test_module_level_render_and_instrument() -> None:
    service = Service()
    inst = instrument(service)
    try:
        assert instrument(service) is inst
        samples = parse(render_metrics()[0])
        assert (
            value(
                samples["mode_service_count"],
                mode_service_label=service.label,
                mode_service_state="init",
            )
            == 1
        )
    finally:
        inst.close()
    samples = parse(render_metrics()[0])
    assert not samples.get("mode_service_count")
    assert _prometheus._default is not None


_NO_EXPORTER = """
import sys
sys.modules["opentelemetry.exporter.prometheus"] = None  # the extra is missing
try:
    from mode.worker._prometheus import render_metrics
except ImportError as exc:
    print(exc)
"""


def test_missing_extra_names_the_pip_command() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _NO_EXPORTER],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.strip().endswith("pip install mode-worker[web]")
    assert len(out.strip().splitlines()) == 1


_WORKER_WITH_SDK = """
import json, os, signal, sys
from opentelemetry.metrics import set_meter_provider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from mode import Service, Worker

reader = InMemoryMetricReader()
set_meter_provider(MeterProvider(metric_readers=[reader]))

class App(Service):
    @Service.task
    async def _report(self) -> None:
        data = reader.get_metrics_data()
        found = {}
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    for p in m.data.data_points:
                        if m.name == "mode.service.starts":
                            found[p.attributes["mode.service.label"]] = p.value
        print(json.dumps(found), file=sys.__stdout__, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)  # a graceful stop: exit 0

Worker(App(), loglevel="warning").execute_from_commandline()
"""


def test_worker_reports_to_a_configured_sdk_provider() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _WORKER_WITH_SDK],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.splitlines()[0])
    assert found == {"Worker": 1, "App": 1}
