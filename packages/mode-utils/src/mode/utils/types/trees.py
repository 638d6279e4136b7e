"""Abstract type for tree nodes (the service "beacon" tree).

:class:`NodeT` describes :class:`mode.utils.trees.Node`; services and proxies
type against it.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, MutableSequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from .graphs import DependencyGraphT

__all__ = ["NodeT"]

_T = TypeVar("_T")


class NodeT(abc.ABC, Generic[_T]):
    """A node in a tree: holds ``data`` and a list of children.

    Children are either other nodes or raw values (leaves).
    """

    #: The payload of this node.
    data: _T

    @property
    @abc.abstractmethod
    def children(self) -> MutableSequence[Any]:
        """The children of this node, in insertion order."""

    @children.setter
    @abc.abstractmethod
    def children(self, children: Iterable[Any]) -> None: ...

    @classmethod
    @abc.abstractmethod
    def _new_node(cls, data: _T, **kwargs: Any) -> NodeT[_T]:
        """Create a node of the same class."""

    @abc.abstractmethod
    def new(self, data: _T) -> NodeT[_T]:
        """Create a child node holding ``data``, add it and return it."""

    @abc.abstractmethod
    def add(self, data: Any) -> None:
        """Append a child (node or raw value)."""

    @abc.abstractmethod
    def add_deduplicate(self, data: Any) -> None:
        """Append a child unless it is already a child."""

    @abc.abstractmethod
    def discard(self, data: Any) -> None:
        """Remove a child, ignoring one that is not there."""

    @abc.abstractmethod
    def reattach(self, parent: NodeT[_T]) -> NodeT[_T]:
        """Move this node under ``parent``."""

    @abc.abstractmethod
    def detach(self, parent: NodeT[_T]) -> NodeT[_T]:
        """Remove this node from its parent."""

    @abc.abstractmethod
    def traverse(self) -> Iterator[Any]:
        """Iterate breadth-first over this node and its descendants."""

    @abc.abstractmethod
    def walk(self) -> Iterator[NodeT[_T]]:
        """Iterate from this node up through its parents."""

    @abc.abstractmethod
    def as_graph(self) -> DependencyGraphT[Any]:
        """Convert the tree to a dependency graph (parent -> child)."""

    @property
    @abc.abstractmethod
    def parent(self) -> NodeT[_T] | None:
        """The parent node, or None for a top node."""

    @parent.setter
    @abc.abstractmethod
    def parent(self, node: NodeT[_T] | None) -> None: ...

    @property
    @abc.abstractmethod
    def root(self) -> NodeT[_T] | None:
        """The root node of the tree, or None for a top node."""

    @root.setter
    @abc.abstractmethod
    def root(self, node: NodeT[_T] | None) -> None: ...

    @property
    @abc.abstractmethod
    def depth(self) -> int:
        """Number of nodes from this node up to the top (a top node is 1)."""

    @property
    @abc.abstractmethod
    def path(self) -> str:
        """Shortlabels of the nodes from the top down to this one, "/"-joined."""
