"""Abstract types for dependency graphs and their Graphviz formatters.

:class:`DependencyGraphT` and :class:`GraphFormatterT` describe the API of
:class:`mode.utils.graphs.DependencyGraph` and
:class:`mode.utils.graphs.GraphFormatter`; code that only needs the protocol
(for example :mod:`mode.utils.trees`) types against these.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import IO, Any, ClassVar, Generic, TypeVar

__all__ = ["DependencyGraphT", "GraphFormatterT"]

_T = TypeVar("_T")


class GraphFormatterT(abc.ABC, Generic[_T]):
    """Formats the nodes and edges of a graph of ``_T`` as Graphviz text.

    Concrete subclass: :class:`mode.utils.graphs.GraphFormatter`.
    """

    #: Graph type: ``"digraph"`` or ``"graph"``.
    type: str
    #: Graph identifier written in the head line.
    id: str
    #: Edge operator, ``"->"`` for a digraph and ``"--"`` for a graph.
    direction: str
    #: Indentation of the head/tail (``IN``) and of the statements (``INp``).
    IN: str
    INp: str
    #: The root object of the graph (or None).
    root: Any
    #: Attributes every node, edge and graph statement starts from.
    scheme: Mapping[str, Any]
    #: Attributes of the ``graph [...]`` statement.
    graph_scheme: Mapping[str, Any]
    edge_scheme: ClassVar[Mapping[str, Any]]
    node_scheme: ClassVar[Mapping[str, Any]]
    term_scheme: ClassVar[Mapping[str, Any]]

    @abc.abstractmethod
    def attr(self, name: str, value: Any) -> str:
        """Format one attribute as ``name="value"``."""

    @abc.abstractmethod
    def attrs(
        self,
        d: Mapping[str, Any] | None = None,
        scheme: Mapping[str, Any] | None = None,
    ) -> str:
        """Format ``self.scheme`` updated by ``scheme`` then ``d``."""

    @abc.abstractmethod
    def head(self, **attrs: Any) -> str:
        """Return the opening lines of the graph."""

    @abc.abstractmethod
    def tail(self) -> str:
        """Return the closing line of the graph."""

    @abc.abstractmethod
    def label(self, obj: _T) -> str:
        """Return the text used to name ``obj`` in the output."""

    @abc.abstractmethod
    def node(self, obj: _T, **attrs: Any) -> str:
        """Format a node that has dependencies."""

    @abc.abstractmethod
    def terminal_node(self, obj: _T, **attrs: Any) -> str:
        """Format a node without dependencies."""

    @abc.abstractmethod
    def edge(self, a: _T, b: _T, **attrs: Any) -> str:
        """Format the edge ``a`` -> ``b``."""

    @abc.abstractmethod
    def FMT(self, fmt: str, *args: Any, **kwargs: Any) -> str:
        """Fill the template ``fmt`` (with ``IN``/``INp`` available)."""

    @abc.abstractmethod
    def draw_edge(
        self,
        a: _T,
        b: _T,
        scheme: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> str:
        """Format an edge statement with explicit scheme and attributes."""

    @abc.abstractmethod
    def draw_node(
        self,
        obj: _T,
        scheme: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> str:
        """Format a node statement with explicit scheme and attributes."""


class DependencyGraphT(Mapping[_T, list[_T]]):
    """A directed graph of ``_T`` where an edge A -> B means "A depends on B".

    It is a read-only mapping of node -> list of its dependencies.  Concrete
    subclass: :class:`mode.utils.graphs.DependencyGraph`.
    """

    adjacent: MutableMapping[_T, list[_T]]
    formatter: GraphFormatterT[_T]

    @abc.abstractmethod
    def add_arc(self, obj: _T) -> None:
        """Add ``obj`` as a node (no-op if present)."""

    @abc.abstractmethod
    def add_edge(self, A: _T, B: _T) -> None:
        """Record that ``A`` depends on ``B``."""

    @abc.abstractmethod
    def connect(self, graph: DependencyGraphT[_T]) -> None:
        """Merge the nodes and edges of ``graph`` into this graph."""

    @abc.abstractmethod
    def topsort(self, *, raise_on_cycle: bool = False) -> Sequence[_T]:
        """Return the nodes ordered so that dependencies come first."""

    @abc.abstractmethod
    def valency_of(self, obj: _T) -> int:
        """Return the weight of ``obj``'s dependency tree."""

    @abc.abstractmethod
    def update(self, it: Iterable[tuple[_T, Iterable[_T]]]) -> None:
        """Add ``(node, dependencies)`` pairs."""

    @abc.abstractmethod
    def edges(self) -> Iterator[_T]:
        """Iterate over the nodes that have at least one dependency."""

    @abc.abstractmethod
    def to_dot(
        self, fh: IO[str], *, formatter: GraphFormatterT[_T] | None = None
    ) -> None:
        """Write the graph to ``fh`` in Graphviz dot format."""
