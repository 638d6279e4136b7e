"""Tests for mode.utils.graphs (DependencyGraph, GraphFormatter, CycleError)."""

from __future__ import annotations

import graphlib
import io
import itertools
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mode.utils.graphs as graphs_pkg
from mode.utils.graphs import CycleError, DependencyGraph, GraphFormatter
from mode.utils.graphs.formatter import DOT, dedent, dedent_initial
from mode.utils.graphs.graph import CycleError as CycleError2
from mode.utils.types.graphs import DependencyGraphT, GraphFormatterT

SCHEME = 'shape="box", arrowhead="vee", style="filled", fontname="HelveticaNeue"'


def chain(*nodes: str) -> DependencyGraph[str]:
    """a -> b -> c ... (each depends on the next)."""
    g: DependencyGraph[str] = DependencyGraph()
    for node in nodes:
        g.add_arc(node)
    for a, b in itertools.pairwise(nodes):
        g.add_edge(a, b)
    return g


class Obj:
    """An unorderable, non-int hashable node."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Obj({self.name})"


# ------------------------------------------------------------------ package


def test_reexports() -> None:
    assert set(graphs_pkg.__all__) == {
        "CycleError",
        "DependencyGraph",
        "GraphFormatter",
    }
    assert CycleError is CycleError2
    assert issubclass(DependencyGraph, DependencyGraphT)
    assert issubclass(GraphFormatter, GraphFormatterT)


# ------------------------------------------------------------------ building


def test_constructor_update_adds_nodes_then_edges() -> None:
    g = DependencyGraph([("a", ["b", "c"]), ("b", []), ("c", ["b"])])
    assert list(g) == ["a", "b", "c"]
    assert g["a"] == ["b", "c"]
    assert g["c"] == ["b"]
    assert len(g) == 3
    assert "a" in g
    assert "zzz" not in g
    assert dict(g.items()) == {"a": ["b", "c"], "b": [], "c": ["b"]}


def test_update_accepts_one_shot_iterator() -> None:
    g: DependencyGraph[str] = DependencyGraph()
    g.update(iter([("a", iter(["b"])), ("b", iter([]))]))
    assert g.adjacent == {"a": ["b"], "b": []}


def test_update_bad_input_is_type_error() -> None:
    g: DependencyGraph[str] = DependencyGraph()
    with pytest.raises(TypeError, match=r"\(obj, dependencies\) pairs"):
        g.update([("a", "b", "c")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="pairs"):
        g.update([("a", 3)])  # type: ignore[list-item]


def test_add_arc_keeps_existing_edges() -> None:
    g = DependencyGraph([("a", ["b"])])
    g.add_arc("a")
    assert g["a"] == ["b"]


def test_add_edge_unknown_node_is_added() -> None:
    # Decision: upstream raised KeyError; now the node is created.
    g: DependencyGraph[str] = DependencyGraph()
    g.add_edge("x", "y")
    assert g.adjacent == {"x": ["y"]}
    assert "y" not in g  # the dependency is not made a node


def test_add_edge_twice_keeps_duplicate() -> None:
    g: DependencyGraph[str] = DependencyGraph()
    g.add_edge("a", "b")
    g.add_edge("a", "b")
    assert g["a"] == ["b", "b"]


def test_connect_merges_instead_of_overwriting() -> None:
    g1 = DependencyGraph([("a", ["b"]), ("b", [])])
    g2 = DependencyGraph([("a", ["c", "b"]), ("c", []), ("d", ["a"])])
    g1.connect(g2)
    # upstream: adjacent.update() -> a's edge to b was lost
    assert g1.adjacent == {"a": ["b", "c"], "b": [], "c": [], "d": ["a"]}
    # the other graph is untouched and its lists are not shared
    assert g2["a"] == ["c", "b"]
    g1["d"].append("zz")
    assert g2["d"] == ["a"]


def test_edges_yields_nodes_with_dependencies() -> None:
    g = DependencyGraph([("a", ["b"]), ("b", []), ("c", ["a"])])
    assert list(g.edges()) == ["a", "c"]


def test_getitem_missing_is_key_error() -> None:
    g: DependencyGraph[str] = DependencyGraph()
    with pytest.raises(KeyError):
        g["nope"]


# ------------------------------------------------------------------ valency


def test_valency_of_chain_and_diamond() -> None:
    g = chain("a", "b", "c")
    assert g.valency_of("c") == 0
    assert g.valency_of("b") == 1
    assert g.valency_of("a") == 2
    # diamond: a -> b, a -> c, b -> d, c -> d: d reached along two paths
    d = DependencyGraph([("a", ["b", "c"]), ("b", ["d"]), ("c", ["d"]), ("d", [])])
    assert d.valency_of("a") == 4


def test_valency_of_unknown_and_non_node_dependency() -> None:
    g = DependencyGraph([("a", ["leaf"])])
    assert g.valency_of("leaf") == 0
    assert g.valency_of("missing") == 0
    assert g.valency_of("a") == 1


def test_valency_of_cycle_is_finite() -> None:
    # upstream: RecursionError
    g = DependencyGraph([("a", ["b"]), ("b", ["c"]), ("c", ["a"])])
    assert g.valency_of("a") == 3
    loop = DependencyGraph([("x", ["x"])])
    assert loop.valency_of("x") == 1


def test_valency_of_long_chain_no_recursion_limit() -> None:
    n = sys.getrecursionlimit() * 5
    g: DependencyGraph[int] = DependencyGraph()
    for i in range(n - 1):
        g.add_edge(i, i + 1)
    assert g.valency_of(0) == n - 1


# ------------------------------------------------------------------ topsort


def test_topsort_dependencies_first() -> None:
    assert chain("a", "b", "c").topsort() == ["c", "b", "a"]


def test_topsort_strings_work() -> None:
    # upstream: TypeError: list indices must be integers or slices, not str
    g = DependencyGraph(
        [
            ("app", ["db", "cache"]),
            ("cache", ["net"]),
            ("db", ["net"]),
            ("net", []),
        ]
    )
    order = g.topsort()
    assert sorted(order) == ["app", "cache", "db", "net"]
    assert order[0] == "net"
    assert order[-1] == "app"


def test_topsort_arbitrary_objects() -> None:
    a, b, c = Obj("a"), Obj("b"), Obj("c")
    g = DependencyGraph([(a, [b]), (b, [c]), (c, [])])
    assert g.topsort() == [c, b, a]


def test_topsort_unrelated_nodes_keep_insertion_order() -> None:
    g = DependencyGraph([("x", []), ("y", []), ("z", [])])
    assert g.topsort() == ["x", "y", "z"]
    assert DependencyGraph().topsort() == []


def test_topsort_includes_dependencies_that_are_not_nodes() -> None:
    g = DependencyGraph([("a", ["leaf"])])
    assert g.topsort() == ["leaf", "a"]


def test_topsort_10000_chain_is_iterative() -> None:
    n = 10_000
    g: DependencyGraph[str] = DependencyGraph()
    for i in range(n - 1):
        g.add_edge(f"n{i}", f"n{i + 1}")
    order = g.topsort()
    assert len(order) == n
    assert order[0] == f"n{n - 1}"
    assert order[-1] == "n0"
    assert order == [f"n{i}" for i in reversed(range(n))]


def test_topsort_cycle_default_keeps_one_node_per_component() -> None:
    # a -> b -> c -> a is one component; d depends on a; a also needs e.
    g = DependencyGraph(
        [("d", ["a"]), ("a", ["b", "e"]), ("b", ["c"]), ("c", ["a"]), ("e", [])]
    )
    order = g.topsort()
    # one representative of {a, b, c}: the first reached (a, from d)
    assert order == ["e", "a", "d"]


def test_topsort_raise_on_cycle_names_the_cycle() -> None:
    g = DependencyGraph(
        [("d", ["a"]), ("a", ["e", "b"]), ("b", ["c"]), ("c", ["a"]), ("e", [])]
    )
    with pytest.raises(
        CycleError, match=r"^Dependency cycle: a -> b -> c -> a$"
    ) as info:
        g.topsort(raise_on_cycle=True)
    assert info.value.cycle == ("a", "b", "c")


def test_topsort_raise_on_cycle_self_loop() -> None:
    g = DependencyGraph([("a", ["a"])])
    assert g.topsort() == ["a"]
    with pytest.raises(CycleError, match="a -> a") as info:
        g.topsort(raise_on_cycle=True)
    assert info.value.cycle == ("a",)


def test_topsort_raise_on_cycle_uses_labels() -> None:
    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

    x, y = Named("x"), Named("y")
    g = DependencyGraph([(x, [y]), (y, [x])])
    with pytest.raises(CycleError, match="x -> y -> x"):
        g.topsort(raise_on_cycle=True)


def test_topsort_raise_on_cycle_acyclic_is_normal() -> None:
    assert chain("a", "b").topsort(raise_on_cycle=True) == ["b", "a"]


def test_cycle_error_defaults() -> None:
    exc = CycleError()
    assert exc.cycle == ()
    assert str(CycleError("boom")) == "boom"


edges_strategy = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(edges_strategy)
def test_topsort_matches_graphlib_model(edges: list[tuple[int, int]]) -> None:
    g: DependencyGraph[str] = DependencyGraph()
    model: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for a, b in edges:
        g.add_edge(f"n{a}", f"n{b}")
        model.add(f"n{a}", f"n{b}")
    try:
        expected = list(model.static_order())
    except graphlib.CycleError:
        with pytest.raises(CycleError) as info:
            g.topsort(raise_on_cycle=True)
        cycle = info.value.cycle
        # each node of the reported cycle depends on the next one
        for i, node in enumerate(cycle):
            assert cycle[(i + 1) % len(cycle)] in g[node]
        order = g.topsort()
        # one representative per strongly connected component
        reach = reachability(edges)
        nodes = {n for edge in edges for n in edge}
        sccs = {
            frozenset(m for m in nodes if n in reach[m] and m in reach[n]) | {n}
            for n in nodes
        }
        assert len(order) == len(sccs)
        reps = [int(name[1:]) for name in order]
        assert all(sum(1 for r in reps if r in scc) == 1 for scc in sccs)
        # dependencies first: no representative reaches a later one
        for i, r in enumerate(reps):
            for later in reps[i + 1 :]:
                assert later not in reach[r]
    else:
        order = g.topsort()
        assert sorted(order) == sorted(expected)
        position = {node: i for i, node in enumerate(order)}
        for a, b in edges:
            assert position[f"n{b}"] < position[f"n{a}"] or a == b


def reachability(edges: list[tuple[int, int]]) -> dict[int, set[int]]:
    """Brute-force model: node -> nodes reachable through >= 1 edge."""
    nodes = {n for edge in edges for n in edge}
    reach = {n: {b for a, b in edges if a == n} for n in nodes}
    changed = True
    while changed:
        changed = False
        for n in nodes:
            extra = set().union(*(reach[m] for m in reach[n])) - reach[n]
            if extra:
                reach[n] |= extra
                changed = True
    return reach


# ------------------------------------------------------------------ dot output


def test_to_dot_exact_text() -> None:
    g = DependencyGraph([("a", ["b"]), ("b", [])])
    fh = io.StringIO()
    g.to_dot(fh)
    assert fh.getvalue() == (
        "digraph dependencies {\n"
        f'    graph [{SCHEME}, bgcolor="mintcream"]\n'
        f'    "a" [{SCHEME}, fillcolor="palegreen3", color="palegreen4"]\n'
        f'    "a" -> "b" [{SCHEME}, color="darkseagreen4", arrowcolor="black", '
        'arrowsize="0.7"]\n'
        f'    "b" [{SCHEME}, fillcolor="palegreen1", color="palegreen2"]\n'
        "}\n"
    )


def test_to_dot_each_node_once_and_custom_formatter() -> None:
    # two objects with the same label: the node statement is written once
    class L:
        label = "same"

    x, y = L(), L()
    g: DependencyGraph[Any] = DependencyGraph([(x, ["t"]), (y, ["t"])])
    fh = io.StringIO()
    g.to_dot(fh, formatter=GraphFormatter(type="graph", id="G", shape="ellipse"))
    lines = fh.getvalue().splitlines()
    assert lines[0] == "graph G {"
    assert sum(1 for line in lines if line.startswith('    "same" [')) == 1
    assert sum(1 for line in lines if line.startswith('    "same" -- "t"')) == 2
    assert 'shape="ellipse"' in lines[1]


def test_formatter_defaults() -> None:
    f: GraphFormatter[Any] = GraphFormatter()
    assert f.id == "dependencies"
    assert f.type == "digraph"
    assert f.direction == "->"
    assert f.IN == ""
    assert f.INp == "    "
    assert f.root is None
    assert f.scheme == {
        "shape": "box",
        "arrowhead": "vee",
        "style": "filled",
        "fontname": "HelveticaNeue",
    }
    # decision: no root="NoneType" attribute when there is no root
    assert f.graph_scheme == {"bgcolor": "mintcream"}
    assert GraphFormatter.edge_scheme == {
        "color": "darkseagreen4",
        "arrowcolor": "black",
        "arrowsize": 0.7,
    }
    assert GraphFormatter.node_scheme == {
        "fillcolor": "palegreen3",
        "color": "palegreen4",
    }
    assert GraphFormatter.term_scheme == {
        "fillcolor": "palegreen1",
        "color": "palegreen2",
    }


def test_formatter_options() -> None:
    f: GraphFormatter[Any] = GraphFormatter(
        root="top", type="graph", id="g1", indent=1, inw="  ", color="red"
    )
    assert f.direction == "--"
    assert f.IN == "  "
    assert f.INp == "    "
    assert f.scheme["color"] == "red"
    assert f.graph_scheme == {"bgcolor": "mintcream", "root": "top"}
    # the class default scheme is not mutated
    assert "color" not in GraphFormatter.scheme
    assert f.head() == (
        "  graph g1 {\n"
        f'    graph [{SCHEME}, color="red", bgcolor="mintcream", root="top"]'
    )
    assert f.tail() == "  }"


def test_formatter_bad_type() -> None:
    with pytest.raises(ValueError, match="'digraph' or 'graph'"):
        GraphFormatter(type="tree")


def test_formatter_attr_and_attrs_precedence() -> None:
    f: GraphFormatter[Any] = GraphFormatter()
    assert f.attr("color", "red") == 'color="red"'
    assert f.attr("label", 'say "hi" \\o/') == 'label="say \\"hi\\" \\\\o/"'
    assert f.attrs() == SCHEME
    assert f.attrs({"shape": "x"}, {"shape": "y", "k": 1}) == (
        'shape="x", arrowhead="vee", style="filled", fontname="HelveticaNeue", k="1"'
    )
    assert f.attrs(None, {"shape": "y"}).startswith('shape="y"')


def test_formatter_head_with_attrs() -> None:
    f: GraphFormatter[Any] = GraphFormatter()
    assert f.head(bgcolor="white").endswith('bgcolor="white"]')


def test_formatter_nodes_and_edges() -> None:
    f: GraphFormatter[Any] = GraphFormatter()
    assert f.label(3) == "3"
    assert (
        f.node("a") == f'    "a" [{SCHEME}, fillcolor="palegreen3", color="palegreen4"]'
    )
    assert f.terminal_node("a", color="blue") == (
        f'    "a" [{SCHEME}, fillcolor="palegreen1", color="blue"]'
    )
    assert f.draw_node("a") == f'    "a" [{SCHEME}]'
    assert f.draw_node("a", {"k": "s"}, {"k": "a"}) == f'    "a" [{SCHEME}, k="a"]'


def test_formatter_edge_attrs_fixed() -> None:
    # upstream: edge(a, b, color=...) -> TypeError from draw_edge(**attrs)
    f: GraphFormatter[Any] = GraphFormatter()
    assert f.edge("a", "b", color="red", penwidth=2) == (
        f'    "a" -> "b" [{SCHEME}, color="red", arrowcolor="black", '
        'arrowsize="0.7", penwidth="2"]'
    )
    assert f.draw_edge("a", "b", {"arrowsize": 1}, {"color": "x"}) == (
        f'    "a" -> "b" [{SCHEME}, color="x", arrowcolor="black", arrowsize="1"]'
    )


def test_formatter_escapes_labels() -> None:
    f: GraphFormatter[Any] = GraphFormatter()
    assert f.draw_node('a"b').startswith('    "a\\"b" [')


def test_fmt_fills_indent_and_drops_unencodable() -> None:
    f: GraphFormatter[Any] = GraphFormatter(indent=1)
    assert f.FMT("{IN}|{INp}|{0}|{x}", "p", x="k") == "    |        |p|k"
    assert f.FMT("a\udc80b") == "ab"


def test_dot_templates() -> None:
    assert DOT.DIRS == {"graph": "--", "digraph": "->"}
    assert DOT.ATTRSEP == ", "
    assert DOT.ATTR.format(name="n", value="v") == "n=v"
    assert DOT.TAIL.format(IN="") == "}"
    assert DOT.HEAD.format(IN="", INp="  ", type="digraph", id="x", attrs="") == (
        "digraph x {\n  graph []"
    )
    assert DOT.NODE.format('"a"', INp="", attrs="") == '"a" []'
    assert DOT.EDGE.format('"a"', '"b"', INp="", dir="->", attrs="") == '"a" -> "b" []'


def test_dedent_helpers() -> None:
    assert dedent_initial("    abc") == "abc"
    assert dedent_initial("  abc") == "  abc"
    assert dedent_initial("  abc", n=2) == "abc"
    assert dedent("    a\n      b\nc") == "a\n  b\nc"
    assert dedent("  a\n  b", n=2, sep="|") == "a|b"


# ------------------------------------------------------------------ repr


def test_repr_is_indented_tree() -> None:
    g = chain("a", "b", "c")
    assert repr(g) == "a(2)\n    b(1)\n        c(0)\nb(1)\n    c(0)\nc(0)"


def test_repr_cycle_terminates() -> None:
    g = DependencyGraph([("a", ["b"]), ("b", ["a"])])
    assert repr(g) == "a(2)\n    b(2)\n        a(2)\nb(2)\n    a(2)\n        b(2)"


def test_repr_dependency_not_a_node() -> None:
    assert repr(DependencyGraph([("a", ["z"])])) == "a(1)\n    z(0)"
