"""Fixtures of the mode-testing tests: pytester, with an ini like a user's."""

from __future__ import annotations

# pytester's in-process runs forget the modules they import; the hypothesis
# plugin imports hypothesis at the end of every run (about a second each).
# Imported here once, it stays.
import hypothesis  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

#: The ini of the small test projects run by pytester: pytest-asyncio's auto
#: mode, as most users have it.
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def base_ini() -> str:
    """The ini text of :func:`project`, to extend for a test."""
    return INI


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose project has the usual ini (extend with makeini)."""
    pytester.makeini(INI)
    return pytester
