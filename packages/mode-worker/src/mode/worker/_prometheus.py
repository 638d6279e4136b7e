"""The worker's ``/metrics``: :mod:`mode.metrics` in Prometheus' text format.

Why OpenTelemetry's Prometheus exporter rather than prometheus-client
alone: the metrics are defined once, in :mod:`mode.metrics`, on
OpenTelemetry's API; the exporter turns exactly those instruments into the
text format (``mode.service.starts`` with unit ``{start}`` becomes
``mode_service_starts_total``, ``mode.timer.lateness`` in ``s`` becomes
``mode_timer_lateness_seconds_total``).  Going to prometheus-client
directly would need a second definition of every metric, kept in step by
hand, and a process exporting by OTLP would see other numbers than a
scrape.  The exporter brings prometheus-client in anyway (it renders the
text); what it costs is the OpenTelemetry SDK, which the ``web`` extra
installs.

Each :class:`PrometheusMetrics` owns its meter provider and its own
:class:`prometheus_client.CollectorRegistry`, never the global registry,
so two workers in one process, or tests, do not collide; the global
OpenTelemetry provider (an OTLP set-up of the application's) is left
alone.  :func:`render_metrics` and :func:`instrument` use one shared by the
process, made on first use.

Importing this module raises :class:`ImportError` naming ``pip install
mode-worker[web]`` when the extra is missing.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Final

from mode.metrics import Instrumentation
from mode.metrics import instrument as _instrument
from mode.types.services import ServiceT

__all__ = ["INSTALL_HINT", "PrometheusMetrics", "instrument", "render_metrics"]

#: The one-line error for a missing extra.
INSTALL_HINT: Final = (
    "metrics need OpenTelemetry's SDK and Prometheus exporter: "
    "pip install mode-worker[web]"
)

# Imported here, so that importing this module fails at once (with the pip
# command) when the extra is missing: the endpoint then answers 503.
try:
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        CollectorRegistry,
        generate_latest,
    )
except ImportError as exc:
    raise ImportError(INSTALL_HINT) from exc


class PrometheusMetrics:
    """A meter provider read by a Prometheus exporter with its own registry.

    Instrument trees with :meth:`instrument`; :meth:`render` returns the
    text exposition of their metrics, collected when called (from any
    thread: the trees' snapshots are taken on their loops, see
    :mod:`mode.metrics`).  :meth:`close` undoes the instrumentations and
    shuts the provider down.

    """

    def __init__(self) -> None:
        self.registry: CollectorRegistry = CollectorRegistry(auto_describe=False)
        reader = PrometheusMetricReader(registry=self.registry)
        self.meter_provider = MeterProvider(
            metric_readers=[reader], shutdown_on_exit=False
        )
        self._instrumentations: list[Instrumentation] = []
        self._closed = False

    def instrument(
        self, root: ServiceT, *, loop: asyncio.AbstractEventLoop | None = None
    ) -> Instrumentation:
        """Report ``root``'s tree here (see :func:`mode.metrics.instrument`).

        Call it on the loop that runs ``root``, or pass ``loop=``.

        Raises:
            RuntimeError: closed already.
        """
        if self._closed:
            raise RuntimeError("PrometheusMetrics is closed")
        inst = _instrument(root, meter_provider=self.meter_provider, loop=loop)
        if inst not in self._instrumentations:
            self._instrumentations.append(inst)
        return inst

    def render(self) -> tuple[bytes, str]:
        """Collect now; return ``(body, content type)`` in the text format."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def close(self) -> None:
        """Stop reporting every tree and shut the provider down (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for inst in self._instrumentations:
            inst.close()
        self._instrumentations.clear()
        self.meter_provider.shutdown()


_default: PrometheusMetrics | None = None
_default_lock = threading.Lock()


def _shared() -> PrometheusMetrics:
    global _default
    with _default_lock:
        if _default is None:
            _default = PrometheusMetrics()
        return _default


def instrument(
    root: ServiceT, *, loop: asyncio.AbstractEventLoop | None = None
) -> Instrumentation:
    """Report ``root``'s tree in :func:`render_metrics`.

    The worker's HTTP endpoint calls it when it starts, on the worker's
    loop, and closes the result when it stops.  Idempotent per root.
    """
    return _shared().instrument(root, loop=loop)


def render_metrics() -> tuple[bytes, str]:
    """The Prometheus text exposition of the instrumented trees.

    Returns ``(body, content type)``.  Collects when called, from the
    calling thread: run it off the web server's loop (the snapshot of each
    tree waits for that tree's loop, up to a second when it is blocked).
    With no tree instrumented the body holds no ``mode_`` metric.
    """
    return _shared().render()
