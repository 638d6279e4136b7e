"""Compatibility names kept for code written against older mode versions.

``want_bytes``, ``want_str`` and ``isatty`` live in :mod:`mode.utils.text`;
the names here are the very same functions.
"""

from __future__ import annotations

from .text import isatty as isatty
from .text import want_bytes as want_bytes
from .text import want_str as want_str

__all__ = ["isatty", "want_bytes", "want_str"]
