"""The graph as plain data: what every renderer (DOT, SVG, the widget) reads.

A ``Graph`` is made from a Trace by :func:`vizgrad.drawing.build.build_graph`.
Step 0 is the forward pass alone; step k (k >= 1) is the k-th op the backward
pass ran through; the last step shows every gradient. Nodes, edges and steps
are made when first read, so a drawing of a 100,000-op chain that shows 41
boxes formats 41 boxes' values, not 100,000.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

from ..errors import ArgumentError
from . import dot as _dot
from . import group as _group
from . import render as _render
from .palette import COLORS
from .trace import codes_of

INLINE_DETAIL = 64   # to_dict sends the click-for-details text of values up to this size
STEP_WINDOW = 500    # to_dict sends the explanations of this many steps; more on request
Detail = dict[str, "str | None"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: drawing makes many small objects and no cycles,
    and each collection it would trigger walks every recorded tensor (3x the build time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Detailed:
    """The full text behind a click, made when first asked for."""

    details: Callable[[], Detail] | None

    @property
    def detail(self) -> Detail:
        """{"value": ..., "grad": ...}: every value (up to a bound) with more digits."""
        made = self.__dict__.get("_detail")
        if made is None:
            made = self.details() if self.details else {"value": None, "grad": None}
            object.__setattr__(self, "_detail", made)
        return made

    def as_dict(self, with_detail: bool) -> dict[str, Any]:
        data = {key: value for key, value in self.__dict__.items()
                if key not in ("details", "_detail", "size")}
        data["detail"] = self.detail if with_detail else {"value": None, "grad": None}
        return data


@dataclass(frozen=True)
class Node(_Detailed):
    """A leaf (variable or constant), an op, the output, or a collapsed scope."""

    id: str
    kind: str                  # "variable", "constant", "op", "output"
    label: str                 # the name the drawing and the explanation use
    op: str | None
    symbol: str
    shape: tuple[int, ...]
    dtype: str
    value: str
    grad: str | None
    grad_step: int | None      # the step from which the total gradient is shown
    scope: str | None = None   # id of the scope it belongs to
    greyed: bool = False       # on no path to the target
    unconnected: bool = False  # a source no gradient reached
    outside_tape: bool = False  # an op the tape did not record
    stopped: bool = False      # named in stop_gradients: treated as a constant
    nonfinite: bool = False    # NaN or inf first appears in its value
    flagged: bool = False      # its own backward rule disagrees with the chain rule, or raised
    fan_out: int = 0           # how many edges leave it
    notes: tuple[dict[str, str | None], ...] = ()  # status notes: {"mark": drawn, "text": said}
    size: int = field(default=1, repr=False, compare=False)   # entries of its value
    details: Callable[[], Detail] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Edge(_Detailed):
    """A tensor flowing from ``source`` into input ``input_index`` of ``target``."""

    id: str
    source: str
    target: str
    input_index: int
    value: str
    grad: str | None
    grad_step: int | None
    nonfinite: bool = False    # NaN or inf first appears in this gradient
    size: int = field(default=1, repr=False, compare=False)
    details: Callable[[], Detail] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class GraphStep:
    """One step of the replay: which op ran, what it did, in words and numbers."""

    index: int
    node: str | None
    title: str
    lines: tuple[str, ...]
    edges: tuple[str, ...] = ()
    scope: str | None = None          # the scope holding ``node`` (drawn instead when collapsed)
    # per line, the node or edge whose full value the line sums up (None: no value to open)
    line_items: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Scope:
    """A ``vg.scope`` (or, for big unscoped graphs, a run of ops) drawn as one cluster."""

    id: str
    name: str              # its full path: "transformer/h/0/attn"
    size: int              # nodes inside, those of the scopes within it too
    collapsed: bool        # drawn as one box unless asked otherwise
    parent: str | None = None   # the id of the scope it is in


T = TypeVar("T")


class Items(Sequence[T]):
    """A read-only sequence whose items are made on first access, then kept."""

    def __init__(self, count: int, make: Callable[[int], T],
                 made: dict[int, T] | None = None) -> None:
        self._count = count
        self._make = make
        self._made: dict[int, T] = {} if made is None else made  # shared with its maker

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        item = self._made.get(index)
        if item is None:
            item = self._made[index] = self._make(index)
        return item

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(self._count))

    def __repr__(self) -> str:
        return f"<{self._count} items>"


class IntColumn(Sequence[int]):
    """Whole numbers kept as a numpy array and read as Python ints: a huge graph's edge
    ends are never made into a list unless all of them are read.

    >>> ends = IntColumn(np.array([4, 7])); ends[1], list(ends), len(ends)
    (7, [4, 7], 2)
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, k):  # type: ignore[override]
        return self.array[k].tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self.array.tolist())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IntColumn({self.array.tolist()!r})"


@dataclass(frozen=True, eq=False)
class Structure:
    """Who is where, without any text: what a collapsed drawing needs of every node."""

    node_scopes: Sequence[str | None]   # node index -> scope id
    node_greyed: Sequence[bool]
    edge_sources: Sequence[int]         # edge index -> node index
    edge_targets: Sequence[int]
    step_nodes: Sequence[int | None]    # step -> node index of its op (None: step 0)
    # the same as arrays, when the builder has them at hand (see ``arrays``)
    made_arrays: tuple[np.ndarray, list[str], np.ndarray, np.ndarray] | None = None

    def arrays(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """(each node's scope as a position in the list of scope ids, -1 for none; that
        list; each edge's source; each edge's target), as numpy arrays."""
        if self.made_arrays is None:
            codes, table = codes_of(self.node_scopes)
            ids = list(table)
            if None in ids:
                codes[codes == ids.index(None)] = -1
                codes[codes > ids.index(None)] -= 1
                ids.remove(None)
            object.__setattr__(self, "made_arrays", (
                codes, ids, np.asarray(self.edge_sources, dtype=np.int64),
                np.asarray(self.edge_targets, dtype=np.int64)))
        return self.made_arrays  # type: ignore[return-value]


class Graph:
    """Nodes, edges and the recorded backward pass, ready to draw.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> g = vg.graph(f); len(g.steps), g.nodes[-1].label
    (2, 'f')
    """

    mode = "reverse"   # "forward": the steps push tangents forward, the "grad" texts are tangents

    def __init__(self, nodes: Sequence[Node], edges: Sequence[Edge],
                 steps: Sequence[GraphStep], scopes: Sequence[Scope], target: str,
                 target_name: str, note: str = "", colors: dict[str, str] | None = None,
                 structure: Structure | None = None, engine: str = "") -> None:
        self.nodes = nodes
        self.edges = edges
        self.steps = steps
        self.scopes = tuple(scopes)
        self.target = target
        self.target_name = target_name
        self.note = note
        self.colors = {**COLORS, **(colors or {})}
        self.structure = structure or _structure_of(nodes, edges, steps)
        self.engine = engine  # "micrograd": boxes say data and grad, as micrograd's drawing

    @property
    def last_step(self) -> int:
        """Index of the step that shows every gradient."""
        return len(self.steps) - 1

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        if node_id[:1] == "n" and node_id[1:].isdigit() and int(node_id[1:]) < len(self.nodes):
            found = self.nodes[int(node_id[1:])]
            if found.id == node_id:
                return found
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def edge(self, edge_id: str) -> Edge:
        """The edge with this id."""
        if edge_id[:1] == "e" and edge_id[1:].isdigit() and int(edge_id[1:]) < len(self.edges):
            found = self.edges[int(edge_id[1:])]
            if found.id == edge_id:
                return found
        for e in self.edges:
            if e.id == edge_id:
                return e
        raise KeyError(edge_id)

    def find(self, label: str) -> Node:
        """The node drawn with this label (a tensor's name)."""
        for n in self.nodes:
            if n.label == label:
                return n
        raise KeyError(f"no node is labelled {label!r}; labels: "
                       f"{', '.join(n.label for n in self.nodes)}")

    def check_step(self, step: int | None) -> int:
        """``step`` as a valid index (None: the last); a clear error otherwise."""
        if step is None:
            return self.last_step
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
            raise ArgumentError(f"step must be an integer, got {step!r}")
        if not -len(self.steps) <= step <= self.last_step:
            raise ArgumentError(f"step {step} does not exist: this graph has steps 0 to "
                                f"{self.last_step}; fix: pick one in that range")
        return int(step) % len(self.steps)

    # -- the data the widget reads ----------------------------------------------------
    def to_dict(self, collapse: Iterable[str] | None = None,
                steps: Iterable[int] | None = None) -> dict[str, Any]:
        """The JSON form the widget reads: only what the drawing with ``collapse`` shows.

        ``collapse``: ids of the scopes drawn collapsed (None: the graph's default). Nodes
        inside a collapsed scope are left out (``part(scope_id)`` gives them); edges are the
        ones drawn. ``steps``: the steps to explain (None: all, or the first ``STEP_WINDOW``
        of a longer pass; ``steps_dict`` gives more). The click-for-details text of values
        over ``INLINE_DETAIL`` entries is left out (``detail(item_id)`` gives it).

        >>> import vizgrad as vg
        >>> x = vg.Variable(3.0, name="x")
        >>> data = vg.graph(x * x).to_dict()
        >>> [n["label"] for n in data["nodes"]], data["last_step"], data["more_steps"]
        (['x', 'mul1', 'f'], 1, False)
        """
        collapsed = self.collapse_ids(collapse)
        node_indices, drawn_edges = self.drawn(collapsed)
        if steps is None:
            steps = range(min(len(self.steps), STEP_WINDOW))
        with paused_gc():
            data = self._dict(collapsed, node_indices, drawn_edges, steps)
        data["more_steps"] = len(data["steps"]) < len(self.steps)  # the rest: steps_dict
        return data

    def _dict(self, collapsed: list[str], node_indices: list[int], drawn_edges: list[tuple],
              steps: Iterable[int]) -> dict[str, Any]:
        return {
            "nodes": [self._node_dict(self.nodes[i]) for i in node_indices],
            "edges": [self._edge_dict(self.edges[k]) for k, *_ in drawn_edges],
            "steps": self.steps_dict(steps),
            "scopes": [s.__dict__.copy() for s in self.scopes],
            "target": self.target,
            "target_name": self.target_name,
            "note": self.note,
            "colors": dict(self.colors),
            "mode": self.mode,
            "last_step": self.last_step,
            "drawn_collapsed": sorted(collapsed, key=_scope_order),
        }

    def part(self, scope_id: str) -> dict[str, Any]:
        """The nodes and edges a collapsed scope adds when it is expanded (for the widget).

        >>> import vizgrad as vg
        >>> x = vg.Variable(2.0, name="x")
        >>> with vg.scope("layer"):
        ...     h = vg.tanh(x)
        >>> [n["label"] for n in vg.graph(h * 2).part("s0")["nodes"]]
        ['x', 'tanh1']
        """
        if scope_id not in {s.id for s in self.scopes}:
            raise ArgumentError(f"no scope has the id {scope_id!r}; fix: use one of "
                                f"{', '.join(s.id for s in self.scopes) or 'none'}")
        within = self.scopes_within(scope_id)
        codes, ids, sources, targets = self.structure.arrays()
        inside = np.isin(codes, [k for k, sid in enumerate(ids) if sid in within])
        with paused_gc():
            return {
                "scope": scope_id,
                "nodes": [self._node_dict(self.nodes[i]) for i in np.flatnonzero(inside).tolist()],
                "edges": [self._edge_dict(self.edges[k]) for k in
                          np.flatnonzero(inside[sources] | inside[targets]).tolist()],
            }

    def steps_dict(self, steps: Iterable[int]) -> list[dict[str, Any]]:
        """The explanations of ``steps`` (indices) as JSON-ready dicts.

        >>> import vizgrad as vg
        >>> x = vg.Variable(3.0, name="x")
        >>> vg.graph(x * x).steps_dict([1])[0]["title"]
        'Step 1: backpropagate through multiply (mul1)'
        """
        return [self.steps[self.check_step(k)].__dict__.copy() for k in steps]

    def detail(self, item_id: str) -> Detail:
        """The click-for-details text of a node or edge, by id.

        >>> import vizgrad as vg
        >>> x = vg.Variable(3.0, name="x")
        >>> vg.graph(x * x).detail("n0")
        {'value': 'shape (), float64\\n3', 'grad': 'shape (), float64\\n6'}
        """
        return (self.edge(item_id) if item_id.startswith("e") else self.node(item_id)).detail

    @staticmethod
    def _node_dict(node: Node) -> dict[str, Any]:
        return node.as_dict(node.size <= INLINE_DETAIL)

    @staticmethod
    def _edge_dict(edge: Edge) -> dict[str, Any]:
        return edge.as_dict(edge.size <= INLINE_DETAIL)

    # -- collapsing ---------------------------------------------------------------------
    def collapse_ids(self, collapse: Iterable[str] | None) -> list[str]:
        """The scope ids to draw collapsed: ``collapse``, or the default when None."""
        return self.default_collapsed() if collapse is None else list(collapse)

    def drawn(self, collapse: Iterable[str]) -> tuple[list[int], list[tuple]]:
        """Node indices drawn on their own and edges drawn (see ``group.drawn_parts``)."""
        key = frozenset(collapse)
        cache = self.__dict__.setdefault("_drawn", {})
        if key not in cache:  # the widget asks twice per layout: for its data and the DOT
            if len(cache) > 8:
                cache.clear()
            parents = {scope.id: scope.parent for scope in self.scopes}
            cache[key] = _group.drawn_parts(self.structure, key, parents)
        return cache[key]

    def scopes_within(self, scope_id: str) -> set[str]:
        """The id of a scope and of every scope nested in it, at any depth."""
        within = {scope_id}
        for s in self.scopes:  # a scope comes after the scope it is in
            if s.parent in within:
                within.add(s.id)
        return within

    def scope_ids(self, names: Iterable[str]) -> list[str]:
        """The ids of the scopes called ``names``; a clear error for a name it lacks.

        A nested scope is named by its path, with "/" or with "." (a PyTorch module's
        name): ``transformer.h.0.attn`` is the scope ``transformer/h/0/attn``.
        """
        by_name = {s.name: s.id for s in self.scopes}
        ids = []
        for name in names:
            found = by_name.get(name, by_name.get(name.replace(".", "/")))
            if found is None:
                raise ArgumentError(
                    f"no scope is called {name!r} in the drawing of {self.target_name!r}; its "
                    f"scopes: {', '.join(by_name) or 'none (it has no vg.scope)'}; fix: "
                    "collapse one of those")
            ids.append(found)
        return ids

    def default_collapsed(self) -> list[str]:
        """Ids of the scopes drawn collapsed unless asked otherwise."""
        return [s.id for s in self.scopes if s.collapsed]

    # -- thin calls into the renderers ----------------------------------------------------
    def to_dot(self, step: int | None = None, *, collapse: Iterable[str] | None = None,
               highlight: bool = True, **style: Any) -> str:
        """Graphviz DOT source of the drawing at ``step`` (None: the last step)."""
        return _dot.to_dot(self, self.check_step(step), collapse=collapse, highlight=highlight,
                           **style)

    def to_svg(self, step: int | None = None, *, collapse: Iterable[str] | None = None,
               engine: str | None = None, **style: Any) -> str:
        """The drawing at ``step`` as SVG text, laid out by Graphviz."""
        return _render.to_svg(self, step, collapse=collapse, engine=engine, **style)

    def save_svg(self, path: str | Path, step: int | None = None, **options: Any) -> Path:
        """Write the drawing at ``step`` to an SVG file."""
        return _render.save(self, path, step, **options)

    def save_png(self, path: str | Path, step: int | None = None, **options: Any) -> Path:
        """Write the drawing at ``step`` to a PNG (``width=1920`` pixels) for slides."""
        return _render.save_png(self, path, step, **options)

    def save_steps(self, directory: str | Path, **options: Any) -> list[Path]:
        """Write one SVG per step (``step_00.svg`` ...) for slides."""
        return _render.save_steps(self, directory, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        wanted = ("image/svg+xml", "text/plain")
        if include:
            wanted = tuple(kind for kind in wanted if kind in include)
        if exclude:
            wanted = tuple(kind for kind in wanted if kind not in exclude)
        bundle = {}
        if "image/svg+xml" in wanted:  # a layout runs only when a picture is asked for
            bundle["image/svg+xml"] = self.to_svg()
        if "text/plain" in wanted:
            bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        return (f"<vizgrad.Graph of {self.target_name!r}: {len(self.nodes)} nodes, "
                f"{len(self.edges)} edges, {len(self.steps)} steps>")


def _scope_order(scope_id: str) -> int:
    return int(scope_id[1:]) if scope_id[1:].isdigit() else 0


def _structure_of(nodes: Sequence[Node], edges: Sequence[Edge],
                  steps: Sequence[GraphStep]) -> Structure:
    """The Structure of a graph made from lists of nodes and edges."""
    position = {n.id: i for i, n in enumerate(nodes)}
    return Structure([n.scope for n in nodes], [n.greyed for n in nodes],
                     [position[e.source] for e in edges], [position[e.target] for e in edges],
                     [None if s.node is None else position[s.node] for s in steps])


def __getattr__(name: str) -> Any:
    """``graph`` and ``export_svg`` live in :mod:`vizgrad.drawing.api`; older imports of
    them from here keep working (imported on use: api imports this module)."""
    if name in ("graph", "export_svg"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
