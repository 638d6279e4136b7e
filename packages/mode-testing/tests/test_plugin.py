"""The pytest plugin, tested with real pytest runs of small test files."""

from __future__ import annotations

import textwrap

import pytest

#: These tests run deliberately leaky test files in this process (pytester);
#: what those leave behind is theirs, not this test's.
_LEAKS_IN_PROCESS = pytest.mark.no_leak_check

ORDINARY = """
import asyncio
import threading

import pytest


@pytest.fixture
def value() -> int:
    return 1


@pytest.fixture
async def async_value() -> int:
    await asyncio.sleep(0)
    return 2


def test_sync(value: int) -> None:
    assert value == 1


async def test_async(async_value: int) -> None:
    assert async_value == 2


@pytest.mark.parametrize("n", [1, 2])
async def test_param(n: int) -> None:
    await asyncio.sleep(0)


async def test_leaves_a_task() -> None:
    asyncio.create_task(asyncio.sleep(3600))


def test_leaves_a_thread() -> None:
    done = threading.Event()
    threading.Thread(target=done.wait, args=(0.05,)).start()


def test_loop_time_is_real() -> None:
    loop = asyncio.new_event_loop()
    try:
        assert abs(loop.time() - __import__("time").monotonic()) < 1
    finally:
        loop.close()
"""


def test_plugin_is_loaded_through_its_entry_point(project: pytest.Pytester) -> None:
    project.makepyfile("def test_x(request):\n    pass\n")
    result = project.runpytest("--trace-config")
    result.stdout.fnmatch_lines(["*mode.testing.plugin*", "*1 passed*"])


def test_plugin_changes_nothing_in_an_ordinary_test_file(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_ordinary=ORDINARY)
    strict = ("--strict-markers", "--strict-config", "-W", "error")
    with_plugin = project.runpytest(*strict)
    without = project.runpytest(*strict, "-p", "no:mode")
    assert with_plugin.parseoutcomes() == without.parseoutcomes()
    with_plugin.assert_outcomes(passed=7)
    ids_with = project.runpytest("--collect-only", "-q").stdout.lines
    ids_without = project.runpytest("--collect-only", "-q", "-p", "no:mode").stdout
    assert [x for x in ids_with if "::" in x] == [
        x for x in ids_without.lines if "::" in x
    ]
    assert len([x for x in ids_with if "::" in x]) == 7  # no loop parametrization


def test_plugin_adds_no_autouse_fixture(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_x(request):
            assert not {"virtual_clock", "start_service"} & set(request.fixturenames)
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_markers_and_ini_options_are_declared(project: pytest.Pytester) -> None:
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.leak_check*", "*no_leak_check*"])
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*mode_leak_check *", "*mode_leak_check_thread_timeout*"]
    )


LEAKY = """
import asyncio
import threading

import pytest

from mode import Service

stop_thread = threading.Event()


class Ticker(Service):
    @Service.task
    async def _forever(self) -> None:
        await asyncio.Event().wait()


async def test_leaks_a_task() -> None:
    asyncio.create_task(asyncio.Event().wait(), name="forgotten-task")


def test_leaks_a_thread() -> None:
    threading.Thread(target=stop_thread.wait, name="forgotten-thread").start()


async def test_leaks_a_service() -> None:
    await Ticker().start()


def test_zz_cleanup() -> None:
    stop_thread.set()
"""


@pytest.fixture
def leak_ini(base_ini: str) -> str:
    """The base ini with a short thread timeout (the leak check is off)."""
    return base_ini + "mode_leak_check_thread_timeout = 0.05\n"


ON = "mode_leak_check = true\n"


@_LEAKS_IN_PROCESS
def test_leak_check_fails_and_names_what_leaked(
    project: pytest.Pytester, leak_ini: str
) -> None:
    project.makeini(leak_ini + ON)
    project.makepyfile(test_leaky=LEAKY)
    result = project.runpytest()
    result.assert_outcomes(passed=4, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks_a_task*",
            "*mode leak check: the test left 1 thing(s) running:*",
            "*task 'forgotten-task' running Event.wait()*",
            "*in wait*",
            "*no_leak_check*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks_a_thread*",
            "*thread 'forgotten-thread' <Thread(forgotten-thread, started*",
            "*in wait*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks_a_service*",
            "*left 2 thing(s) running*",
            "*running Ticker._forever()*",
            "*in _forever*",
            "*service <Ticker: running> (started, never stopped)*",
        ]
    )


@_LEAKS_IN_PROCESS
def test_leak_check_is_off_by_default(project: pytest.Pytester, leak_ini: str) -> None:
    project.makeini(leak_ini)
    project.makepyfile(test_leaky=LEAKY)
    project.runpytest().assert_outcomes(passed=4)


@_LEAKS_IN_PROCESS
def test_marker_opts_a_test_in(project: pytest.Pytester, leak_ini: str) -> None:
    project.makeini(leak_ini)
    project.makepyfile(
        test_leaky=LEAKY.replace(
            "async def test_leaks_a_task",
            "@pytest.mark.leak_check\nasync def test_leaks_a_task",
        )
    )
    result = project.runpytest()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks_a_task*"])


@_LEAKS_IN_PROCESS
def test_marker_opts_a_test_out(project: pytest.Pytester, leak_ini: str) -> None:
    project.makeini(leak_ini + ON)
    project.makepyfile(
        test_leaky=LEAKY.replace(
            "async def test_leaks_a_task",
            "@pytest.mark.no_leak_check\nasync def test_leaks_a_task",
        ).replace(
            "def test_leaks_a_thread",
            "@pytest.mark.no_leak_check\ndef test_leaks_a_thread",
        )
    )
    result = project.runpytest()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks_a_service*"])


def test_what_a_test_stops_does_not_count(
    project: pytest.Pytester, leak_ini: str
) -> None:
    project.makeini(leak_ini + ON)
    project.makepyfile(
        """
        import asyncio
        import threading

        import pytest

        from mode import Service
        from mode.testing import running


        class Ticker(Service):
            @Service.task
            async def _forever(self) -> None:
                await asyncio.Event().wait()


        async def test_running() -> None:
            async with running(Ticker()):
                pass


        async def test_async_with() -> None:
            async with Ticker():
                pass


        async def test_start_service_fixture(start_service) -> None:
            await start_service(Ticker())


        async def test_cancelled_task() -> None:
            task = asyncio.create_task(asyncio.Event().wait())
            await asyncio.sleep(0)
            task.cancel()  # not awaited: the cancellation is under way


        def test_thread_that_ends_soon() -> None:
            go = threading.Event()
            threading.Thread(target=go.wait).start()
            go.set()  # ends on its own, not joined


        @pytest.fixture
        def thread_fixture():
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait)
            thread.start()
            yield thread
            stop.set()
            thread.join()


        def test_function_fixture_cleans_up(thread_fixture) -> None:
            assert thread_fixture.is_alive()
        """
    )
    project.runpytest().assert_outcomes(passed=6)


def test_wider_scoped_fixtures_own_what_they_start(
    project: pytest.Pytester, leak_ini: str
) -> None:
    project.makeini(leak_ini + ON)
    project.makepyfile(
        """
        import asyncio
        import threading

        import pytest
        import pytest_asyncio

        from mode import Service


        class Ticker(Service):
            @Service.task
            async def _forever(self) -> None:
                await asyncio.Event().wait()


        @pytest.fixture(scope="module")
        def module_thread():
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait, name="module-thread")
            thread.start()
            yield thread
            stop.set()
            thread.join()


        @pytest_asyncio.fixture(scope="module", loop_scope="module")
        async def module_service():
            async with Ticker() as ticker:
                yield ticker


        @pytest.mark.asyncio(loop_scope="module")
        async def test_one(module_thread, module_service) -> None:
            assert module_service.state == "running"


        @pytest.mark.asyncio(loop_scope="module")
        async def test_two(module_thread, module_service) -> None:
            assert module_thread.is_alive()
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_a_failed_test_is_not_also_reported_for_leaks(
    project: pytest.Pytester, leak_ini: str
) -> None:
    project.makeini(leak_ini + ON)
    project.makepyfile(
        """
        import asyncio


        async def test_fails() -> None:
            asyncio.create_task(asyncio.Event().wait())
            assert False, "the real failure"
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    assert "mode leak check" not in result.stdout.str()


def test_a_teardown_error_is_reported_unchanged(
    project: pytest.Pytester, leak_ini: str
) -> None:
    project.makeini(leak_ini + ON)
    project.makepyfile(
        """
        import pytest


        @pytest.fixture
        def broken():
            yield
            raise KeyError("teardown broke")


        def test_x(broken) -> None:
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*KeyError*teardown broke*"])


def test_bad_thread_timeout_is_a_usage_error(
    project: pytest.Pytester, base_ini: str
) -> None:
    project.makeini(base_ini + "mode_leak_check_thread_timeout = soon\n")
    project.makepyfile("def test_x():\n    pass\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*mode_leak_check_thread_timeout*soon*"])


def test_start_service_fixture_fails_teardown_on_a_crash(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        import asyncio

        from mode import Service
        from mode.testing import StartService


        class Fragile(Service):
            def __post_init__(self) -> None:
                self.fail = asyncio.Event()

            @Service.task
            async def _work(self) -> None:
                await self.fail.wait()
                raise RuntimeError("fragile broke")


        async def test_ok(start_service: StartService) -> None:
            service = await start_service(Fragile())
            assert service.state == "running"


        async def test_crash(start_service: StartService) -> None:
            first = await start_service(Fragile())
            second = await start_service(Fragile())
            first.fail.set()
            second.fail.set()
            await first.wait_until_stopped()
            await second.wait_until_stopped()


        async def test_not_a_service(start_service: StartService) -> None:
            try:
                await start_service(object())
            except TypeError as exc:
                assert "start_service() takes a service" in str(exc)
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*RuntimeError: fragile broke*",
            "*direct cause*",
            "*ServiceCrashedError: <Fragile: crashed> crashed: "
            "RuntimeError('fragile broke')*",
            "*crashed too*",
        ]
    )


def test_start_service_fixture_reports_stop_errors(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        from mode import Service


        class BadStop(Service):
            async def on_stop(self) -> None:
                raise KeyError("stop broke")


        async def test_x(start_service) -> None:
            await start_service(BadStop())
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*KeyError*stop broke*"])


def test_virtual_clock_is_skipped_on_uvloop(project: pytest.Pytester) -> None:
    pytest.importorskip("uvloop")
    project.makeconftest(
        """
        import asyncio

        import uvloop


        def pytest_asyncio_loop_factories(config, item):
            return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
        """
    )
    project.makepyfile(
        """
        import asyncio


        async def test_sleeps(virtual_clock) -> None:
            await asyncio.sleep(600)
            assert virtual_clock.elapsed == 600
        """
    )
    result = project.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*virtual_clock*uvloop*asyncio loop*"])


TIMER_TEST = """
import asyncio
import time

from mode import Service
from mode.testing import VirtualClock, running


class Poller(Service):
    def __post_init__(self) -> None:
        self.polled_at: list[float] = []

    @Service.timer(60.0)
    async def _poll(self) -> None:
        self.polled_at.append(self.loop.time())


async def test_sixty_second_timer(virtual_clock: VirtualClock) -> None:
    t0 = time.perf_counter()
    async with running(Poller()) as poller:
        start = virtual_clock.time()
        await asyncio.sleep(5 * 60 + 1)
    offsets = [round(t - start, 6) for t in poller.polled_at]
    assert offsets == [60.0, 120.0, 180.0, 240.0, 300.0]
    assert time.perf_counter() - t0 < 1.0
"""


def test_virtual_clock_runs_a_sixty_second_timer_in_milliseconds(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_timer=TIMER_TEST)
    project.runpytest().assert_outcomes(passed=1)


def test_virtual_clock_fixture_uninstalls(project: pytest.Pytester) -> None:
    project.makepyfile(
        textwrap.dedent(
            """
            import asyncio

            import pytest


            @pytest.fixture
            async def loop_after(virtual_clock):
                loop = asyncio.get_running_loop()
                yield loop


            async def test_x(loop_after, virtual_clock) -> None:
                assert "time" in vars(loop_after)
                await asyncio.sleep(10)
                assert virtual_clock.elapsed == 10
            """
        )
    )
    project.runpytest().assert_outcomes(passed=1)
