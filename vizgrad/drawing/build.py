"""From a Trace to a Graph: nodes, edges, groups and steps, each made when first read.

``build_graph(trace)`` works out the structure (who feeds whom, which step each
gradient arrives at, the groups) in one pass of plain integer work, then hands
out a Graph whose nodes, edges and steps are formatted only when something reads
them: a drawing formats what it draws.

>>> import numpy as np
>>> from vizgrad.drawing.trace import Trace, TracedStep, TracedTensor
>>> x = TracedTensor(0, "x", None, "", (), False, (), (), np.array(3.0), True, None)
>>> f = TracedTensor(1, "f", "multiply", "×", ("b", "a"), True, (0, 0),
...                  (np.array(3.0), np.array(3.0)), np.array(9.0), False, None)
>>> trace = Trace((x, f), target=1, seed=np.array(1.0),
...               steps=(TracedStep(1, np.array(1.0), (np.array(3.0), np.array(3.0))),),
...               totals={1: np.array(1.0), 0: np.array(6.0)}, sources=(0,))
>>> g = build_graph(trace); g.find("x").grad, g.steps[1].lines[-2][:38]
('6', 'x is used 2 times, so its total gradie')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError
from . import narrate
from .format import detail, has_nonfinite, inline, short
from .graph import Edge, Graph, GraphStep, Items, Node, Scope, Structure, paused_gc
from .group import COLLAPSE_LIMIT, group
from .options import OPTIONS, check_max_values
from .palette import COLORS
from .trace import Trace, step_outline

NOT_RECORDED = "not recorded"  # the text of a value the Trace does not hold (None)

SHORT_OP_NAMES = {"multiply": "mul", "subtract": "sub", "divide": "div", "negative": "neg",
                  "power": "pow", "getitem": "index", "concatenate": "concat",
                  "broadcast_to": "broadcast", "stop_gradient": "stop", "transpose": "T",
                  "logsumexp": "lse", "log_softmax": "logsoftmax", "greater": "gt",
                  "greater_equal": "ge", "less": "lt", "less_equal": "le", "equal": "eq",
                  "not_equal": "ne", "maximum": "maximum", "minimum": "minimum"}


def build_graph(trace: Trace, *, max_values: int | None = None, depth: int | None = None,
                **options: Any) -> Graph:
    """The Graph of a Trace: what DOT, SVG and the widget draw.

    ``max_values``: show every entry of tensors with at most this many
    (default: ``vg.set_options(max_values=...)``, 16). ``depth``: groups nested
    deeper than this start collapsed (0: every group is one box; None: only a
    large graph's groups are).
    """
    if options:
        raise TypeError(f"build_graph() got an unexpected option {next(iter(options))!r}")
    limit = OPTIONS["max_values"] if max_values is None else check_max_values(max_values)
    with paused_gc():
        return Drawing(trace, limit, check_depth(depth)).graph()


def check_depth(depth: Any) -> int | None:
    """``depth`` if it is None or a whole number from 0, else a clear error.

    >>> check_depth(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vizgrad.errors.ArgumentError: depth=-1 is not a nesting depth; fix: ...
    """
    if depth is None or isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0:
        return depth
    raise ArgumentError(f"depth={depth!r} is not a nesting depth; fix: a whole number from 0 "
                        "(0: every group drawn as one box), or None")


class Drawing:
    """The structure of one Trace, and the texts of its parts, made on demand."""

    def __init__(self, trace: Trace, max_values: int, depth: int | None = None) -> None:
        self.trace = trace
        self.max_values = max_values
        tensors = trace.tensors
        n = len(tensors)
        self.n = n
        target = trace.target
        self.has_output = tensors[target].op is not None

        # edges: one per (tensor, input), in tensor order; edge k of tensor t is
        # edge_start[t] + its input's position. Who uses whom is kept only where it is
        # read: the edges leaving a tensor used twice or more (its gradient is a sum)
        # and the users of leaves (a leaf is drawn in its users' group)
        fan_out = [0] * n
        first_edge: dict[int, int] = {}
        out_edges: dict[int, list[int]] = {}
        leaf_users: dict[int, list[int]] = {}
        sources: list[int] = []
        targets: list[int] = []
        edge_start = [0] * n
        for t in tensors:
            i = t.index
            edge_start[i] = len(sources)
            for x in t.inputs:
                k = len(sources)
                sources.append(x)
                targets.append(i)
                fan_out[x] += 1
                if fan_out[x] == 1:
                    first_edge[x] = k
                elif fan_out[x] == 2:
                    out_edges[x] = [first_edge[x], k]
                else:
                    out_edges[x].append(k)
                if tensors[x].op is None:
                    leaf_users.setdefault(x, []).append(i)
        self.fan_out, self.out_edges, self.edge_start = fan_out, out_edges, edge_start
        self.leaf_users = leaf_users

        on_path = bytearray(n)
        stack = [target]
        while stack:
            i = stack.pop()
            if not on_path[i]:
                on_path[i] = 1
                stack.extend(tensors[i].inputs)
        self.on_path = on_path

        self.forward = trace.mode == "forward"
        if self.forward:
            self._forward_structure(n)
        # when each gradient arrives: an op's at the step that ran it, a leaf's at the
        # last step that sent it something
        self.step_of: dict[int, int] = {}
        arrival: dict[int, int] = {}
        outline = step_outline(trace.steps)
        for k, (tensor, sent) in enumerate(outline, start=1):
            self.step_of[tensor] = k
            for x, arrived in zip(tensors[tensor].inputs, sent):
                if arrived:
                    arrival[x] = k
        totals = trace.totals
        # a lazy mapping (a long pass's totals) says which indices it holds without arrays
        present = totals.indices() if hasattr(totals, "indices") else totals
        grad_step: list[int | None] = [None] * n
        for i, t in enumerate(tensors):
            if i in present:
                grad_step[i] = self.step_of.get(i) if t.op is not None else arrival.get(i)
        if target in totals:
            grad_step[target] = 1 if trace.steps else None
        self.grad_step = grad_step
        self.arrival = arrival  # tensor -> the last step that sent it a gradient
        if self.forward:  # the tangents take the gradients' place, at the forward steps
            self.step_of, self.arrival = self.forward_step_of, {}
            self.grad_step = [0 if i in trace.tangents and t.op is None else
                              self.forward_step_of.get(i) for i, t in enumerate(tensors)]

        self.labels = self._labels()
        named = trace.target_name or tensors[target].name
        self.target_name = named if named else "f"
        node_count = n + self.has_output
        grouping = group(tensors, leaf_users, node_count)
        levels: list[int] = []  # 1 for a group at the top, 2 for one inside it, ...
        for parent in grouping.parents or [None] * len(grouping.names):
            levels.append(1 if parent is None else levels[parent] + 1)
        self.scopes = tuple(
            Scope(f"s{k}", name, size, grouping.collapsed or depth is not None and
                  levels[k] > depth, None if parent is None else f"s{parent}")
            for k, (name, size, parent) in enumerate(zip(
                grouping.names, grouping.sizes, grouping.parents or [None] * len(levels))))
        self.large = grouping.collapsed
        node_scopes: list[str | None] = [None if g is None else f"s{g}"
                                         for g in grouping.group_of]
        node_greyed = [not flag for flag in on_path]
        if self.has_output:
            node_scopes.append(None)
            node_greyed.append(False)
            sources.append(target)
            targets.append(n)
        self.structure = Structure(node_scopes, node_greyed, sources, targets,
                                   [None, *((s.tensor for s in self.step_list) if self.forward
                                            else (tensor for tensor, _ in outline))])
        self.node_count = node_count
        self._texts: dict[int, tuple[Any, str, bool]] = {}

    def _forward_structure(self, n: int) -> None:
        """Forward mode: step k pushes the tangents through the k-th op, in the order run."""
        self.forward_step_of = {s.tensor: k
                                for k, s in enumerate(self.trace.forward_steps, start=1)}

    @property
    def step_list(self) -> tuple:
        """The steps after step 0: the backward pass's, or forward mode's."""
        return self.trace.forward_steps if self.forward else self.trace.steps

    def value_of_step(self, i: int) -> Any:
        """What the drawing shows as tensor ``i``'s second number: gradient or tangent."""
        return (self.trace.tangents if self.forward else self.trace.totals).get(i)

    # -- names ----------------------------------------------------------------------
    def _labels(self) -> list[str | None]:
        """Each tensor's label; None for a literal, drawn by its value (``label``)."""
        labels: list[str | None] = []
        counters: dict[str, int] = {}
        used: set[str] = set()
        # the op that makes the target is not labelled like the output box after it
        target = self.trace.target if self.has_output and not self.trace.target_name else -1
        for t in self.trace.tensors:
            label = t.name if t.index != target else None
            if not label:
                if t.op is None and not t.requires_grad and t.value is not None and \
                        np.ndim(t.value) == 0:
                    labels.append(None)  # a literal such as the 2 of x * 2
                    continue
                kind = SHORT_OP_NAMES.get(t.op, t.op) if t.op is not None else (
                    "var" if t.requires_grad else "const")
                counters[kind] = counters.get(kind, 0) + 1
                label = f"{kind}{counters[kind]}"
                while label in used:
                    counters[kind] += 1
                    label = f"{kind}{counters[kind]}"
            used.add(label)
            labels.append(label)
        return labels

    def label(self, i: int) -> str:
        """How tensor ``i`` is named in the drawing and the explanations."""
        label = self.labels[i]
        return self.text(self.trace.tensors[i].value) if label is None else label

    # -- texts, made once per array -------------------------------------------------
    def text(self, array: Any) -> str:
        """The short text of one value (formatted once, however often it is drawn)."""
        return self._entry(array)[1]

    def line_text(self, array: Any) -> str:
        """A value as one line of an explanation: summed up when it is long."""
        if array is None:
            return NOT_RECORDED
        return inline(array, self.max_values)

    def nonfinite(self, array: Any) -> bool:
        """True when the value holds NaN or inf."""
        return self._entry(array)[2]

    def _entry(self, array: Any) -> tuple[Any, str, bool]:
        if array is None:  # a value the recorder did not keep (PyTorch without record())
            return (None, NOT_RECORDED, False)
        entry = self._texts.get(id(array))
        if entry is None or entry[0] is not array:
            entry = (array, short(array, self.max_values), has_nonfinite(array))
            self._texts[id(array)] = entry
        return entry

    def details(self, value: Any, grad: Any) -> Any:
        """A function that makes the click-for-details texts of a value and its gradient."""
        limit = self.max_values
        return lambda: {"value": NOT_RECORDED if value is None else detail(value, limit),
                        "grad": None if grad is None else detail(grad, limit)}

    # -- the parts of the graph -------------------------------------------------------
    def contribution(self, tensor: int, position: int) -> np.ndarray | None:
        """The gradient the step through ``tensor`` sent to its input at ``position``
        (forward mode: the tangent that input brought in)."""
        k = self.step_of.get(tensor)
        if k is None:
            return None
        if self.forward:
            return self.trace.forward_steps[k - 1].inputs[position]
        return self.trace.steps[k - 1].contributions[position]

    def node(self, i: int) -> Node:
        """Node ``i``: tensor ``i`` of the trace, or (i == n) the output box."""
        trace = self.trace
        if i == self.n:
            return self._output()
        t = trace.tensors[i]
        total = self.value_of_step(i)
        k = self.grad_step[i]
        value = t.value
        shape = tuple(t.shape if t.shape is not None else np.shape(value))
        node = Node(
            id=f"n{i}", kind="op" if t.op is not None else (
                "variable" if t.requires_grad else "constant"),
            label=self.label(i), op=t.op, symbol=t.symbol, shape=shape,
            dtype=t.dtype or str(np.asarray(value).dtype),
            value="" if value is None else self.text(value),
            grad=None if k is None or total is None else self.text(total), grad_step=k,
            scope=self.structure.node_scopes[i], greyed=not self.on_path[i],
            unconnected=i in trace.sources and total is None and not self.forward,
            outside_tape=i in trace.outside_tape and bool(self.on_path[i]),
            stopped=i in trace.stopped,
            nonfinite=value is not None and self.nonfinite(value) and not any(
                v is not None and has_nonfinite(v) for v in t.input_values),
            fan_out=self.fan_out[i], size=math.prod(shape),
            details=self.details(value, total))
        notes = narrate.node_notes(node, self.target_name, self.trace.stopped_by)
        if self.trace.checks:  # a hand-written _backward, checked
            notes += narrate.rule_notes(self, i)
            object.__setattr__(node, "flagged", narrate.rule_flagged(self, i))
        if notes:
            object.__setattr__(node, "notes", notes)
        return node

    def _output(self) -> Node:
        trace, t = self.trace, self.trace.tensors[self.trace.target]
        seed = trace.tangents.get(trace.target) if self.forward else trace.seed
        shape = tuple(t.shape if t.shape is not None else np.shape(t.value))
        return Node(
            id=f"n{self.n}", kind="output", label=self.target_name, op=None, symbol="",
            shape=shape, dtype=t.dtype or str(np.asarray(t.value).dtype),
            value=self.text(t.value), grad=None if seed is None else self.text(seed),
            grad_step=self.seed_step, size=math.prod(shape), details=self.details(t.value, seed))

    @property
    def seed_step(self) -> int | None:
        """The step at which the seed shows: 1, or None with no seed or no step (forward
        mode: the output's tangent, at the last step)."""
        if self.forward:
            return len(self.step_list) or None
        return 1 if self.trace.seed is not None and self.trace.steps else None

    def edge(self, k: int) -> Edge:
        """Edge ``k``: input ``position`` of a tensor, or (last) the target into the output."""
        structure, trace = self.structure, self.trace
        source, target = structure.edge_sources[k], structure.edge_targets[k]
        if target == self.n:  # into the output box
            t, seed = trace.tensors[source], trace.seed
            return Edge(id=f"e{k}", source=f"n{source}", target=f"n{target}", input_index=0,
                        value=self.text(t.value),
                        grad=None if seed is None else self.text(seed),
                        grad_step=self.seed_step, size=int(np.size(t.value)),
                        details=self.details(t.value, seed))
        t = trace.tensors[target]
        position = k - self.edge_start[target]
        c = self.contribution(target, position)
        step = self.step_of.get(target) if c is not None else None
        value = t.input_values[position] if t.input_values else trace.tensors[source].value
        first_nonfinite = c is not None and not self.forward and self.nonfinite(c) and \
            not has_nonfinite(trace.steps[step - 1].upstream)
        return Edge(id=f"e{k}", source=f"n{source}", target=f"n{target}",
                    input_index=position, value=self.text(value),
                    grad=None if c is None else self.text(c), grad_step=step,
                    nonfinite=first_nonfinite, size=int(np.size(value)),
                    details=self.details(value, c))

    def step(self, k: int) -> GraphStep:
        """Step ``k`` with its explanation."""
        return narrate.forward_step(self, k) if self.forward else narrate.step(self, k)

    def graph(self) -> Graph:
        """The Graph, its parts made when first read."""
        collapsed = sum(1 for s in self.scopes if s.collapsed and s.parent is None)
        note = ""
        if collapsed and self.large:
            note = (f"Large graph: {self.node_count:,} nodes, more than {COLLAPSE_LIMIT}, so "
                    f"its {collapsed} groups are drawn collapsed")
        self.nodes = Items(self.node_count, self.node)
        self.edges = Items(len(self.structure.edge_sources), self.edge)
        target_id = f"n{self.n}" if self.has_output else f"n{self.trace.target}"
        drawn = Graph(self.nodes, self.edges, Items(len(self.step_list) + 1, self.step),
                      self.scopes, target_id, self.target_name, note, dict(COLORS),
                      self.structure, "micrograd" if self.trace.kind == "micrograd" else "")
        drawn.mode = self.trace.mode
        return drawn
