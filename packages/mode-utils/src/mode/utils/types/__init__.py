"""Abstract types of mode.utils.

:mod:`mode.utils.types.graphs` holds the dependency-graph ABCs and
:mod:`mode.utils.types.trees` the tree-node ABC; other modules type against
them so that the concrete classes can be swapped.  This package ``__init__``
imports nothing.
"""

__all__: list[str] = []
