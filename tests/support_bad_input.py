"""What the five packages' bad-input tests share (not a test module).

Each package lists in its BAD_INPUT.md what a wrong call to its public API
gets: one table row per entry point and wrong value, with the error type
and its exact message.  Its ``tests/test_bad_input.py`` holds the same table
as ``ROWS``, a list of :class:`Row`, and checks it with this module:

- one test per row, parametrized with ``ids=row_id``, runs the row with
  :func:`check_raises` (with no event loop running) or
  :func:`check_raises_async` (in the test's loop: what the call returns is
  awaited under a deadline, so a bad input that hangs fails instead);
- :func:`check_doc` checks that BAD_INPUT.md lists exactly those rows.

Imported by name: the root pyproject.toml puts this folder on pytest's
``pythonpath`` and on mypy's ``mypy_path``; the root conftest.py has pytest
rewrite its asserts, so a wrong message fails with a diff.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEADLINE",
    "Row",
    "Show",
    "bad",
    "check_doc",
    "check_raises",
    "check_raises_async",
    "doc_line",
    "row_id",
]

#: How a check shows an exception's message (``str``, or a package's own).
Show = Callable[[BaseException], str]

#: Seconds within which a row awaited by check_raises_async must fail.
DEADLINE = 5.0


@dataclass(frozen=True)
class Row:
    """One row of a bad-input table: ``code`` is what the user wrote.

    ``call`` makes that call.  ``lookup`` marks a KeyError or AttributeError
    that *is* the protocol (``mapping[key]``, ``obj.attribute``): only those
    rows may name a lookup error.  ``outside_loop`` has check_raises_async
    make the call in a thread of its own, where no event loop runs.
    """

    module: str
    code: str
    call: Callable[[], Any]
    error: type[BaseException]
    message: str
    lookup: bool = False
    outside_loop: bool = False


def bad(value: object) -> Any:
    """Return ``value`` typed as Any: a deliberately wrong argument."""
    return value


def row_id(row: Row) -> str:
    """The test id of ``row``: its code on one line."""
    return re.sub(r"\s+", " ", row.code)


def _raised_now(call: Callable[[], Any]) -> BaseException | None:
    try:
        call()
    except BaseException as exc:
        return exc
    return None


def _raised_in_a_thread(call: Callable[[], Any]) -> BaseException | None:
    raised: list[BaseException | None] = []
    thread = threading.Thread(
        target=lambda: raised.append(_raised_now(call)),
        name="bad-input-outside-loop",
    )
    thread.start()
    thread.join(DEADLINE * 2)
    assert raised, "the call made outside the loop did not return in time"
    return raised[0]


def _check(row: Row, exc: BaseException | None, show: Show) -> None:
    assert exc is not None, f"{row.code}: raised nothing"
    assert type(exc) is row.error, f"{row.code}: {type(exc).__name__}: {exc}"
    assert show(exc) == row.message, f"{row.code}: the message differs"


def check_raises(row: Row, show: Show = str) -> None:
    """Fail unless ``row.call()`` raises exactly ``row.error``, ``row.message``.

    The type must be the row's error, not a subclass; the message is
    ``show(exc)`` (``str`` unless a package strips an install-dependent part).
    Runs the call where the test runs: a sync test has no event loop running.
    """
    _check(row, _raised_now(row.call), show)


async def check_raises_async(row: Row, show: Show = str) -> None:
    """Like :func:`check_raises`, in a running loop, awaiting what the call gives.

    A call that returns an awaitable fails when awaited: the call and the
    await together must raise within :data:`DEADLINE` seconds (so a bad input
    that hangs fails the test, by ``TimeoutError``).  A row marked
    ``outside_loop`` is called in a thread of its own instead.
    """
    if row.outside_loop:
        exc = _raised_in_a_thread(row.call)
    else:
        try:
            async with asyncio.timeout(DEADLINE):
                result = row.call()
                if inspect.isawaitable(result):
                    await result
        except BaseException as caught:
            exc = caught
        else:
            exc = None
    _check(row, exc, show)


def _doc_cell(value: str) -> str:
    value = value.replace("|", "\\|")
    if "`" in value:  # markdown: a code span holding backticks needs two
        return f"`` {value} ``"
    return f"`{value}`"


def doc_line(row: Row) -> str:
    """The markdown line of ``row`` in a package's BAD_INPUT.md."""
    return (
        f"| `{row.module}` | {_doc_cell(row.code)} | "
        f"`{row.error.__name__}` | {_doc_cell(row.message)} |"
    )


def check_doc(doc: Path, rows: Sequence[Row]) -> None:
    """Fail unless the table of ``doc`` is, line for line, ``rows``.

    Every line of the document starting with ``| `` and a backtick must be
    the :func:`doc_line` of the row at the same position, so the document
    cannot drift from the test.  A row not marked ``lookup`` must not name
    AttributeError, KeyError or AssertionError: those leaking out of a
    public API for bad input are bugs.
    """
    for row in rows:
        if not row.lookup:
            assert not issubclass(
                row.error, (AttributeError, KeyError, AssertionError)
            ), f"{row.code}: {row.error.__name__} leaks out of a public API"
    lines = [
        line
        for line in doc.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    expected = [doc_line(row) for row in rows]
    missing = [line for line in expected if line not in lines]
    extra = [line for line in lines if line not in expected]
    assert lines == expected, (
        f"{doc} is not the table of the test: {len(missing)} row(s) missing "
        f"(first: {missing[:1]}), {len(extra)} not in the test (first: "
        f"{extra[:1]}){'' if missing or extra else ', or the order differs'}"
    )
