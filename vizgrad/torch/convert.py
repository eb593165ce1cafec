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
from itertools import chain
from typing import Any

import numpy as np
import torch

from ..drawing.record import _traced
from ..drawing.trace import (
    Columns,
    LazySteps,
    LazyTensors,
    Outline,
    Trace,
    TracedStep,
    TracedTensor,
    codes_of,
    offsets,
)
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
    scope_names = {module: path.replace(".", "/") if path else None  # "features.0" -> "features/0"
                   for module, path in module_path.items()}
    n = len(order)
    drawn_entries = [entries[i] for i in order]
    # the values as recorded (None: changed in place since), made numpy arrays when read
    current = [e.current_value() for e in drawn_entries]
    at = dict(zip(order, current))
    inputs = [tuple([new[x] for x in e.inputs]) for e in drawn_entries]
    starts = offsets([len(its) for its in inputs])
    tensor_names: list[str | None] = []
    scopes: list[str | None] = []
    requires_grad = np.zeros(n, dtype=bool)
    literal = np.zeros(n, dtype=bool)  # a leaf drawn by its value (the 2 of x * 2)
    for k, (old, e) in enumerate(zip(order, drawn_entries)):
        if e.look is None:
            tensor = e.leaf() if e.leaf is not None else None
            tensor_names.append(labels.get(old) or (
                param_path.get(id(tensor), e.name) if tensor is not None else e.name))
            scopes.append(None)
            if e.requires_grad:
                requires_grad[k] = True
            elif current[k] is not None and current[k].dim() == 0:
                literal[k] = True
        else:
            tensor_names.append(labels.get(old))
            scopes.append(scope_names.get(e.scope) if e.scope is not None else None)
    op_codes, op_names = codes_of([None if e.look is None else e.look.name
                                   for e in drawn_entries])
    columns = Columns(op_codes, op_names, starts,
                      np.fromiter(chain.from_iterable(inputs), np.int64, int(starts[-1])),
                      tensor_names, scopes, requires_grad, literal)
    arrays: dict[int, np.ndarray | None] = {}

    def value_of(old: int) -> np.ndarray | None:
        if old not in arrays:
            arrays[old] = as_numpy(at[old])
        return arrays[old]

    def make(k: int) -> TracedTensor:
        e = drawn_entries[k]
        look, raw, value = e.look, e.value, value_of(order[k])
        if look is None:
            traced = _traced(k, tensor_names[k], None, "", (), False, (), (), value,
                             bool(requires_grad[k]), None, tuple(raw.shape), _dtype(raw))
        else:
            traced = _traced(k, tensor_names[k], look.name, look.symbol, look.formulas,
                             look.elementwise, inputs[k],
                             tuple([value_of(i) for i in e.inputs]), value, False, scopes[k],
                             tuple(raw.shape), _dtype(raw))
        note = e.note if current[k] is not None else CHANGED
        if note is not None:
            object.__setattr__(traced, "note", note)
        return traced

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
        tensors=LazyTensors(make, columns), target=new[target], seed=seed, steps=steps,
        totals=totals, sources=tuple(np.flatnonzero(requires_grad).tolist()),
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

    @property
    def mask(self) -> np.ndarray:
        """Per drawn tensor: whether it has a total, without making any array."""
        mask = np.zeros(len(self._new), dtype=bool)
        mask[list(self._sources)] = True
        return mask

    def steps(self) -> LazySteps:
        """The steps through drawn ops, in the order the engine ran them, made when read."""
        ops, new, entries = self._ops, self._new, self._entries
        contributions = self._pass.contributions

        def make(k: int) -> TracedStep:
            op = ops[k]
            pieces = contributions.get(op, {})
            return TracedStep(new[op], self[new[op]], tuple(
                as_numpy(pieces.get(position)) for position in range(len(entries[op].inputs))))

        def outline() -> Outline:
            counts = [len(entries[op].inputs) for op in ops]
            starts = offsets(counts)
            sent = np.fromiter((contributions.get(op, {}).get(position) is not None
                                for op, count in zip(ops, counts) for position in range(count)),
                               bool, int(starts[-1]))
            return Outline(np.fromiter(map(new.__getitem__, ops), np.int64, len(ops)), starts,
                           sent)

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
