"""`mode graph` helpers in-process: the tree walk, cycles, target loading."""

from __future__ import annotations

import pytest

from mode import Service
from mode.worker._cli import UsageError, load_service, main, render_graph, service_tree


class Leaf(Service):
    pass


class Loop(Service):
    """Returns its own parent from on_init_dependencies: shown once."""

    def __init__(self) -> None:
        super().__init__()
        self.leaf = self.add_dependency(Leaf())

    def on_init_dependencies(self) -> list[Service]:
        return [self.leaf]


def test_a_service_reached_twice_is_expanded_once() -> None:
    root = Loop()
    entries = [(depth, svc.label) for depth, svc, _, _ in service_tree(root)]
    assert entries == [(0, "Loop"), (1, "Leaf")]
    assert render_graph(root, "text") == "Loop\n    Leaf"


def test_load_service_creates_a_service_from_a_class() -> None:
    assert type(load_service("mode.services:Service")) is Service


def test_load_service_refuses_non_services() -> None:
    with pytest.raises(UsageError, match="is not a service"):
        load_service("mode.worker:EX_OK")


def test_main_graph_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "mode.services:Service"]) == 0
    assert capsys.readouterr().out == "Service\n"


def test_main_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "mode.services:Servic"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mode graph: error: 'mode.services' has no attribute")
    assert err.count("\n") == 1


def test_supervised_services_are_shown_and_marked() -> None:
    from mode import OneForOneSupervisor

    root = Service()
    root.add_dependency(OneForOneSupervisor(Leaf()))
    text = render_graph(root, "text").splitlines()
    assert text[0] == "Service"
    assert text[1] == "    OneForOneSupervisor: (Leaf)"
    assert text[2] == "        Leaf (supervised)"
    assert "n1 -> n2 [style=dashed];" in render_graph(root, "dot")
    assert "n1 -.-> n2" in render_graph(root, "mermaid")
