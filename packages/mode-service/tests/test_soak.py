"""Soak, fast form: 1,000 start/stop cycles of a 50-service tree leak nothing.

The tree, the cycle and the measures live in ``soak_long.py`` next to this
file, which is also the long form (``tools/soak``: 100,000 cycles per loop).
Here: 850 warm-up cycles, then 150 cycles under tracemalloc (three times
slower), on each loop the suite runs (asyncio and uvloop): about 3.5 s each.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

WARMUP = 850
CYCLES = 150


def _load_soak() -> ModuleType:
    # The tests directory is not on sys.path (pytest's importlib mode).
    name = "mode_service_soak_long"
    module = sys.modules.get(name)
    if module is None:
        path = Path(__file__).with_name("soak_long.py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


soak = _load_soak()


def test_the_tree_has_50_services_with_a_task_and_a_timer_each() -> None:
    tally = soak.Tally(expected=1)
    root = soak.build_tree(tally)
    assert soak.TREE_SIZE == 50
    assert soak.count_services(root) == 50
    assert len(root._children) == soak.BRANCHES
    threads = [
        leaf
        for branch in root._children
        for leaf in branch._children
        if isinstance(leaf, soak.ThreadNode)
    ]
    assert len(threads) == 1
    assert sorted(type(root)._task_names) == ["_tick", "_work"]
    assert sorted(type(threads[0])._task_names) == ["_tick", "_work"]


@pytest.mark.slow
async def test_soak_leaks_no_task_no_thread_and_no_memory() -> None:
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    report = await soak.soak(CYCLES, warmup=WARMUP)
    assert loop.get_debug() is debug  # switched off for the run only
    assert report.services == 50
    assert report.cycles == CYCLES
    # Every task and every timer of the 50 services ran in every cycle.
    assert report.runs == (WARMUP + CYCLES) * 2 * 50
    assert report.tasks_left == []
    assert report.threads_left == []
    assert report.growth < soak.MAX_GROWTH, report.lines()
    assert not report.leaked


def test_a_leak_fails_the_report() -> None:
    ok = soak.SoakReport(
        loop="asyncio",
        services=50,
        warmup=1,
        cycles=1,
        elapsed=0.5,
        growth=1000,
        runs=200,
        tasks_left=[],
        threads_left=[],
    )
    assert not ok.leaked
    assert any("memory growth: 1,000 bytes" in line for line in ok.lines())
    leaks: dict[str, object] = {
        "tasks_left": ["Task-9"],
        "threads_left": ["Thread-3"],
        "growth": soak.MAX_GROWTH,
    }
    for field, value in leaks.items():
        assert dataclasses.replace(ok, **{field: value}).leaked, field


def test_the_long_form_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert soak.main(["--cycles", "3", "--warmup", "1", "--loop", "asyncio"]) == 0
    out = capsys.readouterr().out
    assert "soak [asyncio]: 3 cycles of a 50-service tree" in out
    assert "tasks left:    0" in out
    assert "threads left:  0" in out
    assert "soak: ok, nothing leaked" in out
    with pytest.raises(SystemExit):
        soak.main(["--cycles", "0"])
    capsys.readouterr()
