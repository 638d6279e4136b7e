"""The README's examples run and pass, as a user would run them.

Its test files (fenced as ```python title="test_x.py"```) are run with
pytester under the README's own ini; its plain ```python blocks are scripts,
run by the workspace's ``run_readme_examples`` fixture.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
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
    pytester.makepyfile(
        **{name.removesuffix(".py"): code for name, code in files.items()}
    )
    # The README's own ini: the leak check on for every test.
    pytester.makeini(_ini())
    t0 = time.perf_counter()
    result = pytester.runpytest(
        "--strict-markers", "--strict-config", "-W", "error", "-p", "no:cacheprovider"
    )
    elapsed = time.perf_counter() - t0
    result.assert_outcomes(passed=3)
    # An hour of one-minute ticks and the rest, on a loaded machine too.
    assert elapsed < 10.0, result.stdout.str()


def test_readme_sixty_second_timer_example_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ticker=_test_files()["test_ticker.py"])
    pytester.makeini(_ini())
    # -vv: list every duration, however short.
    result = pytester.runpytest(
        "-W", "error", "-p", "no:cacheprovider", "--durations=0", "-vv"
    )
    result.assert_outcomes(passed=1)
    (line,) = [ln for ln in result.stdout.lines if re.match(r"[\d.]+s call ", ln)]
    # An hour of one-minute ticks took (far) less than a second of real time.
    assert float(line.split("s", 1)[0]) < 1.0, line


def test_readme_scripts_run(run_readme_examples: Callable[[Path], None]) -> None:
    run_readme_examples(README)
