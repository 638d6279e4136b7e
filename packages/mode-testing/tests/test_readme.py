"""The README's test files pass, under the README's own ini, in milliseconds.

Every example of the README runs once, in ``tests/test_doc_examples.py``,
except its test files (```` ```python title="test_x.py" ````): they run
here, with pytester, under the ini block the README shows (the leak check
on for every test), because this test also holds the README to its word:
all of them pass, and an hour of one-minute timer ticks takes well under a
second of real time.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"

_TEST_FILE = re.compile(r'^```python title="(test_\w+\.py)"\n(.*?)^```$', re.S | re.M)
_INI = re.compile(r"^```ini\n(.*?)^```$", re.S | re.M)


def _test_files() -> dict[str, str]:
    files = dict(_TEST_FILE.findall(README.read_text()))
    assert files, f"{README} has no test file example"
    return files


def _ini() -> str:
    blocks = _INI.findall(README.read_text())
    assert len(blocks) == 1, f"{README} should show one ini block"
    return str(blocks[0])


def test_readme_shows_the_sixty_second_timer_test() -> None:
    ticker = _test_files()["test_ticker.py"]
    assert "@Service.timer(60.0)" in ticker
    assert "virtual_clock" in ticker


def test_readme_test_files_pass_in_milliseconds(pytester: pytest.Pytester) -> None:
    files = _test_files()
    assert sorted(files) == ["test_services.py", "test_ticker.py"]
    pytester.makepyfile(
        **{name.removesuffix(".py"): code for name, code in files.items()}
    )
    # The README's own ini: the leak check on for every test.
    pytester.makeini(_ini())
    t0 = time.perf_counter()
    # -vv: list every duration, however short.
    result = pytester.runpytest(
        "--strict-markers",
        "--strict-config",
        "-W",
        "error",
        "-p",
        "no:cacheprovider",
        "--durations=0",
        "-vv",
    )
    elapsed = time.perf_counter() - t0
    result.assert_outcomes(passed=3)
    # All of it, on a loaded machine too.
    assert elapsed < 10.0, result.stdout.str()
    # An hour of one-minute ticks took (far) less than a second of real time.
    (line,) = [
        ln
        for ln in result.stdout.lines
        if re.match(r"[\d.]+s call ", ln) and "test_ticker.py::" in ln
    ]
    assert float(line.split("s", 1)[0]) < 1.0, line
