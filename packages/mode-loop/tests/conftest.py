"""Fixtures of the mode-loop tests: policy restore, workloads, a fake plugin."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest


def _get_policy() -> asyncio.AbstractEventLoopPolicy:
    with warnings.catch_warnings():  # deprecated on 3.14+; tests restore anyway
        warnings.simplefilter("ignore", DeprecationWarning)
        return asyncio.get_event_loop_policy()


def _set_policy(policy: asyncio.AbstractEventLoopPolicy) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_event_loop_policy(policy)


@pytest.fixture
def restore_policy() -> Iterator[None]:
    """Put the global event-loop policy back after a test that changes it."""
    saved = _get_policy()
    try:
        yield
    finally:
        _set_policy(saved)


@pytest.fixture
def fresh_compat_modules() -> Iterator[None]:
    """Forget mode.loop's compat modules so that importing them runs again."""
    import mode.loop

    names = ["uvloop", "gevent", "winloop", "eventlet"]

    def forget() -> None:
        for name in names:
            sys.modules.pop(f"mode.loop.{name}", None)
            mode.loop.__dict__.pop(name, None)

    forget()
    try:
        yield
    finally:
        forget()


PLUGIN_MODULE = "mode_loop_fake_backend"


@pytest.fixture
def fake_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A distribution on sys.path declaring mode.loop.backends entry points.

    ``fakeloop`` names a working factory (loops of class ``FakeLoop``);
    ``brokenloop`` a missing module; ``notcallable`` an int; ``uvloop``
    tries to shadow the built-in backend.
    """
    (tmp_path / f"{PLUGIN_MODULE}.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            CALLS = []
            NOT_CALLABLE = 42

            class FakeLoop(asyncio.SelectorEventLoop):
                pass

            def new_event_loop():
                CALLS.append(1)
                return FakeLoop()
            """
        )
    )
    info = tmp_path / "mode_loop_fake_backend-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mode-loop-fake-backend\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[mode.loop.backends]\n"
        f"fakeloop = {PLUGIN_MODULE}:new_event_loop\n"
        "brokenloop = mode_loop_no_such_module:new_event_loop\n"
        f"notcallable = {PLUGIN_MODULE}:NOT_CALLABLE\n"
        f"uvloop = {PLUGIN_MODULE}:new_event_loop\n"
        f"aio = {PLUGIN_MODULE}:new_event_loop\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.modules.pop(PLUGIN_MODULE, None)
