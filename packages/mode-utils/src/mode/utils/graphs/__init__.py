"""Dependency graphs with topological sorting and Graphviz output.

Re-exports :class:`DependencyGraph`, :class:`CycleError` (from
:mod:`.graph`) and :class:`GraphFormatter` (from :mod:`.formatter`).
"""

from .formatter import GraphFormatter as GraphFormatter
from .graph import CycleError as CycleError
from .graph import DependencyGraph as DependencyGraph

__all__ = ["CycleError", "DependencyGraph", "GraphFormatter"]
