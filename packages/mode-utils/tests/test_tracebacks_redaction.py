"""Locals shown by stack dumps are redacted by value too, not only by name.

A secret held under an innocent name (``dsn``, ``config``, ``headers``...)
still reaches a SIGUSR1 report or a stuck-task log unless the value itself
is scrubbed: URL passwords, values under secret-looking keys (mappings,
keyword-style reprs, query strings), ``Authorization`` headers and bearer
tokens.  Every value stays bounded in length.
"""

from __future__ import annotations

import asyncio

import pytest

from mode.utils import tracebacks
from mode.utils.tracebacks import format_task_stack

safe = tracebacks._safe_repr


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            "postgresql://ann:s3cr3t@db:5432/app",
            "'postgresql://ann:***@db:5432/app'",
        ),
        ("redis://:s3cr3t@cache:6379/0", "'redis://:***@cache:6379/0'"),
        ("amqp://guest:gu%40st@rabbit//", "'amqp://guest:***@rabbit//'"),
        # No password: nothing to hide.
        ("https://ann@example.com/x", "'https://ann@example.com/x'"),
        ("http://host:8080/p?to=a@b.c", "'http://host:8080/p?to=a@b.c'"),
        (
            {"user": "ann", "password": "s3cr3t"},
            "{'user': 'ann', 'password': <redacted>}",
        ),
        ({"API_KEY": 123, "n": 1}, "{'API_KEY': <redacted>, 'n': 1}"),
        (
            {"credentials": {"user": "ann", "pin": "1234"}, "n": 1},
            "{'credentials': <redacted>, 'n': 1}",
        ),
        (
            {"Authorization": "Bearer abc.def"},
            "{'Authorization': <redacted>}",
        ),
        ("Authorization: Basic YW5uOnB3", "'Authorization: <redacted>'"),
        ("sent Bearer abc.def-ghi to it", "'sent Bearer <redacted> to it'"),
        (
            "https://api/v1?client_secret=xyz&page=2",
            "'https://api/v1?client_secret=<redacted>&page=2'",
        ),
        ("host=db password=s3cr3t user=ann", "'host=db password=<redacted> user=ann'"),
        ("plain text, no secret", "'plain text, no secret'"),
        ([1, 2, 3], "[1, 2, 3]"),
    ],
)
def test_values_carrying_secrets_are_redacted_whatever_their_name(
    value: object, shown: str
) -> None:
    assert safe("innocent", value) == shown


class Settings:
    def __repr__(self) -> str:
        return "Settings(user='ann', db_password='s3cr3t', port=5432)"


def test_keyword_style_reprs_are_redacted() -> None:
    assert safe("settings", Settings()) == (
        "Settings(user='ann', db_password=<redacted>, port=5432)"
    )


def test_a_secret_cut_by_the_length_bound_is_redacted_first() -> None:
    # The secret value starts inside the 200 shown characters and ends far
    # beyond: none of it is shown.
    text = safe("config", {"note": "n" * 150, "password": "p" * 5000})
    assert "pp" not in text
    assert "'password': <redacted>" in text
    assert len(text) < 200 + 40


def test_huge_values_stay_bounded_and_quick() -> None:
    # A long run without separators must not make the scan quadratic.
    text = safe("blob", "key" * 200_000)
    assert len(text) < 200 + 40
    text = safe("blob", {f"k{i}": "v" for i in range(50_000)})
    assert len(text) < 200 + 40


async def _holds(ev: asyncio.Event) -> None:
    dsn = "mysql://root:dsn-secret@db/app"
    headers = {"Authorization": "Bearer hdr-secret"}
    await ev.wait()
    del dsn, headers


async def test_task_stacks_with_locals_redact_by_value() -> None:
    ev = asyncio.Event()
    task = asyncio.create_task(_holds(ev))
    await asyncio.sleep(0)
    text = format_task_stack(task, capture_locals=True)
    assert "dsn-secret" not in text
    assert "hdr-secret" not in text
    assert "dsn = 'mysql://root:***@db/app'" in text
    assert "headers = {'Authorization': <redacted>}" in text
    ev.set()
    await task
