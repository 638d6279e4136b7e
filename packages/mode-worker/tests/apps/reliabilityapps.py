"""Worker scenarios for the stop-outcome tests (issue 15's second pass).

``python reliabilityapps.py SCENARIO [JSON]`` runs a Worker (``daemon`` off
unless the JSON says otherwise) over the scenario's service; the JSON object
gives extra Worker keyword arguments.  Services log ``APP-READY`` (warning
level) once started, and the markers the tests look for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
from typing import Any

from mode import Service
from mode.threads import ServiceThread
from mode.worker import Worker

log = logging.getLogger("reliabilityapps")


class _Ready(Service):
    async def on_started(self) -> None:
        log.warning("APP-READY")


class FailingLeaf(Service):
    """Its on_stop raises."""

    async def on_stop(self) -> None:
        log.warning("LEAF-STOPPING")
        raise ValueError("grandchild stop failed")


class Sibling(Service):
    """Stops after the failing leaf (it was started before it)."""

    async def on_stop(self) -> None:
        log.warning("SIBLING-STOPPED")


class GrandchildStopFails(_Ready):
    """Worker -> GrandchildStopFails -> (Sibling, FailingLeaf)."""

    def __post_init__(self) -> None:
        self.add_dependency(Sibling())
        self.add_dependency(FailingLeaf())

    async def on_shutdown(self) -> None:
        log.warning("PARENT-SHUT-DOWN")


class _Middle(Service):
    def __post_init__(self) -> None:
        self.add_dependency(FailingLeaf())


class DeepStopFails(_Ready):
    """Worker -> DeepStopFails -> _Middle -> FailingLeaf, plus a sibling."""

    def __post_init__(self) -> None:
        self.add_dependency(Sibling())
        self.add_dependency(_Middle())


class ThreadStopFails(ServiceThread):
    """A ServiceThread whose child (running in the thread) fails to stop."""

    def __post_init__(self) -> None:
        self.add_dependency(FailingLeaf())

    async def on_started(self) -> None:
        log.warning("APP-READY")


class DeafTask(_Ready):
    """A task that ignores every cancellation (it exits when told to)."""

    shutdown_timeout = 0.2

    def __post_init__(self) -> None:
        self.release = threading.Event()

    @Service.task
    async def _deaf(self) -> None:
        while not self.release.is_set():
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                log.warning("DEAF-IGNORES-CANCEL")


class DeafAndFailing(DeafTask):
    """A task ignoring cancellation, and a child whose on_stop raises."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.add_dependency(FailingLeaf())


class DeafOnce(_Ready):
    """A task that ignores the first cancellation, then ends on the next."""

    shutdown_timeout = 0.2

    @Service.task
    async def _deaf_once(self) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            log.warning("DEAF-ONCE-IGNORES-CANCEL")
        await asyncio.Event().wait()


class _Redacted:
    """An object whose repr shows keyword arguments, secrets among them."""

    def __repr__(self) -> str:
        return "Settings(user='ann', api_token='tok-obj-secret', port=5432)"


class LeakyLocals(_Ready):
    """A task whose locals hold secrets under innocent names (by value)."""

    @Service.task
    async def _keep(self) -> None:
        dsn = "postgresql://ann:dsn-url-secret@db.example.com:5432/app"
        config = {"user": "ann", "password": "dict-secret", "nested": {"api_key": 7}}
        headers = {"Authorization": "Bearer hdr-bearer-secret", "Accept": "json"}
        line = "Authorization: Basic line-basic-secret"
        bearer = "sent Bearer raw-bearer-secret to the api"
        settings = _Redacted()
        query = "https://api.example.com/v1?client_secret=qs-secret&page=2"
        plain = "visible-by-value"
        huge = {"password": "p" * 5000, "note": "n" * 5000}
        log.warning("LOCALS-READY")
        await self.wait_until_stopped()
        del dsn, config, headers, line, bearer, settings, query, plain, huge


class SecretThreadLocals(LeakyLocals):
    """Also a thread whose innermost frame's locals hold a secret URL."""

    def __post_init__(self) -> None:
        self._read_end, self._write_end = os.pipe()

    async def on_start(self) -> None:
        threading.Thread(target=self._hold, name="url-thread", daemon=True).start()

    def _hold(self) -> None:
        broker = "amqp://guest:thread-url-secret@rabbit:5672//"
        os.read(self._read_end, 1)
        del broker

    async def on_stop(self) -> None:
        os.write(self._write_end, b"x")


SCENARIOS: dict[str, type[Service]] = {
    "grandchild_stop_fails": GrandchildStopFails,
    "deep_stop_fails": DeepStopFails,
    "thread_stop_fails": ThreadStopFails,
    "deaf_task": DeafTask,
    "deaf_once": DeafOnce,
    "deaf_and_failing": DeafAndFailing,
    "leaky_locals": SecretThreadLocals,
}


def main(argv: list[str]) -> None:
    """``reliabilityapps.py SCENARIO [JSON kwargs]``."""
    service = SCENARIOS[argv[0]]()
    kwargs: dict[str, Any] = {"loglevel": "info", "daemon": False}
    if len(argv) > 1:
        kwargs.update(json.loads(argv[1]))
    Worker(service, **kwargs).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1:])
