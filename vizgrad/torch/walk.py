"""The Trace of a tensor made without ``record()``: its ``grad_fn`` graph, as torchviz walks it.

Each autograd node becomes an op named after it (``MulBackward0`` -> ``mul``),
each ``AccumulateGrad`` a leaf with its tensor's value. Intermediate values
are known only where PyTorch saved them for the backward pass (``_saved_self``,
``_saved_result``, ...). While the graph is still alive, gradients come from
a pass PyTorch runs for the drawing (``.grad`` untouched), captured with the
same node hooks as for a recording.

>>> import torch
>>> x = torch.tensor(3.0, requires_grad=True)
>>> y = (x * x).exp()
>>> t = trace_of_graph(y, names={"x": x, "y": y})
>>> [tt.op or tt.name for tt in t.tensors], t.tensors[1].value is None, float(t.totals[0])
(['x', 'mul', 'exp'], True, 48618.50390625)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from ..drawing.trace import Trace, TracedStep, TracedTensor
from .naming import describe
from .record import as_numpy

NOT_RECORDED = ("Intermediate values were not recorded: this graph was read from grad_fn, "
                "which keeps only the values PyTorch saved for the backward pass. To see every "
                "value, run the forward pass inside `with vizgrad.torch.record():`.")
FREED = ("PyTorch freed this graph's saved values and gradients after backward(), so no step "
         "can be shown; draw before calling backward(), pass retain_graph=True, or record the "
         "forward pass with `with vizgrad.torch.record():`.")
_BACKWARD = re.compile(r"Backward\d*$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def op_name(node: Any) -> str:
    """``MulBackward0`` -> ``mul``, ``NllLossBackward0`` -> ``nll_loss``."""
    return _CAMEL.sub("_", _BACKWARD.sub("", node.name())).lower()


def trace_of_graph(t: torch.Tensor, *, names: Mapping[str, Any] | None = None,
                   extra: Iterable[Any] = ()) -> Trace:
    """The Trace of ``t.grad_fn``'s graph, with a pass run for the drawing when it is alive."""
    if t.grad_fn is None:
        return _leaf_alone(t, names or {})
    labels = {id(v): k for k, v in reversed(list((names or {}).items()))
              if isinstance(v, torch.Tensor) and not k.startswith("_")}
    paths: dict[int, str] = {}  # a model in the namespace names its parameters: full paths
    for key, value in (names or {}).items():
        if isinstance(value, torch.nn.Module) and not key.startswith("_"):
            for param_name, param in value.named_parameters(remove_duplicate=False):
                if len(param_name) > len(paths.get(id(param), "")):
                    paths[id(param)] = param_name
    for param, path in paths.items():
        labels.setdefault(param, path)
    roots = [t.grad_fn] + [e.grad_fn for e in extra
                           if isinstance(e, torch.Tensor) and e.grad_fn is not None]
    nodes = _topological([r for r in roots if r is not None])
    position = {id(n): k for k, n in enumerate(nodes)}
    freed = False
    values: list[np.ndarray | None] = []
    saved: list[dict[int, np.ndarray]] = []
    for node in nodes:
        if type(node).__name__ == "AccumulateGrad":  # a leaf: its value now
            values.append(as_numpy(node.variable.detach().clone()))
            saved.append({})
            continue
        value, by_input, gone = _saved_values(node)
        freed = freed or gone
        if node is t.grad_fn:  # the tensor asked for: its value is at hand
            value = as_numpy(t.detach().clone())
        values.append(value)
        saved.append(by_input)

    tensors: list[TracedTensor] = []
    sources = []
    for k, node in enumerate(nodes):
        if type(node).__name__ == "AccumulateGrad":
            sources.append(k)
            tensors.append(TracedTensor(k, labels.get(id(node.variable)), None, "", (), False,
                                        (), (), values[k], True, None,
                                        shape=values[k].shape, dtype=str(values[k].dtype)))
            continue
        slots = [(j, position[id(nxt)]) for j, (nxt, _) in enumerate(node.next_functions)
                 if nxt is not None]
        inputs = tuple(i for _, i in slots)
        input_values = tuple(saved[k].get(j, values[i]) for j, i in slots)
        look = describe(op_name(node))
        shape = _output_shape(node)
        tensors.append(TracedTensor(
            k, labels.get(id(t)) if node is t.grad_fn else None, look.name, look.symbol,
            look.formulas, look.elementwise, inputs, input_values, values[k], False, None,
            shape=shape, dtype=str(t.dtype).removeprefix("torch."),
            note=f"PyTorch's autograd node {node.name()}"))

    target = position[id(t.grad_fn)]
    steps, totals, seed = (), {}, None
    if not freed and t.requires_grad:
        steps, totals, seed = _run_for_drawing(t, nodes, position, tensors)
    notes = (NOT_RECORDED,) + ((FREED,) if freed else ())
    return Trace(tuple(tensors), target, seed, steps, totals, sources=tuple(sources),
                 kind="gradients", notes=notes)


def _topological(roots: list[Any]) -> list[Any]:
    """Nodes with every node after the nodes it feeds from (an iterative post-order)."""
    order: list[Any] = []
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for nxt, _ in reversed(node.next_functions):
            if nxt is not None and id(nxt) not in done:
                stack.append((nxt, False))
    return order


def _saved_values(node: Any) -> tuple[np.ndarray | None, dict[int, np.ndarray], bool]:
    """(its output value, {input position: value}, whether PyTorch freed them)."""
    names = [a[len("_saved_"):] for a in dir(node) if a.startswith("_saved_")]
    if not names:
        return None, {}, False
    try:
        found = {n: getattr(node, "_saved_" + n) for n in names}
    except RuntimeError:  # "Trying to backward through the graph a second time"
        return None, {}, True
    found = {n: v for n, v in found.items() if isinstance(v, torch.Tensor)}
    value = as_numpy(found["result"].detach()) if "result" in found else None
    positions = _argument_positions(op_name(node), len(node.next_functions))
    by_input = {positions[n]: as_numpy(v.detach()) for n, v in found.items() if n in positions}
    return value, by_input, False


def _argument_positions(name: str, count: int) -> dict[str, int]:
    """The aten schema's tensor arguments in order: ``addmm`` -> {self: 0, mat1: 1, mat2: 2}."""
    packet = getattr(torch.ops.aten, name, None)
    if packet is None:
        return {}
    for overload in packet.overloads():
        args = [a.name for a in getattr(packet, overload)._schema.arguments
                if str(a.type).startswith("Tensor")]
        if len(args) == count:
            return {a: k for k, a in enumerate(args)}
    return {}


def _output_shape(node: Any) -> tuple[int, ...] | None:
    try:
        return tuple(node._input_metadata[0].shape)
    except (AttributeError, IndexError, RuntimeError):
        return None


def _run_for_drawing(t: torch.Tensor, nodes: list[Any], position: dict[int, int],
                     tensors: list[TracedTensor]) -> tuple:
    """Run ``autograd.grad`` from ``t`` with hooks on every node: PyTorch's steps."""
    order: list[int] = []
    upstream: dict[int, torch.Tensor] = {}
    pieces: dict[int, list] = {}
    handles = []
    for node in nodes:
        k = position[id(node)]
        if type(node).__name__ == "AccumulateGrad":
            continue

        def pre(grad_outputs: tuple, k: int = k) -> None:
            if grad_outputs[0] is not None:
                order.append(k)
                upstream[k] = grad_outputs[0].detach().clone()

        def post(grad_inputs: tuple, grad_outputs: tuple, k: int = k, node: Any = node) -> None:
            pieces[k] = [None if g is None else g.detach().clone()
                         for (nxt, _), g in zip(node.next_functions, grad_inputs)
                         if nxt is not None]
        handles += [node.register_prehook(pre), node.register_hook(post)]
    leaves = [n.variable for n in nodes if type(n).__name__ == "AccumulateGrad"]
    try:
        grads = torch.autograd.grad(t, leaves, torch.ones_like(t), retain_graph=True,
                                    allow_unused=True) if leaves else ()
    finally:
        for h in handles:
            h.remove()
    steps = tuple(TracedStep(k, as_numpy(upstream[k]),
                             tuple(as_numpy(g) for g in pieces.get(k, ())))
                  for k in order)
    totals = {k: as_numpy(upstream[k]) for k in order}
    leaf_positions = [k for k, tt in enumerate(tensors) if tt.op is None]
    for k, g in zip(leaf_positions, grads):
        if g is not None:
            totals[k] = as_numpy(g)
    return steps, totals, totals.get(position[id(t.grad_fn)])


def _leaf_alone(t: torch.Tensor, names: Mapping[str, Any]) -> Trace:
    """A tensor no op made (a parameter, an input): one box, nothing to step through."""
    name = next((k for k, v in names.items() if v is t and not k.startswith("_")), None)
    value = as_numpy(t.detach().clone())
    leaf = TracedTensor(0, name, None, "", (), False, (), (), value, t.requires_grad, None,
                        shape=value.shape, dtype=str(value.dtype))
    return Trace((leaf,), 0, None, (), {}, sources=(0,) if t.requires_grad else (),
                 kind="gradients", notes=("No op made this tensor: it is a leaf, so there is "
                                          "no graph behind it. Draw a result computed from it, "
                                          "e.g. vg.show(loss).",))
