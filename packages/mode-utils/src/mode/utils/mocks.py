"""Compatibility path of the original ``mode.utils.mocks``.

The mocks now live in :mod:`mode.testing` (the mode-testing distribution, a
development dependency).  This module re-exports every public name of
``mode.testing`` so that test suites written for the original keep working::

    from mode.utils.mocks import AsyncMock, patch_module

Importing it without mode-testing installed raises :class:`ImportError` that
says to install it.  It is the one module of mode-utils that reaches outside
``mode.utils``; the import runs only when this module is imported.
"""

from __future__ import annotations

from typing import Any

try:
    import mode.testing as _testing
except ImportError as exc:  # pragma: no cover - exercised by tools/check-packaging
    raise ImportError(
        "mode.utils.mocks moved to mode.testing, shipped by the 'mode-testing' "
        "distribution: install it (`pip install mode-testing`, usually as a "
        "development dependency)",
        name="mode.testing",
    ) from exc

__all__ = list(_testing.__all__)


def __getattr__(name: str) -> Any:
    """Forward a public name to :mod:`mode.testing`; others raise AttributeError."""
    if name in _testing.__all__:
        return getattr(_testing, name)
    raise AttributeError(f"module 'mode.utils.mocks' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_testing.__all__})
