"""Draw the engine you wrote: micrograd-style values, stepped through their own ``_backward``.

A value is recognised by what it has, never by the module it comes from: a
numeric ``data`` and ``grad``, its children in ``_prev``, the op's name in
``_op`` and a ``_backward`` closure (Karpathy's micrograd, and the ``Value`` a
learner writes in the lecture). The backward pass is replayed in micrograd's
own order (its topological sort), calling each node's ``_backward()`` once and
reading what it added to each child's ``grad``: that is the gradient drawn on
the edge. Every rule for an op vizgrad knows is checked against vizgrad's own
rule table, and the user's objects are left exactly as they were.

>>> from micrograd.engine import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> e = a * b
>>> trace = trace_of(e, names={"a": a, "b": b, "e": e})
>>> [float(c) for c in trace.steps[0].contributions], a.grad
([-3.0, 2.0], 0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from .core.ops import OPS
from .drawing.trace import RuleCheck, Trace, TracedStep, TracedTensor

# the ops a micrograd-style engine names, spelled as its authors spell them, and the op of
# vizgrad's table whose rules check them ("-" is subtract with two operands, else negative)
KNOWN_OPS = {"+": "add", "*": "multiply", "/": "divide", "neg": "negative", "tanh": "tanh",
             "exp": "exp", "log": "log", "relu": "relu", "sigmoid": "sigmoid", "sin": "sin",
             "cos": "cos", "sqrt": "sqrt", "abs": "abs"}
_POWER = re.compile(r"^\*\*\s*\(?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)?$")
_SYMMETRIC = ("add", "multiply")  # ops whose check does not need the operands' order
_OPERANDS = ("self", "other")  # how micrograd's closures name an op's operands, in order
RTOL, ATOL = 1e-6, 1e-9  # a rule agrees with the chain rule up to rounding
MEMBER_DEPTH = 6  # model.layers[0].neurons[1].w[2]: how deep names are looked for in a model


def is_value(value: Any) -> bool:
    """True for a micrograd-style value: numeric ``data`` and ``grad``, ``_prev``, ``_op``,
    ``_backward``.

    >>> from micrograd.engine import Value
    >>> is_value(Value(1.0)), is_value(1.0)
    (True, False)
    """
    try:
        return (isinstance(value.data, Real) and isinstance(value.grad, Real)
                and isinstance(value._op, str) and callable(value._backward)
                and hasattr(value._prev, "__iter__"))
    except Exception:  # noqa: BLE001 - any object may be asked; a missing attribute is a no
        return False


def topological(root: Any) -> list[Any]:
    """micrograd's ``build_topo`` order (children first, each in ``_prev``'s order),
    iteratively, so a deep graph does not hit Python's recursion limit.

    >>> from micrograd.engine import Value
    >>> x = Value(1.0); y = x * 2
    >>> [v.data for v in topological(y + x)][-1]
    3.0
    """
    order: list[Any] = []
    visited = {id(root)}
    stack = [(root, iter(list(root._prev)))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if id(child) not in visited:
                visited.add(id(child))
                stack.append((child, iter(list(child._prev))))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def operands(node: Any) -> tuple[list[Any], bool]:
    """The node's operands in argument order, a child twice where it is both (``a * a``),
    and whether that order is known.

    ``_prev`` is a set, so the order (and a repeated child) is read from the names
    micrograd's closures use, ``self`` and ``other``; without them, ``_prev``'s order.
    """
    children = list(node._prev)
    by_id = {id(c): c for c in children}
    backward = node._backward
    bound: dict[str, Any] = {}
    for name, cell in zip(getattr(getattr(backward, "__code__", None), "co_freevars", ()),
                          getattr(backward, "__closure__", None) or ()):
        try:
            bound[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    found = [bound[n] for n in _OPERANDS if n in bound and id(bound[n]) in by_id]
    if not found and len(children) == 1 and node._op.strip() in ("+", "*"):
        return children * 2, True  # a binary op with one child: the set holds a + a once
    seen = {id(c) for c in found}
    known = len(children) < 2 or "self" in bound and id(bound["self"]) in by_id
    return found + [c for c in children if id(c) not in seen], known


def trace_of(root: Any, *, names: Mapping[str, Any] | None = None,
             extra: Iterable[Any] = ()) -> Trace:
    """The Trace of ``root``: its graph, and its own ``_backward``s replayed and checked."""
    nodes = topological(root)
    index = {id(v): i for i, v in enumerate(nodes)}
    for value in extra:  # more values to draw; those not leading to root are greyed
        if is_value(value) and id(value) not in index:
            for v in topological(value):
                if id(v) not in index:
                    index[id(v)] = len(nodes)
                    nodes.append(v)
    found = _names(names or {})
    found_operands = [operands(v) if v._prev else ([], True) for v in nodes]
    operand_lists = [ops for ops, _ in found_operands]
    inputs = [list({id(o): o for o in ops}.values()) for ops in operand_lists]
    replay = _replay(root, nodes[:index[id(root)] + 1], index, inputs)

    tensors = []
    for i, v in enumerate(nodes):
        label = getattr(v, "label", None)
        name = label if isinstance(label, str) and label else found.get(id(v))
        value = np.array(float(v.data))
        if not v._prev:
            tensors.append(TracedTensor(i, name, None, "", (), False, (), (), value,
                                        name is not None, None, (), "float64"))
            continue
        op, formulas = _op_of(v._op, len(inputs[i]), len(operand_lists[i]))
        tensors.append(TracedTensor(
            i, name, op, v._op, formulas, True, tuple(index[id(x)] for x in inputs[i]),
            tuple(np.array(float(x.data)) for x in inputs[i]), value, False, None, (),
            "float64"))
    checks = {i: _check(nodes[i], *found_operands[i], inputs[i], step)
              for i, step in replay.steps_by_node.items()}
    sources = tuple(i for i, t in enumerate(tensors) if t.op is None and t.requires_grad
                    and i in replay.totals)
    target = index[id(root)]
    # the value is its op's result, as micrograd draws it: the op and the output share its name
    return Trace(tuple(tensors), target, np.array(1.0), replay.steps, replay.totals,
                 sources=sources, kind="micrograd", checks=checks,
                 notes=_stale(nodes, found_operands, tensors),
                 target_name=tensors[target].name if root._prev else None)


class _Replay:
    """The backward pass as the value's own ``_backward``s ran it."""

    def __init__(self) -> None:
        self.steps: tuple[TracedStep, ...] = ()
        self.totals: dict[int, np.ndarray] = {}
        self.steps_by_node: dict[int, tuple[TracedStep, str | None]] = {}


def _replay(root: Any, nodes: Sequence[Any], index: Mapping[int, int],
            inputs: Sequence[list[Any]]) -> _Replay:
    """Run micrograd's ``backward()`` one ``_backward`` at a time, every grad restored after."""
    saved = [(v, v.grad, v.data) for v in nodes]
    replay = _Replay()
    steps = []
    try:
        for v in nodes:
            v.grad = 0.0
        root.grad = 1.0
        for v in reversed(nodes):
            i = index[id(v)]
            children = inputs[i]
            if not children:
                continue
            upstream = _number(v.grad)
            before = [_number(c.grad) for c in children]
            error = None
            try:
                v._backward()
            except Exception as raised:  # noqa: BLE001 - the learner's code: shown at its node
                error = f"{type(raised).__name__}: {raised}"
            contributions = []
            for c, was in zip(children, before):
                now = _number(c.grad)
                if now is None or was is None:
                    error = error or f"it left a gradient that is not a number ({c.grad!r})"
                    contributions.append(None)
                elif error is not None and now == was:  # it stopped before sending anything
                    contributions.append(None)
                else:
                    contributions.append(np.array(now - was))
            step = TracedStep(i, np.array(upstream if upstream is not None else math.nan),
                              tuple(contributions))
            steps.append(step)
            replay.steps_by_node[i] = (step, error)
        for v in nodes:
            grad = _number(v.grad)
            if grad is not None:
                replay.totals[index[id(v)]] = np.array(grad)
    finally:
        for v, grad, data in saved:
            v.grad = grad
            if v.data is not data:
                v.data = data
    replay.steps = tuple(steps)
    return replay


def _close(a: float, b: float) -> bool:
    """Equal up to rounding (NaN equals NaN: a rule that gives NaN where the chain rule does)."""
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL) or (math.isnan(a) and math.isnan(b))


def _number(value: Any) -> float | None:
    if type(value) is float:  # the common case, without the abstract-class check
        return value
    return float(value) if isinstance(value, Real) else None


def _op_of(rule: str, inputs: int, operand_count: int) -> tuple[str, tuple[str, ...]]:
    """(the op's name as vizgrad knows it, or the author's own; each input's formula)."""
    name = _known(rule, operand_count)
    if name is None:
        return rule, ("",) * inputs
    power = _POWER.match(rule.strip())
    if power:
        k = float(power.group(1))
        return "power", (f"{k:g}·x^{k - 1:g}",)
    op = OPS[name]
    return name, tuple(op.formula(j) for j in range(inputs))


def _known(rule: str, operand_count: int) -> str | None:
    """The op of vizgrad's table that checks ``rule``, or None."""
    key = rule.strip()
    if _POWER.match(key):
        return "power" if operand_count == 1 else None
    if key == "-":
        return "subtract" if operand_count == 2 else "negative"
    return KNOWN_OPS.get(key.lower())


def _check(node: Any, ops: list[Any], ordered: bool, inputs: list[Any],
           replayed: tuple[TracedStep, str | None]) -> RuleCheck:
    """The node's ``_backward`` compared with the chain rule, input by input."""
    step, error = replayed
    uses = tuple(sum(o is x for o in ops) for x in inputs)
    if error is not None:
        return RuleCheck(node._op, "raised", uses=uses, error=error)
    locals_ = _local_derivatives(node._op, ops)
    if locals_ is None:
        return RuleCheck(node._op, "unchecked", uses=uses)
    if not ordered and _known(node._op, len(ops)) not in _SYMMETRIC:
        # a - b and a / b need to know which is a: without it, no verdict rather than a wrong one
        return RuleCheck(node._op, "unchecked", uses=uses, error=(
            f"vizgrad could not tell which operand of {node._op!r} comes first (its "
            "_backward names no self)"))
    g = step.upstream
    parts = tuple(tuple(np.array(d * g) for o, d in zip(ops, locals_) if o is x)
                  for x in inputs)
    local = tuple(np.array(sum(d for o, d in zip(ops, locals_) if o is x)) for x in inputs)
    expected = tuple(np.array(sum(p)) for p in parts)
    wrong = tuple(k for k, (c, e) in enumerate(zip(step.contributions, expected))
                  if c is None or not _close(float(c), float(e)))
    return RuleCheck(node._op, "disagrees" if wrong else "agrees", local, expected, parts,
                     uses, wrong)


def _local_derivatives(rule: str, ops: list[Any]) -> list[float] | None:
    """∂out/∂operand for each operand, from vizgrad's rule table (None: not known)."""
    known = _in_the_table(rule, ops)
    if known is None:
        return None
    op, values = known
    with np.errstate(all="ignore"):
        out = np.asarray(op.forward(*values), dtype=float)
        one = np.array(1.0)
        return [float(op.rule(j)(one, out, *values)) for j in range(len(ops))]


def _forward(rule: str, ops: list[Any]) -> float | None:
    """What the op gives from its operands' data now, by vizgrad's table (None: not known)."""
    known = _in_the_table(rule, ops)
    if known is None:
        return None
    op, values = known
    with np.errstate(all="ignore"):
        return float(op.forward(*values))


def _in_the_table(rule: str, ops: list[Any]) -> tuple[Any, list[np.ndarray]] | None:
    """(vizgrad's op for ``rule``, the operands' data as its inputs), or None."""
    name = _known(rule, len(ops)) if ops else None
    if name is None:
        return None
    values = [np.array(float(o.data)) for o in ops]
    if name == "power":
        values.append(np.array(float(_POWER.match(rule.strip()).group(1))))
    op = OPS[name]
    arity = len(op.rules) if isinstance(op.rules, tuple) else len(values)
    return (op, values) if arity == len(values) else None


def _stale(nodes: Sequence[Any], found_operands: Sequence[tuple[list[Any], bool]],
           tensors: Sequence[TracedTensor]) -> tuple[str, ...]:
    """A note when a value's data is not what its op gives from its inputs' data now."""
    differ = []
    for v, (ops, ordered), t in zip(nodes, found_operands, tensors):
        if not ops or not ordered and _known(v._op, len(ops)) not in _SYMMETRIC:
            continue
        now = _forward(v._op, ops)
        if now is not None and not _close(now, float(v.data)):
            differ.append(f"{t.name or v._op} (data {float(v.data):.4g}, its {v._op} gives "
                          f"{now:.4g})")
    if not differ:
        return ()
    return (f"Not the data its inputs give now: {', '.join(differ[:3])}"
            f"{' and more' if len(differ) > 3 else ''}. An input's data changed after the "
            "forward pass (a parameter update such as p.data += -lr * p.grad), or the forward "
            "is wrong. The drawing shows each value's data as it is now; run the forward pass "
            "again to draw it afresh.",)


def _names(namespace: Mapping[str, Any]) -> dict[int, str]:
    """id of each value in a namespace -> its name: a variable, or a model's member
    (``model.layers[0].neurons[1].w[2]``) found through the model's attributes."""
    found: dict[int, str] = {}
    models = []
    for key, value in namespace.items():
        if key.startswith("_"):
            continue
        if is_value(value):
            found.setdefault(id(value), key)
        elif isinstance(value, (list, tuple)) or callable(getattr(value, "parameters", None)):
            models.append((key, value))
    for key, value in models:
        _members(key, value, MEMBER_DEPTH, found, set())
    return found


def _members(path: str, value: Any, depth: int, found: dict[int, str], seen: set[int]) -> None:
    if is_value(value):
        found.setdefault(id(value), path)
        return
    if depth == 0 or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (list, tuple)):
        if value and not _may_hold_values(value[0]):  # a list of numbers or text: not walked
            return
        for k, item in enumerate(value):
            _members(f"{path}[{k}]", item, depth - 1, found, seen)
    elif not isinstance(value, type) and isinstance(getattr(value, "__dict__", None), dict):
        for attr, item in vars(value).items():
            if not attr.startswith("_"):
                _members(f"{path}.{attr}", item, depth - 1, found, seen)


def _may_hold_values(item: Any) -> bool:
    return is_value(item) or isinstance(item, (list, tuple)) or (
        not isinstance(item, type) and isinstance(getattr(item, "__dict__", None), dict))
