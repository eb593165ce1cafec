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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..drawing.record import _traced
from ..drawing.trace import LazySteps, Trace, TracedStep
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
    scopes = {module: path.replace(".", "/") if path else None  # "features.0" -> "features/0"
              for module, path in module_path.items()}
    values: dict[int, np.ndarray | None] = {}
    tensors = []
    for k, old in enumerate(order):
        e = entries[old]
        look = e.look
        value = values[old] = as_numpy(e.current_value())
        raw = e.value
        if look is None:
            tensor = e.leaf() if e.leaf is not None else None
            name = labels.get(old) or (param_path.get(id(tensor), e.name)
                                       if tensor is not None else e.name)
            traced = _traced(k, name, None, "", (), False, (), (), value,
                             e.requires_grad, None, tuple(raw.shape), _dtype(raw))
        else:
            inputs = e.inputs
            traced = _traced(k, labels.get(old), look.name, look.symbol, look.formulas,
                             look.elementwise, tuple([new[i] for i in inputs]),
                             tuple([values[i] for i in inputs]), value, False,
                             scopes.get(e.scope) if e.scope is not None else None,
                             tuple(raw.shape), _dtype(raw))
        note = e.note if value is not None else CHANGED
        if note is not None:
            object.__setattr__(traced, "note", note)
        tensors.append(traced)

    steps: Sequence[TracedStep] = ()
    totals: Mapping[int, np.ndarray] = {}
    previous: dict[int, np.ndarray] = {}
    seed = None
    kind = "backward"
    if chosen is not None:
        kind = chosen.kind
        external = [i for i in order if entries[i].external]
        gradients = _Gradients(chosen, entries, drawn, new, external)
        steps, totals = gradients.steps(), gradients
        seed = totals.get(new[target])
        for leaf, grad in chosen.previous.items():
            if leaf in drawn:
                previous[new[leaf]] = as_numpy(grad)
    notes = [FREED] if freed else []
    return Trace(
        tensors=tuple(tensors), target=new[target], seed=seed, steps=steps,
        totals=totals,
        sources=tuple(k for k, tt in enumerate(tensors) if tt.requires_grad),
        stopped=frozenset(new[i] for i in order if entries[i].stopped),
        kind=kind, notes=tuple(notes), previous_grads=previous,
        stopped_by="detach() / no_grad()")


def _dtype(value: torch.Tensor) -> str:
    return str(value.dtype).removeprefix("torch.")


class _Gradients(Mapping[int, np.ndarray]):
    """One pass's gradients through the drawn tensors, each made a numpy array when first
    read (a drawing reads those of the boxes it shows): the totals (trace index -> what
    reached it) and, from ``steps``, what each op sent each input."""

    def __init__(self, chosen: Pass, entries: list[Entry], drawn: set[int],
                 new: dict[int, int], external: list[int]) -> None:
        self._pass, self._entries, self._new = chosen, entries, new
        self._ops = [op for op in chosen.order if op in drawn]  # the steps, in engine order
        self._made: dict[int, np.ndarray] = {}
        # trace index -> where its total comes from: an op's upstream, a leaf's total
        self._sources: dict[int, tuple[dict, int]] = {}
        for op in self._ops:
            self._sources[new[op]] = (chosen.upstream, op)
        for leaf in chosen.leaf_totals:
            if leaf in drawn:
                self._sources[new[leaf]] = (chosen.leaf_totals, leaf)
        if external:  # a tensor made before the recording has no AccumulateGrad
            self._sum_into(set(external))

    def _sum_into(self, external: set[int]) -> None:
        """Add up what reached each external leaf, step by step as the engine sent it."""
        for op in self._ops:
            pieces = self._pass.contributions.get(op, {})
            for position, x in enumerate(self._entries[op].inputs):
                c = pieces.get(position)
                if c is not None and x in external:
                    i = self._new[x]
                    c = as_numpy(c)
                    self._made[i] = c if i not in self._sources else self[i] + c
                    self._sources[i] = (self._made, i)

    def __getitem__(self, i: int) -> np.ndarray:
        made = self._made.get(i)
        if made is None:
            where, key = self._sources[i]
            made = self._made[i] = as_numpy(where[key])
        return made

    def __contains__(self, i: object) -> bool:
        return i in self._sources

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._sources))

    def __len__(self) -> int:
        return len(self._sources)

    def indices(self) -> frozenset[int]:
        """The indices that have a total, without making any array."""
        return frozenset(self._sources)

    def steps(self) -> LazySteps:
        """The steps through drawn ops, in the order the engine ran them, made when read."""
        ops, new, entries = self._ops, self._new, self._entries
        contributions = self._pass.contributions

        def make(k: int) -> TracedStep:
            op = ops[k]
            pieces = contributions.get(op, {})
            return TracedStep(new[op], self[new[op]], tuple(
                as_numpy(pieces.get(position)) for position in range(len(entries[op].inputs))))

        def outline() -> list[tuple[int, tuple[bool, ...]]]:
            sent = []
            for op in ops:
                pieces = contributions.get(op, {})
                sent.append((new[op], tuple(pieces.get(position) is not None
                                            for position in range(len(entries[op].inputs)))))
            return sent

        return LazySteps(len(ops), make, outline)


def _last_pass_from(recording: Recording, target: int) -> Pass | None:
    """The last pass that started at ``target`` (one from ``loss`` is not one from ``logits``)."""
    for p in reversed(list(recording.passes.values())):
        if p.settle().order and p.order[0] == target:
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
