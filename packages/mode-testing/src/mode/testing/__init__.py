"""mode.testing: async mocks and pytest helpers for mode services.

This distribution currently ships the package skeleton only; the mocks and
the pytest plugin arrive with the mode-testing issue.
"""

__all__: list[str] = []
