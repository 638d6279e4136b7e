"""Packaging guard for the five mode distributions (run by tools/check-packaging).

1. Builds an sdist of every package, then a wheel from that sdist (so a file
   missing from the sdist fails here, not on a user's machine).
2. Fails on: a ``Requires-Dist`` with ``@ file:`` (a path dependency leaked into
   published metadata); a sibling requirement whose range excludes the
   sibling's current version; ``mode/__init__.py`` in any wheel but
   mode-service's; a package directory under ``mode/`` without ``py.typed``;
   a relative link in the long description (the package README, shown on
   the package index, where ``BAD_INPUT.md`` or ``../../README.md`` lead
   nowhere); a missing ``Project-URL`` (Homepage, Documentation, Changelog,
   Issues); a data file of ``DATA_FILES`` missing (the worker's live page).
3. Installs each wheel alone (with only what its metadata pulls in) into a
   fresh venv from the local wheel folder and imports every module it owns;
   mode-utils and mode-loop are installed with ``--no-index``, proving they need
   no third-party package.  Then installs all five together and imports all.

Exit status 0 when every check passes, 1 otherwise, with one line per problem.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["mode-utils", "mode-service", "mode-loop", "mode-worker", "mode-testing"]
#: distributions that must install with nothing but themselves and siblings.
NO_THIRD_PARTY = {"mode-utils", "mode-loop"}
#: modules that need an extra or another distribution; importing them alone must
#: fail with an ImportError that says what to install.
NEEDS_MORE = {
    "mode.utils.mocks": "mode-testing",
    "mode.loop.uvloop": "uvloop",
    "mode.loop.gevent": "gevent",
    "mode.loop.eventlet": "eventlet",
    "mode.loop.winloop": "winloop",
    "mode.worker._monitor": "aiomonitor",
    "mode.worker._prometheus": "mode-worker[web]",
}

#: The ``[project.urls]`` every package declares (``Project-URL`` labels).
PROJECT_URLS = ("Homepage", "Documentation", "Changelog", "Issues")

#: files other than modules that a wheel must ship (read at run time through
#: importlib.resources): the worker's live page.
DATA_FILES = {"mode-worker": ["mode/worker/status.html"]}

problems: list[str] = []

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)")
_MD_REF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(\s|$)")
_HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["'](?P<target>[^"']+)["']""", re.I)
_ABSOLUTE = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.I)


def relative_links(markdown: str) -> list[str]:
    """The link and image targets of ``markdown`` that are not absolute URLs.

    Inline links and images, reference definitions and HTML ``href``/``src``
    outside code blocks and code spans.  A link to an anchor of the same
    page (``#usage``) is not relative to a file and is allowed.
    """
    found: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        text = _CODE_SPAN.sub("", line)
        for pattern in (_MD_LINK, _MD_REF, _HTML_LINK):
            for match in pattern.finditer(text):
                target = match["target"]
                if not _ABSOLUTE.match(target) and not target.startswith("#"):
                    found.append(target)
    return found


def check_description(pkg: str, meta: Any) -> None:
    """Fail on relative links in the long description, and missing Project-URLs."""
    body = meta.get_payload() or meta.get("Description") or ""
    for target in relative_links(str(body)):
        problems.append(
            f"{pkg}: the long description (README.md) links to {target!r}, a "
            "relative link, broken on the package index: use an absolute URL"
        )
    labels = {
        entry.split(",", 1)[0].strip() for entry in meta.get_all("Project-URL") or []
    }
    for label in PROJECT_URLS:
        if label not in labels:
            problems.append(
                f"{pkg}: no Project-URL {label!r}: add it to [project.urls]"
            )


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)  # type: ignore[call-overload, no-any-return]


def version_of(pkg: str) -> str:
    import tomllib

    data = tomllib.loads((ROOT / "packages" / pkg / "pyproject.toml").read_text())
    return str(data["project"]["version"])


def build(dist: Path) -> dict[str, Path]:
    wheels: dict[str, Path] = {}
    for pkg in PACKAGES:
        res = run(
            [
                sys.executable,
                "-m",
                "build",
                "--no-isolation",
                "--outdir",
                str(dist),
                str(ROOT / "packages" / pkg),
            ]
        )
        if res.returncode != 0:
            problems.append(
                f"{pkg}: build failed:\n{res.stdout[-2000:]}{res.stderr[-2000:]}"
            )
            continue
        name = pkg.replace("-", "_")
        found = sorted(dist.glob(f"{name}-{version_of(pkg)}-*.whl"))
        sdists = sorted(dist.glob(f"{name}-{version_of(pkg)}.tar.gz"))
        if not found or not sdists:
            problems.append(f"{pkg}: expected a wheel and an sdist in {dist}")
            continue
        wheels[pkg] = found[-1]
    return wheels


def check_metadata(pkg: str, wheel: Path, versions: dict[str, str]) -> list[str]:
    """Check one wheel's metadata and file list; return the modules it owns."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode())
    for raw in meta.get_all("Requires-Dist") or []:
        if "@ file:" in raw or "file://" in raw:
            problems.append(f"{pkg}: Requires-Dist with a file URL: {raw!r}")
            continue
        req = Requirement(raw)
        if req.name in versions and not req.specifier.contains(versions[req.name]):
            problems.append(
                f"{pkg}: requires {raw!r}, "
                f"which excludes {req.name} {versions[req.name]}"
            )
    check_description(pkg, meta)
    if "mode/__init__.py" in names and pkg != "mode-service":
        problems.append(f"{pkg}: ships mode/__init__.py (only mode-service may)")
    if pkg == "mode-service" and "mode/__init__.py" not in names:
        problems.append("mode-service: does not ship mode/__init__.py")
    py_dirs = {
        n.rsplit("/", 1)[0]
        for n in names
        if n.startswith("mode/") and n.endswith(".py")
    }
    if pkg == "mode-service":
        py_dirs.add("mode")
    for d in sorted(py_dirs):
        if f"{d}/py.typed" not in names:
            problems.append(f"{pkg}: package dir {d}/ has no py.typed")
    for data in DATA_FILES.get(pkg, []):
        if data not in names:
            problems.append(f"{pkg}: does not ship {data}")
    modules = []
    for n in names:
        if n.startswith("mode/") and n.endswith(".py"):
            mod = n[:-3].replace("/", ".")
            if mod.endswith(".__init__"):
                mod = mod[: -len(".__init__")]
            if mod.rsplit(".", 1)[-1] == "__main__":
                continue
            modules.append(mod)
    return sorted(modules)


IMPORT_CHECK = r"""
import importlib, json, sys
mods, needs_more = json.loads(sys.argv[1]), json.loads(sys.argv[2])
strict = sys.argv[3] == "1"
bad = []
for m in mods:
    try:
        importlib.import_module(m)
    except ImportError as exc:
        want = needs_more.get(m)
        if strict or want is None or want not in str(exc):
            bad.append(f"{m}: {type(exc).__name__}: {exc}")
    except Exception as exc:
        bad.append(f"{m}: {type(exc).__name__}: {exc}")
print(json.dumps(bad))
"""


def fresh_venv(where: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True
    )
    return where / "bin" / "python"


def pip_install(py: Path, dist: Path, targets: list[str], *, no_index: bool) -> bool:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "--disable-pip-version-check",
        "-q",
        "--python",
        str(py),
        "install",
        "--find-links",
        str(dist),
    ]
    if no_index:
        cmd.append("--no-index")
    res = run(cmd + targets)
    if res.returncode != 0:
        problems.append(
            f"install of {targets} failed:\n{res.stdout[-1500:]}{res.stderr[-1500:]}"
        )
        return False
    return True


def installed(py: Path) -> set[str]:
    res = run(
        [sys.executable, "-m", "pip", "--python", str(py), "list", "--format", "json"]
    )
    return {p["name"].lower() for p in json.loads(res.stdout or "[]")}


def check_imports(py: Path, label: str, modules: list[str], *, strict: bool) -> None:
    res = run(
        [
            str(py),
            "-W",
            "error",
            # aiomonitor 0.7.1 imports a name Click 8.2+ deprecates: not ours.
            "-W",
            "ignore:Importing 'parser.split_arg_string':DeprecationWarning",
            "-c",
            IMPORT_CHECK,
            json.dumps(modules),
            json.dumps(NEEDS_MORE),
            "1" if strict else "0",
        ],
        # An empty directory: python -c puts the cwd first on sys.path, and
        # stray modules in a shared /tmp (an attr.py...) would shadow packages.
        cwd=tempfile.mkdtemp(prefix="mode-import-check-"),
    )
    if res.returncode != 0:
        problems.append(f"{label}: import check crashed: {res.stderr[-1500:]}")
        return
    if not res.stdout.strip():
        problems.append(f"{label}: import check printed nothing: {res.stderr[-1500:]}")
        return
    try:
        lines = json.loads(res.stdout)
    except ValueError:
        problems.append(f"{label}: import check printed {res.stdout[-800:]!r}")
        return
    for line in lines:
        problems.append(f"{label}: {line}")


def main() -> int:
    versions = {pkg: version_of(pkg) for pkg in PACKAGES}
    work = Path(tempfile.mkdtemp(prefix="mode-packaging-"))
    try:
        dist = work / "dist"
        wheels = build(dist)
        owned: dict[str, list[str]] = {}
        for pkg, wheel in wheels.items():
            owned[pkg] = check_metadata(pkg, wheel, versions)
            print(f"check-packaging: {wheel.name}: {len(owned[pkg])} modules")
        for pkg in wheels:
            py = fresh_venv(work / f"venv-{pkg}")
            if not pip_install(py, dist, [pkg], no_index=pkg in NO_THIRD_PARTY):
                continue
            if pkg in NO_THIRD_PARTY:
                extra = installed(py) - {pkg}
                if extra:
                    problems.append(f"{pkg}: alone it pulled in {sorted(extra)}")
            check_imports(py, f"{pkg} alone", owned[pkg], strict=False)
        if len(wheels) == len(PACKAGES):
            py = fresh_venv(work / "venv-all")
            targets = [
                "mode-utils[color,cron]",
                "mode-service",
                "mode-loop[uvloop]",
                "mode-worker[debug,web]",
                "mode-testing",
            ]
            if pip_install(py, dist, targets, no_index=False):
                every = sorted(m for mods in owned.values() for m in mods)
                every = [
                    m
                    for m in every
                    if m
                    not in (
                        "mode.loop.gevent",
                        "mode.loop.eventlet",
                        "mode.loop.winloop",
                    )
                ]
                check_imports(py, "all five", every, strict=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("check-packaging: FAILED", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(
        f"check-packaging: ok ({len(PACKAGES)} wheels and sdists; each alone; all five)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
