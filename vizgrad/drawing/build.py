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
from operator import truth
from typing import Any

import numpy as np

from ..errors import ArgumentError
from . import narrate
from .format import detail, has_nonfinite, inline, short
from .graph import Edge, Graph, GraphStep, IntColumn, Items, Node, Scope, Structure, paused_gc
from .group import COLLAPSE_LIMIT, group
from .options import OPTIONS, check_max_values
from .palette import COLORS
from .trace import Trace, columns_of, offsets, step_outline

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
        self.edges_made: dict[int, Edge] = {}  # the Graph's edges, as made so far
        columns = self.columns = columns_of(trace.tensors)
        n = len(columns)
        self.n = n
        target = trace.target
        is_leaf = self.is_leaf = columns.is_leaf
        self.has_output = not is_leaf[target]

        # edges: one per (tensor, input), in tensor order; edge k of tensor t is
        # edge_start[t] + its input's position
        starts, sources = columns.starts, columns.inputs
        targets = np.repeat(np.arange(n, dtype=np.int64), columns.counts)
        self.edge_start = starts
        self.fan_out = np.bincount(sources, minlength=n)
        self.out_edges = _OutEdges(sources, self.fan_out)

        on_path = columns.on_path
        if on_path is None:
            on_path = _leading_to(target, starts, sources)
        self.on_path = on_path

        self.forward = trace.mode == "forward"
        if self.forward:
            self._forward_structure(n)
        # when each gradient arrives: an op's at the step that ran it, a leaf's at the
        # last step that sent it something
        outline = step_outline(trace.steps)
        count = len(outline.tensors)
        step_at = np.zeros(n, np.int64)
        np.maximum.at(step_at, outline.tensors, np.arange(1, count + 1))
        sent_per_step = outline.starts[1:] - outline.starts[:-1]
        step = np.repeat(np.arange(1, count + 1), sent_per_step)
        place = np.arange(len(outline.sent)) - np.repeat(outline.starts[:-1], sent_per_step)
        tensor = np.repeat(outline.tensors, sent_per_step)
        arrived = outline.sent & (place < columns.counts[tensor])  # inputs it has
        arrival_at = np.zeros(n, np.int64)
        np.maximum.at(arrival_at, sources[starts[tensor[arrived]] + place[arrived]],
                      step[arrived])
        self.step_of: Any = _StepAt(step_at)
        self.arrival: Any = _StepAt(arrival_at)  # tensor -> the last step that sent it one
        totals = trace.totals
        present = getattr(totals, "mask", None)
        if present is None:  # a mapping that says its indices (without arrays), or a plain one
            present = np.zeros(n, dtype=bool)
            present[[i for i in (totals.indices() if hasattr(totals, "indices") else totals)
                     if 0 <= i < n]] = True
        grad_at = np.where(is_leaf, arrival_at, step_at)
        grad_at[~present] = 0
        if target in totals:
            grad_at[target] = 1 if trace.steps else 0
        self.grad_step: Any = _StepAt(grad_at)   # tensor -> the step its total shows at
        if self.forward:  # the tangents take the gradients' place, at the forward steps
            self.step_of, self.arrival = self.forward_step_of, {}
            tangents = trace.tangents
            self.grad_step = [0 if i in tangents and is_leaf[i] else
                              self.forward_step_of.get(i) for i in range(n)]

        self.labels = Labels(columns, is_leaf, target if self.has_output and
                             not trace.target_name else -1)
        named = trace.target_name or columns.names[target]
        self.target_name = named if named else "f"
        node_count = n + self.has_output
        grouping = group(columns, node_count)
        levels: list[int] = []  # 1 for a group at the top, 2 for one inside it, ...
        for parent in grouping.parents or [None] * len(grouping.names):
            levels.append(1 if parent is None else levels[parent] + 1)
        self.scopes = tuple(
            Scope(f"s{k}", name, size, grouping.collapsed or depth is not None and
                  levels[k] > depth, None if parent is None else f"s{parent}")
            for k, (name, size, parent) in enumerate(zip(
                grouping.names, grouping.sizes, grouping.parents or [None] * len(levels))))
        self.large = grouping.collapsed
        scope_ids = [s.id for s in self.scopes]
        groups = grouping.group_of
        edge_sources, edge_targets = sources, targets
        if self.has_output:
            groups = np.concatenate((groups, [-1]))
            edge_sources = np.concatenate((sources, [target]))
            edge_targets = np.concatenate((targets, [n]))
        node_scopes = np.array([*scope_ids, None], dtype=object)[groups]
        node_greyed = ~on_path.astype(bool)
        if self.has_output:
            node_greyed = np.concatenate((node_greyed, [False]))
        step_nodes = np.empty(len(self.step_list) + 1, dtype=object)  # step 0: none
        step_nodes[1:] = [s.tensor for s in self.step_list] if self.forward else \
            outline.tensors
        self.structure = Structure(node_scopes, node_greyed, IntColumn(edge_sources),
                                   IntColumn(edge_targets), step_nodes,
                                   (groups, scope_ids, edge_sources, edge_targets))
        self.node_count = node_count
        self._texts: dict[int, tuple[Any, str, bool]] = {}
        self._lines: dict[int, tuple[Any, str]] = {}

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
    def label(self, i: int) -> str:
        """How tensor ``i`` is named in the drawing and the explanations."""
        label = self.labels[i]
        return self.text(self.trace.tensors[i].value) if label is None else label

    def leaves(self, requires_grad: bool = False) -> list[int]:
        """The indices of the leaves (only the variables, with ``requires_grad``)."""
        wanted = self.is_leaf & self.columns.requires_grad if requires_grad else self.is_leaf
        return np.flatnonzero(wanted).tolist()

    # -- texts, made once per array -------------------------------------------------
    def text(self, array: Any) -> str:
        """The short text of one value (formatted once, however often it is drawn)."""
        return self._entry(array)[1]

    def line_text(self, array: Any) -> str:
        """A value as one line of an explanation: summed up when it is long."""
        if array is None:
            return NOT_RECORDED
        made = self._lines.get(id(array))
        if made is None or made[0] is not array:  # once per array, however often said
            made = self._lines[id(array)] = (array, inline(array, self.max_values))
        return made[1]

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
            fan_out=int(self.fan_out[i]), size=math.prod(shape),
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

    def edge_item(self, k: int) -> Edge:
        """Edge ``k`` as the Graph has it (made once)."""
        found = self.edges_made.get(k)
        if found is None:
            found = self.edges_made[k] = self.edge(k)
        return found

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
        position = k - int(self.edge_start[target])
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
        # the drawing keeps the edges made, not the Items that make them with its own bound
        # method: no reference cycle, so a dropped Graph is freed at once, not by a garbage
        # collection that walks every tensor (a training loop drawing each step)
        edges = Items(len(self.structure.edge_sources), self.edge, self.edges_made)
        target_id = f"n{self.n}" if self.has_output else f"n{self.trace.target}"
        steps = Items(len(self.step_list) + 1, self.step)
        drawn = Graph(Items(self.node_count, self.node), edges, steps,
                      self.scopes, target_id, self.target_name, note, dict(COLORS),
                      self.structure, "micrograd" if self.trace.kind == "micrograd" else "")
        drawn.mode = self.trace.mode
        return drawn


class _StepAt:
    """Tensor index -> a step, or None (read as a mapping), from an array where 0 means
    none."""

    def __init__(self, steps: np.ndarray) -> None:
        self._steps = steps

    def get(self, i: int, default: Any = None) -> Any:
        k = int(self._steps[i]) if 0 <= i < len(self._steps) else 0
        return k if k else default

    def __getitem__(self, i: int) -> int | None:
        return self.get(i)


class _OutEdges:
    """Tensor index -> the edges leaving it, for a tensor used twice or more (its gradient
    is a sum); worked out for all tensors when first asked."""

    def __init__(self, sources: np.ndarray, fan_out: np.ndarray) -> None:
        self._sources, self._fan_out = sources, fan_out
        self._order: list[int] | None = None
        self._starts: list[int] = []

    def get(self, i: int, default: Any = None) -> Any:
        if not 0 <= i < len(self._fan_out) or self._fan_out[i] < 2:
            return default
        if self._order is None:
            self._order = np.argsort(self._sources, kind="stable").tolist()
            self._starts = offsets(self._fan_out).tolist()
        return self._order[self._starts[i]:self._starts[i + 1]]


def _leading_to(target: int, starts: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Per tensor: True when it leads to ``target`` (it is the target or one of its inputs,
    at any depth)."""
    on_path = bytearray(len(starts) - 1)
    begin, flat = starts.tolist(), inputs.tolist()
    stack = [target]
    while stack:
        i = stack.pop()
        if not on_path[i]:
            on_path[i] = 1
            stack.extend(flat[begin[i]:begin[i + 1]])
    return np.frombuffer(bytes(on_path), dtype=bool)


class Labels:
    """Each tensor's label: its name, or its kind and a count ("mul2"), or None for a
    literal (drawn by its value). Worked out for every tensor at once when first read,
    spelled only for those read.

    >>> import numpy as np
    >>> from vizgrad.drawing.trace import TracedTensor, columns_of
    >>> x = TracedTensor(0, "x", None, "", (), False, (), (), np.array(3.0), True, None)
    >>> f = TracedTensor(1, None, "multiply", "×", (), True, (0, 0), (), np.array(9.0), False, None)
    >>> g = TracedTensor(2, None, "multiply", "×", (), True, (1, 0), (), np.array(27.), False, None)
    >>> columns = columns_of((x, f, g))
    >>> labels = Labels(columns, columns.is_leaf, -1); [labels[i] for i in range(3)]
    ['x', 'mul1', 'mul2']
    """

    def __init__(self, columns: Any, is_leaf: np.ndarray, unnamed: int) -> None:
        self._columns, self._is_leaf = columns, is_leaf
        self._unnamed = unnamed  # a tensor whose name is not its label (-1: none)
        self._made: list[str | None] | None = None
        self._kinds: list[str] = []
        self._kind = self._count = np.zeros(0, np.int64)
        self._named = np.zeros(0, dtype=bool)

    def __getitem__(self, i: int) -> str | None:
        if self._made is None and not len(self._named):
            self._work_out()
        if self._made is not None:
            return self._made[i]
        if self._named[i]:
            return self._columns.names[i]
        count = int(self._count[i])
        return f"{self._kinds[self._kind[i]]}{count}" if count else None

    def _work_out(self) -> None:
        columns, n = self._columns, len(self._columns)
        names = columns.names
        named = np.fromiter(map(truth, names), bool, n)
        if 0 <= self._unnamed < n:
            named[self._unnamed] = False
        op_kinds = [None if name is None else SHORT_OP_NAMES.get(name, name)
                    for name in columns.op_names]
        kinds = list(dict.fromkeys([*(k for k in op_kinds if k is not None), "var", "const"]))
        code = np.array([-1 if k is None else kinds.index(k) for k in op_kinds],
                        dtype=np.int64)
        kind = code[columns.op_codes]
        kind[self._is_leaf] = np.where(columns.requires_grad[self._is_leaf],
                                       kinds.index("var"), kinds.index("const"))
        generated = np.flatnonzero(~named & ~columns.literal)
        present = np.bincount(kind[generated], minlength=len(kinds))
        used_kinds = {k for k, count in zip(kinds, present.tolist()) if count}
        if _may_collide(used_kinds, {name for name in set(names) if name}):
            self._made = self._one_by_one(named, kind, kinds)
            return
        # the k-th unnamed tensor of a kind is "kind{k}": its rank among them
        small = np.uint16 if len(kinds) < 2**16 else np.int64   # sorted in one pass
        order = generated[np.argsort(kind[generated].astype(small), kind="stable")]
        sorted_kinds = kind[order]
        count = np.zeros(n, np.int64)
        count[order] = np.arange(len(order)) - np.searchsorted(sorted_kinds, sorted_kinds) + 1
        self._kinds, self._kind, self._count, self._named = kinds, kind, count, named

    def _one_by_one(self, named: np.ndarray, kind: np.ndarray, kinds: list[str]
                    ) -> list[str | None]:
        """Every label in tensor order, a count skipped where it would repeat a label
        already given (a tensor named "mul1" by the user)."""
        labels: list[str | None] = []
        counters: dict[str, int] = {}
        used: set[str] = set()
        names, literal = self._columns.names, self._columns.literal
        for i in range(len(named)):
            label = names[i] if named[i] else None
            if not label:
                if literal[i]:
                    labels.append(None)  # a literal such as the 2 of x * 2
                    continue
                k = kinds[kind[i]]
                counters[k] = counters.get(k, 0) + 1
                label = f"{k}{counters[k]}"
                while label in used:
                    counters[k] += 1
                    label = f"{k}{counters[k]}"
            used.add(label)
            labels.append(label)
        return labels


def _may_collide(kinds: set[str], names: set[str]) -> bool:
    """True when a counted label ("mul1") could equal a name or another kind's label: a
    name, or a kind, is one of ``kinds`` followed by a number (then labels are given one
    by one, skipping those taken).

    >>> _may_collide({"mul", "add"}, {"x", "mul"}), _may_collide({"mul"}, {"mul2"})
    (False, True)
    >>> _may_collide({"log", "log2"}, set())
    True
    """
    for word in (*names, *kinds):
        end = len(word)
        while end and word[end - 1].isdigit():
            end -= 1
        for cut in range(end, len(word)):
            if word[cut] != "0" and word[:cut] in kinds:
                return True
    return False
