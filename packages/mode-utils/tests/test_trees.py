"""Tests for mode.utils.trees.Node."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mode.utils.graphs import DependencyGraph
from mode.utils.trees import Node
from mode.utils.types.trees import NodeT


class Named:
    def __init__(self, shortlabel: str) -> None:
        self.shortlabel = shortlabel


def test_is_nodet() -> None:
    assert isinstance(Node("a"), NodeT)


def test_constructor() -> None:
    root: Node[str] = Node("root")
    parent: Node[str] = Node("parent")
    n = Node("x", root=root, parent=parent, children=["c1", "c2"])
    assert n.data == "x"
    assert n.root is root
    assert n.parent is parent
    assert n.children == ["c1", "c2"]
    bare = Node("y")
    assert bare.root is None
    assert bare.parent is None
    assert bare.children == []
    assert len(bare.children) == 0


def test_new_sets_parent_root_and_appends() -> None:
    top = Node("top")
    a = top.new("a")
    b = a.new("b")
    assert isinstance(a, Node)
    assert top.children == [a]
    assert a.parent is top
    assert a.root is top
    assert b.parent is a
    assert b.root is top  # root is propagated, not the parent


def test_new_uses_subclass_via_new_node() -> None:
    class MyNode(Node[str]):
        pass

    top = MyNode("t")
    assert type(top.new("x")) is MyNode
    assert type(MyNode._new_node("y", parent=top)) is MyNode


def test_add_keeps_duplicates_and_raw_data() -> None:
    n = Node("n")
    child = Node("c")
    n.add(child)
    n.add(child)
    n.add("raw")
    assert n.children == [child, child, "raw"]
    assert child.parent is None  # add does not reparent


def test_add_deduplicate_and_discard() -> None:
    n = Node("n")
    c = Node("c")
    n.add_deduplicate(c)
    n.add_deduplicate(c)
    n.add_deduplicate("x")
    n.add_deduplicate("x")
    assert n.children == [c, "x"]
    n.discard(c)
    n.discard(c)  # missing: ignored
    n.discard("nope")
    assert n.children == ["x"]


def test_discard_removes_first_occurrence() -> None:
    n = Node("n", children=["a", "b", "a"])
    n.discard("a")
    assert n.children == ["b", "a"]
    n.discard("a")
    assert n.children == ["b"]


def test_unhashable_children_use_equality() -> None:
    n = Node("n")
    n.add_deduplicate({"k": 1})
    n.add_deduplicate({"k": 1})  # equal: deduplicated like list `in`
    n.add_deduplicate([1, 2])
    n.add_deduplicate((1, [2]))  # hashable type, unhashable value
    assert n.children == [{"k": 1}, [1, 2], (1, [2])]
    assert {"k": 1} in n.children
    assert {"k": 2} not in n.children
    n.discard({"k": 1})
    n.discard({"k": 999})
    n.discard((1, [2]))
    assert n.children == [[1, 2]]


def test_equal_hashables_behave_like_list() -> None:
    n = Node("n", children=[1])
    n.add_deduplicate(1.0)  # 1 == 1.0, as with list `in`
    assert n.children == [1]
    n.discard(True)  # True == 1
    assert n.children == []


def test_reattach_moves_node_and_removes_from_old_parent() -> None:
    old = Node("old")
    new_root = Node("r")
    new_parent = new_root.new("p")
    child = old.new("child")
    assert child.reattach(new_parent) is child
    assert child.parent is new_parent
    assert child.root is new_root
    assert new_parent.children == [child]
    # upstream left the child in old.children
    assert old.children == []
    assert child not in old.children


def test_reattach_to_top_node_and_same_parent() -> None:
    top = Node("top")
    child = Node("c")
    child.reattach(top)
    assert child.root is top
    child.reattach(top)  # idempotent
    assert top.children == [child]


def test_reattach_to_self_is_value_error() -> None:
    n = Node("n")
    with pytest.raises(ValueError, match="itself"):
        n.reattach(n)


def test_detach() -> None:
    top = Node("top")
    child = top.new("c")
    other = Node("other")
    # the argument is ignored: removal is from child.parent (spec)
    assert child.detach(other) is child
    assert top.children == []
    assert child.parent is None
    assert child.root is None
    # detaching a top node is a no-op
    assert Node("lonely").detach().parent is None


def test_parent_and_root_cannot_be_self() -> None:
    n = Node("n")
    with pytest.raises(ValueError, match="Parent"):
        n.parent = n
    with pytest.raises(ValueError, match="Root"):
        n.root = n
    other = Node("o")
    n.parent = other
    n.root = other
    assert n.parent is other
    assert n.root is other
    n.parent = None
    assert n.parent is None


def test_traverse_bfs_yields_nodes_and_raw_children() -> None:
    top = Node("top")
    a = top.new("a")
    b = top.new("b")
    a.add("raw-a")
    aa = a.new("aa")
    b.add("raw-b")
    assert list(top.traverse()) == [top, a, "raw-a", b, "raw-b", aa]


def test_traverse_and_as_graph_survive_cycles() -> None:
    a = Node("a")
    b = a.new("b")
    b.add(a)  # a cycle through add()
    assert list(a.traverse()) == [a, b]
    g = a.as_graph()
    assert g.adjacent == {"a": ["b"], "b": ["a"]}


def test_traverse_allows_detach_during_iteration() -> None:
    top = Node("top")
    kids = [top.new(str(i)) for i in range(5)]
    for node in top.children:
        node.detach(top)
    assert top.children == []
    assert all(k.parent is None for k in kids)


def test_walk_depth_path_repr() -> None:
    top = Node(Named("app"))
    mid = top.new(Named("consumer"))
    leaf = mid.new(Named("fetcher"))
    assert list(leaf.walk()) == [leaf, mid, top]
    assert top.depth == 1
    assert leaf.depth == 3
    assert leaf.path == "app/consumer/fetcher"
    assert top.path == "app"
    assert repr(leaf) == "Node: app/consumer/fetcher"


def test_as_graph_edges_parent_to_child() -> None:
    top = Node("top")
    a = top.new("a")
    a.add("raw")
    top.new("b")
    g = top.as_graph()
    assert isinstance(g, DependencyGraph)
    assert g.adjacent == {"top": ["a", "b"], "a": ["raw"], "b": []}
    assert g.topsort() == ["raw", "a", "b", "top"]
    assert Node("alone").as_graph().adjacent == {"alone": []}


def test_children_setter_and_list_api() -> None:
    n = Node("n", children=["x"])
    old = n.children
    n.children = ["a", "b", "c"]
    assert old == ["x"]  # the setter replaces the container
    assert n.children == ["a", "b", "c"]
    ch = Node("n2", children=["a", "b", "c"]).children
    assert ch[0] == "a"
    assert ch[-1] == "c"
    assert ch[0:2] == ["a", "b"]
    assert list(reversed(ch)) == ["c", "b", "a"]
    assert ch.index("b") == 1
    assert ch.count("a") == 1
    ch[1] = "B"
    assert ch == ["a", "B", "c"]
    as_tuple: Any = ("a", "B", "c")
    assert ch == as_tuple
    assert ch != ["a"]
    a_string: Any = "aBc"
    assert ch != a_string
    ch[0:2] = ["x"]
    assert ch == ["x", "c"]
    ch.insert(0, "first")
    assert ch == ["first", "x", "c"]
    del ch[1]
    assert ch == ["first", "c"]
    assert "x" not in ch
    del ch[0:1]
    assert ch == ["c"]
    ch.extend(["d", "e"])
    ch += ["f"]
    assert ch.pop() == "f"
    assert ch.pop(0) == "c"
    assert ch == ["d", "e"]
    ch.reverse()
    assert ch == ["e", "d"]
    ch.remove("e")
    with pytest.raises(ValueError, match="is not a child"):
        ch.remove("e")
    assert ch.copy() == ["d"]
    assert repr(ch) == "['d']"
    ch.clear()
    assert ch == []
    with pytest.raises(IndexError):
        ch.pop()
    with pytest.raises(IndexError):
        ch[0]
    with pytest.raises(TypeError):
        hash(ch)


def test_children_equal_to_other_children() -> None:
    a = Node("a", children=[1, 2])
    b = Node("b", children=[1, 2])
    assert a.children == b.children


def test_pop_and_del_duplicates_by_index() -> None:
    n = Node("n", children=["a", "b", "a"])
    assert n.children.pop() == "a"  # the last "a", not the first
    assert n.children == ["a", "b"]
    n.add("a")
    del n.children[2]
    assert n.children == ["a", "b"]
    assert "a" in n.children
    n.discard("a")
    assert "a" not in n.children


def test_children_copy_and_pickle_are_independent() -> None:
    n = Node("n", children=["a", {"u": 1}])
    shallow = copy.copy(n.children)
    shallow.append("z")
    assert n.children == ["a", {"u": 1}]
    restored = pickle.loads(pickle.dumps(n.children))
    assert restored == ["a", {"u": 1}]
    restored.discard("a")
    restored.discard({"u": 1})
    assert restored == []
    assert copy.deepcopy(n.children) == ["a", {"u": 1}]


def test_ten_thousand_children_fast_membership() -> None:
    parent: Node[Any] = Node("parent")
    kids: list[Node[Any]] = [Node(i) for i in range(10_000)]
    for kid in kids:
        kid.reattach(parent)
    for kid in kids:
        parent.add_deduplicate(kid)  # already there: no duplicates
    assert len(parent.children) == 10_000
    other: Node[Any] = Node("other")
    for kid in kids[::2]:
        kid.reattach(other)
    assert len(parent.children) == 5_000
    assert len(other.children) == 5_000
    for kid in kids[1::2]:
        parent.discard(kid)
    assert len(parent.children) == 0
    assert other.children[0] is kids[0]
    assert other.children[-1] is kids[-2]
    # the index only holds current members
    children: Any = parent.children
    assert children._where == {}
    assert children._items == {}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["add", "dedup", "discard", "pop", "del0"]),
            st.integers(0, 5),
        ),
        max_size=60,
    )
)
def test_children_match_list_model(ops: list[tuple[str, int]]) -> None:
    node = Node("m")
    model: list[Any] = []
    values: list[Any] = [0, 1, 2, "a", (3,), [4]]
    for op, i in ops:
        v = values[i]
        if op == "add":
            node.add(v)
            model.append(v)
        elif op == "dedup":
            node.add_deduplicate(v)
            if v not in model:
                model.append(v)
        elif op == "discard":
            node.discard(v)
            if v in model:
                model.remove(v)
        elif op == "pop" and model:
            assert node.children.pop() == model.pop()
        elif op == "del0" and model:
            del node.children[0]
            del model[0]
        assert node.children == model
        for value in values:
            assert (value in node.children) == (value in model)


def test_three_equal_children_removed_one_by_one() -> None:
    node = Node("root")
    for value in ("x", "y", "x", "x"):
        node.add(value)
    node.discard("x")
    assert list(node.children) == ["y", "x", "x"]
    assert "x" in node.children
    del node.children[2]
    assert list(node.children) == ["y", "x"]
    node.discard("x")
    assert "x" not in node.children
    node.discard("x")  # absent: ignored
    assert list(node.children) == ["y"]


def test_childless_nodes_work_without_children_made() -> None:
    leaf = Node("leaf")
    leaf.discard("nothing")  # no children yet: ignored
    assert leaf.as_graph().adjacent == {"leaf": []}
    assert list(leaf.traverse()) == [leaf]
    assert len(leaf.children) == 0
    leaf.add_deduplicate("a")
    leaf.add_deduplicate("a")
    assert list(leaf.children) == ["a"]
