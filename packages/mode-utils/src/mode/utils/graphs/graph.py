"""Dependency graph: a directed graph with topological sorting.

An edge A -> B means "A depends on B".  :meth:`DependencyGraph.topsort`
orders the nodes so that every node comes after its dependencies.  Nodes can
be any hashable object.  All traversals are iterative, so graphs of any depth
work without hitting the recursion limit.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator
from typing import IO, Any, TypeVar

from mode.utils.objects import label
from mode.utils.types.graphs import DependencyGraphT, GraphFormatterT

from .formatter import GraphFormatter

__all__ = ["CycleError", "DependencyGraph"]

_T = TypeVar("_T")


class CycleError(Exception):
    """A dependency cycle was found where none is allowed.

    Raised by :meth:`DependencyGraph.topsort` when called with
    ``raise_on_cycle=True``.  :attr:`cycle` holds the nodes of one cycle in
    dependency order (each node depends on the next, the last one on the
    first).
    """

    cycle: tuple[Any, ...]

    def __init__(self, *args: Any, cycle: Iterable[Any] = ()) -> None:
        super().__init__(*args)
        self.cycle = tuple(cycle)


class DependencyGraph(DependencyGraphT[_T]):
    """A directed graph of dependencies between hashable objects.

    Arguments:
        it: Optional iterable of ``(obj, dependencies)`` pairs to start from
            (see :meth:`update`).
        formatter: The :class:`GraphFormatter` used by :meth:`to_dot`
            (default: a new ``GraphFormatter()``).

    The graph is a read-only mapping of ``obj -> list of dependencies``
    (:attr:`adjacent` holds the data).  A dependency does not have to be a
    node of its own: it is then treated as a node without dependencies by
    :meth:`topsort` and :meth:`valency_of`.
    """

    adjacent: dict[_T, list[_T]]

    def __init__(
        self,
        it: Iterable[tuple[_T, Iterable[_T]]] | None = None,
        formatter: GraphFormatterT[_T] | None = None,
    ) -> None:
        self.formatter = formatter or GraphFormatter()
        self.adjacent = {}
        if it is not None:
            self.update(it)

    def add_arc(self, obj: _T) -> None:
        """Add ``obj`` as a node; a node already present is left unchanged."""
        self.adjacent.setdefault(obj, [])

    def add_edge(self, A: _T, B: _T) -> None:
        """Record that ``A`` depends on ``B``.

        ``A`` is added as a node if it is not one yet (upstream raised
        KeyError).  ``B`` is not added as a node.  Adding the same edge twice
        stores it twice, as upstream did.
        """
        self.adjacent.setdefault(A, []).append(B)

    def connect(self, graph: DependencyGraphT[_T]) -> None:
        """Merge the nodes and edges of ``graph`` into this graph.

        Nodes of ``graph`` that are new here are added; for nodes present in
        both, the dependencies of ``graph`` that are missing here are appended
        (in their order), so nothing known here is lost.  Upstream overwrote
        the dependency lists of shared nodes instead.

        Raises:
            TypeError: ``graph`` is not a DependencyGraph.
        """
        if not isinstance(graph, DependencyGraphT):
            raise TypeError(
                "DependencyGraph.connect() expects a DependencyGraph, not "
                f"{type(graph).__name__}"
            )
        for obj, deps in graph.items():
            mine = self.adjacent.setdefault(obj, [])
            if mine:
                known = set(mine)
                for dep in deps:
                    if dep not in known:
                        known.add(dep)
                        mine.append(dep)
            else:
                mine.extend(deps)

    def update(self, it: Iterable[tuple[_T, Iterable[_T]]]) -> None:
        """Add ``(obj, dependencies)`` pairs: first all objs, then all edges.

        Raises:
            TypeError: ``it`` is not iterable, or an item is not an
                ``(obj, iterable)`` pair.
        """
        try:
            pairs = list(it)
            for obj, _ in pairs:
                self.add_arc(obj)
            for obj, deps in pairs:
                for dep in deps:
                    self.add_edge(obj, dep)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "DependencyGraph.update() expects (obj, dependencies) pairs, "
                f"e.g. [('a', ['b'])]: {exc}"
            ) from exc

    def edges(self) -> Iterator[_T]:
        """Iterate over the nodes that have at least one dependency."""
        for obj, deps in self.adjacent.items():
            if deps:
                yield obj

    def valency_of(self, obj: _T) -> int:
        """Return the number of edges in the dependency tree below ``obj``.

        This is the number of ``obj``'s dependencies plus, recursively, the
        valency of each of them (a dependency reached along two paths counts
        twice, as upstream).  An object that is not a node has valency 0.
        On a cycle the edge that closes it is counted once and not followed,
        so the result is always finite (upstream recursed forever).
        """
        adjacent = self.adjacent
        memo: dict[_T, int] = {}
        on_path = {obj}
        deps = adjacent.get(obj, [])
        stack: list[tuple[_T, Iterator[_T], list[int]]] = [
            (obj, iter(deps), [len(deps)])
        ]
        while stack:
            node, it, total = stack[-1]
            for dep in it:
                if dep in memo:
                    total[0] += memo[dep]
                elif dep not in on_path:
                    sub = adjacent.get(dep, [])
                    on_path.add(dep)
                    stack.append((dep, iter(sub), [len(sub)]))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                memo[node] = total[0]
                if stack:
                    stack[-1][2][0] += total[0]
        return memo[obj]

    def _components(self) -> list[list[_T]]:
        # Tarjan's strongly connected components, iterative, on dicts.  A
        # component is emitted only after every component it depends on, so
        # the list is already in "dependencies first" order.  Each component
        # lists its nodes in discovery order (its first node is the one the
        # search entered it by).
        adjacent = self.adjacent
        index: dict[_T, int] = {}
        low: dict[_T, int] = {}
        on_stack: set[_T] = set()
        stack: list[_T] = []
        components: list[list[_T]] = []
        counter = 0
        for start in list(adjacent):
            if start in index:
                continue
            index[start] = low[start] = counter
            counter += 1
            stack.append(start)
            on_stack.add(start)
            work: list[tuple[_T, Iterator[_T]]] = [
                (start, iter(adjacent.get(start, ())))
            ]
            while work:
                node, it = work[-1]
                for dep in it:
                    if dep not in index:
                        index[dep] = low[dep] = counter
                        counter += 1
                        stack.append(dep)
                        on_stack.add(dep)
                        work.append((dep, iter(adjacent.get(dep, ()))))
                        break
                    if dep in on_stack and index[dep] < low[node]:
                        low[node] = index[dep]
                else:
                    work.pop()
                    if work:
                        parent = work[-1][0]
                        if low[node] < low[parent]:
                            low[parent] = low[node]
                    if low[node] == index[node]:
                        root_index = index[node]
                        component: list[_T] = []
                        while True:
                            member = stack.pop()
                            on_stack.discard(member)
                            component.append(member)
                            if index[member] == root_index:
                                break
                        component.reverse()
                        components.append(component)
        return components

    def _find_cycle(self, component: list[_T]) -> list[_T]:
        # Walk inside the component from its first node until a node repeats;
        # the repeated stretch is a real cycle (each node depends on the next).
        members = set(component)
        path: list[_T] = []
        position: dict[_T, int] = {}
        node = component[0]
        while node not in position:
            position[node] = len(path)
            path.append(node)
            node = next(d for d in self.adjacent.get(node, ()) if d in members)
        return path[position[node] :]

    def topsort(self, *, raise_on_cycle: bool = False) -> list[_T]:
        """Return the nodes ordered so that dependencies come first.

        For ``a -> b -> c`` the result is ``[c, b, a]``.  Dependencies that
        are not nodes themselves are included.  Unrelated nodes keep the
        order in which they were added.

        Nodes that depend on each other (a cycle, found as a strongly
        connected component) are represented by **one** of them: the first
        one reached, as upstream did.  Pass ``raise_on_cycle=True`` to get a
        :class:`CycleError` instead, naming the nodes of the cycle in its
        message and holding them in ``CycleError.cycle``.
        """
        result: list[_T] = []
        for component in self._components():
            if raise_on_cycle and (
                len(component) > 1
                or component[0] in self.adjacent.get(component[0], ())
            ):
                cycle = self._find_cycle(component)
                names = " -> ".join(label(n) for n in [*cycle, cycle[0]])
                raise CycleError(f"Dependency cycle: {names}", cycle=cycle)
            result.append(component[0])
        return result

    def to_dot(
        self, fh: IO[str], *, formatter: GraphFormatterT[_T] | None = None
    ) -> None:
        """Write the graph to ``fh`` in Graphviz dot format.

        Writes the head, then for each node: a terminal node statement if it
        has no dependencies, otherwise a node statement followed by one edge
        per dependency; then the tail.  Each node statement is written once
        (per label).  ``formatter`` overrides :attr:`formatter`.

        Raises:
            TypeError: ``fh`` has no ``write()`` method.
        """
        if not callable(getattr(fh, "write", None)):
            raise TypeError(
                "DependencyGraph.to_dot() expects a writable text file "
                f"(with a write() method), not {type(fh).__name__}"
            )
        draw = formatter or self.formatter
        seen: set[str] = set()
        lines = [draw.head()]
        for obj, deps in self.adjacent.items():
            name = draw.label(obj)
            if name not in seen:
                seen.add(name)
                lines.append(draw.node(obj) if deps else draw.terminal_node(obj))
            lines.extend(draw.edge(obj, dep) for dep in deps)
        lines.append(draw.tail())
        fh.write("\n".join(lines) + "\n")

    def __iter__(self) -> Iterator[_T]:
        return iter(self.adjacent)

    def __getitem__(self, node: _T) -> list[_T]:
        return self.adjacent[node]

    def __len__(self) -> int:
        return len(self.adjacent)

    def __contains__(self, obj: object) -> bool:
        return obj in self.adjacent

    def items(self) -> ItemsView[_T, list[_T]]:
        """Return the ``(node, dependencies)`` view of :attr:`adjacent`."""
        return self.adjacent.items()

    def __repr__(self) -> str:
        """An indented tree of ``obj(valency)`` for every node.

        A node already on the current branch (a cycle) is shown but not
        expanded again.
        """
        valencies: dict[_T, int] = {}

        def fmt(obj: _T, level: int) -> str:
            if obj not in valencies:
                valencies[obj] = self.valency_of(obj)
            return f"{'    ' * level}{obj}({valencies[obj]})"

        lines: list[str] = []
        for top in self.adjacent:
            lines.append(fmt(top, 0))
            # dict as an ordered set: O(1) membership, LIFO popitem().
            on_path: dict[_T, None] = {top: None}
            work: list[Iterator[_T]] = [iter(self.adjacent[top])]
            while work:
                for dep in work[-1]:
                    lines.append(fmt(dep, len(work)))
                    if dep not in on_path:
                        on_path[dep] = None
                        work.append(iter(self.adjacent.get(dep, ())))
                        break
                else:
                    work.pop()
                    on_path.popitem()
        return "\n".join(lines)
