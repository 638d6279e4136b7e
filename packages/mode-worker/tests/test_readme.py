"""The package README's examples run as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run(run_readme_examples: Callable[[Path], None]) -> None:
    run_readme_examples(README)
