"""The packaging guard's long-description check (``tools/check_packaging.py``).

A wheel's long description is its README, shown on the package index: a
relative link there (``BAD_INPUT.md``, ``../../README.md``) leads nowhere,
so the guard fails on one, and on a missing ``Project-URL``.  The wheels are
built for real (poetry-core, no isolation: about half a second each).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def guard() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_packaging", ROOT / "tools" / "check_packaging.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_relative_links_are_found(guard: ModuleType) -> None:
    text = "\n".join(
        [
            "See [mode](../../README.md) and [the table](BAD_INPUT.md#top).",
            "![logo](img/logo.png) [site](https://example.org/x) [up](#usage)",
            '<a href="docs/index.html">docs</a> <img src="https://x.org/a.png">',
            "[ref]: CHANGELOG.md",
            "[mail](mailto:someone@example.org) `[not](a-link.md)`",
            "```",
            "[in a fence](fenced.md)",
            "```",
        ]
    )
    assert guard.relative_links(text) == [
        "../../README.md",
        "BAD_INPUT.md#top",
        "img/logo.png",
        "docs/index.html",
        "CHANGELOG.md",
    ]


def _metadata(description: str, urls: list[str]) -> Message:
    head = "Metadata-Version: 2.4\nName: mode-x\nVersion: 0.1.0\n"
    head += "".join(f"Project-URL: {url}\n" for url in urls)
    return Parser().parsestr(head + "\n" + description)


def test_check_description_reports_links_and_missing_urls(
    guard: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems: list[str] = []
    monkeypatch.setattr(guard, "problems", problems)
    meta = _metadata(
        "Errors: [BAD_INPUT.md](BAD_INPUT.md).\n",
        ["Homepage, https://example.org", "Issues, https://example.org/issues"],
    )
    guard.check_description("mode-x", meta)
    assert problems == [
        "mode-x: the long description (README.md) links to 'BAD_INPUT.md', a "
        "relative link, broken on the package index: use an absolute URL",
        "mode-x: no Project-URL 'Documentation': add it to [project.urls]",
        "mode-x: no Project-URL 'Changelog': add it to [project.urls]",
    ]


def test_check_description_passes_absolute_links_and_all_urls(
    guard: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems: list[str] = []
    monkeypatch.setattr(guard, "problems", problems)
    urls = [f"{label}, https://example.org/{label}" for label in guard.PROJECT_URLS]
    meta = _metadata("See [mode](https://example.org/mode).\n", urls)
    guard.check_description("mode-x", meta)
    assert problems == []


@pytest.mark.parametrize(
    "pkg", ["mode-utils", "mode-service", "mode-worker", "mode-testing", "mode-loop"]
)
def test_each_wheel_has_absolute_links_and_project_urls(
    guard: ModuleType,
    pkg: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("build")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(tmp_path),
            str(ROOT / "packages" / pkg),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(name).decode())
    problems: list[str] = []
    monkeypatch.setattr(guard, "problems", problems)
    guard.check_description(pkg, meta)
    assert problems == []
    urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL") or [])
    assert all(url.startswith("https://") for url in urls.values()), urls
