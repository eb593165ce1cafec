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

from .format import is_inline_whole, short
from .graph import GraphStep, Node
from .trace import TracedTensor

if TYPE_CHECKING:  # pragma: no cover
    from .build import Drawing

# The words an op's formulas use for its inputs, by input position (as its gradient rule
# names them): a and b for the two operands, x for the one input of a unary op.
_LETTERS = {"a": 0, "b": 1, "x": 0}
# where(cond, x, y): the condition is input 0, so here x and y are inputs 1 and 2
# conv2d(x, w): the input and the kernel
# (and PyTorch's linear(x, W, b))
_OP_LETTERS = {"where": {"cond": 0, "x": 1, "y": 2}, "conv2d": {"x": 0, "w": 1},
               "linear": {"x": 0, "W": 1, "b": 2}}


def _letter_pattern(letters: dict[str, int]) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z])({'|'.join(letters)})(?![A-Za-z])")


_LETTER = _letter_pattern(_LETTERS)
_OP_LETTER = {op: (letters, _letter_pattern(letters)) for op, letters in _OP_LETTERS.items()}


# -- status notes ------------------------------------------------------------------------
def node_notes(node: Node, target: str,
               stopped_by: str = "stop_gradients") -> tuple[dict[str, str | None], ...]:
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
        where = "in stop_gradients" if stopped_by == "stop_gradients" else \
            f"cut off by {stopped_by}"
        notes.append({"mark": f"{stopped_by}: a constant here",
                      "text": f"{where}: backpropagation treats it as a constant"})
    if node.nonfinite:
        notes.append({"mark": "NaN/inf appears here",
                      "text": "holds NaN or inf, first appearing here"})
    if node.greyed:
        notes.append({"mark": None, "text": f"not on any path to {target}"})
    return tuple(notes)


# -- a hand-written backward rule, checked (a micrograd-style engine) ---------------------
def rule_notes(drawing: Drawing, i: int) -> tuple[dict[str, str | None], ...]:
    """The notes on op ``i`` about its own ``_backward``: wrong, unchecked, raised, and an
    input that is both operands (``a * a``), whose one edge carries the sum."""
    check = drawing.trace.checks.get(i)
    if check is None:
        return ()
    if check.by == "numerical":
        return numerical_notes(drawing, i)
    t = drawing.trace.tensors[i]
    label, text = drawing.label, drawing.text
    name = drawing.target_name if i == drawing.trace.target else label(i)  # the output: o.grad
    notes: list[dict[str, str | None]] = []
    if check.verdict == "raised":
        notes.append({"mark": f"_backward raised {check.error}"[:80],
                      "text": f"its _backward raised {check.error}; its edges show only what "
                              "it added before it stopped"})
    elif check.verdict == "unchecked":
        why = check.error or f"vizgrad does not know the op {check.rule!r}"
        notes.append({"mark": "_backward not checked",
                      "text": f"{why}, so it could not check this _backward: the gradients "
                              "shown are what it sent"})
    step = drawing.step_of.get(i)
    for position in check.wrong:
        x = label(t.inputs[position])
        sent = drawing.contribution(i, position)
        g = drawing.trace.steps[step - 1].upstream
        notes.append({
            "mark": f"wrong _backward: sent {text(sent)} to {x}, not "
                    f"{text(check.expected[position])}",
            "text": f"Wrong: your _backward for {check.rule} sent {text(sent)} to {x}; "
                    f"∂{name}/∂{x} · {name}.grad = {text(check.local[position])} · {text(g)} "
                    f"= {text(check.expected[position])}"})
    for position, uses in enumerate(check.uses):
        if uses < 2:
            continue
        x = label(t.inputs[position])
        if position < len(check.parts):
            parts = " + ".join(text(p) for p in check.parts[position])
            total = f"{parts} = {text(check.expected[position])}"
        else:
            total = text(drawing.contribution(i, position))
        which = "both operands" if uses == 2 else f"{uses} of the operands"
        notes.append({"mark": f"{x} used {uses}×: ∂ {total}",
                      "text": f"{x} is {which} of {check.rule}; _prev holds it once, so its "
                              f"one edge carries the sum of the parts, {total}"})
    return tuple(notes)


def numerical_notes(drawing: Drawing, i: int) -> tuple[dict[str, str | None], ...]:
    """The notes on op ``i`` from a numerical gradient check: for each input, the gradient
    its rule sent next to central differences; a mark on the drawing where they disagree."""
    check = drawing.trace.checks[i]
    t = drawing.trace.tensors[i]
    label, text = drawing.label, drawing.text
    if check.verdict == "unchecked":
        return ({"mark": None, "text": f"Gradient check: not checked ({check.error})"},)
    notes: list[dict[str, str | None]] = []
    for position, (sent, numerical) in enumerate(zip(check.sent, check.expected)):
        if sent is None or numerical is None:
            continue
        x = label(t.inputs[position])
        pair = f"analytic {text(sent)}, numerical {text(numerical)}"
        if position in check.wrong and check.verdict == "disagrees":
            notes.append({"mark": f"wrong rule for {x}: {pair}",
                          "text": f"Gradient check: the rule of {t.op} is wrong for {x}: it "
                                  f"sent {text(sent)}, but central differences give "
                                  f"{text(numerical)} (numerical)"})
        elif position in check.wrong:
            notes.append({"mark": None,
                          "text": f"Gradient check for {x}: {pair}; they differ because the "
                                  "gradient reaching this op is already off (a rule after "
                                  "it is wrong)"})
        else:
            notes.append({"mark": None, "text": f"Gradient check for {x}: {pair} (agree)"})
    return tuple(notes)


def rule_flagged(drawing: Drawing, i: int) -> bool:
    """True when op ``i``'s own ``_backward`` disagrees with the chain rule or raised."""
    check = drawing.trace.checks.get(i)
    return check is not None and check.verdict in ("disagrees", "raised")


# -- the steps ---------------------------------------------------------------------------
def step(drawing: Drawing, k: int) -> GraphStep:
    """Step ``k`` of the drawing, explained (step 0: the forward pass)."""
    steps = drawing.trace.steps
    if k == 0:
        return GraphStep(0, None, "Step 0: the forward pass", tuple(_first_lines(drawing)))
    s = steps[k - 1]
    t = drawing.trace.tensors[s.tensor]
    label, target = drawing.label, drawing.target_name
    name = label(s.tensor)
    node_id = f"n{s.tensor}"
    lines = [_seed_line(drawing, name, s.upstream) if k == 1 else
             f"∂{target}/∂{name} = {drawing.line_text(s.upstream)}"]
    items: list[str | None] = [node_id]
    touched = []
    input_names = [label(x) for x in t.inputs]
    for position, (x, c) in enumerate(zip(t.inputs, s.contributions)):
        if c is None:
            continue
        x_name = input_names[position]
        edge_id = f"e{drawing.edge_start[s.tensor] + position}"
        line = _chain_line(drawing, target, name, x_name, t, position, s.upstream, c,
                           input_names)
        arrivals = [drawing.edge_item(e) for e in drawing.out_edges.get(x, ())]
        arrivals = [e for e in arrivals if e.grad is not None]
        if len(arrivals) > 1:  # one of several paths: this is a part of the gradient
            line = (f"contribution to ∂{target}/∂{x_name} through {name}: "
                    f"{line.removeprefix(f'∂{target}/∂{x_name} = ')}")
        if len(t.inputs) > 1 and t.inputs.count(x) > 1:
            line += f"  (as input {position + 1})"
        lines.append(line)
        items.append(edge_id)
        touched.append(edge_id)
        if len(arrivals) > 1 and drawing.arrival.get(x) == k and \
                position == max(i for i, xx in enumerate(t.inputs) if xx == x):
            parts = " + ".join(_short_line(e.grad or "") for e in arrivals)
            lines.append(f"{x_name} is used {len(arrivals)} times, so its total gradient is "
                         f"the sum of the contributions: ∂{target}/∂{x_name} = {parts} = "
                         f"{drawing.line_text(drawing.trace.totals[x])}")
            items.append(f"n{x}")
    lines.extend(note["text"] for note in rule_notes(drawing, s.tensor))
    if k == len(steps):
        done = [f"∂{target}/∂{label(i)} = {drawing.line_text(drawing.trace.totals[i])}"
                for i in drawing.leaves(requires_grad=True) if drawing.grad_step[i] is not None]
        if done:
            lines.append("Done: " + ", ".join(done))
            items.append(None)
    scope = drawing.structure.node_scopes[s.tensor]
    return GraphStep(k, node_id, f"Step {k}: backpropagate through {t.op or 'op'} "
                     f"({name})", tuple(lines), tuple(touched), scope, tuple(items))


def _short_line(text: str) -> str:
    """A value's drawn text on one line (a matrix's rows joined)."""
    return " ".join(part.strip() for part in text.split("\n"))


def _seed_line(drawing: Drawing, name: str, upstream: np.ndarray) -> str:
    """The first step's first line: the gradient backpropagation starts with, and why."""
    target = drawing.target_name
    seed = drawing.trace.seed if drawing.trace.seed is not None else upstream
    said = f"∂{target}/∂{target} = {drawing.line_text(seed)}"
    ones = bool(np.all(np.asarray(seed) == 1))
    if ones and np.size(seed) > 1:
        said += ": backward from a vector sums its entries, as TensorFlow does"
    elif not ones:
        said += ": the gradient given for the output, weighting its entries"
    return said if name == target else f"{said} ({name} is the output {target})"


def _first_lines(drawing: Drawing) -> list[str]:
    trace, target = drawing.trace, drawing.target_name
    label = drawing.label
    first = [f"Forward pass: each edge carries the value that flowed along it "
             f"(blue); {target} = {drawing.line_text(trace.tensors[trace.target].value)}."]
    if trace.steps:
        seed = trace.seed if trace.seed is not None else trace.steps[0].upstream
        first.append(f"Backpropagation starts at {target} with ∂{target}/∂{target} = "
                     f"{drawing.line_text(seed)} and walks back one operation per step "
                     "(gradients in orange).")
    for i in sorted(trace.sources):
        if i not in trace.totals:
            first.append(f"{label(i)} is unconnected: no path carries a gradient from "
                         f"{target} back to it, so its gradient is None.")
    outside = [label(i) for i in sorted(trace.outside_tape) if drawing.on_path[i]]
    if outside:
        first.append(f"{', '.join(outside)} ran outside the GradientTape: the tape did not "
                     "record it, so no gradient flows through it.")
    stopped = [label(i) for i in sorted(trace.stopped)]
    if stopped:
        where = "is in stop_gradients" if trace.stopped_by == "stop_gradients" else \
            f"is cut off by {trace.stopped_by}"
        first.append(f"{', '.join(stopped)} {where}: backpropagation treats "
                     "it as a constant and goes no further back through it.")
    said = False
    for i, before in sorted(trace.previous_grads.items()):  # PyTorch's .grad accumulates
        if i in trace.totals:
            text, total = drawing.line_text, trace.totals[i]
            if said:  # the rule once, then the numbers
                first.append(f"{label(i)}.grad already held {text(before)}; + {text(total)} "
                             f"= {text(before + total)}.")
                continue
            first.append(f"{label(i)}.grad already held {text(before)} from an earlier "
                         f"backward(); this pass adds {text(total)}, so "
                         f".grad becomes {text(before + total)} "
                         "(optimizer.zero_grad() starts each step from zero).")
            said = True
    if not trace.steps:
        first.append("No gradient flows back: nothing to step through.")
    first.extend(trace.notes)
    return first


def _chain_line(drawing: Drawing, target: str, name: str, x_name: str, t: TracedTensor,
                position: int, upstream: np.ndarray, c: np.ndarray,
                input_names: list[str]) -> str:
    """One input's gradient by the chain rule, with the numbers.

    Products are written as they are: ``·`` between numbers, ``⊙`` entry by entry,
    ``@`` for a matrix product; a sum over broadcast axes is named.
    """
    upstream_text, c_text = drawing.line_text(upstream), drawing.line_text(c)
    upstream_name = f"∂{target}/∂{name}"
    # a summed-up upstream (the line above gave it) is not written out again
    summed_up = not is_inline_whole(upstream)
    formula = t.formulas[position] if position < len(t.formulas) else ""
    letters, letter = _OP_LETTER.get(t.op, (_LETTERS, _LETTER))

    def named(match: re.Match) -> str:
        i = letters[match.group(1)]
        return input_names[i] if i < len(input_names) and input_names[i] else match.group(1)

    if _G.search(formula):  # the formula is the whole gradient, in terms of g (matmul, conv)
        product = " @ " if t.op == "matmul" else " · "
        symbolic = letter.sub(named, formula).replace("·", product)
        with_g = _G.sub(upstream_name, symbolic)
        if summed_up:
            return f"∂{target}/∂{x_name} = {with_g} = {c_text}"
        return f"∂{target}/∂{x_name} = {with_g} = {_G.sub(upstream_text, symbolic)} = {c_text}"
    scalar = np.size(upstream) == 1 and np.size(c) == 1
    times = "⊙" if t.elementwise and not scalar else "·"
    head = f"∂{target}/∂{x_name} = {upstream_name} {times} ∂{name}/∂{x_name}"
    if name == target:  # the output's own op: the chain would read ∂f/∂f · ∂f/∂x
        head = f"∂{target}/∂{x_name} = ∂{target}/∂{target} {times} (local derivative)"
    if t.elementwise and scalar:
        g = np.asarray(upstream).reshape(()).item()   # complex in the middle, too
        if g != 0:
            local = np.asarray(c).reshape(()).item() / g
            return f"{head} = {upstream_text} · {short(local)} = {c_text}"
    local = letter.sub(named, formula) if formula else "the local derivative"
    summed = ""
    if t.op in ("sum", "mean") and np.size(c) > np.size(upstream):  # a reduction's gradient
        summed = f", copied to each of the {np.size(c)} entries of {x_name}"
    if t.elementwise and position < len(t.input_values) and t.input_values[position] is not None:
        axes = _broadcast_axes(np.shape(t.input_values[position]), np.shape(upstream))
        if axes:
            summed = (f", summed over {_axes_text(axes, np.shape(upstream))} because {x_name} "
                      "was broadcast")
    upstream_said = upstream_name if summed_up else upstream_text
    return f"{head} = {upstream_said} {times} ({local}){summed} = {c_text}"


_G = re.compile(r"(?<![A-Za-z])g(?![A-Za-z])")


def _broadcast_axes(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """The axes of ``out`` that broadcasting added to or stretched in ``shape``.

    >>> _broadcast_axes((3,), (2, 3)), _broadcast_axes((2, 1), (2, 3)), _broadcast_axes((), (2,))
    ([0], [1], [0])
    """
    extra = len(out) - len(shape)
    if extra < 0:
        return []
    return [*range(extra), *(extra + i for i, n in enumerate(shape)
                             if n == 1 and out[extra + i] != 1)]


def _axes_text(axes: list[int], out: tuple[int, ...]) -> str:
    """'the 2 rows', 'the 3 columns', 'the 4 entries' or 'axes 0 and 2 (6 entries)'.

    >>> _axes_text([0], (2, 3)), _axes_text([1], (2, 3)), _axes_text([0], (4,))
    ('the 2 rows', 'the 3 columns', 'the 4 entries')
    """
    if len(out) == 1 or len(axes) == len(out):
        return f"the {int(np.prod([out[a] for a in axes]))} entries"
    if len(out) == 2 and len(axes) == 1:
        return f"the {out[axes[0]]} {'rows' if axes[0] == 0 else 'columns'}"
    count = int(np.prod([out[a] for a in axes]))
    listed = " and ".join(str(a) for a in axes)
    return f"ax{'es' if len(axes) > 1 else 'is'} {listed} ({count} entries)"


# -- forward mode ------------------------------------------------------------------------
EDGE_TANGENT = "˙ "   # before the tangent an edge carries, as "∂ " before a gradient
_DOT_ABOVE = "\u0307"  # the combining dot: v₂ becomes v̇₂, Newton's "rate of change"


def dotted(name: str) -> str:
    """A name with the dot of a tangent over its first letter (``v₂`` -> ``v̇₂``).

    >>> dotted("v₋₁") == "v" + "\u0307" + "₋₁"
    True
    """
    return name[:1] + _DOT_ABOVE + name[1:] if name else name


def tangent_prefix(label: str) -> str:
    """What the drawing writes before a tensor's tangent: ``ẋ1 = ``."""
    return f"{dotted(label)} = "


def forward_step(drawing: Drawing, k: int) -> GraphStep:
    """Step ``k`` of forward mode, explained (step 0: the values and the seed)."""
    trace = drawing.trace
    label = drawing.label
    if k == 0:
        return GraphStep(0, None, "Step 0: the forward pass and the seed",
                         tuple(_forward_first_lines(drawing)))
    s = trace.forward_steps[k - 1]
    t = trace.tensors[s.tensor]
    name = drawing.target_name if s.tensor == trace.target else label(s.tensor)
    input_names = [label(x) for x in t.inputs]
    lines = [_tangent_line(drawing, name, t, s, input_names)]
    touched = [f"e{drawing.edge_start[s.tensor] + position}"
               for position, moving in enumerate(s.inputs) if moving is not None]
    if k == len(trace.forward_steps):
        target = drawing.target_name
        moved = ", ".join(dotted(label(i)) for i in trace.seeded)
        lines.append(f"Done: {dotted(target)} = {drawing.text(s.tangent)}, the derivative of "
                     f"{target} along the seed ({moved} moving), from one forward pass")
    return GraphStep(k, f"n{s.tensor}", f"Step {k}: push the tangents through "
                     f"{t.op or 'op'} ({name})", tuple(lines), tuple(touched))


def _forward_first_lines(drawing: Drawing) -> list[str]:
    trace, target, label = drawing.trace, drawing.target_name, drawing.label
    seeds = ", ".join(f"{dotted(label(i))} = {drawing.text(trace.tangents[i])}"
                      for i in trace.seeded)
    still = [dotted(label(i)) for i in drawing.leaves()
             if i in trace.tangents and i not in trace.seeded]
    lines = [f"Forward pass: each edge carries the value that flowed along it (blue); "
             f"{target} = {drawing.text(trace.tensors[trace.target].value)}.",
             f"Forward mode starts from the seed {seeds}"
             + (f" ({', '.join(still)} = 0: held still)" if still else "")
             + " and pushes each tangent forward one operation per step, in the order the "
               "operations ran (tangents in orange).",
             "One forward pass gives the derivative of every output along one input "
             "direction; backpropagation gives the derivative of one output along every "
             "input."]
    return lines


def _tangent_line(drawing: Drawing, name: str, t: TracedTensor, s, input_names: list[str]
                  ) -> str:
    """``v̇₂ = v̇₋₁·v₀ + v̇₀·v₋₁ = 1·5 + 0·2 = 5``: the chain rule forward, with the numbers."""
    letters, letter = _OP_LETTER.get(t.op, (_LETTERS, _LETTER))

    def named(match: re.Match) -> str:
        i = letters[match.group(1)]
        return input_names[i] if i < len(input_names) and input_names[i] else match.group(1)

    symbols, numbers = [], []
    for position, moving in enumerate(s.inputs):
        if moving is None:
            continue
        x_name = dotted(input_names[position])
        local = s.locals[position] if position < len(s.locals) else None
        formula = t.formulas[position] if position < len(t.formulas) else ""
        if local is not None and t.elementwise and formula and not _G.search(formula):
            written = letter.sub(named, formula)
            written = f"({written})" if any(c in written for c in " +−-/") else written
            symbols.append(f"{x_name}·{written}" if written != "1" else x_name)
            if np.size(local) == 1 and np.size(moving) == 1:
                factor = short(local)
                factor = f"({factor.replace('-', '−')})" if factor.startswith("-") else factor
                numbers.append(drawing.text(moving) if written == "1" else
                               f"{drawing.text(moving)}·{factor}")
            else:
                numbers.append(drawing.text(s.contributions[position]))
        else:
            symbols.append(f"(∂{name}/∂{input_names[position]})·{x_name}")
            numbers.append(drawing.text(s.contributions[position]))
    total = drawing.text(s.tangent)
    if not symbols:
        return f"{dotted(name)} = 0: no input moves"
    said = f"{dotted(name)} = {' + '.join(symbols)}"
    worked = " + ".join(numbers)
    return f"{said} = {worked} = {total}" if worked != total else f"{said} = {total}"
