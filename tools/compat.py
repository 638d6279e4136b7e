"""Run faust-streaming's own test suite against this workspace's mode.

    tools/compat                      # ours: faust's tests on our wheels
    tools/compat --reference          # the same on mode-streaming 0.7.1
    tools/compat tests/unit/test_worker.py tests/unit/app   # a subset
    tools/compat --list               # also print every test that did not pass
    tools/compat --known tools/compat-known-failures.txt   # CI's verdict

Faust is the main program built on mode, so its suite is the best measure of
drop-in compatibility we have.  What this does, as a new user of faust would:

1. downloads faust-streaming's sdist (it ships ``tests/``) once into the cache
   and copies its ``tests/`` and pytest configuration into a work folder
   *without* faust's source, so the installed faust is the one tested;
2. makes a virtualenv with faust-streaming from the package index, its
   runtime dependencies and the test requirements (pytest < 8 and
   pytest-asyncio 0.23, which faust's ``event_loop`` fixtures need);
3. for ours: removes mode-streaming and installs our packages from freshly
   built wheels (not editable).  mode-testing is left out: faust's tests do
   not use it, and its pytest-asyncio >= 1.1 cannot live beside faust's
   pytest < 8;
4. runs every test file that needs no Kafka or Redis server in a process of
   its own, with a per-test timeout, ``--jobs`` at a time, and reads the
   JUnit XML each writes;
5. prints ``faust: P passed, F failed, E errors of T`` (T counts skipped
   tests too) and writes every test that did not pass, with the first line
   of its failure, to ``.cache/compat/<side>-failures.txt``.

Everything downloaded is cached under ``.cache/compat`` (``MODE_COMPAT_CACHE``
overrides it); delete a venv there to rebuild it.  Not part of tools/test
(about 2 minutes once cached); .ci/run runs it whole with ``--known``.

Exit status: 0 when every test passed (skips allowed), 1 otherwise, 2 on a
set-up failure.  With ``--known FILE`` (one test id a line, as printed by
``--list``, ``#`` starts a comment: the reason, as in COMPAT.md), the tests
listed there may fail: the status is 1 only for a failure not listed, and a
listed test that passed is reported so that the list can shrink.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAUST = "faust-streaming==0.15.3"
REFERENCE = "mode-streaming==0.7.1"
#: Ours, as wheels.  mode-testing is not installed (see the module docstring).
OUR_PACKAGES = ["mode-utils", "mode-service", "mode-loop", "mode-worker"]
#: faust's test requirements that install from the package index; the pins
#: are the ones its ``event_loop``-fixture era suite runs with.
TEST_REQUIREMENTS = [
    "pytest>=7.4,<8",
    "pytest-asyncio>=0.23,<0.24",
    "pytest-timeout>=2.1",
    "hypothesis>=6",
    "freezegun>=1",
    "pytest-aiofiles>=0.2",
    "pytest-aiohttp>=1",
    "python-dateutil>=2.8",
    "pytz",
    "intervaltree>=3.2",
    "datadog",
    "opentelemetry-api>=1.20",
    "opentelemetry-sdk>=1.20",
    "opentracing",
    "redis",
    "statsd",
    "pyyaml",
    "prometheus_client",
    "uvicorn>=0.27",
    "uvloop",
]
#: Test folders that need no Kafka or Redis server.
SUITES = [
    "tests/unit",
    "tests/functional",
    "tests/regression",
    "tests/integration/cli",
    "tests/meticulous",
]


def say(msg: str) -> None:
    print(f"compat: {msg}", flush=True)


def run(cmd: list[str], **kw: object) -> None:
    res = subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)  # type: ignore[call-overload]
    if res.returncode != 0:
        raise SetupError(
            f"{' '.join(cmd[:6])} ... failed ({res.returncode}):\n"
            f"{res.stdout[-3000:]}{res.stderr[-3000:]}"
        )


class SetupError(Exception):
    """A download, venv or build step failed."""


def sdist_tests(cache: Path) -> Path:
    """Return the folder holding faust's ``tests/`` (without faust's source)."""
    work = cache / "faust-tests"
    if (work / "tests").is_dir():
        return work
    dl = cache / "sdist"
    dl.mkdir(parents=True, exist_ok=True)
    if not list(dl.glob("faust_streaming-*.tar.gz")):
        say(f"downloading the sdist of {FAUST} (once)")
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-binary",
                ":all:",
                "--no-deps",
                "-d",
                str(dl),
                FAUST,
            ]
        )
    archive = sorted(dl.glob("faust_streaming-*.tar.gz"))[-1]
    tmp = Path(tempfile.mkdtemp(dir=cache))
    with tarfile.open(archive) as tf:
        tf.extractall(tmp, filter="data")
    (top,) = tmp.iterdir()
    staging = cache / "faust-tests.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name in ("tests", "pyproject.toml", "setup.cfg"):
        src = top / name
        if src.is_dir():
            shutil.copytree(src, staging / name)
        elif src.exists():
            shutil.copy2(src, staging / name)
    shutil.rmtree(tmp)
    staging.rename(work)
    return work


def make_venv(cache: Path, side: str) -> Path:
    """Create (or reuse) the venv for ``side``; return its python."""
    venv = cache / f"venv-{side}"
    py = venv / "bin" / "python"
    stamp = venv / ".compat-stamp"
    want = hashlib.sha256(
        "\n".join([FAUST, REFERENCE, *TEST_REQUIREMENTS]).encode()
    ).hexdigest()
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    say(f"creating {venv} with {FAUST} and its test requirements")
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q", "install"]
    run([*pip, FAUST, REFERENCE, *TEST_REQUIREMENTS])
    stamp.write_text(want)
    return py


def install_ours(cache: Path, py: Path) -> None:
    """Replace mode-streaming in the venv by wheels built from this tree."""
    dist = cache / "wheels"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    say("building our wheels")
    for pkg in OUR_PACKAGES:
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-q",
                "-w",
                str(dist),
                str(ROOT / "packages" / pkg),
            ]
        )
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "uninstall", "-y", "mode-streaming", *OUR_PACKAGES])
    wheels = sorted(str(w) for w in dist.glob("*.whl"))
    # --find-links: a sibling requirement resolves to the wheel just built.
    run([*pip, "install", "--find-links", str(dist), *wheels])


def install_reference(py: Path) -> None:
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "uninstall", "-y", *OUR_PACKAGES])
    run([*pip, "install", "--force-reinstall", "--no-deps", REFERENCE])


@dataclass
class FileResult:
    path: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped


def first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def run_file(
    py: Path, work: Path, path: str, timeout: float, file_timeout: float
) -> FileResult:
    result = FileResult(path)
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        cmd = [
            str(py),
            "-m",
            "pytest",
            path,
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--strict-markers",
            f"--timeout={timeout}",
            f"--junitxml={xml}",
        ]
        env = dict(os.environ)
        # The installed faust is tested: nothing puts the work folder's
        # parent on the path, and PYTHONPATH is not inherited.
        env.pop("PYTHONPATH", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        t0 = time.monotonic()
        try:
            proc = subprocess.run(
                cmd,
                cwd=work,
                env=env,
                check=False,
                text=True,
                capture_output=True,
                timeout=file_timeout,
            )
            tail = (proc.stdout + proc.stderr)[-1500:]
        except subprocess.TimeoutExpired:
            tail = f"the file took longer than {file_timeout:.0f} s"
        result.seconds = time.monotonic() - t0
        if not xml.exists():
            result.errors = 1
            result.problems.append(f"{path}: no report: {first_line(tail[-300:])}")
            return result
        for case in ET.parse(xml).getroot().iter("testcase"):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            outcome = "passed"
            detail = ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome = child.tag
                    detail = first_line(child.get("message")) or first_line(child.text)
                    break
            if outcome == "passed":
                result.passed += 1
            elif outcome == "skipped":
                result.skipped += 1
            elif outcome == "failure":
                result.failed += 1
                result.problems.append(f"FAILED {name}: {detail}")
            else:
                result.errors += 1
                result.problems.append(f"ERROR {name}: {detail}")
    return result


def test_files(work: Path, selected: list[str]) -> list[str]:
    roots = selected or SUITES
    files: list[str] = []
    for r in roots:
        p = work / r
        if p.is_file():
            files.append(r)
        elif p.is_dir():
            files.extend(str(f.relative_to(work)) for f in sorted(p.rglob("test_*.py")))
        else:
            raise SetupError(f"{r}: no such test file or folder in faust's tests")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/compat", description="faust-streaming's tests on our mode"
    )
    parser.add_argument("paths", nargs="*", help="test files or folders (default: all)")
    parser.add_argument(
        "--reference", action="store_true", help=f"run on {REFERENCE} instead"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=30, help="per test (s)")
    parser.add_argument("--file-timeout", type=float, default=600, help="per file (s)")
    parser.add_argument(
        "--list", action="store_true", help="print every test that did not pass"
    )
    parser.add_argument(
        "--known",
        type=Path,
        help="file of test ids allowed to fail (each with its reason)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="reuse the installed packages (skip the wheel build)",
    )
    args = parser.parse_args(argv)
    cache = Path(os.environ.get("MODE_COMPAT_CACHE", ROOT / ".cache" / "compat"))
    cache.mkdir(parents=True, exist_ok=True)
    side = "reference" if args.reference else "ours"
    t0 = time.monotonic()
    try:
        work = sdist_tests(cache)
        py = make_venv(cache, side)
        if not args.no_install:
            if args.reference:
                install_reference(py)
            else:
                install_ours(cache, py)
        files = test_files(work, args.paths)
    except SetupError as exc:
        print(f"compat: set-up failed: {exc}", file=sys.stderr)
        return 2
    say(f"running {len(files)} test files of faust, {args.jobs} at a time ({side})")
    results: list[FileResult] = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = [
            pool.submit(run_file, py, work, f, args.timeout, args.file_timeout)
            for f in files
        ]
        for fut in concurrent.futures.as_completed(futs):
            res = fut.result()
            results.append(res)
            if res.failed or res.errors:
                say(
                    f"{res.path}: {res.passed} passed, {res.failed} failed, "
                    f"{res.errors} errors ({res.seconds:.0f} s)"
                )
    results.sort(key=lambda r: r.path)
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    errors = sum(r.errors for r in results)
    total = sum(r.total for r in results)
    problems = [p for r in results for p in r.problems]
    report = cache / f"{side}-failures.txt"
    report.write_text("".join(f"{p}\n" for p in problems))
    if args.list:
        for p in problems:
            print(p)
    wall = time.monotonic() - t0
    say(f"{side}: {len(problems)} problems listed in {report} ({wall:.0f} s wall)")
    print(f"faust: {passed} passed, {failed} failed, {errors} errors of {total}")
    if args.known is None:
        return 0 if not (failed or errors) else 1
    known = read_known(args.known)
    failing = {test_id(p) for p in problems}
    unexpected = sorted(failing - known)
    ran_modules = {path_module(r.path) for r in results}
    # A listed test whose file ran and that did not fail: it passes now.
    fixed = sorted(t for t in known - failing if ran_modules & modules_of(t))
    for t in fixed:
        say(f"listed in {args.known} but passed now (remove it): {t}")
    for t in unexpected:
        say(f"UNEXPECTED failure: {t}")
    say(
        f"{len(failing & known)} known failures, {len(unexpected)} unexpected, "
        f"{len(fixed)} known ones passed"
    )
    return 1 if unexpected else 0


def test_id(problem: str) -> str:
    """``FAILED tests.x::test_y: message`` -> ``tests.x::test_y``."""
    head = problem.split(" ", 1)[1] if " " in problem else problem
    return head.split(": ", 1)[0]


def path_module(path: str) -> str:
    """``tests/unit/test_x.py`` -> ``tests.unit.test_x`` (JUnit class names)."""
    return path.removesuffix(".py").replace("/", ".")


def modules_of(test: str) -> set[str]:
    """The module a JUnit test id may belong to: its class name, or the
    class name less its last part (``tests.x.Test_Y::test_z``)."""
    classname = test.split("::", 1)[0]
    return {classname, classname.rsplit(".", 1)[0]}


def read_known(path: Path) -> set[str]:
    known: set[str] = set()
    for line in path.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            known.add(entry)
    return known


if __name__ == "__main__":
    sys.exit(main())
