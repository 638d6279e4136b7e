"""Griffe extension of the docs build: mode's reST docstrings as Markdown.

mode's docstrings are written for readers of the source and for ``help()``:
reStructuredText inline markup (``:class:`Service```, ````code````), ``::``
literal blocks, simple tables and definition lists, with Google-style
``Arguments:``/``Raises:`` sections.  mkdocstrings renders docstrings as
Markdown, where most of that shows as stray colons and backticks.  This
extension rewrites each docstring once, when griffe has loaded the package:

* roles (``:class:`~mode.timers.Timer```, ``:meth:`stop``` ...) become
  cross-references, resolved the way Python resolves names (the object, its
  class, its module, then absolute paths).  A name found in mode becomes an
  *optional* reference: a link when the target is rendered in the reference,
  plain code otherwise (a private helper), so it never breaks ``--strict``;
  any other name (the standard library) is plain code;
* ``text::`` + an indented block becomes ``text:`` + a fenced code block;
* simple tables (``====  ====`` borders) become Markdown tables;
* definition lists (a term line, its text indented below) become Markdown
  definition lists (the ``def_list`` extension);
* a module's own ``logger`` attribute is left out (not API);
* an ``Arguments:`` entry naming several parameters (``args, kwargs: ...``)
  becomes one entry per parameter, as griffe's Google parser expects.

Only the rendered site changes; the source stays as it is.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?P<role>[a-z]+):`(?P<body>[^`]+)`")
_BORDER = re.compile(r"^(?P<indent> *)=+( +=+)+ *$")
_LIST_ITEM = re.compile(r"^\s*([*+-]|\d+[.)])\s")
_SECTION = re.compile(
    r"^(?P<indent> *)(Arguments|Args|Parameters|Keyword Arguments):\s*$"
)
_SHARED_PARAMS = re.compile(r"^(?P<indent> +)(?P<names>\w+(?:, \w+)+): (?P<text>.*)$")
_CODE_HINT = re.compile(r"\b(def|class|import|await|async|return)\b|[=()]")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring of a loaded package from reST to Markdown."""

    def on_package(
        self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any
    ) -> None:
        self._collection = loader.modules_collection
        self._walk(pkg, seen=set())

    # -- traversal ---------------------------------------------------------

    def _walk(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.is_module:
            # A module's own logger (``logger = logging.getLogger(__name__)``)
            # is not API; rendered, its value would link "logging" to a page
            # heading of that name.
            member = obj.members.get("logger")
            if (
                member is not None
                and not member.is_alias
                and "etLogger(" in str(getattr(member, "value", ""))
            ):
                del obj.members["logger"]
        if obj.docstring is not None:
            obj.docstring.value = self.convert(obj.docstring.value, obj)
        for member in list(obj.members.values()):
            if member.is_alias:
                continue
            self._walk(member, seen)  # type: ignore[arg-type]

    # -- name resolution ---------------------------------------------------

    def _exists(self, path: str) -> bool:
        try:
            self._collection.get_member(path)
        except (
            KeyError,
            ValueError,
            IndexError,
            AttributeError,
            griffe.AliasResolutionError,
        ):
            return False
        except Exception:  # a lookup must never break the build
            return False
        return True

    def resolve(self, target: str, obj: griffe.Object) -> str | None:
        """The full path ``target`` names in ``obj``'s docstring (None: not mode's)."""
        target = target.strip().removesuffix("()")
        module = obj if obj.is_module else obj.module
        if target.startswith("."):
            base = module.path if module.is_package else module.path.rsplit(".", 1)[0]
            dots = len(target) - len(target.lstrip("."))
            for _ in range(dots - 1):
                base = base.rsplit(".", 1)[0]
            path = f"{base}.{target.lstrip('.')}"
            return path if self._exists(path) else None
        scopes: list[str] = []
        scope: griffe.Object | None = obj
        while scope is not None:
            if scope.is_class or scope.is_module:
                scopes.append(scope.path)
            scope = scope.parent
        for prefix in scopes:
            candidate = f"{prefix}.{target}"
            if self._exists(candidate):
                return candidate
        if self._exists(target):
            return target
        if self._exists(f"mode.{target}"):
            return f"mode.{target}"
        return None

    # -- conversions -------------------------------------------------------

    def _role(self, match: re.Match[str], obj: griffe.Object) -> str:
        body = match["body"]
        short = body.startswith("~")
        body = body.lstrip("~")
        if "<" in body and body.endswith(">"):  # :role:`text <target>`
            text, _, target = body[:-1].partition("<")
            text = text.strip()
        else:
            target = body
            text = body.rsplit(".", 1)[-1] if short else body
        if match["role"] in ("func", "meth") and not text.endswith(")"):
            text += "()"
        identifier = self.resolve(target, obj)
        if identifier is None:  # the standard library, or a name out of reach
            return f"<code>{text}</code>"
        code = f"<code>{text}</code>"
        return f'<autoref identifier="{identifier}" optional>{code}</autoref>'

    def convert(self, text: str, obj: griffe.Object) -> str:
        lines = text.splitlines()
        lines = self._shared_params(lines)
        lines = self._tables(lines)
        lines = self._literal_blocks(lines)
        lines = self._definition_lists(lines)
        out: list[str] = []
        in_fence = False
        for line in lines:
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            elif not in_fence:
                line = _ROLE.sub(lambda m: self._role(m, obj), line)
            out.append(line)
        return "\n".join(out)

    @staticmethod
    def _shared_params(lines: list[str]) -> list[str]:
        out: list[str] = []
        section_indent: int | None = None
        i = 0
        while i < len(lines):
            line = lines[i]
            section = _SECTION.match(line)
            if section:
                section_indent = len(section["indent"])
            elif (
                line.strip()
                and section_indent is not None
                and _indent(line) <= section_indent
            ):
                section_indent = None
            shared = _SHARED_PARAMS.match(line) if section_indent is not None else None
            if not shared:
                out.append(line)
                i += 1
                continue
            rest = [shared["text"]]
            j = i + 1
            while (
                j < len(lines)
                and lines[j].strip()
                and _indent(lines[j]) > len(shared["indent"])
            ):
                rest.append(lines[j].strip())
                j += 1
            text = " ".join(rest)
            out.extend(
                f"{shared['indent']}{name}: {text}"
                for name in shared["names"].split(", ")
            )
            i = j
        return out

    @staticmethod
    def _tables(lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            border = _BORDER.match(lines[i])
            if not border:
                out.append(lines[i])
                i += 1
                continue
            indent = border["indent"]
            spans = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[i])]
            rows: list[list[str]] = []
            header_rows = 0
            borders = 1
            j = i + 1
            while j < len(lines) and borders < 3:
                line = lines[j]
                if _BORDER.match(line):
                    borders += 1
                    j += 1
                    if borders == 2 and (j >= len(lines) or not lines[j].strip()):
                        break  # a border then a blank line: a table without header
                    if borders == 2:
                        header_rows = len(rows)
                    continue
                if not line.strip():
                    j += 1
                    continue
                cells = []
                for k, (start, _end) in enumerate(spans):
                    stop = spans[k + 1][0] if k + 1 < len(spans) else len(line)
                    cells.append(line[start:stop].strip())
                if rows and not cells[0]:
                    rows[-1] = [
                        f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)
                    ]
                else:
                    rows.append(cells)
                j += 1
            if header_rows == 0:  # a table without header: use an empty one
                rows.insert(0, [" "] * len(spans))
                header_rows = 1
            header, body = rows[0], rows[header_rows:]
            out.append(indent + "| " + " | ".join(header) + " |")
            out.append(indent + "|" + "---|" * len(spans))
            out.extend(indent + "| " + " | ".join(r) + " |" for r in body)
            i = j
        return out

    @staticmethod
    def _literal_blocks(lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.rstrip().endswith("::"):
                out.append(line)
                i += 1
                continue
            base = _indent(line)
            stripped = line.rstrip()[:-2].rstrip()
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            block: list[str] = []
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            if not block:
                out.append(line)
                i += 1
                continue
            if stripped:
                out.append(stripped + ":")
                out.append("")
            cut = min(_indent(b) for b in block if b.strip())
            body = [b[cut:] if b.strip() else "" for b in block]
            lang = "python" if any(_CODE_HINT.search(b) for b in body) else "text"
            pad = " " * base
            out.append(f"{pad}```{lang}")
            out.extend(pad + b if b else "" for b in body)
            out.append(f"{pad}```")
            out.append("")
            i = j
        return out

    @staticmethod
    def _definition_lists(lines: list[str]) -> list[str]:
        out: list[str] = []
        in_fence = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            is_term = (
                not in_fence
                and line.strip()
                and _indent(line) == 0
                and (i == 0 or not lines[i - 1].strip())
                and nxt.strip()
                and _indent(nxt) >= 4
                and not line.rstrip().endswith(":")
                and not _LIST_ITEM.match(line)
                and not line.startswith(("|", "```"))
            )
            if not is_term:
                out.append(line)
                i += 1
                continue
            out.append(line)
            j = i + 1
            first = True
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= 4):
                body = lines[j]
                if not body.strip():
                    # A blank line ends the definition unless indented text follows.
                    k = j
                    while k < len(lines) and not lines[k].strip():
                        k += 1
                    if k >= len(lines) or _indent(lines[k]) < 4:
                        break
                    out.append("")
                elif first:
                    out.append(":   " + body[4:])
                    first = False
                else:
                    out.append(body)
                j += 1
            i = j
        return out
