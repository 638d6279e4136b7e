"""The simple tables of mode's docstrings render as the tables they mean.

The docs build (``tools/docs_griffe.py``) turns reST simple tables into
Markdown tables.  In a simple table only the last column may continue on
the next line: a line with text in the first column starts a new row.  A
first-column cell written over two lines thus becomes two rows, which is
how the table of ``mode.supervisors`` rendered (issue 16).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_BORDER = re.compile(r"^ *=+( +=+)+ *$")


def _converter() -> Any:
    spec = importlib.util.spec_from_file_location(
        "docs_griffe", ROOT / "tools" / "docs_griffe.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("docs_griffe", module)
    spec.loader.exec_module(module)
    return module.RstToMarkdown


def _docstrings() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.glob("packages/*/src/mode/**/*.py")):
        tree = ast.parse(path.read_text())
        nodes = [tree, *ast.walk(tree)]
        for node in nodes:
            if isinstance(
                node,
                ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
            ):
                doc = ast.get_docstring(node)
                if doc and any(_BORDER.match(line) for line in doc.splitlines()):
                    where = f"{path.relative_to(ROOT)}:{getattr(node, 'name', '')}"
                    found.append((where, doc))
    return found


def _table_rows(doc: str) -> list[list[str]]:
    pytest.importorskip("griffe")
    lines = _converter()._tables(doc.splitlines())
    rows = [line for line in lines if line.lstrip().startswith("| ")]
    return [[cell.strip() for cell in row.strip()[2:-2].split(" | ")] for row in rows]


def test_the_supervisors_table_has_one_row_per_concept() -> None:
    import mode.supervisors

    assert mode.supervisors.__doc__ is not None
    firsts = [row[0] for row in _table_rows(mode.supervisors.__doc__)]
    assert firsts == [
        "OTP concept",
        "supervisor",
        "``one_for_one``",
        "``one_for_all``",
        "``rest_for_one``",
        "(no OTP equivalent)",
        "intensity 0 (``MaxR = 0``)",
        "child spec ``restart``",
        "intensity / period",
        "escalation",
        "child spec ``shutdown``",
        "``start_child``",
        "``terminate_child``",
        "``delete_child``",
        "``which_children``",
        "(none; common add-on)",
    ]


@pytest.mark.parametrize(("where", "doc"), _docstrings(), ids=lambda v: v[:60])
def test_no_first_column_cell_is_split_over_two_rows(where: str, doc: str) -> None:
    # A cell cut in two leaves unbalanced brackets or a dangling "+"/","
    # in the rows it became; no cell may contain a "|" either (it would
    # split the Markdown row).
    rows = _table_rows(doc)
    for row in rows:
        assert len(row) == len(rows[0]), (where, row)
        first = row[0]
        assert first.count("(") == first.count(")"), (where, row)
        assert not first.endswith(("+", ",")), (where, row)


def test_a_table_without_header_ends_at_its_bottom_border() -> None:
    doc = "\n".join(
        [
            "Intro.",
            "",
            "======  ==========",
            "``a``   first, which",
            "        goes on",
            "``b``   second",
            "======  ==========",
            "",
            "Text after the table (not a row).",
        ]
    )
    rows = _table_rows(doc)
    assert rows[1:] == [["``a``", "first, which goes on"], ["``b``", "second"]]
    pytest.importorskip("griffe")
    out = _converter()._tables(doc.splitlines())
    assert out[-1] == "Text after the table (not a row)."
