"""mode.utils.mocks forwards to mode.testing and explains itself when absent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import mode.testing
import mode.utils.mocks as mocks


def test_exports_what_mode_testing_exports() -> None:
    assert mocks.__all__ == list(mode.testing.__all__)
    assert set(mode.testing.__all__) <= set(dir(mocks))
    for name in mode.testing.__all__:
        assert getattr(mocks, name) is getattr(mode.testing, name)


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NotAMock'"):
        _ = mocks.NotAMock


def test_missing_mode_testing_names_the_distribution() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["mode.testing"] = None  # as if mode-testing were not installed
        try:
            import mode.utils.mocks
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("imported without mode.testing")
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stderr
    assert "pip install mode-testing" in res.stdout
