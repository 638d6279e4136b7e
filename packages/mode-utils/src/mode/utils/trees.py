"""Data structure: a tree of nodes (the service "beacon" tree).

Every service owns a :class:`Node`; child services hang below it.  A parent
may have many thousands of children, so adding a child without duplicates,
removing one and moving a node to another parent are all O(1) amortised.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, MutableSequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from mode.utils.types.trees import NodeT

if TYPE_CHECKING:
    from mode.utils.graphs import DependencyGraph
    from mode.utils.types.graphs import DependencyGraphT

__all__ = ["Node"]

_T = TypeVar("_T")


def _require_node(node: object, what: str) -> None:
    if node is not None and not isinstance(node, NodeT):
        raise TypeError(
            f"Node {what} must be a Node or None, not {type(node).__name__}"
        )


class _Unhashable:
    """Membership key for a child that cannot be hashed (compared by scan)."""

    __slots__ = ()


_UNHASHABLE = _Unhashable()


class _Children(MutableSequence[Any]):
    """The children of a :class:`Node`: a list with O(1) membership.

    Items are stored in a dict keyed by an ever-increasing sequence number, so
    appending and removing any item are O(1) and insertion order is kept.  A
    second dict maps each hashable item to the sequence numbers holding it,
    which makes ``in``, :meth:`remove` and :meth:`discard` O(1) as well.  Items
    that cannot be hashed (e.g. a dict of raw data) are found by a scan over
    the unhashable items only.  Equality semantics are those of a list.

    Positional operations (indexing, slicing, ``insert``, ``del c[i]``) work
    but cost O(n); a snapshot list is cached until the next change.
    """

    __slots__ = ("_items", "_next", "_snapshot", "_unhashable", "_where")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items: dict[int, Any] = {}
        # One occurrence (the usual case) is held as its int; several as a
        # deque of them, in order.
        self._where: dict[Any, int | deque[int]] = {}
        self._unhashable: dict[int, Any] = {}
        self._next = 0
        self._snapshot: list[Any] | None = None
        for item in items:
            self.append(item)

    @staticmethod
    def _key(item: Any) -> Any:
        try:
            hash(item)
        except TypeError:
            return _UNHASHABLE
        return item

    def _find(self, item: Any) -> int | None:
        # Sequence number of the first occurrence of item, or None.
        key = self._key(item)
        if key is _UNHASHABLE:
            for seq, other in self._unhashable.items():
                if other is item or other == item:
                    return seq
            return None
        seqs = self._where.get(key)
        if seqs is None or type(seqs) is int:
            return seqs
        return seqs[0]  # type: ignore[index]

    def append(self, item: Any) -> None:
        """Add ``item`` at the end (O(1))."""
        seq = self._next
        self._next = seq + 1
        self._items[seq] = item
        key = self._key(item)
        if key is _UNHASHABLE:
            self._unhashable[seq] = item
        else:
            seqs = self._where.get(key)
            if seqs is None:
                self._where[key] = seq
            elif type(seqs) is int:
                self._where[key] = deque((seqs, seq))
            else:
                seqs.append(seq)  # type: ignore[union-attr]
        self._snapshot = None

    def _drop(self, seq: int) -> Any:
        item = self._items.pop(seq)
        if self._unhashable.pop(seq, _UNHASHABLE) is _UNHASHABLE:
            key = item
            seqs = self._where[key]
            if type(seqs) is int:
                del self._where[key]
            else:
                assert isinstance(seqs, deque)
                # Usually the first occurrence; pop()/del by index may drop
                # another.
                if seqs[0] == seq:
                    seqs.popleft()
                else:
                    seqs.remove(seq)
                if len(seqs) == 1:
                    self._where[key] = seqs[0]
        self._snapshot = None
        return item

    def discard(self, item: Any) -> None:
        """Remove the first occurrence of ``item``; do nothing if absent."""
        seq = self._find(item)
        if seq is not None:
            self._drop(seq)

    def remove(self, item: Any) -> None:
        """Remove the first occurrence of ``item``.

        Raises:
            ValueError: if ``item`` is not a child.
        """
        seq = self._find(item)
        if seq is None:
            raise ValueError(f"{item!r} is not a child")
        self._drop(seq)

    def __contains__(self, item: object) -> bool:
        return self._find(item) is not None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        # Iterate over a snapshot so that a child may detach itself (or a
        # node be added) while the children are being walked.
        return iter(self._list())

    def __reversed__(self) -> Iterator[Any]:
        return iter(self._list()[::-1])

    def _list(self) -> list[Any]:
        snapshot = self._snapshot
        if snapshot is None:
            snapshot = self._snapshot = list(self._items.values())
        return snapshot

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self._list()[index]

    def _replace(self, items: list[Any]) -> None:
        self._items.clear()
        self._where.clear()
        self._unhashable.clear()
        self._snapshot = None
        for item in items:
            self.append(item)

    @overload
    def __setitem__(self, index: int, value: Any) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[Any]) -> None: ...

    def __setitem__(self, index: int | slice, value: Any) -> None:
        items = list(self._list())
        items[index] = value
        self._replace(items)

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            items = list(self._list())
            del items[index]
            self._replace(items)
        else:
            self._drop(list(self._items)[index])

    def pop(self, index: int = -1) -> Any:
        """Remove and return the child at ``index`` (O(1) for the last one).

        Raises:
            IndexError: if there are no children or ``index`` is out of range.
        """
        if not self._items:
            raise IndexError("pop from empty children")
        if index == -1:
            return self._drop(next(reversed(self._items)))
        return self._drop(list(self._items)[index])

    def reverse(self) -> None:
        """Reverse the children in place."""
        self._replace(self._list()[::-1])

    def copy(self) -> list[Any]:
        """Return the children as a plain list."""
        return list(self._list())

    def __copy__(self) -> _Children:
        return _Children(self._list())

    def insert(self, index: int, value: Any) -> None:
        """Insert ``value`` before ``index`` (O(n); prefer :meth:`append`)."""
        items = list(self._list())
        items.insert(index, value)
        self._replace(items)

    def clear(self) -> None:
        """Remove all children."""
        self._replace([])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Children):
            return self._list() == other._list()
        if isinstance(other, list | tuple):
            return self._list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._list())


class Node(NodeT[_T]):
    """A node in a tree: ``data`` plus an ordered list of children.

    Arguments:
        data: The payload (for service beacons: the service).
        root: The root node of the tree (None for a top node).
        parent: The parent node (None for a top node).
        children: Initial children: nodes or raw values.

    :attr:`children` is list-like (indexing, iteration, ``in``, ``append``,
    ``remove`` ...) but membership tests and removal are O(1) amortised for
    hashable children (nodes always are).
    """

    data: _T

    def __init__(
        self,
        data: _T,
        *,
        root: NodeT[_T] | None = None,
        parent: NodeT[_T] | None = None,
        children: Iterable[Any] | None = None,
    ) -> None:
        self.data = data
        self._root: NodeT[_T] | None = None
        self._parent: NodeT[_T] | None = None
        if root is not None:
            self.root = root
        if parent is not None:
            self.parent = parent
        # Made on first use: most nodes (service leaves) never have children.
        self._children = _Children(children) if children else None

    def _kids(self) -> _Children:
        kids = self._children
        if kids is None:
            kids = self._children = _Children()
        return kids

    @property
    def children(self) -> MutableSequence[Any]:
        """The children of this node, in insertion order (list-like)."""
        return self._kids()

    @children.setter
    def children(self, children: Iterable[Any]) -> None:
        self._children = _Children(children)

    @classmethod
    def _new_node(cls, data: _T, **kwargs: Any) -> Node[_T]:
        """Create a node of this class (hook for subclasses)."""
        return cls(data, **kwargs)

    def new(self, data: _T) -> Node[_T]:
        """Create a child node holding ``data``, append it and return it.

        The child's parent is this node and its root is this node's root
        (or this node, for a top node).
        """
        node = self._new_node(
            data,
            root=self._root if self._root is not None else self,
            parent=self,
        )
        self._kids().append(node)
        return node

    def reattach(self, parent: NodeT[_T]) -> Node[_T]:
        """Move this node under ``parent`` and return it.

        The node is removed from its previous parent's children (upstream left
        it there), its root becomes ``parent``'s root (or ``parent`` itself),
        and it is added to ``parent``'s children unless already there.  O(1)
        amortised.  Nodes below this one keep their ``root``.

        Raises:
            ValueError: if ``parent`` is this node.
            TypeError: if ``parent`` is not a Node.
        """
        if not isinstance(parent, NodeT):
            raise TypeError(
                f"Node.reattach() expects a Node, not {type(parent).__name__}"
            )
        if parent is self:
            raise ValueError("Node cannot be reattached to itself")
        old = self._parent
        if old is not None and old is not parent:
            old.discard(self)
        self.root = parent.root if parent.root is not None else parent
        self.parent = parent
        parent.add_deduplicate(self)
        return self

    def detach(self, parent: NodeT[_T] | None = None) -> Node[_T]:
        """Remove this node from its parent's children; return it.

        The node is removed from :attr:`parent`'s children (the argument is
        ignored, as upstream; it may be omitted), then :attr:`parent` and
        :attr:`root` are cleared.  A node without parent is left as is.
        """
        if self._parent is not None:
            self._parent.discard(self)
        self._parent = None
        self._root = None
        return self

    def add(self, data: Any) -> None:
        """Append a child (a node or a raw value); duplicates are kept.

        Adding a node does not change that node's parent or root (use
        :meth:`reattach` for that).
        """
        self._kids().append(data)

    def add_deduplicate(self, data: Any) -> None:
        """Append a child unless it is already a child (O(1) amortised)."""
        children = self._kids()
        if data not in children:
            children.append(data)

    def discard(self, data: Any) -> None:
        """Remove a child (its first occurrence); a missing child is ignored."""
        if self._children is not None:
            self._children.discard(data)

    def traverse(self) -> Iterator[Any]:
        """Iterate breadth-first over this node and everything below it.

        Yields nodes, and raw (non-node) children directly.  A node reachable
        twice (added under two parents) is yielded once.
        """
        seen: set[int] = {id(self)}
        queue: deque[NodeT[_T]] = deque([self])
        while queue:
            node = queue.popleft()
            yield node
            for child in node.children:
                if isinstance(child, NodeT):
                    if id(child) not in seen:
                        seen.add(id(child))
                        queue.append(child)
                else:
                    yield child

    def walk(self) -> Iterator[NodeT[_T]]:
        """Iterate over this node, then its parent, grandparent ... up to the top."""
        node: NodeT[_T] | None = self
        while node is not None:
            yield node
            node = node.parent

    def as_graph(self) -> DependencyGraphT[Any]:
        """Convert the tree below this node to a :class:`DependencyGraph`.

        Every node's ``data`` is a node of the graph, with an edge to each
        child's data (``child.data`` for nodes, the value itself for raw
        children).
        """
        from mode.utils.graphs import DependencyGraph  # lazy: rarely needed

        graph: DependencyGraph[Any] = DependencyGraph()
        seen: set[int] = {id(self)}
        queue: deque[NodeT[_T]] = deque([self])
        while queue:
            node = queue.popleft()
            graph.add_arc(node.data)
            for child in node.children:
                if isinstance(child, NodeT):
                    graph.add_edge(node.data, child.data)
                    if id(child) not in seen:
                        seen.add(id(child))
                        queue.append(child)
                else:
                    graph.add_edge(node.data, child)
        return graph

    @property
    def parent(self) -> NodeT[_T] | None:
        """The parent node, or None.

        Raises (on set):
            ValueError: if set to the node itself.
            TypeError: if set to something that is not a Node or None.
        """
        return self._parent

    @parent.setter
    def parent(self, node: NodeT[_T] | None) -> None:
        _require_node(node, "parent")
        if node is self:
            raise ValueError("Parent node cannot be the node itself")
        self._parent = node

    @property
    def root(self) -> NodeT[_T] | None:
        """The root node of the tree, or None for a top node.

        Raises (on set):
            ValueError: if set to the node itself.
            TypeError: if set to something that is not a Node or None.
        """
        return self._root

    @root.setter
    def root(self, node: NodeT[_T] | None) -> None:
        _require_node(node, "root")
        if node is self:
            raise ValueError("Root node cannot be the node itself")
        self._root = node

    @property
    def depth(self) -> int:
        """Number of nodes from this node up to the top (a top node has 1)."""
        return sum(1 for _ in self.walk())

    @property
    def path(self) -> str:
        """Shortlabels of the nodes' data from the top down to this node.

        Joined by ``"/"``, e.g. ``"app/consumer/fetcher"``.
        """
        from mode.utils.objects import shortlabel  # lazy: only labels need it

        labels = [shortlabel(node.data) for node in self.walk()]
        labels.reverse()
        return "/".join(labels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}: {self.path}"
