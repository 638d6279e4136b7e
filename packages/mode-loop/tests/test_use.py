"""The compatibility path: mode.loop.use(), LOOPS and the importable modules."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import subprocess
import sys
import textwrap
import types
import warnings
from pathlib import Path

import pytest

import mode.loop
from mode.loop import LOOPS, BackendUnavailableError, UnknownBackendError, _policy, use

pytestmark = pytest.mark.usefixtures("restore_policy")


def current_policy() -> asyncio.AbstractEventLoopPolicy:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return asyncio.get_event_loop_policy()


async def running_loop_type() -> str:
    return type(asyncio.get_running_loop()).__name__


def asyncio_run_loop_type() -> str:
    # asyncio.run() without loop_factory asks the global policy for its loop.
    return asyncio.run(running_loop_type())


def test_use_uvloop_makes_asyncio_run_use_uvloop() -> None:
    assert asyncio_run_loop_type() == "_UnixSelectorEventLoop"
    use("uvloop")
    policy = current_policy()
    assert isinstance(policy, asyncio.DefaultEventLoopPolicy)
    assert "uvloop" in repr(policy)
    assert asyncio_run_loop_type() == "Loop"
    loop = asyncio.new_event_loop()
    try:
        assert type(loop).__module__ == "uvloop"
    finally:
        loop.close()


def test_use_uvloop_makes_get_event_loop_create_uvloop() -> None:
    # The original's code gets its loop before any runs, with
    # mode.utils.loops.get_event_loop(): it must honour use() too.
    import threading

    from mode.utils.loops import get_event_loop

    use("uvloop")
    kinds: list[str] = []

    def in_thread() -> None:  # a thread of its own: no current loop yet
        loop = get_event_loop()
        try:
            kinds.append(type(loop).__module__)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert kinds == ["uvloop"]


def test_use_again_replaces_the_policy() -> None:
    use("uvloop")
    first = current_policy()
    use("uvloop")
    assert current_policy() is not first
    assert asyncio_run_loop_type() == "Loop"


@pytest.mark.parametrize("name", ["aio", "asyncio"])
def test_use_asyncio_changes_nothing(name: str) -> None:
    before = current_policy()
    use(name)
    assert current_policy() is before


def test_use_unknown_name_raises_value_error_with_hint() -> None:
    before = current_policy()
    with pytest.raises(UnknownBackendError, match=r"Did you mean uvloop\?"):
        use("uvlooop")
    assert current_policy() is before


def test_use_with_a_dotted_name_imports_that_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "mode_loop_sidefx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "hook.py").write_text("IMPORTED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        use("mode_loop_sidefx.hook")
        assert sys.modules["mode_loop_sidefx.hook"].IMPORTED is True
    finally:
        sys.modules.pop("mode_loop_sidefx.hook", None)
        sys.modules.pop("mode_loop_sidefx", None)


def test_use_with_a_missing_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    before = current_policy()
    with pytest.raises(ImportError, match=r"pip install 'mode-loop\[uvloop\]'"):
        use("uvloop")
    assert current_policy() is before


def test_use_eventlet_says_why_not() -> None:
    with pytest.raises(BackendUnavailableError, match="deprecated"):
        use("eventlet")


async def test_use_while_a_loop_runs_is_a_runtime_error() -> None:
    before = current_policy()
    with pytest.raises(RuntimeError, match="already running") as info:
        use("uvloop")
    assert "mode.loop.factory('uvloop')" in str(info.value)
    assert current_policy() is before


def test_use_type_error_for_non_strings() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        use(None)  # type: ignore[arg-type]


@pytest.mark.usefixtures("fake_plugin")
def test_use_works_for_entry_point_backends() -> None:
    use("fakeloop")
    assert asyncio_run_loop_type() == "FakeLoop"


# -- Python 3.14+: policies deprecated ---------------------------------------


def test_policy_api_deprecated_follows_the_python_version() -> None:
    assert _policy.policy_api_deprecated() is (sys.version_info >= (3, 14))


def test_no_warning_where_policies_are_supported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_policy, "policy_api_deprecated", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        use("uvloop")
    assert asyncio_run_loop_type() == "Loop"


def test_where_deprecated_use_warns_with_the_factory_and_still_sets_the_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_policy, "policy_api_deprecated", lambda: True)
    with pytest.warns(DeprecationWarning, match="since Python 3.14") as record:
        use("uvloop")
    assert len(record) == 1
    message = str(record[0].message)
    assert "mode.loop.use('uvloop')" in message
    assert "loop_factory=mode.loop.factory('uvloop')" in message
    assert "asyncio.Runner" in message
    assert record[0].filename == __file__  # points at the caller's line
    assert asyncio_run_loop_type() == "Loop"


def test_where_deprecated_a_warning_as_error_leaves_the_policy_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_policy, "policy_api_deprecated", lambda: True)
    before = current_policy()
    with pytest.raises(DeprecationWarning):
        use("uvloop")  # filterwarnings = error
    assert current_policy() is before


def test_where_policies_are_gone_use_raises_with_the_factory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(asyncio, "set_event_loop_policy")
    with pytest.raises(RuntimeError, match="no event-loop policies") as info:
        use("uvloop")
    assert "loop_factory=mode.loop.factory('uvloop')" in str(info.value)


# -- LOOPS and the compat modules --------------------------------------------


def test_loops_keeps_the_original_table_read_only() -> None:
    assert LOOPS["aio"] is None
    assert LOOPS["uvloop"] == "mode.loop.uvloop"
    assert LOOPS["gevent"] == "mode.loop.gevent"
    assert LOOPS["eventlet"] == "mode.loop.eventlet"
    assert set(LOOPS) == {*mode.loop.names(), "aio"}
    for module in LOOPS.values():
        if module is not None:
            assert importlib.util.find_spec(module) is not None
    with pytest.raises(TypeError):
        LOOPS["x"] = "y"  # type: ignore[index]


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_uvloop_sets_the_policy() -> None:
    import mode.loop.uvloop  # noqa: F401

    assert asyncio_run_loop_type() == "Loop"


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_uvloop_warns_where_deprecated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_policy, "policy_api_deprecated", lambda: True)
    with pytest.warns(DeprecationWarning, match="import mode.loop.uvloop") as record:
        import mode.loop.uvloop  # noqa: F401
    assert "loop_factory=mode.loop.factory('uvloop')" in str(record[0].message)
    assert record[0].filename == __file__
    assert asyncio_run_loop_type() == "Loop"


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_uvloop_without_uvloop_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    with pytest.raises(ImportError, match=r"mode-loop\[uvloop\]"):
        import mode.loop.uvloop  # noqa: F401
    assert "mode.loop.uvloop" not in sys.modules


@pytest.mark.usefixtures("fresh_compat_modules")
async def test_import_mode_loop_uvloop_inside_a_running_loop_fails() -> None:
    with pytest.raises(RuntimeError, match=r"import mode.loop.uvloop must run before"):
        import mode.loop.uvloop  # noqa: F401


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_eventlet_always_explains() -> None:
    with pytest.raises(ImportError, match=r"eventlet.*not supported"):
        import mode.loop.eventlet  # noqa: F401


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_winloop_off_windows_explains() -> None:
    with pytest.raises(ImportError, match=r"winloop.*Windows only"):
        import mode.loop.winloop  # noqa: F401


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_winloop_on_windows_sets_the_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FakeWinLoop(asyncio.SelectorEventLoop):
        pass

    fake = types.ModuleType("winloop")
    fake.new_event_loop = FakeWinLoop  # type: ignore[attr-defined]
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "winloop", fake)
    import mode.loop.winloop  # noqa: F401

    monkeypatch.undo()  # the real platform again before a loop is made
    assert asyncio_run_loop_type() == "FakeWinLoop"


@pytest.mark.usefixtures("fresh_compat_modules")
def test_import_mode_loop_gevent_in_process_without_patching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Patching the test process would break everything after; the real
    # patch is checked in a subprocess below.
    pytest.importorskip("asyncio_gevent")
    monkeypatch.setattr(_policy, "_patch_gevent", lambda: None)
    import mode.loop.gevent as compat

    assert compat.policy is current_policy()
    assert isinstance(compat.policy, compat.Policy)
    assert "gevent" in repr(compat.policy)
    assert asyncio_run_loop_type() == "EventLoop"
    assert not hasattr(compat, "loop")  # no loop is created at import


@pytest.mark.usefixtures("fresh_compat_modules")
def test_gevent_glue_with_stand_in_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs without the gevent extra too: stand-ins for gevent and
    # asyncio-gevent check mode.loop's side of the wiring.
    class StandInLoop(asyncio.SelectorEventLoop):
        pass

    stand_in = types.ModuleType("asyncio_gevent")
    stand_in.EventLoop = StandInLoop  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gevent", types.ModuleType("gevent"))
    monkeypatch.setitem(sys.modules, "asyncio_gevent", stand_in)
    patched: list[bool] = []
    monkeypatch.setattr(_policy, "_patch_gevent", lambda: patched.append(True))
    assert mode.loop.factory("gevent") is StandInLoop
    assert "gevent" in mode.loop.available()
    import mode.loop.gevent as compat

    assert patched == [True]
    assert compat.policy is current_policy()
    assert asyncio_run_loop_type() == "StandInLoop"


@pytest.mark.parametrize("already", [True, False])
def test_gevent_patching_runs_once(
    monkeypatch: pytest.MonkeyPatch, already: bool
) -> None:
    calls: list[str] = []
    monkey = types.ModuleType("gevent.monkey")
    monkey.is_module_patched = lambda name: already  # type: ignore[attr-defined]
    monkey.patch_all = lambda: calls.append("patch_all")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gevent.monkey", monkey)
    _policy._patch_gevent()
    assert calls == ([] if already else ["patch_all"])


GEVENT_SCRIPT = textwrap.dedent(
    """
    import asyncio, socket
    import mode.loop.gevent as compat
    import asyncio_gevent, gevent, gevent.monkey

    assert gevent.monkey.is_module_patched("socket")

    async def main():
        greenlet = gevent.spawn(lambda: (gevent.sleep(0.001), 42)[1])
        value = await asyncio_gevent.greenlet_to_future(greenlet)
        queue = asyncio.Queue()
        async def produce():
            for i in range(10):
                await queue.put(i)
        async def consume():
            return [await queue.get() for _ in range(10)]
        _, items = await asyncio.gather(produce(), consume())
        return type(asyncio.get_running_loop()).__name__, value, items

    print(asyncio.run(main()))
    """
)


def test_import_mode_loop_gevent_patches_and_runs_greenlets() -> None:
    pytest.importorskip("asyncio_gevent")
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", GEVENT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('EventLoop', 42, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
