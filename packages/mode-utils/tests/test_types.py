"""Tests for the abstract types of mode.utils.types."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import pytest

import mode.utils.types as types_pkg
import mode.utils.types.graphs as types_graphs
import mode.utils.types.trees as types_trees
from mode.utils.graphs import DependencyGraph, GraphFormatter
from mode.utils.trees import Node
from mode.utils.types.graphs import DependencyGraphT, GraphFormatterT
from mode.utils.types.trees import NodeT


def test_all() -> None:
    assert types_pkg.__all__ == []
    assert set(types_graphs.__all__) == {"DependencyGraphT", "GraphFormatterT"}
    assert types_trees.__all__ == ["NodeT"]


@pytest.mark.parametrize("cls", [GraphFormatterT, DependencyGraphT, NodeT])
def test_abstract_classes_cannot_be_instantiated(cls: type[Any]) -> None:
    assert inspect.isabstract(cls)
    with pytest.raises(TypeError, match="abstract"):
        cls()


def test_generic_subscription() -> None:
    assert GraphFormatterT[int] is not None
    assert DependencyGraphT[str] is not None
    assert NodeT[str] is not None


def test_dependency_graph_t_is_a_mapping() -> None:
    assert issubclass(DependencyGraphT, Mapping)
    assert isinstance(DependencyGraph(), DependencyGraphT)


def test_concrete_classes_implement_everything() -> None:
    assert not inspect.isabstract(DependencyGraph)
    assert not inspect.isabstract(GraphFormatter)
    assert not inspect.isabstract(Node)
    assert isinstance(GraphFormatter(), GraphFormatterT)
    assert isinstance(Node("x"), NodeT)


def test_abstract_members() -> None:
    assert GraphFormatterT.__abstractmethods__ == {
        "attr",
        "attrs",
        "head",
        "tail",
        "label",
        "node",
        "terminal_node",
        "edge",
        "FMT",
        "draw_edge",
        "draw_node",
    }
    assert {
        "add_arc",
        "add_edge",
        "connect",
        "topsort",
        "valency_of",
        "update",
        "edges",
        "to_dot",
    } <= DependencyGraphT.__abstractmethods__
    assert NodeT.__abstractmethods__ == {
        "children",
        "_new_node",
        "new",
        "add",
        "add_deduplicate",
        "discard",
        "reattach",
        "detach",
        "traverse",
        "walk",
        "as_graph",
        "parent",
        "root",
        "depth",
        "path",
    }


def test_custom_node_type_usable_by_node() -> None:
    # Node talks to other nodes only through NodeT: a foreign NodeT works as
    # parent for reattach.
    class Other(Node[str]):
        pass

    parent = Other("p")
    child: Node[str] = Node("c")
    child.reattach(parent)
    assert parent.children == [child]
    assert child.path == "p/c"
