"""Bad input to the public API of mode.utils: the exact error of every row.

``ROWS`` is the table of ../BAD_INPUT.md: one entry point, one wrong value,
the error type and its exact message.  ``test_bad_input`` checks each row;
``test_the_doc_is_the_table`` checks that BAD_INPUT.md lists exactly these
rows, so the document cannot drift from the code, and that no
AttributeError, KeyError or AssertionError comes out of a public API for bad
input, except the lookups whose protocol *is* that error (``mapping[key]``,
``obj.attribute``), which are listed separately in the document.  The row
type and the checks are the workspace's (tests/support_bad_input.py).
"""

from __future__ import annotations

import asyncio
import io
import logging
import pickle
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from croniter import CroniterBadCronError
from support_bad_input import Row, bad, check_doc, check_raises, row_id

from mode.utils import aiter as aiter_mod
from mode.utils import cron, futures, imports, loops, objects, queues, text, times
from mode.utils import tracebacks as tb
from mode.utils.collections import (
    AttributeDict,
    DictAttribute,
    Heap,
    LRUCache,
    ManagedUserDict,
)
from mode.utils.graphs import CycleError, DependencyGraph, GraphFormatter
from mode.utils.locks import Event
from mode.utils.logging import (
    CompositeLogger,
    FileLogProxy,
    Logwrapped,
    create_logconfig,
    cry,
    flight_recorder,
    formatter,
    formatter2,
    get_logger,
    level_name,
    level_number,
    print_task_name,
    redirect_stdouts,
    setup_logging,
)
from mode.utils.trees import Node

BAD_INPUT_MD = Path(__file__).resolve().parent.parent / "BAD_INPUT.md"
LOGGER = logging.getLogger("mode.tests.bad_input")

_WANT = "'N', 'N/s', 'N/m', 'N/h' or 'N/d' (N a number)"
_LEVELS = (
    "a level name (CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET or one "
    "registered with logging.addLevelName) or a number"
)


# -- helpers building the wrong calls ---------------------------------------


async def _suspended() -> None:
    await asyncio.sleep(0)


def _with_coro(fun: Callable[[Coroutine[Any, Any, None]], Any]) -> Callable[[], Any]:
    def call() -> Any:
        coro = _suspended()
        try:
            return fun(coro)
        finally:
            coro.close()

    return call


def _run(coro_fun: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[], Any]:
    def call() -> Any:
        return asyncio.run(coro_fun())

    return call


class _Managed(ManagedUserDict[Any, Any]):
    def __init__(self) -> None:
        self.data = {}


class _Slotted:
    __slots__ = ()

    @futures.stampede
    async def refresh(self) -> int:
        return 1


class _NoKeywords(objects.KeywordReduce):
    pass


def _lru_incr() -> int:
    cache: LRUCache[str, Any] = LRUCache()
    cache["hits"] = "many"
    return cache.incr("hits")


def _cyclic_topsort() -> Any:
    return DependencyGraph([("a", ["b"]), ("b", ["a"])]).topsort(raise_on_cycle=True)


def _node_parent_self() -> None:
    node: Node[int] = Node(1)
    node.parent = node


def _reattach_self() -> None:
    node: Node[int] = Node(1)
    node.reattach(node)


def _bucket(**kwargs: Any) -> times.TokenBucket:
    return times.TokenBucket(10, **kwargs)


def _annotations_invalid() -> Any:
    class Point:
        x: int

    return objects.annotations(Point, invalid_types={int})


def _flight_recorder_activate() -> None:
    flight_recorder(LOGGER, timeout=1.0).activate()


def _redirect(**kwargs: Any) -> None:
    with redirect_stdouts(LOGGER, **kwargs):
        pass  # pragma: no cover - never entered


def _event_loop_attr() -> Any:
    return Event(loop="loop")  # type: ignore[arg-type]


# -- the table --------------------------------------------------------------
# Each line: module, code as written, call, error type, exact message.


ROWS: list[Row] = [
    # mode.utils.times
    Row(
        "times",
        'want_seconds("abc")',
        lambda: times.want_seconds("abc"),
        ValueError,
        f"invalid rate or duration 'abc': expected {_WANT} or a timedelta",
    ),
    Row(
        "times",
        'want_seconds("10/w")',
        lambda: times.want_seconds("10/w"),
        ValueError,
        f"unknown rate unit 'w' in '10/w': expected {_WANT} or a timedelta",
    ),
    Row(
        "times",
        "want_seconds(True)",
        lambda: times.want_seconds(True),
        TypeError,
        "want_seconds() expects seconds as a number, a timedelta or a string "
        "like '1.5' or '10/m', not bool",
    ),
    Row(
        "times",
        "want_seconds([1])",
        lambda: times.want_seconds([1]),  # type: ignore[call-overload]
        TypeError,
        "want_seconds() expects seconds as a number, a timedelta or a string "
        "like '1.5' or '10/m', not list",
    ),
    Row(
        "times",
        'rate("ten/s")',
        lambda: times.rate("ten/s"),
        ValueError,
        f"invalid rate or duration 'ten/s': expected {_WANT}",
    ),
    Row(
        "times",
        'rate("10/week")',
        lambda: times.rate("10/week"),
        ValueError,
        f"unknown rate unit 'week' in '10/week': expected {_WANT}",
    ),
    Row(
        "times",
        'rate(b"10/s")',
        lambda: times.rate(b"10/s"),  # type: ignore[arg-type]
        TypeError,
        "rate() expects a number, None or a string like '10/s', not bytes",
    ),
    Row(
        "times",
        'humanize_seconds("abc")',
        lambda: times.humanize_seconds("abc"),  # type: ignore[arg-type]
        ValueError,
        "humanize_seconds() expects a number of seconds, not 'abc'",
    ),
    Row(
        "times",
        "humanize_seconds(None)",
        lambda: times.humanize_seconds(bad(None)),
        TypeError,
        "humanize_seconds() expects a number of seconds, not None",
    ),
    Row(
        "times",
        'humanize_seconds(float("inf"))',
        lambda: times.humanize_seconds(float("inf")),
        ValueError,
        "humanize_seconds() expects a finite number of seconds, not inf",
    ),
    Row(
        "times",
        'humanize_seconds_ago(float("nan"))',
        lambda: times.humanize_seconds_ago(float("nan")),
        ValueError,
        "humanize_seconds() expects a finite number of seconds, not nan",
    ),
    Row(
        "times",
        "TokenBucket(0)",
        lambda: times.TokenBucket(0),
        ValueError,
        "Bucket rate must be a positive number, got 0",
    ),
    Row(
        "times",
        "TokenBucket(None)",
        lambda: times.TokenBucket(bad(None)),
        TypeError,
        "Bucket rate must be a positive number, got None",
    ),
    Row(
        "times",
        "TokenBucket(10, over=-1)",
        lambda: _bucket(over=-1),
        ValueError,
        "Bucket over (seconds) must be a positive number, got -1",
    ),
    Row(
        "times",
        "TokenBucket(10, capacity=0)",
        lambda: _bucket(capacity=0),
        ValueError,
        "Bucket capacity must be a positive number, got 0",
    ),
    Row(
        "times",
        'TokenBucket(10, fill_rate="fast")',
        lambda: _bucket(fill_rate="fast"),
        ValueError,
        f"invalid rate or duration 'fast': expected {_WANT} or a timedelta",
    ),
    Row(
        "times",
        'TokenBucket(10, raises="boom")',
        lambda: _bucket(raises="boom"),
        TypeError,
        "Bucket raises= must be an exception class or None, not 'boom'",
    ),
    Row(
        "times",
        "TokenBucket(10, clock=1.0)",
        lambda: _bucket(clock=1.0),
        TypeError,
        "Bucket clock= must be a callable returning seconds (like "
        "time.monotonic), not float",
    ),
    Row(
        "times",
        "TokenBucket(10).pour(0)",
        lambda: _bucket().pour(0),
        ValueError,
        "tokens must be positive, got 0",
    ),
    Row(
        "times",
        "TokenBucket(10).pour(11)",
        lambda: _bucket().pour(11),
        ValueError,
        "cannot take 11 tokens from a bucket of capacity 10: raise capacity= "
        "or take fewer",
    ),
    Row(
        "times",
        'TokenBucket(10).pour("1")',
        lambda: _bucket().pour(bad("1")),
        TypeError,
        "tokens must be a positive number, not str",
    ),
    Row(
        "times",
        "TokenBucket(10).expected_time(-1)",
        lambda: _bucket().expected_time(-1),
        ValueError,
        "tokens must be positive, got -1",
    ),
    Row(
        "times",
        'rate_limit("ten")',
        lambda: times.rate_limit("ten"),
        ValueError,
        f"invalid rate or duration 'ten': expected {_WANT} or a timedelta",
    ),
    # mode.utils.aiter
    Row(
        "aiter",
        "aiter(5)",
        lambda: aiter_mod.aiter(bad(5)),
        TypeError,
        "5 object is not an iterable",
    ),
    Row(
        "aiter",
        "arange()",
        lambda: aiter_mod.arange(),
        TypeError,
        "arange() takes 1 to 3 int arguments (stop, or start, stop[, step]), got 0",
    ),
    Row(
        "aiter",
        "arange(1.5)",
        lambda: aiter_mod.arange(bad(1.5)),
        TypeError,
        "arange() arguments must be ints, not float",
    ),
    Row(
        "aiter",
        "arange(0, 10, 0)",
        lambda: aiter_mod.arange(0, 10, 0),
        ValueError,
        "arange() step must not be zero",
    ),
    Row(
        "aiter",
        "aslice(ait, -1)",
        lambda: aiter_mod.aslice(aiter_mod.arange(3), -1),
        ValueError,
        "aslice() stop must be >= 0, got -1",
    ),
    Row(
        "aiter",
        "aslice(ait, 0, 10, 0)",
        lambda: aiter_mod.aslice(aiter_mod.arange(3), 0, 10, 0),
        ValueError,
        "aslice() step must be >= 1, got 0",
    ),
    Row(
        "aiter",
        'aslice(ait, "2")',
        lambda: aiter_mod.aslice(aiter_mod.arange(3), bad("2")),
        TypeError,
        "aslice() stop must be an int or None, not str",
    ),
    Row(
        "aiter",
        "chunks(it, 0)",
        lambda: aiter_mod.chunks([1, 2], 0),
        ValueError,
        "chunks() n must be >= 1, got 0",
    ),
    Row(
        "aiter",
        "chunks(it, 2.0)",
        lambda: aiter_mod.chunks([1, 2], bad(2.0)),
        TypeError,
        "chunks() n must be an int, not float",
    ),
    Row(
        "aiter",
        "chunks(5, 2)",
        lambda: aiter_mod.chunks(bad(5), 2),
        TypeError,
        "5 object is not an iterable",
    ),
    Row(
        "aiter",
        "await alist(5)",
        _run(lambda: aiter_mod.alist(bad(5))),
        TypeError,
        "'async for' requires an object with __aiter__ method, got int",
    ),
    # mode.utils.collections
    Row(
        "collections",
        "LRUCache(limit=-1)",
        lambda: LRUCache(limit=-1),
        ValueError,
        "LRUCache limit must be >= 0 (None or 0: unbounded), got -1",
    ),
    Row(
        "collections",
        'LRUCache(limit="10")',
        lambda: LRUCache(limit=bad("10")),
        TypeError,
        "LRUCache limit must be an int or None, not str",
    ),
    Row(
        "collections",
        "LRUCache(limit=True)",
        lambda: LRUCache(limit=True),
        TypeError,
        "LRUCache limit must be an int or None, not bool",
    ),
    Row(
        "collections",
        'cache.incr("hits") of "many"',
        _lru_incr,
        ValueError,
        "LRUCache.incr('hits'): the stored value 'many' is not an integer",
    ),
    Row(
        "collections",
        "Heap(5)",
        lambda: Heap(bad(5)),
        TypeError,
        "'int' object is not iterable",
    ),
    Row(
        "collections",
        "Heap().pop()",
        lambda: Heap().pop(),
        IndexError,
        "index out of range",
    ),
    Row(
        "collections",
        "Heap([1]).pop(1)",
        lambda: Heap([1]).pop(1),
        NotImplementedError,
        "Heap.pop() only removes the smallest item (index 0), got index=1",
    ),
    Row(
        "collections",
        'Heap([1, "a"])',
        lambda: Heap([1, bad("a")]),
        TypeError,
        "'<' not supported between instances of 'int' and 'str'",
    ),
    Row(
        "collections",
        "ManagedUserDict.update(5)",
        lambda: _Managed().update(5),
        TypeError,
        "update() expects a mapping or an iterable of (key, value) pairs, not int",
    ),
    Row(
        "collections",
        "ManagedUserDict.update([1])",
        lambda: _Managed().update([1]),
        ValueError,
        "update() sequence element #0 (1) is not a (key, value) pair",
    ),
    # mode.utils.queues
    Row(
        "queues",
        "FlowControlQueue(flow_control=None)",
        lambda: queues.FlowControlQueue(flow_control=bad(None)),
        TypeError,
        "flow_control must be a FlowControlEvent, got NoneType",
    ),
    Row(
        "queues",
        'FlowControlQueue("10", flow_control=fc)',
        lambda: queues.FlowControlQueue(
            bad("10"), flow_control=queues.FlowControlEvent()
        ),
        TypeError,
        "maxsize must be an int (0: unbounded), not str",
    ),
    Row(
        "queues",
        "fc.manage_queue(asyncio.Queue())",
        lambda: queues.FlowControlEvent().manage_queue(bad(asyncio.Queue())),
        TypeError,
        "manage_queue() expects a FlowControlQueue, not Queue",
    ),
    Row(
        "queues",
        'await ThrowableQueue(...).throw("boom")',
        _run(
            lambda: queues.ThrowableQueue(flow_control=queues.FlowControlEvent()).throw(
                bad("boom")
            )
        ),
        TypeError,
        "throw() expects an exception instance, got str",
    ),
    Row(
        "queues",
        'FlowControlEvent(loop="loop")',
        lambda: queues.FlowControlEvent(loop=bad("loop")),
        TypeError,
        "FlowControlEvent(loop=...) must be an event loop or None, not str",
    ),
    # mode.utils.futures
    Row(
        "futures",
        "done_future() outside a loop",
        lambda: futures.done_future(),
        RuntimeError,
        "done_future() needs an event loop: call it from a coroutine or "
        "callback running in a loop, or pass loop=...",
    ),
    Row(
        "futures",
        "maybe_cancel(5)",
        lambda: futures.maybe_cancel(bad(5)),
        TypeError,
        "maybe_cancel() expects an asyncio.Future (or None), not int",
    ),
    Row(
        "futures",
        'maybe_set_result("fut", 1)',
        lambda: futures.maybe_set_result(bad("fut"), 1),
        TypeError,
        "maybe_set_result() expects an asyncio.Future (or None), not str",
    ),
    Row(
        "futures",
        "maybe_set_exception(5, exc)",
        lambda: futures.maybe_set_exception(bad(5), ValueError()),
        TypeError,
        "maybe_set_exception() expects an asyncio.Future (or None), not int",
    ),
    Row(
        "futures",
        "notify(5)",
        lambda: futures.notify(bad(5)),
        TypeError,
        "notify() expects an asyncio.Future (or None), not int",
    ),
    Row(
        "futures",
        "stampede(5)",
        lambda: futures.stampede(bad(5)),
        TypeError,
        "stampede decorates an async method, got int",
    ),
    Row(
        "futures",
        "stampede method on a __slots__ class",
        lambda: _Slotted().refresh,
        TypeError,
        "stampede method 'refresh' needs an instance __dict__ on _Slotted: "
        "add '__dict__' to __slots__",
    ),
    Row(
        "futures",
        "stampede method called on the class",
        lambda: _Slotted.refresh(),
        NotImplementedError,
        "refresh is a stampede method: call it on an instance",
    ),
    # mode.utils.locks, mode.utils.loops
    Row(
        "locks",
        'Event(loop="loop")',
        _event_loop_attr,
        TypeError,
        "Event(loop=...) must be an event loop or None, not str",
    ),
    Row(
        "loops",
        "call_asap(print, loop=None)",
        lambda: loops.call_asap(print, loop=bad(None)),
        TypeError,
        "call_asap() loop= must be an event loop, not NoneType",
    ),
    Row(
        "loops",
        'clone_loop("loop")',
        lambda: loops.clone_loop(bad("loop")),
        TypeError,
        "clone_loop() expects an event loop, not str",
    ),
    # mode.utils.objects
    Row(
        "objects",
        "list(iter_mro_reversed(5, object))",
        lambda: list(objects.iter_mro_reversed(bad(5), object)),
        TypeError,
        "iter_mro_reversed() expects a class, not int",
    ),
    Row(
        "objects",
        "annotations(5)",
        lambda: objects.annotations(bad(5)),
        TypeError,
        "annotations() expects a class, not int",
    ),
    Row(
        "objects",
        "local_annotations(5)",
        lambda: objects.local_annotations(bad(5)),
        TypeError,
        "local_annotations() expects a class, not int",
    ),
    Row(
        "objects",
        "annotations(Point, invalid_types={int})",
        _annotations_invalid,
        objects.InvalidAnnotation,
        "<class 'int'>",
    ),
    Row(
        "objects",
        'eval_type("Nope")',
        lambda: objects.eval_type("Nope"),
        NameError,
        "name 'Nope' is not defined",
    ),
    Row(
        "objects",
        "cached_property(5)",
        lambda: objects.cached_property(bad(5)),
        TypeError,
        "cached_property decorates a method (a callable), not int",
    ),
    Row(
        "objects",
        "guess_polymorphic_type(int)",
        lambda: objects.guess_polymorphic_type(int),
        TypeError,
        "Not a generic collection type: <class 'int'> (expected a list, set, "
        "tuple or mapping type such as list[int])",
    ),
    Row(
        "objects",
        "pickle a KeywordReduce without __reduce_keywords__",
        lambda: pickle.dumps(_NoKeywords()),
        NotImplementedError,
        "_NoKeywords must implement __reduce_keywords__()",
    ),
    # mode.utils.text
    Row(
        "text",
        'want_str(b"\\xff")',
        lambda: text.want_str(b"\xff"),
        UnicodeDecodeError,
        "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    ),
    Row(
        "text",
        "title(None)",
        lambda: text.title(bad(None)),
        TypeError,
        "title() argument must be a str, not NoneType",
    ),
    Row(
        "text",
        "abbr(5, 3)",
        lambda: text.abbr(bad(5), 3),
        TypeError,
        "abbr() argument must be a str, not int",
    ),
    Row(
        "text",
        'abbr("text", "3")',
        lambda: text.abbr("text", bad("3")),
        TypeError,
        "abbr() max must be an int, not str",
    ),
    Row(
        "text",
        'abbr("text", -1)',
        lambda: text.abbr("text", -1),
        ValueError,
        "abbr() max must be >= 0, got -1",
    ),
    Row(
        "text",
        'abbr_fqdn(5, "a.b")',
        lambda: text.abbr_fqdn(bad(5), "a.b"),
        TypeError,
        "abbr_fqdn() origin must be a str, not int",
    ),
    Row(
        "text",
        'abbr_fqdn("a", 5)',
        lambda: text.abbr_fqdn("a", bad(5)),
        TypeError,
        "abbr_fqdn() name must be a str, not int",
    ),
    Row(
        "text",
        "shorten_fqdn(5)",
        lambda: text.shorten_fqdn(bad(5)),
        TypeError,
        "shorten_fqdn() argument must be a str, not int",
    ),
    Row(
        "text",
        'shorten_fqdn("a.b", max="8")',
        lambda: text.shorten_fqdn("a.b", max=bad("8")),
        TypeError,
        "shorten_fqdn() max must be an int, not str",
    ),
    Row(
        "text",
        'didyoumean(["start"], 5)',
        lambda: text.didyoumean(["start"], bad(5)),
        TypeError,
        "fuzzy matching needle must be a str, not int",
    ),
    Row(
        "text",
        'fuzzymatch_best(["start"], None)',
        lambda: text.fuzzymatch_best(["start"], bad(None)),
        TypeError,
        "fuzzy matching needle must be a str, not NoneType",
    ),
    Row(
        "text",
        "maybecat(5)",
        lambda: text.maybecat(bad(5)),
        TypeError,
        "maybecat() expects str, bytes or None, not int",
    ),
    # mode.utils.graphs
    Row(
        "graphs",
        "DependencyGraph(5)",
        lambda: DependencyGraph(bad(5)),
        TypeError,
        "DependencyGraph.update() expects (obj, dependencies) pairs, e.g. "
        "[('a', ['b'])]: 'int' object is not iterable",
    ),
    Row(
        "graphs",
        'DependencyGraph([("a", 1)])',
        lambda: DependencyGraph([("a", bad(1))]),
        TypeError,
        "DependencyGraph.update() expects (obj, dependencies) pairs, e.g. "
        "[('a', ['b'])]: 'int' object is not iterable",
    ),
    Row(
        "graphs",
        'graph.connect({"a": []})',
        lambda: DependencyGraph().connect(bad({"a": []})),
        TypeError,
        "DependencyGraph.connect() expects a DependencyGraph, not dict",
    ),
    Row(
        "graphs",
        'graph.to_dot("out.dot")',
        lambda: DependencyGraph().to_dot(bad("out.dot")),
        TypeError,
        "DependencyGraph.to_dot() expects a writable text file (with a "
        "write() method), not str",
    ),
    Row(
        "graphs",
        'graph.add_edge(["a"], "b")',
        lambda: DependencyGraph[str]().add_edge(bad(["a"]), "b"),
        TypeError,
        "unhashable type: 'list'",
    ),
    Row(
        "graphs",
        "topsort(raise_on_cycle=True) of a -> b -> a",
        _cyclic_topsort,
        CycleError,
        "Dependency cycle: a -> b -> a",
    ),
    Row(
        "graphs",
        'GraphFormatter(type="dag")',
        lambda: GraphFormatter(type="dag"),
        ValueError,
        "GraphFormatter type must be 'digraph' or 'graph', not 'dag'",
    ),
    Row(
        "graphs",
        'GraphFormatter(indent="2")',
        lambda: GraphFormatter(indent=bad("2")),
        TypeError,
        "GraphFormatter indent must be an int, not str",
    ),
    Row(
        "graphs",
        "GraphFormatter(inw=4)",
        lambda: GraphFormatter(inw=bad(4)),
        TypeError,
        "GraphFormatter inw must be a str, not int",
    ),
    # mode.utils.trees
    Row(
        "trees",
        'node.reattach("parent")',
        lambda: Node(1).reattach(bad("parent")),
        TypeError,
        "Node.reattach() expects a Node, not str",
    ),
    Row(
        "trees",
        "node.reattach(node)",
        _reattach_self,
        ValueError,
        "Node cannot be reattached to itself",
    ),
    Row(
        "trees",
        'Node(1, parent="p")',
        lambda: Node(1, parent=bad("p")),
        TypeError,
        "Node parent must be a Node or None, not str",
    ),
    Row(
        "trees",
        "Node(1, root=5)",
        lambda: Node(1, root=bad(5)),
        TypeError,
        "Node root must be a Node or None, not int",
    ),
    Row(
        "trees",
        "node.parent = node",
        _node_parent_self,
        ValueError,
        "Parent node cannot be the node itself",
    ),
    Row(
        "trees",
        "node.children.remove(9)",
        lambda: Node(1).children.remove(9),
        ValueError,
        "9 is not a child",
    ),
    Row(
        "trees",
        "node.children.pop() (no children)",
        lambda: Node(1).children.pop(),
        IndexError,
        "pop from empty children",
    ),
    # mode.utils.imports
    Row(
        "imports",
        "parse_symbol(5)",
        lambda: imports.parse_symbol(bad(5)),
        TypeError,
        "parse_symbol() expects a str, not int",
    ),
    Row(
        "imports",
        'parse_symbol(":x")',
        lambda: imports.parse_symbol(":x"),
        ValueError,
        "Invalid symbol ':x': expected 'module:attribute' with both parts non-empty",
    ),
    Row(
        "imports",
        'parse_symbol(".x")',
        lambda: imports.parse_symbol(".x"),
        ValueError,
        "Relative symbol '.x' requires the package= argument (the package it "
        "is relative to)",
    ),
    Row(
        "imports",
        'parse_symbol("my-mod:X")',
        lambda: imports.parse_symbol("my-mod:X"),
        ValueError,
        "Invalid symbol 'my-mod:X': module 'my-mod' is not a valid dotted Python "
        "name (expected e.g. 'package.module:attribute')",
    ),
    Row(
        "imports",
        'symbol_by_name("")',
        lambda: imports.symbol_by_name(""),
        ValueError,
        "Invalid symbol '': missing module name",
    ),
    Row(
        "imports",
        'symbol_by_name("no_such_module_x")',
        lambda: imports.symbol_by_name("no_such_module_x"),
        ModuleNotFoundError,
        "No module named 'no_such_module_x'",
    ),
    Row(
        "imports",
        'symbol_by_name("os", aliases=["x"])',
        lambda: imports.symbol_by_name("os", aliases=bad(["x"])),
        TypeError,
        "symbol_by_name() aliases= must be a mapping of names to symbol paths, "
        "not list",
    ),
    Row(
        "imports",
        "smart_import(5)",
        lambda: imports.smart_import(bad(5)),
        TypeError,
        "smart_import() expects a dotted path (str), not int",
    ),
    Row(
        "imports",
        "import_from_cwd(5)",
        lambda: imports.import_from_cwd(bad(5)),
        TypeError,
        "import_from_cwd() expects a module name (str), not int",
    ),
    Row(
        "imports",
        "URL(5)",
        lambda: imports.URL(bad(5)),
        TypeError,
        "URL() expects a str or a URL object (such as yarl.URL), not int",
    ),
    Row(
        "imports",
        'URL("http://host:99999")',
        lambda: imports.URL("http://host:99999"),
        ValueError,
        "Port out of range 0-65535",
    ),
    Row(
        "imports",
        'FactoryMapping(a="os").by_name("b")',
        lambda: imports.FactoryMapping(a="os").by_name("b"),
        ModuleNotFoundError,
        "'b' is not a valid name. Available choices: a",
    ),
    Row(
        "imports",
        'FactoryMapping(redis="os").by_name("rediss")',
        lambda: imports.FactoryMapping(redis="os").by_name("rediss"),
        ModuleNotFoundError,
        "'rediss' is not a valid name. Did you mean redis?",
    ),
    Row(
        "imports",
        "FactoryMapping().by_url(5)",
        lambda: imports.FactoryMapping().by_url(bad(5)),
        TypeError,
        "URL() expects a str or a URL object (such as yarl.URL), not int",
    ),
    # mode.utils.cron
    Row(
        "cron",
        "secs_for_next(5)",
        lambda: cron.secs_for_next(bad(5)),
        TypeError,
        "cron_format must be a crontab string like '*/5 * * * *', not int",
    ),
    Row(
        "cron",
        'secs_for_next("every minute")',
        lambda: cron.secs_for_next("every minute"),
        CroniterBadCronError,
        "Exactly 5, 6 or 7 columns has to be specified for iterator expression.",
    ),
    # mode.utils.logging
    Row(
        "logging",
        "level_name(None)",
        lambda: level_name(bad(None)),
        TypeError,
        "level_name() expects an int or a str, got NoneType",
    ),
    Row(
        "logging",
        'level_number("loud")',
        lambda: level_number("loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "logging",
        "level_number(1.5)",
        lambda: level_number(bad(1.5)),
        TypeError,
        "level_number() expects an int, a str or None, got float",
    ),
    Row(
        "logging",
        "get_logger(5)",
        lambda: get_logger(bad(5)),
        TypeError,
        "A logger name must be a string",
    ),
    Row(
        "logging",
        "CompositeLogger(None)",
        lambda: CompositeLogger(bad(None)),
        TypeError,
        "CompositeLogger needs a logging.Logger (anything with a log() method), "
        "not NoneType",
    ),
    Row(
        "logging",
        'CompositeLogger(logger, formatter="{}")',
        lambda: CompositeLogger(LOGGER, formatter=bad("{}")),
        TypeError,
        "CompositeLogger formatter= must be a callable or None, not str",
    ),
    Row(
        "logging",
        'setup_logging(loglevel="loud")',
        lambda: setup_logging(loglevel="loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "logging",
        "setup_logging(logfile=5)",
        lambda: setup_logging(logfile=bad(5)),
        TypeError,
        "setup_logging(logfile=...) expects a file path or a writable text "
        "stream, got int",
    ),
    Row(
        "logging",
        'setup_logging(logging_config=[("version", 1)])',
        lambda: setup_logging(logging_config=bad([("version", 1)])),
        TypeError,
        "setup_logging(logging_config=...) expects a dictConfig mapping, got list",
    ),
    Row(
        "logging",
        'setup_logging(loghandlers=["stderr"])',
        lambda: setup_logging(loghandlers=bad(["stderr"])),
        TypeError,
        "setup_logging(loghandlers=...) expects logging.Handler instances, got str",
    ),
    Row(
        "logging",
        "create_logconfig(handlers=5)",
        lambda: create_logconfig(handlers=bad(5)),
        TypeError,
        "create_logconfig() handlers= must be a mapping (as in "
        "logging.config.dictConfig), not int",
    ),
    Row(
        "logging",
        "flight_recorder(logger, timeout=None)",
        lambda: flight_recorder(LOGGER, timeout=bad(None)),
        TypeError,
        "flight_recorder() needs a timeout in seconds, got None",
    ),
    Row(
        "logging",
        'flight_recorder(logger, timeout="soon")',
        lambda: flight_recorder(LOGGER, timeout="soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT} or a timedelta",
    ),
    Row(
        "logging",
        "flight_recorder(logger, timeout=-1)",
        lambda: flight_recorder(LOGGER, timeout=-1),
        ValueError,
        "timeout must be 0 or more seconds, got -1",
    ),
    Row(
        "logging",
        'flight_recorder(logger, timeout=float("nan"))',
        lambda: flight_recorder(LOGGER, timeout=float("nan")),
        ValueError,
        "timeout must be 0 or more seconds, got nan",
    ),
    Row(
        "logging",
        "flight_recorder(None, timeout=1)",
        lambda: flight_recorder(bad(None), timeout=1),
        TypeError,
        "flight_recorder() needs a logging.Logger (anything with a log() "
        "method), not NoneType",
    ),
    Row(
        "logging",
        "flight_recorder(...).activate() outside a loop",
        _flight_recorder_activate,
        RuntimeError,
        "flight_recorder must be activated inside a running event loop (or be "
        "given loop=...)",
    ),
    Row(
        "logging",
        'flight_recorder(...).wrap("loud", obj)',
        lambda: flight_recorder(LOGGER, timeout=1).wrap("loud", object()),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "logging",
        "FileLogProxy(None)",
        lambda: FileLogProxy(bad(None)),
        TypeError,
        "FileLogProxy needs a logging.Logger, not NoneType",
    ),
    Row(
        "logging",
        'FileLogProxy(logger, severity="loud")',
        lambda: FileLogProxy(LOGGER, severity="loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "logging",
        'FileLogProxy(logger).write(b"x")',
        lambda: FileLogProxy(LOGGER).write(bad(b"x")),
        TypeError,
        "write() argument must be str, not bytes",
    ),
    Row(
        "logging",
        "FileLogProxy(logger).read()",
        lambda: FileLogProxy(LOGGER).read(),
        NotImplementedError,
        "FileLogProxy is write-only: read() is not supported",
    ),
    Row(
        "logging",
        'with redirect_stdouts(severity="loud")',
        lambda: _redirect(severity="loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "logging",
        'Logwrapped(obj, severity="loud")',
        lambda: Logwrapped(object(), severity="loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "logging",
        'Logwrapped(obj, logger="log")',
        lambda: Logwrapped(object(), logger=bad("log")),
        TypeError,
        "Logwrapped needs a logging.Logger (anything with a log() method), not str",
    ),
    Row(
        "logging",
        "formatter(5)",
        lambda: formatter(bad(5)),
        TypeError,
        "formatter() expects a callable, got int",
    ),
    Row(
        "logging",
        "formatter2(5)",
        lambda: formatter2(bad(5)),
        TypeError,
        "formatter2() expects a callable, got int",
    ),
    Row(
        "logging",
        "cry(None)",
        lambda: cry(bad(None)),
        TypeError,
        "cry() file must be a writable text file (with a write() method), not NoneType",
    ),
    Row(
        "logging",
        "print_task_name(5, file)",
        lambda: print_task_name(bad(5), io.StringIO()),
        TypeError,
        "print_task_name() expects an asyncio.Task, not int",
    ),
    # mode.utils.tracebacks
    Row(
        "tracebacks",
        "Traceback.from_task(5)",
        lambda: tb.Traceback.from_task(bad(5)),
        TypeError,
        "from_task() expects an asyncio.Task, got int",
    ),
    Row(
        "tracebacks",
        "Traceback.from_agen(5)",
        lambda: tb.Traceback.from_agen(bad(5)),
        TypeError,
        "from_agen() expects an async generator, got int",
    ),
    Row(
        "tracebacks",
        "Traceback.from_coroutine(coro, depth=-1)",
        _with_coro(lambda coro: tb.Traceback.from_coroutine(coro, depth=-1)),
        ValueError,
        "depth must be 0 or more, got -1",
    ),
    Row(
        "tracebacks",
        'Traceback.from_coroutine(coro, depth="1")',
        _with_coro(lambda coro: tb.Traceback.from_coroutine(coro, depth=bad("1"))),
        TypeError,
        "depth must be an int, not str",
    ),
    Row(
        "tracebacks",
        'format_coro_stack(coro, limit="5")',
        _with_coro(lambda coro: tb.format_coro_stack(coro, limit=bad("5"))),
        TypeError,
        "limit must be None or an int, not str",
    ),
    Row(
        "tracebacks",
        "print_coro_stack(coro, file=5)",
        _with_coro(lambda coro: tb.print_coro_stack(coro, file=bad(5))),
        TypeError,
        "file= must be a writable text file (with a write() method) or None, not int",
    ),
    Row(
        "tracebacks",
        "format_task_stack(5)",
        lambda: tb.format_task_stack(bad(5)),
        TypeError,
        "from_task() expects an asyncio.Task, got int",
    ),
    # Lookups whose protocol is KeyError/AttributeError (kept on purpose).
    Row(
        "collections",
        'LRUCache()["missing"]',
        lambda: LRUCache[str, int]()["missing"],
        KeyError,
        "'missing'",
        lookup=True,
    ),
    Row(
        "collections",
        'LRUCache().incr("missing")',
        lambda: LRUCache[str, int]().incr("missing"),
        KeyError,
        "'missing'",
        lookup=True,
    ),
    Row(
        "collections",
        "AttributeDict().missing",
        lambda: AttributeDict().missing,
        AttributeError,
        "'AttributeDict' object has no attribute 'missing'",
        lookup=True,
    ),
    Row(
        "collections",
        'DictAttribute(obj)["missing"]',
        lambda: DictAttribute(object())["missing"],
        KeyError,
        "'missing'",
        lookup=True,
    ),
    Row(
        "graphs",
        'DependencyGraph()["missing"]',
        lambda: DependencyGraph[str]()["missing"],
        KeyError,
        "'missing'",
        lookup=True,
    ),
    Row(
        "imports",
        'FactoryMapping().get_alias("missing")',
        lambda: imports.FactoryMapping().get_alias("missing"),
        KeyError,
        "'missing'",
        lookup=True,
    ),
    Row(
        "imports",
        'symbol_by_name("os:no_such")',
        lambda: imports.symbol_by_name("os:no_such"),
        AttributeError,
        "module 'os' has no attribute 'no_such'",
        lookup=True,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_bad_input(row: Row) -> None:
    check_raises(row)


def test_the_doc_is_the_table() -> None:
    check_doc(BAD_INPUT_MD, ROWS)


@pytest.mark.parametrize("seconds", [0.5])
async def test_no_bad_input_hangs_in_a_loop(seconds: float) -> None:
    # The rows that touch the event loop machinery give their error at once
    # inside a running loop too (no hidden wait): the whole table runs here
    # under a timeout.  Rows that need *no* running loop are skipped.
    needs_no_loop = {"done_future() outside a loop"}
    needs_no_loop.add("flight_recorder(...).activate() outside a loop")
    async with asyncio.timeout(seconds * 20):
        for row in ROWS:
            if row.code in needs_no_loop or row.code.startswith("await "):
                continue
            with pytest.raises(row.error):
                row.call()
