"""The graph as plain data: what every renderer (DOT, SVG, the widget) reads.

``graph(y)`` turns what the engine recorded for ``y`` -- the tensors, the ops
and the backward pass it actually ran -- into frozen dataclasses with a JSON
form. Step 0 is the forward pass alone; step k (k >= 1) is the k-th op the
backward pass ran through; the last step shows every gradient.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.engine import BackwardPass, backpropagate
from ..core.tensor import Tensor, ancestors, is_floating
from ..errors import ArgumentError
from .format import detail, dtype_name, has_nonfinite, short

COLLAPSE_LIMIT = 300     # graphs with more nodes than this start collapsed
CHUNKS = 40              # an unscoped graph past the limit is drawn as about this many groups
COLORS = {"value": "#1f5fbf", "grad": "#d1451b", "current": "#ffe08a", "grey": "#9a9a9a",
          "nonfinite": "#ffd0d0", "unconnected": "#b03a2e"}
SHORT_OP_NAMES = {"multiply": "mul", "subtract": "sub", "divide": "div", "negative": "neg",
                  "power": "pow", "getitem": "index", "concatenate": "concat",
                  "broadcast_to": "broadcast", "stop_gradient": "stop", "transpose": "T",
                  "logsumexp": "lse", "log_softmax": "logsoftmax", "greater": "gt",
                  "greater_equal": "ge", "less": "lt", "less_equal": "le", "equal": "eq",
                  "not_equal": "ne", "maximum": "maximum", "minimum": "minimum"}


@dataclass(frozen=True)
class Node:
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
    detail: dict[str, str | None]
    scope: str | None = None   # id of the scope it belongs to
    greyed: bool = False       # on no path to the target
    unconnected: bool = False  # a source no gradient reached
    outside_tape: bool = False  # an op the tape did not record
    stopped: bool = False      # named in stop_gradients: treated as a constant
    nonfinite: bool = False    # NaN or inf first appears in its value
    fan_out: int = 0           # how many edges leave it


@dataclass(frozen=True)
class Edge:
    """A tensor flowing from ``source`` into input ``input_index`` of ``target``."""

    id: str
    source: str
    target: str
    input_index: int
    value: str
    grad: str | None
    grad_step: int | None
    detail: dict[str, str | None]
    nonfinite: bool = False    # NaN or inf first appears in this gradient


@dataclass(frozen=True)
class GraphStep:
    """One step of the replay: which op ran, what it did, in words and numbers."""

    index: int
    node: str | None
    title: str
    lines: tuple[str, ...]
    edges: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """A ``vg.scope`` (or, for big unscoped graphs, a run of ops) drawn as one cluster."""

    id: str
    name: str
    size: int
    collapsed: bool


@dataclass(frozen=True)
class Graph:
    """Nodes, edges and the recorded backward pass, ready to draw.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> g = vg.graph(f); len(g.steps), g.nodes[-1].label
    (2, 'f')
    """

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    steps: tuple[GraphStep, ...]
    scopes: tuple[Scope, ...]
    target: str
    target_name: str
    note: str = ""
    colors: dict[str, str] = field(default_factory=lambda: dict(COLORS))

    @property
    def last_step(self) -> int:
        """Index of the step that shows every gradient."""
        return len(self.steps) - 1

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

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

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the widget reads."""
        data = asdict(self)
        data["last_step"] = self.last_step
        return data

    def to_dot(self, step: int | None = None, *, collapse: Iterable[str] | None = None,
               highlight: bool = True) -> str:
        """Graphviz DOT source of the drawing at ``step`` (None: the last step)."""
        from .dot import graph_to_dot
        return graph_to_dot(self, self.check_step(step), collapse=collapse, highlight=highlight)

    def to_svg(self, step: int | None = None, *, collapse: Iterable[str] | None = None,
               engine: str | None = None) -> str:
        """The drawing at ``step`` as SVG text, laid out by Graphviz."""
        from .render import render_svg
        return render_svg(self.to_dot(step, collapse=collapse), engine=engine)

    def save_svg(self, path: str | Path, step: int | None = None, **options: Any) -> Path:
        """Write the drawing at ``step`` to an SVG file."""
        path = Path(path)
        path.write_text(self.to_svg(step, **options), encoding="utf-8")
        return path

    def save_steps(self, directory: str | Path, **options: Any) -> list[Path]:
        """Write one SVG per step (``step_00.svg`` ...) for slides."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        width = max(2, len(str(self.last_step)))
        return [self.save_svg(directory / f"step_{i:0{width}d}.svg", i, **options)
                for i in range(len(self.steps))]

    def scope_ids(self, names: Iterable[str]) -> list[str]:
        """The ids of the scopes called ``names``; a clear error for a name it lacks."""
        by_name = {s.name: s.id for s in self.scopes}
        for name in names:
            if name not in by_name:
                raise ArgumentError(
                    f"no scope is called {name!r} in the drawing of {self.target_name!r}; its "
                    f"scopes: {', '.join(by_name) or 'none (it has no vg.scope)'}; fix: "
                    "collapse one of those")
        return [by_name[name] for name in names]

    def default_collapsed(self) -> list[str]:
        """Ids of the scopes drawn collapsed unless asked otherwise."""
        return [s.id for s in self.scopes if s.collapsed]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"image/svg+xml": self.to_svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return (f"<vizgrad.Graph of {self.target_name!r}: {len(self.nodes)} nodes, "
                f"{len(self.edges)} edges, {len(self.steps)} steps>")


# -- building a Graph from what the engine recorded ---------------------------------
def graph(y: Tensor, *, names: Mapping[str, Any] | None = None,
          extra: Sequence[Tensor] = (), backward_pass: BackwardPass | None = None) -> Graph:
    """The graph that made ``y``, with the backward pass last run from it.

    ``names``: a namespace (``locals()``) whose variable names label unnamed tensors.
    ``extra``: more tensors to draw; those not leading to ``y`` are greyed.
    If no backward pass has run from ``y``, one is run now (``.grad`` is not touched).
    """
    if not isinstance(y, Tensor):
        raise ArgumentError(f"graph() needs a vizgrad tensor, got {type(y).__name__}; fix: "
                            "pass the tensor you want to differentiate, e.g. vg.graph(loss)")
    result = backward_pass or y._pass or _fresh_pass(y)
    return _Builder(y, result, names or {}, extra).build()


def export_svg(y: Tensor, path: str | Path, step: int | None = None, *,
               names: Mapping[str, Any] | None = None, **options: Any) -> Path:
    """Write the drawing of ``y`` at ``step`` (None: the last step) to an SVG file."""
    return graph(y, names=names).save_svg(path, step, **options)


def _fresh_pass(y: Tensor) -> BackwardPass:
    """Backpropagate from ``y`` to its variables (or, with none, to every float leaf)."""
    leaves = [t for t in ancestors([y]) if t._op is None and is_floating(t.dtype)]
    wanted = [t for t in leaves if t.requires_grad] or leaves
    ids = {t._id for t in wanted}
    seed = np.ones(y.shape, dtype=y.dtype) if is_floating(y.dtype) else np.ones(y.shape)
    return backpropagate([y], [seed], lambda t: t._id in ids, kind="gradients", sources=wanted)


def _namespace_names(names: Mapping[str, Any]) -> dict[int, str]:
    found: dict[int, str] = {}
    for key, value in names.items():
        if isinstance(value, Tensor) and not key.startswith("_") and id(value) not in found:
            found[id(value)] = key
    return found


_LETTER = re.compile(r"(?<![A-Za-z])([abx])(?![A-Za-z])")


class _Builder:
    """Turns tensors and a BackwardPass into a Graph (one use)."""

    def __init__(self, y: Tensor, result: BackwardPass, names: Mapping[str, Any],
                 extra: Sequence[Tensor]) -> None:
        self.y = y
        self.result = result
        self.namespace = _namespace_names(names)
        self.extra = [t for t in extra if isinstance(t, Tensor)]
        # formatting every value is most of the work for a big graph, and the same
        # array is often drawn twice (on a node and on the edges leaving it)
        self._texts: dict[int, tuple[Any, str, str, bool]] = {}

    def texts(self, array: Any) -> tuple[str, str, bool]:
        """(short text, detail text, holds NaN/inf) of one value, formatted once."""
        cached = self._texts.get(id(array))
        if cached is None or cached[0] is not array:
            cached = (array, short(array), detail(array), has_nonfinite(array))
            self._texts[id(array)] = cached
        return cached[1], cached[2], cached[3]

    # names ---------------------------------------------------------------------
    def _labels(self, tensors: list[Tensor]) -> dict[int, str]:
        labels: dict[int, str] = {}
        counters: dict[str, int] = {}
        used: set[str] = set()
        for t in tensors:
            label = t.name or self.namespace.get(id(t))
            if label is None:
                kind = SHORT_OP_NAMES.get(t.op, t.op) if t._op is not None else (
                    "var" if t.requires_grad else "const")
                counters[kind] = counters.get(kind, 0) + 1
                label = f"{kind}{counters[kind]}"
                while label in used:
                    counters[kind] += 1
                    label = f"{kind}{counters[kind]}"
            used.add(label)
            labels[t._id] = label
        return labels

    def build(self) -> Graph:
        y, result = self.y, self.result
        sources = list(result.sources)
        drawn = ancestors([y, *self.extra, *sources])
        on_path = {t._id for t in ancestors([y])}
        labels = self._labels(drawn)
        target_name = labels[y._id] if (y.name or id(y) in self.namespace) else "f"
        node_id = {t._id: f"n{i}" for i, t in enumerate(drawn)}

        # when each tensor's gradient arrives: the step that computed it
        step_of_op: dict[int, int] = {}
        for k, s in enumerate(result.steps, start=1):
            step_of_op[s.node._id] = k
        consumers: dict[int, list[tuple[Tensor, int]]] = {}
        for t in drawn:
            for index, x in enumerate(t._inputs):
                consumers.setdefault(x._id, []).append((t, index))
        contributions: dict[tuple[int, int], np.ndarray] = {}
        for s in result.steps:
            for index, c in enumerate(s.contributions):
                if c is not None:
                    contributions[(s.node._id, index)] = c

        edges: list[Edge] = []
        edge_ids: dict[tuple[int, int], str] = {}
        grad_arrival: dict[int, int] = {}
        for t in drawn:
            for index, x in enumerate(t._inputs):
                key = (t._id, index)
                c = contributions.get(key)
                k = step_of_op.get(t._id) if c is not None else None
                if k is not None:
                    grad_arrival[x._id] = max(grad_arrival.get(x._id, 0), k)
                value_text, value_detail, _ = self.texts(t._saved[index] if t._saved
                                                         else x._data)
                grad_text = grad_detail = None
                first_nonfinite = False
                if c is not None:
                    grad_text, grad_detail, grad_bad = self.texts(c)
                    first_nonfinite = grad_bad and not has_nonfinite(result.steps[k - 1].upstream)
                edge = Edge(
                    id=f"e{len(edges)}", source=node_id[x._id], target=node_id[t._id],
                    input_index=index, value=value_text, grad=grad_text, grad_step=k,
                    detail={"value": value_detail, "grad": grad_detail},
                    nonfinite=first_nonfinite)
                edge_ids[key] = edge.id
                edges.append(edge)

        scopes, scope_of = self._scopes(drawn, len(drawn) + (y._op is not None), consumers)
        source_ids = {t._id for t in sources}
        tape_ops = result.allowed
        nodes: list[Node] = []
        for t in drawn:
            total = result.grads.get(t._id)
            if t._op is not None:
                kind = "op"
                k = step_of_op.get(t._id)
            else:
                kind = "variable" if t.requires_grad else "constant"
                k = grad_arrival.get(t._id)
            if t is y:
                k = 1 if result.steps else None
            if total is None:
                k = None
            value_text, value_detail, value_bad = self.texts(_value_when_used(t, consumers))
            grad_text, grad_detail, _ = (None, None, False) if total is None else \
                self.texts(total)
            nodes.append(Node(
                id=node_id[t._id], kind=kind, label=labels[t._id],
                op=t.op, symbol=t._op.symbol if t._op is not None else "",
                shape=tuple(t.shape), dtype=dtype_name(t.dtype), value=value_text,
                grad=None if k is None else grad_text, grad_step=k,
                detail={"value": value_detail, "grad": grad_detail},
                greyed=t._id not in on_path,
                scope=scope_of[t._id],
                unconnected=t._id in source_ids and total is None,
                outside_tape=tape_ops is not None and t._op is not None and
                t._id not in tape_ops and t._id in on_path,
                stopped=t._id in result.stops,
                nonfinite=value_bad and not any(has_nonfinite(v) for v in t._saved),
                fan_out=len(consumers.get(t._id, ())),
            ))

        # the output: a box the target's value flows into
        target_id = node_id[y._id]
        if y._op is not None:
            seed = result.seeds[0] if result.roots and result.roots[0] is y else None
            out_id = f"n{len(nodes)}"
            value_text, value_detail, _ = self.texts(y._data)
            seed_text, seed_detail, _ = (None, None, False) if seed is None else self.texts(seed)
            seed_step = 1 if seed is not None and result.steps else None
            nodes.append(Node(
                id=out_id, kind="output", label=target_name, op=None, symbol="",
                shape=tuple(y.shape), dtype=str(y.dtype), value=value_text,
                grad=seed_text, grad_step=seed_step,
                detail={"value": value_detail, "grad": seed_detail}, nonfinite=False))
            edges.append(Edge(
                id=f"e{len(edges)}", source=target_id, target=out_id, input_index=0,
                value=value_text, grad=seed_text, grad_step=seed_step,
                detail={"value": value_detail, "grad": seed_detail}))
            target_id = out_id
        steps = self._steps(labels, target_name, edge_ids, node_id, nodes, edges)
        note = ""
        if any(s.collapsed for s in scopes):
            note = (f"Large graph: {len(nodes):,} nodes, more than {COLLAPSE_LIMIT}, so its "
                    f"{sum(1 for s in scopes if s.collapsed)} groups are drawn collapsed")
        return Graph(tuple(nodes), tuple(edges), tuple(steps), tuple(scopes), target_id,
                     target_name, note)

    # scopes ------------------------------------------------------------------------
    def _scopes(self, drawn: list[Tensor], node_count: int,
                consumers: dict[int, list[tuple[Tensor, int]]]
                ) -> tuple[list[Scope], dict[int, str | None]]:
        """The scopes to draw, and the scope id of each tensor (None: drawn on its own)."""
        def top(path: str | None) -> str | None:
            return path.split("/")[0] if path else None

        scope_of: dict[int, str | None] = {}
        for t in drawn:
            if t._op is not None:
                scope_of[t._id] = top(t._scope)
        for t in drawn:
            if t._op is None:  # a leaf goes with its users when they share one scope
                users = {scope_of.get(u._id) for u, _ in consumers.get(t._id, ())}
                scope_of[t._id] = users.pop() if len(users) == 1 else top(t._scope)
        large = node_count > COLLAPSE_LIMIT
        unscoped_ops = [t for t in drawn if t._op is not None and not scope_of[t._id]]
        names = set(scope_of.values()) - {None}
        visible = len(names) + sum(1 for t in drawn if not scope_of[t._id])
        chunks: dict[str, int] = {}  # the groups made for a large graph, in order
        if large and visible > COLLAPSE_LIMIT and unscoped_ops:
            # groups are bands of depth (longest path from a leaf), so edges run from one
            # group to a later one and the collapsed drawing reads left to right
            depth: dict[int, int] = {}
            for t in drawn:  # creation order: inputs before their users
                depth[t._id] = 1 + max((depth[x._id] for x in t._inputs), default=-1)
            order = sorted(unscoped_ops, key=lambda t: (depth[t._id], t._id))
            rank = {t._id: i for i, t in enumerate(order)}
            size = math.ceil(len(order) / CHUNKS)
            for i, t in enumerate(order):
                first = i - i % size
                last = min(first + size, len(order))
                scope_of[t._id] = f"ops {first + 1}–{last}"
                chunks.setdefault(scope_of[t._id], 0)
            for t in drawn:  # a leaf goes with the first group that uses it
                users = [u for u, _ in consumers.get(t._id, ()) if u._id in rank]
                if t._op is None and not scope_of[t._id] and users:
                    scope_of[t._id] = scope_of[min(users, key=lambda u: rank[u._id])._id]
        # scopes in order of first appearance (drawn is in creation order), then groups
        sizes: dict[str, int] = {}
        for t in drawn:
            name = scope_of[t._id]
            if name and name not in chunks:
                sizes[name] = sizes.get(name, 0) + 1
            elif name:
                chunks[name] += 1
        sizes.update(chunks)
        ids = {name: f"s{i}" for i, name in enumerate(sizes)}
        scopes = [Scope(ids[name], name, size, large) for name, size in sizes.items()]
        return scopes, {tid: ids.get(name) if name else None for tid, name in scope_of.items()}

    # steps -------------------------------------------------------------------------
    def _steps(self, labels: dict[int, str], target: str, edge_ids: dict[tuple[int, int], str],
               node_id: dict[int, str], nodes: list[Node], edges: list[Edge]) -> list[GraphStep]:
        result = self.result
        node_by_id = {n.id: n for n in nodes}
        incoming: dict[str, list[Edge]] = {}
        for e in edges:
            if e.grad is not None:
                incoming.setdefault(e.source, []).append(e)
        first = [f"Forward pass: each edge carries the value that flowed along it "
                 f"(blue); {target} = {short(self.y._data)}."]
        if result.steps:
            first.append(f"Backpropagation starts at {target} with ∂{target}/∂{target} = 1 and "
                         "walks back one operation per step (gradients in orange).")
        for n in nodes:
            if n.unconnected:
                first.append(f"{n.label} is unconnected: no path carries a gradient from "
                             f"{target} back to it, so its gradient is None.")
        outside = [n.label for n in nodes if n.outside_tape]
        if outside:
            first.append(f"{', '.join(outside)} ran outside the GradientTape: the tape did not "
                         "record it, so no gradient flows through it.")
        stopped = [n.label for n in nodes if n.stopped]
        if stopped:
            first.append(f"{', '.join(stopped)} is in stop_gradients: backpropagation treats "
                         "it as a constant and goes no further back through it.")
        if not result.steps:
            first.append("No gradient flows back: nothing to step through.")
        steps = [GraphStep(0, None, "Step 0: the forward pass", tuple(first))]
        for k, s in enumerate(result.steps, start=1):
            t = s.node
            name = labels[t._id]
            lines = []
            if k == 1:
                lines.append(f"∂{target}/∂{name} = 1 ({name} is the output {target})"
                             if name != target else f"∂{target}/∂{target} = 1")
            else:
                lines.append(f"∂{target}/∂{name} = {self.texts(s.upstream)[0]}")
            touched = []
            for index, (x, c) in enumerate(zip(t._inputs, s.contributions)):
                if c is None:
                    continue
                x_name = labels[x._id]
                line = self._chain_line(target, name, x_name, t, index, s.upstream, c,
                                        [labels[i._id] for i in t._inputs])
                if len(t._inputs) > 1 and sum(1 for other in t._inputs if other is x) > 1:
                    line += f"  (as input {index + 1})"
                lines.append(line)
                touched.append(edge_ids[(t._id, index)])
                x_node = node_by_id[node_id[x._id]]
                arrivals = incoming.get(x_node.id, [])
                if len(arrivals) > 1 and x_node.grad_step == k and \
                        index == max(i for i, xx in enumerate(t._inputs) if xx is x):
                    parts = " + ".join(e.grad or "" for e in arrivals)
                    lines.append(f"{x_name} is used {len(arrivals)} times, so its gradient is "
                                 f"the sum: ∂{target}/∂{x_name} = {parts} = {x_node.grad}")
            op_title = t.op or "op"
            steps.append(GraphStep(k, node_id[t._id],
                                   f"Step {k}: backpropagate through {op_title} ({name})",
                                   tuple(lines), tuple(touched)))
        if len(steps) > 1:
            done = [f"∂{target}/∂{n.label} = {n.grad}" for n in nodes
                    if n.kind == "variable" and n.grad is not None]
            if done:
                last = steps[-1]
                steps[-1] = GraphStep(last.index, last.node, last.title,
                                      (*last.lines, "Done: " + ", ".join(done)), last.edges)
        return steps

    def _chain_line(self, target: str, name: str, x_name: str, t: Tensor, index: int,
                    upstream: np.ndarray, c: np.ndarray, input_names: list[str]) -> str:
        head = f"∂{target}/∂{x_name} = ∂{target}/∂{name} · ∂{name}/∂{x_name}"
        if name == target:  # the output's own op: the chain would read ∂f/∂f · ∂f/∂x
            head = f"∂{target}/∂{x_name} = ∂{target}/∂{target} · (local derivative)"
        upstream_text, c_text = self.texts(upstream)[0], self.texts(c)[0]
        if t._op.elementwise and np.size(upstream) == 1 and np.size(c) == 1:
            g = np.asarray(upstream).reshape(()).item()   # complex in the middle, too
            if g != 0:
                local = np.asarray(c).reshape(()).item() / g
                return f"{head} = {upstream_text} · {short(local)} = {c_text}"
        formula = t._op.formula(index)
        letters = {"a": 0, "b": 1, "x": 0}

        def named(match: re.Match) -> str:
            i = letters[match.group(1)]
            return input_names[i] if i < len(input_names) and input_names[i] else match.group(1)

        local = _LETTER.sub(named, formula) if formula else "the local derivative"
        return f"{head} = {upstream_text} · ({local}) = {c_text}"


def _value_when_used(t: Tensor, consumers: dict[int, list[tuple[Tensor, int]]]) -> np.ndarray:
    """A leaf's value as its first user saw it: an optimizer step since then changes nothing."""
    for user, index in consumers.get(t._id, ()):
        if user._saved:
            return user._saved[index]
    return t._data
