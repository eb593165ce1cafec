"""A recording and the last backward pass through it, as a Trace the drawing reads.

>>> import torch
>>> from vizgrad.torch import record
>>> x = torch.tensor(3.0, requires_grad=True)
>>> with record():
...     y = x * x
>>> y.backward()
>>> t = trace_of_recording(y)
>>> [s.contributions for s in t.steps]
[(array(3., dtype=float32), array(3., dtype=float32))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from ..drawing.trace import Trace, TracedStep, TracedTensor
from ..errors import UnsupportedError
from .record import RECORDED, Entry, Pass, Recording, as_numpy, module_paths, refusal
from .walk import FREED

CHANGED = ("changed in place after it was recorded, outside `vizgrad.torch.record()`, so its "
           "values as the op saw them are gone; clone it before changing it")


def trace_of_recording(t: torch.Tensor, *, names: Mapping[str, Any] | None = None,
                       extra: Iterable[Any] = ()) -> Trace:
    """The Trace of a tensor made inside ``record()``, with PyTorch's last pass from it."""
    recording, target = RECORDED[t]
    wanted = [target] + [RECORDED[e][1] for e in extra
                         if isinstance(e, torch.Tensor) and RECORDED.get(e, (None,))[0]
                         is recording]
    entries = recording.entries
    drawn: set[int] = set()
    stack = list(wanted)
    while stack:
        i = stack.pop()
        if i not in drawn:
            drawn.add(i)
            stack.extend(entries[i].inputs)
    order = sorted(drawn)
    new = {old: k for k, old in enumerate(order)}
    if t.grad_fn is not None and not entries[target].requires_grad:
        entries[target].refused = refusal(t.grad_fn)
    refused = next((entries[i] for i in order if entries[i].refused), None)
    if refused is not None:
        raise UnsupportedError(f"cannot draw {refused.look.name} exactly: {refused.refused}.")

    chosen = _last_pass_from(recording, target)
    freed = False
    if chosen is None and t.requires_grad and entries[target].look is not None:
        try:
            chosen = recording.run_for_drawing(t)
        except RuntimeError as error:
            if "second time" not in str(error):
                raise
            freed = True

    labels = _namespace_labels(recording, names or {})
    module_path, param_path = module_paths(recording, names or {})

    def scope(module: int | None) -> str | None:  # "features.0" -> the group "features/0"
        path = module_path.get(module) if module is not None else None
        return path.replace(".", "/") if path else None

    def leaf_name(e: Entry) -> str | None:
        tensor = e.leaf() if e.leaf is not None and e.look is None else None
        return param_path.get(id(tensor), e.name) if tensor is not None else e.name
    values: dict[int, np.ndarray | None] = {i: as_numpy(entries[i].current_value())
                                             for i in order}
    tensors = []
    for old in order:
        e = entries[old]
        look = e.look
        value = values[old]
        tensors.append(TracedTensor(
            index=new[old], name=labels.get(old) or leaf_name(e), op=look.name if look else None,
            symbol=look.symbol if look else "", formulas=look.formulas if look else (),
            elementwise=look.elementwise if look else False,
            inputs=tuple(new[i] for i in e.inputs),
            input_values=tuple(values[i] for i in e.inputs), value=value,
            requires_grad=e.requires_grad and look is None, scope=scope(e.scope),
            shape=tuple(e.value.shape), dtype=str(e.value.dtype).removeprefix("torch."),
            note=e.note if value is not None else CHANGED))

    steps: list[TracedStep] = []
    totals: dict[int, np.ndarray] = {}
    previous: dict[int, np.ndarray] = {}
    seed = None
    kind = "backward"
    if chosen is not None:
        kind = chosen.kind
        for op in chosen.order:
            if op not in drawn:
                continue
            pieces = chosen.contributions.get(op, {})
            upstream = as_numpy(chosen.upstream[op])
            steps.append(TracedStep(new[op], upstream, tuple(
                as_numpy(pieces.get(position)) for position in range(len(entries[op].inputs)))))
            totals[new[op]] = upstream
        seed = totals.get(new[target])
        for leaf, total in chosen.leaf_totals.items():
            if leaf in drawn:
                totals[new[leaf]] = as_numpy(total)
        for leaf, grad in chosen.previous.items():
            if leaf in drawn:
                previous[new[leaf]] = as_numpy(grad)
        _sum_into_external_leaves(steps, tensors, totals,
                                  {new[i] for i in order if entries[i].external})
    notes = [FREED] if freed else []
    return Trace(
        tensors=tuple(tensors), target=new[target], seed=seed, steps=tuple(steps),
        totals=totals,
        sources=tuple(k for k, tt in enumerate(tensors) if tt.requires_grad),
        stopped=frozenset(new[i] for i in order if entries[i].stopped),
        kind=kind, notes=tuple(notes), previous_grads=previous,
        stopped_by="detach() / no_grad()")


def _last_pass_from(recording: Recording, target: int) -> Pass | None:
    """The last pass that started at ``target`` (one from ``loss`` is not one from ``logits``)."""
    for p in reversed(list(recording.passes.values())):
        if p.order and p.order[0] == target:
            return p
    return None


def _namespace_labels(recording: Recording, names: Mapping[str, Any]) -> dict[int, str]:
    """Entry index -> the variable name a user gave the tensor in ``names``."""
    labels: dict[int, str] = {}
    for key, value in names.items():
        if key.startswith("_") or not isinstance(value, torch.Tensor):
            continue
        found = RECORDED.get(value)
        index = found[1] if found is not None and found[0] is recording else \
            recording.leaf_index(value)
        if index is not None:
            labels.setdefault(index, key)
    return labels


def _sum_into_external_leaves(steps: list[TracedStep], tensors: list[TracedTensor],
                              totals: dict[int, np.ndarray], external: set[int]) -> None:
    """A tensor made before the recording has no AccumulateGrad: add up what reached it."""
    for s in steps:
        for x, c in zip(tensors[s.tensor].inputs, s.contributions):
            if c is not None and x in external:
                totals[x] = c if x not in totals else totals[x] + c
