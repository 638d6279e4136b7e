"""Graphviz (dot) formatting of dependency graphs.

:class:`GraphFormatter` turns nodes and edges into dot statements; it is what
:meth:`mode.utils.graphs.DependencyGraph.to_dot` uses.  The output is plain
text that ``dot -Tpng`` (or any Graphviz tool) accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from mode.utils.objects import label as _label
from mode.utils.types.graphs import GraphFormatterT

__all__ = ["DOT", "GraphFormatter", "dedent", "dedent_initial"]

_T = TypeVar("_T")


def dedent_initial(s: str, n: int = 4) -> str:
    """Remove ``n`` leading spaces from ``s`` if it starts with exactly that many.

    Text that does not start with ``n`` spaces is returned unchanged.
    """
    return s[n:] if s[:n] == " " * n else s


def dedent(s: str, n: int = 4, sep: str = "\n") -> str:
    """Apply :func:`dedent_initial` to every line of ``s``, joined by ``sep``."""
    return sep.join(dedent_initial(line, n) for line in s.splitlines())


def _quote(value: Any) -> str:
    # Graphviz double-quoted string: escape backslashes and double quotes so
    # that a label can never end the string early.
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class DOT:
    """Templates of the dot language used by :class:`GraphFormatter`.

    ``IN`` is the indentation of the head and tail lines and ``INp`` the one of
    every statement inside the graph; both are supplied by
    :meth:`GraphFormatter.FMT`.
    """

    HEAD = "{IN}{type} {id} {{\n{INp}graph [{attrs}]"
    ATTR = "{name}={value}"
    NODE = "{INp}{0} [{attrs}]"
    EDGE = "{INp}{0} {dir} {1} [{attrs}]"
    ATTRSEP = ", "
    DIRS: ClassVar[Mapping[str, str]] = {"graph": "--", "digraph": "->"}
    TAIL = "{IN}}}"


class GraphFormatter(GraphFormatterT[_T]):
    """Formats a graph of ``_T`` as Graphviz dot text.

    Arguments:
        root: The root object; when given, its label becomes the graph's
            ``root`` attribute.
        type: ``"digraph"`` (default) or ``"graph"``.
        id: The graph identifier (default ``"dependencies"``).
        indent: Indentation level of the graph (multiples of ``inw``).
        inw: The unit of indentation (four spaces).
        **scheme: Extra attributes merged into :attr:`scheme`, used by every
            statement.

    Raises:
        ValueError: if ``type`` is not ``"digraph"`` or ``"graph"``.
        TypeError: if ``indent`` is not an int or ``inw`` not a str.
    """

    _attr = DOT.ATTR
    _node = DOT.NODE
    _edge = DOT.EDGE
    _head = DOT.HEAD
    _tail = DOT.TAIL
    _attrsep = DOT.ATTRSEP
    _dirs = DOT.DIRS

    scheme: Mapping[str, Any] = {
        "shape": "box",
        "arrowhead": "vee",
        "style": "filled",
        "fontname": "HelveticaNeue",
    }
    edge_scheme: ClassVar[Mapping[str, Any]] = {
        "color": "darkseagreen4",
        "arrowcolor": "black",
        "arrowsize": 0.7,
    }
    node_scheme: ClassVar[Mapping[str, Any]] = {
        "fillcolor": "palegreen3",
        "color": "palegreen4",
    }
    term_scheme: ClassVar[Mapping[str, Any]] = {
        "fillcolor": "palegreen1",
        "color": "palegreen2",
    }
    graph_scheme: Mapping[str, Any] = {"bgcolor": "mintcream"}

    def __init__(
        self,
        root: Any = None,
        type: str | None = None,
        id: str | None = None,
        indent: int = 0,
        inw: str = " " * 4,
        **scheme: Any,
    ) -> None:
        self.id = id or "dependencies"
        self.root = root
        self.type = type or "digraph"
        try:
            self.direction = self._dirs[self.type]
        except KeyError:
            raise ValueError(
                f"GraphFormatter type must be 'digraph' or 'graph', not {type!r}"
            ) from None
        if isinstance(indent, bool) or not isinstance(indent or 0, int):
            raise TypeError(
                f"GraphFormatter indent must be an int, not {indent.__class__.__name__}"
            )
        if not isinstance(inw, str):
            raise TypeError(
                f"GraphFormatter inw must be a str, not {inw.__class__.__name__}"
            )
        self.IN = inw * (indent or 0)
        self.INp = self.IN + inw
        self.scheme = {**self.scheme, **scheme}
        graph_scheme = dict(self.graph_scheme)  # the class default
        if root is not None:
            graph_scheme["root"] = self.label(root)
        self.graph_scheme = graph_scheme

    def attr(self, name: str, value: Any) -> str:
        """Format one attribute as ``name="value"`` (quotes escaped)."""
        return self.FMT(self._attr, name=name, value=_quote(value))

    def attrs(
        self,
        d: Mapping[str, Any] | None = None,
        scheme: Mapping[str, Any] | None = None,
    ) -> str:
        """Format :attr:`scheme`, updated by ``scheme``, then by ``d``.

        Returns the attributes joined by ``", "`` (the inside of ``[...]``).
        """
        merged = {**self.scheme, **(scheme or {}), **(d or {})}
        return self._attrsep.join(self.attr(k, v) for k, v in merged.items())

    def head(self, **attrs: Any) -> str:
        """Return the ``digraph id {`` line and the ``graph [...]`` line."""
        return self.FMT(
            self._head,
            id=self.id,
            type=self.type,
            attrs=self.attrs(attrs, self.graph_scheme),
        )

    def tail(self) -> str:
        """Return the closing ``}`` line."""
        return self.FMT(self._tail)

    def label(self, obj: _T) -> str:
        """Return the name of ``obj`` (see :func:`mode.utils.objects.label`)."""
        return _label(obj)

    def node(self, obj: _T, **attrs: Any) -> str:
        """Format a node that has dependencies (:attr:`node_scheme` colours)."""
        return self.draw_node(obj, self.node_scheme, attrs)

    def terminal_node(self, obj: _T, **attrs: Any) -> str:
        """Format a node without dependencies (:attr:`term_scheme` colours)."""
        return self.draw_node(obj, self.term_scheme, attrs)

    def edge(self, a: _T, b: _T, **attrs: Any) -> str:
        """Format the edge ``a`` -> ``b``; ``attrs`` override the edge scheme."""
        return self.draw_edge(a, b, attrs=attrs)

    def FMT(self, fmt: str, *args: Any, **kwargs: Any) -> str:
        """Fill the template ``fmt`` with ``args``/``kwargs``, ``IN`` and ``INp``.

        Characters that cannot be encoded as UTF-8 (lone surrogates) are
        dropped, so the result can always be written to a UTF-8 file.
        """
        text = fmt.format(*args, **{**kwargs, "IN": self.IN, "INp": self.INp})
        return text.encode("utf-8", "ignore").decode("utf-8")

    def draw_edge(
        self,
        a: _T,
        b: _T,
        scheme: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> str:
        """Format an edge statement.

        ``scheme`` is laid over :attr:`edge_scheme` and ``attrs`` over both.
        """
        return self.FMT(
            self._edge,
            _quote(self.label(a)),
            _quote(self.label(b)),
            dir=self.direction,
            attrs=self.attrs(attrs, {**self.edge_scheme, **(scheme or {})}),
        )

    def draw_node(
        self,
        obj: _T,
        scheme: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> str:
        """Format a node statement with ``scheme`` and then ``attrs`` applied."""
        return self.FMT(
            self._node,
            _quote(self.label(obj)),
            attrs=self.attrs(attrs, scheme),
        )
