"""The pytest plugin of mode-testing (entry point ``pytest11``, name ``mode``).

pytest loads it in every run once mode-testing is installed; disable it
with ``-p no:mode``.  Loading it changes no test: it declares the ini
options below and, when pytest is configured, registers the fixtures
``virtual_clock`` and ``start_service``, the markers ``leak_check`` and
``no_leak_check`` and the opt-in leak check of
:mod:`mode.testing._pytest_impl`.  It imports no service code until then,
so it costs nothing in projects that do not use it.

ini options:

``mode_leak_check`` (bool, default false)
    Check every test for leaked tasks, threads and started services (a
    test opts out with ``@pytest.mark.no_leak_check``; without the option,
    a test opts in with ``@pytest.mark.leak_check``).
``mode_leak_check_thread_timeout`` (seconds, default 1.0)
    How long the leak check waits for threads a test started to end before
    it reports them.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ini options (here, so ``--strict-config`` knows them)."""
    parser.addini(
        "mode_leak_check",
        type="bool",
        default=False,
        help="mode-testing: fail tests that leave tasks, threads or started "
        "services behind (opt out per test: @pytest.mark.no_leak_check)",
    )
    parser.addini(
        "mode_leak_check_thread_timeout",
        type="string",
        default="1.0",
        help="mode-testing: seconds the leak check waits for threads started "
        "by a test to end (default 1.0)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the fixtures, markers and hooks of mode-testing."""
    from mode.testing import _pytest_impl

    _pytest_impl.configure(config)
    config.pluginmanager.register(_pytest_impl, "mode.testing._pytest_impl")
