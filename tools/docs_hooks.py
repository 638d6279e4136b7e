"""MkDocs hooks of the documentation site (``mkdocs.yml`` names this file).

Three jobs, each small:

1. **One ``mode`` package for the API reference.**  The five distributions
   share the ``mode`` namespace, but ``mode/__init__.py`` (mode-service's)
   extends its ``__path__`` by hand, so griffe (mkdocstrings' Python loader)
   takes ``mode`` for a regular package and never looks in the other four
   src dirs.  ``on_config`` therefore lays out ``.cache/docs/api/mode``: one
   symlink per top-level entry of each ``packages/*/src/mode`` (the same
   merged tree the wheels install, and the one ``tools/test``'s layer check
   builds), and the Python handler reads that.  Symlinks, not copies: editing
   a docstring shows on ``tools/docs --serve`` at once.

2. **Repository files included in pages.**  A line
   ``<!-- include: COMPAT.md -->`` in a page is replaced by that file (path
   relative to the repository root).  Its relative links are rewritten for
   the page: a repository file that is also a page of the site (``COMPAT.md``,
   the ``BAD_INPUT.md`` and ``CHANGELOG.md`` files, the package READMEs) links
   to that page; any other file links to the repository (``repo_url``) or,
   without one, is left as plain text.  So the file stays the one source and
   ``--strict`` still checks every link that is left.

3. **The facade's names.**  ``mode/__init__.py`` provides its names lazily
   (``_ORIGINS``), so griffe sees none of them; a line
   ``<!-- mode-facade-names -->`` becomes a table of them, each a
   cross-reference to where it is defined (read from the source, so it
   stays current, and ``--strict`` fails on a name that has no page).

4. **Every public module is documented.**  A public module (no name part
   starting with ``_``) of the merged tree that no reference page renders
   with ``::: module`` is a warning, so ``mkdocs build --strict`` fails until
   the reference has a page for it.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.mode_docs")

ROOT = Path(__file__).resolve().parent.parent
API_TREE = ROOT / ".cache" / "docs" / "api"
PACKAGES = ("mode-utils", "mode-service", "mode-worker", "mode-testing", "mode-loop")

#: Repository file -> the docs page that shows it.
REPO_PAGES: dict[str, str] = {
    "COMPAT.md": "migration.md",
    "README.md": "index.md",
    **{f"packages/{p}/BAD_INPUT.md": f"reference/bad-input/{p}.md" for p in PACKAGES},
    **{f"packages/{p}/CHANGELOG.md": f"changelog/{p}.md" for p in PACKAGES},
    **{f"packages/{p}/README.md": f"reference/{p}/index.md" for p in PACKAGES},
    **{f"packages/{p}": f"reference/{p}/index.md" for p in PACKAGES},
}

_INCLUDE = re.compile(r"^<!-- include: (?P<path>\S+) -->[ \t]*$", re.M)
# An inline link or image target: ](target) or ](target "title").
_LINK = re.compile(
    r"(?P<text>!?\[(?:[^\[\]]|\[[^\]]*\])*\])"  # [text], [text [nested]], ![alt]
    r"\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"  # (target "title")
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_FACADE = re.compile(r"^<!-- mode-facade-names -->[ \t]*$", re.M)
_DIRECTIVE = re.compile(r"^:::\s+(?P<id>[\w.]+)\s*$", re.M)


def build_api_tree() -> Path:
    """Lay out the merged ``mode`` package of symlinks; return its parent."""
    target = API_TREE / "mode"
    target.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Path] = {}
    for package in PACKAGES:
        src = ROOT / "packages" / package / "src" / "mode"
        for entry in sorted(src.iterdir()):
            if entry.name == "__pycache__":
                continue
            if entry.name in wanted:
                raise RuntimeError(
                    f"{entry} and {wanted[entry.name]} both provide mode/{entry.name}"
                )
            wanted[entry.name] = entry
    for existing in target.iterdir():
        if existing.name not in wanted or existing.resolve() != wanted[existing.name]:
            existing.unlink()
    for name, source in wanted.items():
        link = target / name
        if not link.is_symlink():
            link.symlink_to(source)
    return API_TREE


def public_modules() -> list[str]:
    """Every public module of the merged tree, as dotted names."""
    mode_dir = API_TREE / "mode"
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(mode_dir, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        rel = Path(dirpath).relative_to(API_TREE)
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            parts = list(rel.parts)
            if filename != "__init__.py":
                parts.append(filename[:-3])
            if any(p.startswith("_") for p in parts):
                continue
            found.append(".".join(parts))
    return sorted(found)


def on_config(config: Any, **kwargs: Any) -> Any:
    build_api_tree()
    return config


def on_files(files: Any, config: Any, **kwargs: Any) -> Any:
    documented: set[str] = set()
    for file in files.documentation_pages():
        if file.src_uri.startswith("reference/"):
            text = Path(file.abs_src_path).read_text(encoding="utf-8")
            documented.update(m["id"] for m in _DIRECTIVE.finditer(text))
    for module in public_modules():
        if module not in documented:
            log.warning(
                "public module %s has no API reference page: add one under "
                "docs/reference/ (a page with '::: %s') and list it in mkdocs.yml",
                module,
                module,
            )
    return files


def facade_table() -> str:
    """A Markdown table of ``from mode import X`` names, from ``_ORIGINS``."""
    import ast

    source = ROOT / "packages" / "mode-service" / "src" / "mode" / "__init__.py"
    origins: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "_ORIGINS"
            and node.value is not None
        ):
            origins = ast.literal_eval(node.value)
    if not origins:
        log.warning("mode/__init__.py has no _ORIGINS table: the facade page is empty")
        return ""
    rows = ["| name | defined in | distribution |", "|---|---|---|"]
    for name, (module, dist) in origins.items():
        rows.append(f"| [`{name}`][{module}.{name}] | `{module}` | {dist} |")
    return "\n".join(rows) + "\n"


def _rewrite_links(text: str, source: str, page: str, repo_url: str | None) -> str:
    """Make the relative links of repository file ``source`` work from ``page``."""
    source_dir = posixpath.dirname(source)
    page_dir = posixpath.dirname(page)
    out: list[str] = []
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence or "](" not in line:
            out.append(line)
            continue

        def fix(match: re.Match[str]) -> str:
            target = match["target"]
            absolute = re.match(r"^[a-z][a-z0-9+.-]*:", target)
            if absolute or target.startswith(("#", "/")):
                return match[0]
            path, _, anchor = target.partition("#")
            repo_path = posixpath.normpath(posixpath.join(source_dir, path))
            repo_path = repo_path.rstrip("/")
            if repo_path in REPO_PAGES:
                new = posixpath.relpath(REPO_PAGES[repo_path], page_dir or ".")
                if anchor:
                    new += "#" + anchor
                return f"{match['text']}({new}{match['title'] or ''})"
            if repo_url:
                kind = "tree" if (ROOT / repo_path).is_dir() else "blob"
                new = f"{repo_url.rstrip('/')}/{kind}/main/{repo_path}"
                if anchor:
                    new += "#" + anchor
                return f"{match['text']}({new}{match['title'] or ''})"
            return match["text"][1:-1] if not match["text"].startswith("!") else ""

        out.append(_LINK.sub(fix, line))
    return "".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, **kwargs: Any) -> str:
    def include(match: re.Match[str]) -> str:
        source = match["path"]
        path = ROOT / source
        if not path.is_file():
            log.warning(
                "%s: included file %s does not exist", page.file.src_uri, source
            )
            return match[0]
        text = path.read_text(encoding="utf-8")
        return _rewrite_links(text, source, page.file.src_uri, config.get("repo_url"))

    markdown = _INCLUDE.sub(include, markdown)
    if _FACADE.search(markdown):
        markdown = _FACADE.sub(lambda m: facade_table(), markdown)
    return markdown
