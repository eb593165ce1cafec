"""Everything the drawing says in words: the step explanations and the nodes' status notes.

Written here once, in Python; the DOT labels and the widget show these texts and
never make their own.

>>> from vizgrad.drawing.graph import Node
>>> w2 = Node("n1", "variable", "w2", None, "", (1, 2), "float64", "[[3, 4]]", None, None,
...           greyed=True, unconnected=True)
>>> [note["mark"] for note in node_notes(w2, "y")]
['unconnected: no path to y', None]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from .format import short
from .graph import GraphStep, Node

if TYPE_CHECKING:  # pragma: no cover
    from .build import Drawing

_LETTER = re.compile(r"(?<![A-Za-z])([abx])(?![A-Za-z])")


# -- status notes ------------------------------------------------------------------------
def node_notes(node: Node, target: str) -> tuple[dict[str, str | None], ...]:
    """The notes on one node: ``mark`` is written on the drawing (None: only the colour
    says it), ``text`` is the sentence the widget shows when the node is clicked."""
    notes: list[dict[str, str | None]] = []
    if node.unconnected:  # off every path, or on one that carries no gradient (a tape's)
        why = f"no path to {target}" if node.greyed else "no gradient reaches it"
        notes.append({"mark": f"unconnected: {why}",
                      "text": f"not connected to {target}: its gradient is None"})
    if node.outside_tape:
        notes.append({"mark": "outside the tape",
                      "text": "computed outside the tape, so the tape cannot see it"})
    if node.stopped:
        notes.append({"mark": "stop_gradients: a constant here",
                      "text": "in stop_gradients: backpropagation treats it as a constant"})
    if node.nonfinite:
        notes.append({"mark": "NaN/inf appears here",
                      "text": "holds NaN or inf, first appearing here"})
    if node.greyed:
        notes.append({"mark": None, "text": f"not on any path to {target}"})
    return tuple(notes)


# -- the steps ---------------------------------------------------------------------------
def step(drawing: Drawing, k: int) -> GraphStep:
    """Step ``k`` of the drawing, explained (step 0: the forward pass)."""
    steps = drawing.trace.steps
    if k == 0:
        return GraphStep(0, None, "Step 0: the forward pass", tuple(_first_lines(drawing)))
    s = steps[k - 1]
    t = drawing.trace.tensors[s.tensor]
    labels, target = drawing.labels, drawing.target_name
    name = labels[s.tensor]
    lines = []
    if k == 1:
        lines.append(f"∂{target}/∂{name} = 1 ({name} is the output {target})"
                     if name != target else f"∂{target}/∂{target} = 1")
    else:
        lines.append(f"∂{target}/∂{name} = {drawing.text(s.upstream)}")
    touched = []
    input_names = [labels[x] for x in t.inputs]
    for position, (x, c) in enumerate(zip(t.inputs, s.contributions)):
        if c is None:
            continue
        x_name = labels[x]
        line = _chain_line(drawing, target, name, x_name, t, position, s.upstream, c,
                           input_names)
        if len(t.inputs) > 1 and t.inputs.count(x) > 1:
            line += f"  (as input {position + 1})"
        lines.append(line)
        touched.append(f"e{drawing.edge_start[s.tensor] + position}")
        arrivals = [drawing.edges[e] for e in drawing.out_edges[x]]
        arrivals = [e for e in arrivals if e.grad is not None]
        if len(arrivals) > 1 and drawing.grad_step[x] == k and \
                position == max(i for i, xx in enumerate(t.inputs) if xx == x):
            parts = " + ".join(e.grad or "" for e in arrivals)
            lines.append(f"{x_name} is used {len(arrivals)} times, so its gradient is "
                         f"the sum: ∂{target}/∂{x_name} = {parts} = {drawing.nodes[x].grad}")
    if k == len(steps):
        done = [f"∂{target}/∂{labels[i]} = {drawing.text(drawing.trace.totals[i])}"
                for i, u in enumerate(drawing.trace.tensors)
                if u.op is None and u.requires_grad and drawing.grad_step[i] is not None]
        if done:
            lines.append("Done: " + ", ".join(done))
    return GraphStep(k, f"n{s.tensor}", f"Step {k}: backpropagate through {t.op or 'op'} "
                     f"({name})", tuple(lines), tuple(touched))


def _first_lines(drawing: Drawing) -> list[str]:
    trace, target = drawing.trace, drawing.target_name
    labels = drawing.labels
    first = [f"Forward pass: each edge carries the value that flowed along it "
             f"(blue); {target} = {drawing.text(trace.tensors[trace.target].value)}."]
    if trace.steps:
        first.append(f"Backpropagation starts at {target} with ∂{target}/∂{target} = 1 and "
                     "walks back one operation per step (gradients in orange).")
    for i in trace.sources:
        if i not in trace.totals:
            first.append(f"{labels[i]} is unconnected: no path carries a gradient from "
                         f"{target} back to it, so its gradient is None.")
    outside = [labels[i] for i in sorted(trace.outside_tape) if drawing.on_path[i]]
    if outside:
        first.append(f"{', '.join(outside)} ran outside the GradientTape: the tape did not "
                     "record it, so no gradient flows through it.")
    stopped = [labels[i] for i in sorted(trace.stopped)]
    if stopped:
        first.append(f"{', '.join(stopped)} is in stop_gradients: backpropagation treats "
                     "it as a constant and goes no further back through it.")
    if not trace.steps:
        first.append("No gradient flows back: nothing to step through.")
    first.extend(trace.notes)
    return first


def _chain_line(drawing: Drawing, target: str, name: str, x_name: str, t, position: int,
                upstream: np.ndarray, c: np.ndarray, input_names: list[str]) -> str:
    head = f"∂{target}/∂{x_name} = ∂{target}/∂{name} · ∂{name}/∂{x_name}"
    if name == target:  # the output's own op: the chain would read ∂f/∂f · ∂f/∂x
        head = f"∂{target}/∂{x_name} = ∂{target}/∂{target} · (local derivative)"
    upstream_text, c_text = drawing.text(upstream), drawing.text(c)
    if t.elementwise and np.size(upstream) == 1 and np.size(c) == 1:
        g = float(np.asarray(upstream).reshape(()))
        if g != 0:
            local = float(np.asarray(c).reshape(())) / g
            return f"{head} = {upstream_text} · {short(local)} = {c_text}"
    formula = t.formulas[position] if position < len(t.formulas) else ""
    letters = {"a": 0, "b": 1, "x": 0}

    def named(match: re.Match) -> str:
        i = letters[match.group(1)]
        return input_names[i] if i < len(input_names) and input_names[i] else match.group(1)

    local = _LETTER.sub(named, formula) if formula else "the local derivative"
    return f"{head} = {upstream_text} · ({local}) = {c_text}"
