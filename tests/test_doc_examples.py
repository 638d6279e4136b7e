"""Every code example of the documentation runs, as written.

Collected from the root ``README.md``, each ``packages/*/README.md``, every
page under ``docs/`` and the repository files those pages include
(``<!-- include: COMPAT.md -->``, see ``tools/docs_hooks.py``).  Each
```` ```python ```` block is one test, run in a fresh interpreter (``-W
error``, a timeout) in a temporary directory:

* A block with a title (```` ```python title="hello.py" ````) is a file: it
  is written to the directory of *every* example of its page (so a later
  example may import it or test it), then run as ``python hello.py``.  The
  same holds for titled blocks of other languages (``pyproject.toml``, a
  ``pytest.ini``): they are written, not run.
* A file named ``test_*.py`` is run with pytest, as a user would.  When the
  page shows no pytest configuration file, a ``pytest.ini`` with pytest-asyncio's
  loop scope is written first (the rest of pytest-asyncio's defaults apply).
* Any other block is a script, run as it is.

A block that is not meant to run is marked on the line before it::

    <!-- not-tested: why it cannot run -->

and is still parsed (with top-level ``await`` allowed), so it cannot turn
into invalid Python either.  Files whose owners have not marked their
fragments yet are listed in :data:`FRAGMENTS`, with the reason for each.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_TITLE = re.compile(r"""title=(?P<q>["'])(?P<title>[^"']+)(?P=q)""")
_NOT_TESTED = re.compile(r"^\s*<!--\s*not-tested:\s*(?P<reason>.+?)\s*-->\s*$")
_INCLUDE = re.compile(r"^<!-- include: (?P<path>\S+) -->[ \t]*$", re.M)
_PYTEST_CONFIGS = {"pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"}

#: Blocks of files this test cannot mark (their owners will): file -> the
#: first line of the block -> why it is not run.  Keep it short; prefer a
#: ``<!-- not-tested: ... -->`` marker in the file itself.
FRAGMENTS: dict[str, dict[str, str]] = {
    "COMPAT.md": {
        "await queue.put(value=event)": "before/after fragment",
        "bucket = rate_limit(100, 1.0)": "before/after fragment",
        "try:": "before/after fragment (names defined elsewhere)",
        "node.children.sort(key=str)": "before/after fragment",
        "fut = done_future(42)": "before/after fragment",
        "from mode.utils.imports import URL": "before/after fragment (needs yarl)",
        "class Writer(Service):": "fragment: Service is not imported",
        "loop = service.loop": "before/after fragment",
        "self.add_dependency(OtherService(loop=self.loop))": "fragment of a method",
        'async for _ in Timer(5.0, name="flush"):': "fragment: top-level async for",
        "sig.connect(on_part, sender=part_id)": "before/after fragment",
        "from mode.exceptions import MaxRestartsExceeded": (
            "fragment: `sup` is defined elsewhere"
        ),
        "class MyWorkerThread(WorkerThread):": "fragment: WorkerThread is not imported",
        "issubclass(MappingProxy, Mapping)": "before/after fragment",
        "Worker(A(loop=loop1), B(loop=loop2))": "before/after fragment",
        'mock.patch("mode.worker.BlockingDetector")': "before/after fragment",
        "isinstance(asyncio.get_event_loop_policy()": "before/after fragment",
    },
    "packages/mode-loop/README.md": {
        "import mode.loop": (
            "fragment: `asyncio` and `main` are defined in the block above"
        ),
    },
}


#: Examples a package's own test runs instead (once, not twice), because it
#: checks more than "it runs": file -> the block's title -> that test.
RUN_BY_PACKAGE_TESTS: dict[str, dict[str, str]] = {
    "packages/mode-testing/README.md": dict.fromkeys(
        ("test_ticker.py", "test_services.py"),
        "packages/mode-testing/tests/test_readme.py runs it under the README's "
        "ini and checks that it passes in milliseconds",
    ),
}


#: Examples that do not run today, reported and waiting for a fix: file ->
#: the first line of the block -> what is wrong.  They run as expected
#: failures (strict: once fixed, the test fails until the entry is removed),
#: on the Pythons where they fail.
BROKEN: dict[str, dict[str, str]] = {}
if sys.version_info < (3, 12):
    BROKEN["packages/mode-loop/README.md"] = {
        "import asyncio": (
            "asyncio.run(..., loop_factory=) needs Python 3.12; on 3.11 it raises "
            "TypeError (the block says so in a comment, but runs both forms)"
        ),
    }


def _first_line(code: str) -> str:
    return next((line.strip() for line in code.splitlines() if line.strip()), "")


def _listed(table: dict[str, dict[str, str]], source: str, code: str) -> str | None:
    first = _first_line(code)
    return next(
        (r for key, r in table.get(source, {}).items() if first.startswith(key)), None
    )


@dataclass
class Block:
    source: str  # repository-relative path of the Markdown file
    line: int  # line of the opening fence (1-based)
    lang: str
    title: str | None
    code: str
    not_tested: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class Page:
    source: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def files(self) -> dict[str, str]:
        return {b.title: b.code for b in self.blocks if b.title}


def parse(source: str, text: str) -> Page:
    """Split a Markdown text into its fenced code blocks."""
    page = Page(source)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        info = opening["info"].strip()
        lang = info.split()[0].lower() if info else ""
        title = _TITLE.search(info)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            body.append(
                lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j]
            )
            j += 1
        code = "\n".join(body) + "\n"
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = _NOT_TESTED.match(lines[k]) if k >= 0 else None
        reason = marker["reason"] if marker else _listed(FRAGMENTS, source, code)
        if reason is None and title:
            reason = RUN_BY_PACKAGE_TESTS.get(source, {}).get(title["title"])
        page.blocks.append(
            Block(source, i + 1, lang, title["title"] if title else None, code, reason)
        )
        i = j + 1
    return page


def documentation_pages() -> list[Page]:
    """Every Markdown file whose examples a reader sees."""
    paths = [ROOT / "README.md", *sorted(ROOT.glob("packages/*/README.md"))]
    included: list[Path] = []
    for doc in sorted((ROOT / "docs").rglob("*.md")):
        paths.append(doc)
        for match in _INCLUDE.finditer(doc.read_text(encoding="utf-8")):
            target = ROOT / match["path"]
            if target not in included:
                included.append(target)
    paths.extend(p for p in included if p.is_file() and p not in paths)
    return [
        parse(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8"))
        for p in paths
    ]


PAGES = documentation_pages()
PYTHON = [b for page in PAGES for b in page.blocks if b.lang in ("python", "py")]
RUN = [
    pytest.param(
        b,
        id=b.id,
        marks=[pytest.mark.xfail(reason=broken, strict=True)]
        if (broken := _listed(BROKEN, b.source, b.code))
        else [],
    )
    for b in PYTHON
    if b.not_tested is None
]
SKIPPED = [pytest.param(b, id=b.id) for b in PYTHON if b.not_tested is not None]
_PAGE_OF = {page.source: page for page in PAGES}


def _environment() -> dict[str, str]:
    # The example runs as a user's program would: no pytest or coverage
    # settings of this test run leak into it.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "COVERAGE_")) and k != "PYTHONWARNINGS"
    }


def _run(args: list[str], cwd: Path, block: Block) -> None:
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"{block.id}: the example did not end within {TIMEOUT} s\n"
            f"--- stdout\n{exc.stdout!r}\n--- stderr\n{exc.stderr!r}",
            pytrace=False,
        )
    if result.returncode != 0:
        pytest.fail(
            f"{block.id}: the example failed (exit code {result.returncode})\n"
            f"--- code\n{block.code}--- stdout\n{result.stdout}"
            f"--- stderr\n{result.stderr}",
            pytrace=False,
        )


@pytest.mark.parametrize("block", RUN)
def test_example_runs(block: Block, tmp_path: Path) -> None:
    page = _PAGE_OF[block.source]
    for name, content in page.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    name = block.title or f"example_line{block.line}.py"
    (tmp_path / name).write_text(block.code, encoding="utf-8")
    if Path(name).name.startswith("test_") or name.endswith("_test.py"):
        if not _PYTEST_CONFIGS & set(page.files):
            (tmp_path / "pytest.ini").write_text(
                "[pytest]\nasyncio_default_fixture_loop_scope = function\n",
                encoding="utf-8",
            )
        args = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            name,
        ]
    else:
        args = [sys.executable, "-W", "error", name]
    _run(args, tmp_path, block)


@pytest.mark.parametrize("block", SKIPPED)
def test_fragment_parses(block: Block) -> None:
    """A block marked not-tested is still valid Python (top-level await allowed)."""
    try:
        compile(
            block.code,
            block.id,
            "exec",
            flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        )
    except SyntaxError as exc:
        pytest.fail(
            f"{block.id} (not tested: {block.not_tested}) is not valid Python: {exc}"
        )


def test_every_page_is_collected() -> None:
    """The collector sees the pages it should, and their examples."""
    sources = {page.source for page in PAGES}
    assert "README.md" in sources
    assert "docs/getting-started.md" in sources
    assert "COMPAT.md" in sources, "docs/migration.md includes COMPAT.md"
    assert len(RUN) >= 20, [b.id for b in PYTHON]


def test_tables_are_current() -> None:
    """Every entry of FRAGMENTS, BROKEN and RUN_BY_PACKAGE_TESTS names a block."""
    stale: list[str] = []
    for source, titles in RUN_BY_PACKAGE_TESTS.items():
        page = _PAGE_OF.get(source)
        shown = set(page.files) if page else set()
        stale.extend(f"{source}: {t!r}" for t in titles if t not in shown)
    for source, entries in [*FRAGMENTS.items(), *BROKEN.items()]:
        page = _PAGE_OF.get(source)
        firsts = {_first_line(b.code) for b in (page.blocks if page else [])}
        stale.extend(
            f"{source}: {key!r}"
            for key in entries
            if not any(first.startswith(key) for first in firsts)
        )
    assert not stale, f"table entries that match no block: {stale}"


# -- the shell sessions the pages show, run for real -------------------------


def _mode_command() -> list[str]:
    return [sys.executable, "-m", "mode.worker"]


def test_getting_started_mode_run_and_ctrl_c(tmp_path: Path) -> None:
    """`mode run hello:Greeter` logs its greetings; Ctrl-C stops it with 0."""
    page = _PAGE_OF["docs/getting-started.md"]
    (tmp_path / "hello.py").write_text(page.files["hello.py"], encoding="utf-8")
    child = subprocess.Popen(
        [*_mode_command(), "run", "hello:Greeter"],
        cwd=tmp_path,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    seen: list[str] = []
    try:
        for line in child.stdout:  # the log goes to stderr, merged here
            seen.append(line)
            if "hello #1" in line:
                child.send_signal(signal.SIGINT)
                break
        rest, _ = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    output = "".join(seen) + rest
    assert "[^-Greeter]: Starting..." in output, output
    assert "[^-Greeter]: hello #1" in output, output
    assert child.returncode == 0, output


def _mermaid_edges(text: str) -> set[tuple[str, str, str]]:
    """(parent label, edge, child label) of a `mode graph` mermaid chart.

    A label is cut at its first colon: what follows (a supervisor's
    children summary) may change without changing the tree.
    """
    labels = {
        m["id"]: m["label"].split(":")[0].strip()
        for m in re.finditer(r'^\s*(?P<id>\w+)\["(?P<label>[^"]*)"\]', text, re.M)
    }
    return {
        (labels[m["a"]], m["edge"], labels[m["b"]])
        for m in re.finditer(
            r"^\s*(?P<a>\w+) (?P<edge>-->|-\.->) (?P<b>\w+)", text, re.M
        )
    }


def test_service_tree_picture_matches_mode_graph() -> None:
    """The demo's tree pictured in the guide is what `mode graph` draws."""
    result = subprocess.run(
        [*_mode_command(), "graph", "demo:create", "--format", "mermaid"],
        cwd=ROOT / "examples",
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    drawn = _mermaid_edges(result.stdout)
    for source in ("docs/guide/services.md", "docs/guide/worker.md"):
        text = (ROOT / source).read_text(encoding="utf-8")
        charts = re.findall(r"```mermaid\n(graph TD\n.*?)```", text, re.S)
        assert charts, f"{source} has no `mode graph` picture"
        assert _mermaid_edges(charts[0]) == drawn, (source, result.stdout)
