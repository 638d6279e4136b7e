"""Workspace-wide pytest configuration (not shipped with any package).

Every async test runs twice: on the standard asyncio loop and on uvloop (when
it is installed for the running Python), both in asyncio debug mode and both
made by mode-loop's backend registry (``mode.loop.factory``), so that
cross-thread misuse, slow callbacks and never-awaited coroutines are reported.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest


def _tolerant(factory: Callable[[], asyncio.AbstractEventLoop]) -> Callable[[], Any]:
    def make_loop() -> asyncio.AbstractEventLoop:
        loop = factory()
        # Debug mode itself is switched on by `asyncio_debug = true` (pyproject);
        # debug mode logs callbacks slower than 0.1 s; the machines are shared and
        # noisy, and a slow callback is not a failure.
        loop.slow_callback_duration = 1.0
        return loop

    return make_loop


def _factories() -> dict[str, Callable[[], Any]]:
    # The loops come from mode-loop's registry, as a user's program gets them.
    from mode.loop import available, factory

    factories: dict[str, Callable[[], Any]] = {
        "asyncio": _tolerant(factory("asyncio")),
    }
    if "uvloop" in available():
        factories["uvloop"] = _tolerant(factory("uvloop"))
    return factories


_LOOP_FACTORIES = _factories()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], Any]]:
    return _LOOP_FACTORIES


def _run_readme_examples(readme: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert blocks, f"{readme} has no python example"
    for code in blocks:
        res = subprocess.run(
            [sys.executable, "-W", "error", "-c", code],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert res.returncode == 0, f"{readme} example failed:\n{code}\n{res.stderr}"


@pytest.fixture
def run_readme_examples() -> Callable[[Path], None]:
    """Run every python block of a README in a fresh interpreter (-W error)."""
    return _run_readme_examples


def _bad_input_cell(value: str) -> str:
    value = value.replace("|", "\\|")
    if "`" in value:  # markdown: a code span holding backticks needs two
        return f"`` {value} ``"
    return f"`{value}`"


def bad_input_doc_line(row: Any) -> str:
    """The markdown line of a bad-input ``row`` in a package's BAD_INPUT.md.

    ``row`` has ``module``, ``code`` (the wrong call as written), ``error``
    (the exception class) and ``message`` (its exact text).
    """
    return (
        f"| `{row.module}` | {_bad_input_cell(row.code)} | "
        f"`{row.error.__name__}` | {_bad_input_cell(row.message)} |"
    )


def _check_bad_input_doc(doc: Path, rows: Sequence[Any]) -> None:
    # Only the rows marked ``lookup`` (a mapping's KeyError, an attribute's
    # AttributeError: the protocol) may name a lookup error; none an assert.
    for row in rows:
        if not getattr(row, "lookup", False):
            assert not issubclass(
                row.error, (AttributeError, KeyError, AssertionError)
            ), f"{row.code}: {row.error.__name__} leaks out of a public API"
    lines = [
        line
        for line in doc.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    expected = [bad_input_doc_line(row) for row in rows]
    missing = [line for line in expected if line not in lines]
    extra = [line for line in lines if line not in expected]
    assert lines == expected, (
        f"{doc} is not the table of the test: {len(missing)} row(s) missing "
        f"(first: {missing[:1]}), {len(extra)} not in the test (first: "
        f"{extra[:1]}){'' if missing or extra else ', or the order differs'}"
    )


@pytest.fixture
def check_bad_input_doc() -> Callable[[Path, Sequence[Any]], None]:
    """Check that a BAD_INPUT.md table is, line for line, a test's table.

    Call it with the document and the test's rows (objects with ``module``,
    ``code``, ``error`` and ``message``): every markdown table line of the
    document starting with ``| `` and a backtick must be the line of the row
    at the same position, so the document cannot drift from the tests.
    Rows not marked ``lookup`` must not name AttributeError, KeyError or
    AssertionError.
    """
    return _check_bad_input_doc
