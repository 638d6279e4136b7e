"""Property-based tests of ``DependencyGraph.topsort`` (mode.utils.graphs).

* On a random DAG every edge is respected (a dependency comes before the node
  that depends on it), every node and dependency appears exactly once, and
  ``raise_on_cycle=True`` changes nothing.
* A graph with a cycle is reported: ``CycleError.cycle`` is a real cycle of
  the graph, and without ``raise_on_cycle`` the nodes of one cycle are
  represented by one of them.

Runs are bounded and write no example database.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mode.utils.graphs import CycleError, DependencyGraph

BOUNDED = settings(max_examples=150, deadline=None, database=None)

Edges = list[tuple[int, int]]


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[int], Edges]:
    """Nodes in insertion order and acyclic edges (A depends on B).

    Acyclic by construction: a node only depends on nodes of a higher rank in
    a random permutation.
    """
    n = draw(st.integers(min_value=0, max_value=12))
    rank = draw(st.permutations(list(range(n))))
    edges: Edges = []
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.booleans()):
                edges.append((rank[i], rank[j]))
    order = draw(st.permutations(list(range(n))))
    return list(order), draw(st.permutations(edges))


def _graph(nodes: list[int], edges: Edges) -> DependencyGraph[int]:
    graph: DependencyGraph[int] = DependencyGraph()
    for node in nodes:
        graph.add_arc(node)
    for a, b in edges:
        graph.add_edge(a, b)
    return graph


def _reaches(edges: Edges, start: int, goal: int) -> bool:
    adjacent: dict[int, list[int]] = {}
    for a, b in edges:
        adjacent.setdefault(a, []).append(b)
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for dep in adjacent.get(node, ()):
            if dep == goal:
                return True
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return False


@BOUNDED
@given(dags())
def test_topsort_respects_every_edge(dag: tuple[list[int], Edges]) -> None:
    nodes, edges = dag
    graph = _graph(nodes, edges)
    order = graph.topsort()
    assert sorted(order) == sorted(set(nodes))  # each node exactly once
    position = {node: i for i, node in enumerate(order)}
    for a, b in edges:
        assert position[b] < position[a], f"{b} must come before {a}"
    assert graph.topsort(raise_on_cycle=True) == order


@BOUNDED
@given(dags())
def test_topsort_keeps_isolated_nodes_in_insertion_order(
    dag: tuple[list[int], Edges],
) -> None:
    nodes, edges = dag
    order = _graph(nodes, edges).topsort()
    touched = {n for edge in edges for n in edge}
    isolated = [n for n in nodes if n not in touched]
    assert [n for n in order if n in isolated] == isolated


@BOUNDED
@given(dags(), st.integers(min_value=100, max_value=105))
def test_dependencies_that_are_not_nodes_are_sorted_too(
    dag: tuple[list[int], Edges], outsider: int
) -> None:
    nodes, edges = dag
    if not nodes:
        nodes = [0]
    graph = _graph(nodes, edges)
    graph.add_edge(nodes[0], outsider)
    order = graph.topsort()
    assert order.count(outsider) == 1
    assert order.index(outsider) < order.index(nodes[0])


@st.composite
def cyclic_graphs(draw: st.DrawFn) -> tuple[list[int], Edges, list[int]]:
    """A DAG plus one planted cycle (possibly a self-loop) among its nodes."""
    nodes, edges = draw(dags())
    pool = nodes or [0]
    if not nodes:
        nodes = [0]
    cycle = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    ring = [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]
    return nodes, [*edges, *ring], cycle


@BOUNDED
@given(cyclic_graphs())
def test_cycles_are_reported(graph_spec: tuple[list[int], Edges, list[int]]) -> None:
    nodes, edges, _planted = graph_spec
    graph = _graph(nodes, edges)
    with pytest.raises(CycleError, match=r"^Dependency cycle: ") as excinfo:
        graph.topsort(raise_on_cycle=True)
    cycle = excinfo.value.cycle
    assert cycle, "CycleError.cycle names the nodes of the cycle"
    edge_set = set(edges)
    # Each node depends on the next one, the last one on the first.
    for i, node in enumerate(cycle):
        assert (node, cycle[(i + 1) % len(cycle)]) in edge_set
    assert len(set(cycle)) == len(cycle)
    # The message names them in the same order, closing the loop.
    names = " -> ".join(str(n) for n in [*cycle, cycle[0]])
    assert str(excinfo.value) == f"Dependency cycle: {names}"


@BOUNDED
@given(cyclic_graphs())
def test_topsort_without_raise_represents_a_cycle_by_one_node(
    graph_spec: tuple[list[int], Edges, list[int]],
) -> None:
    nodes, edges, planted = graph_spec
    order = _graph(nodes, edges).topsort()
    assert len(order) == len(set(order))
    # Each strongly connected component (nodes mutually reachable, or one
    # node alone) is represented by exactly one of its nodes.
    everything = set(nodes)
    for node in everything:
        component = {node} | {
            other
            for other in everything
            if _reaches(edges, node, other) and _reaches(edges, other, node)
        }
        assert len(component & set(order)) == 1, (node, component, order)
    assert set(order) <= everything
    # The planted cycle is inside one component: one node of it at most.
    assert len(set(order) & set(planted)) <= 1
