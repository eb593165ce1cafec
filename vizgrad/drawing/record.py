"""From vizgrad's tensors and a backward pass to a Trace: the one reader of tensor internals.

Everything after this module (graph building, grouping, narration, DOT, the
widget's data, the exports) reads the Trace only, so another recorder (PyTorch)
can feed the same drawing by producing a Trace of its own.

>>> import vizgrad as vg
>>> x = vg.Variable(3.0, name="x"); f = x * x; f.backward()
>>> trace = trace_of_tensor(f, names={"f": f})
>>> [(t.name, t.op) for t in trace.tensors], float(trace.totals[0])
([('x', None), ('f', 'multiply')], 6.0)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import MISSING, fields
from itertools import chain, islice
from operator import attrgetter
from typing import Any

import numpy as np

from ..core.engine import BackwardPass, backpropagate
from ..core.forward import forward_pass, op_contribution, seed_tangents
from ..core.tensor import Tensor, ancestors, is_floating
from ..errors import ArgumentError
from .format import dtype_name
from .trace import (
    Columns,
    LazySteps,
    LazyTensors,
    Outline,
    Trace,
    TracedForwardStep,
    TracedStep,
    TracedTensor,
    codes_of,
    offsets,
)


def trace_of_tensor(y: Tensor, *, names: Mapping[str, Any] | None = None,
                    extra: Sequence[Any] = (), backward_pass: BackwardPass | None = None,
                    mode: str = "reverse", seed: Mapping[Any, Any] | None = None) -> Trace:
    """The Trace of what made ``y`` and of the backward pass last run from it.

    ``names``: a namespace (``locals()``) whose variable names name unnamed tensors.
    ``extra``: more tensors to include (those not leading to ``y`` are drawn greyed).
    If no backward pass has run from ``y``, one is run now (``.grad`` is not touched).
    ``mode="forward"``: the steps push the tangents ``seed`` (an input or its name ->
    its tangent) forward through the same tensors instead.
    """
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"mode={mode!r} is not known; fix: mode='reverse' (backpropagation)"
                            " or mode='forward' (tangents pushed forward from a seed)")
    if mode == "forward" and not seed:
        raise ArgumentError("forward mode needs a seed: the tangent of each input it moves; "
                            "fix: seed={'x1': 1.0} (the other inputs stay still)")
    if mode == "reverse" and seed:
        raise ArgumentError("seed= sets forward mode's tangents; fix: add mode='forward', or "
                            "leave seed out for backpropagation")
    tangent_seed = seed
    if not isinstance(y, Tensor):
        raise ArgumentError(f"graph() needs a vizgrad tensor, got {type(y).__name__}; fix: "
                            "pass the tensor you want to differentiate, e.g. vg.graph(loss)")
    result = backward_pass if backward_pass is not None else (
        y._pass if y._pass is not None else fresh_pass(y))
    # a target bound to two names (v5 = v4 - v3; y = v5): the output box takes the later
    aliases = [key for key, value in (names or {}).items()
               if value is y and not key.startswith("_")]
    roots = [root for root in result.roots if root is not None]
    drawn, ids, on_path = _walk(y, [*(t for t in extra if isinstance(t, Tensor)),
                                    *result.sources, *roots])
    index = _Index(ids)
    tensors = _tensors(drawn, ids, on_path, names or {})
    op_codes, op_names = tensors.columns.op_codes, tensors.columns.op_names

    seed = next((s for rid, s in zip(result.root_ids, result.seeds) if rid == y._id), None)
    allowed = result.allowed
    forward = _forward_parts(y, tangent_seed, dict(zip(ids.tolist(), range(len(ids))))) \
        if mode == "forward" else {}
    is_op = np.array([name is not None for name in op_names], dtype=bool)[op_codes]
    return Trace(
        tensors=tensors, target=index[y._id], seed=seed, steps=_steps(result, ids),
        totals=_Totals(result.grads, ids),
        sources=tuple(index[s._id] for s in result.sources if s._id in index),
        stopped=frozenset(index[tid] for tid in result.stops if tid in index),
        outside_tape=frozenset() if allowed is None else frozenset(np.flatnonzero(
            is_op & ~np.isin(ids, np.fromiter(allowed, np.int64, len(allowed)))).tolist()),
        kind=result.kind,
        target_name=aliases[-1] if len(aliases) > 1 else None, **forward)


_ID = attrgetter("_id")
# what the drawing keeps of each tensor, read in one C loop each (``map``)
_OP, _INPUTS, _NAME, _SCOPE, _GRAD = (attrgetter(a) for a in (
    "_op", "_inputs", "name", "_scope", "requires_grad"))
# a tensor's value and the values its op ran on, as the tensor keeps them: arrays, or, for
# an op run on Python floats, its floats (result, then inputs): reading ``_data`` or
# ``_saved`` would make an array of each, for every tensor, before 41 boxes are drawn
_FLOATS = attrgetter("_float")


def _or(kept: Any, otherwise: Any) -> Any:
    return otherwise if kept is None else kept


def _as_array(value: Any) -> np.ndarray:
    """A kept value (a float for an op run on floats) as the array a drawing reads."""
    return value if type(value) is np.ndarray else np.array(value)


def _walk(first: Tensor, more: Sequence[Tensor]
          ) -> tuple[list[Tensor], np.ndarray, np.ndarray]:
    """Every tensor ``first`` and ``more`` were computed from (and they) in creation order,
    their ids (ascending), and which of them lead to ``first``."""
    seen: dict[int, Tensor] = {}
    stack = [first]
    pop, push = stack.pop, stack.extend
    for phase in (0, 1):
        while stack:
            t = pop()
            while True:  # along a run of one-input ops without the stack
                tid = t._id
                if tid in seen:
                    break
                seen[tid] = t
                inputs = t._inputs
                if len(inputs) != 1:
                    push(inputs)
                    break
                t = inputs[0]
        if phase == 0:
            leading = len(seen)
            stack.extend(more)
    order = sorted(seen)
    drawn = list(map(seen.__getitem__, order))
    ids = np.fromiter(order, np.int64, len(order))
    if leading == len(seen):
        return drawn, ids, np.ones(len(drawn), dtype=bool)
    return drawn, ids, np.isin(ids, np.fromiter(islice(seen, leading), np.int64, leading))


class _Index:
    """Tensor id -> its position in the trace, found in the ascending ids."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def get(self, tid: int) -> int | None:
        k = int(np.searchsorted(self.ids, tid))
        return k if k < len(self.ids) and self.ids[k] == tid else None

    def __contains__(self, tid: object) -> bool:
        return self.get(tid) is not None  # type: ignore[arg-type]

    def __getitem__(self, tid: int) -> int:
        k = self.get(tid)
        if k is None:
            raise KeyError(tid)
        return k


def positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The position of each of ``wanted`` in the ascending ``ids`` (-1: not there).

    >>> positions(np.array([2, 5, 9]), np.array([9, 3, 2])).tolist()
    [2, -1, 0]
    """
    found = np.searchsorted(ids, wanted)
    found[found >= len(ids)] = len(ids) - 1 if len(ids) else 0
    if not len(ids):
        return np.full(len(wanted), -1, np.int64)
    return np.where(ids[found] == wanted, found, -1)


def _tensors(drawn: list[Tensor], ids: np.ndarray, on_path: np.ndarray,
             names: Mapping[str, Any]) -> LazyTensors:
    """The tensors of a trace as columns read now (plain data, no tensor kept), each
    TracedTensor made from them when first read."""
    n = len(drawn)
    op_ids, op_table = codes_of(list(map(_OP, drawn)))
    leaf_code = next((k for k, op in enumerate(op_table) if op is None), -1)
    leaves = np.flatnonzero(op_ids == leaf_code).tolist()
    inputs = list(map(_INPUTS, drawn))
    starts = np.zeros(n + 1, np.int64)
    np.cumsum(np.fromiter(map(len, inputs), np.int64, n), out=starts[1:])
    flat = positions(ids, np.fromiter(map(_ID, chain.from_iterable(inputs)), np.int64,
                                      int(starts[-1])))
    del inputs
    # values as kept: an op run on Python floats keeps its floats (_float: its value, then
    # its inputs'), made arrays only for the boxes drawn; the other tensors (leaves, ops on
    # arrays) their arrays, or for a 0-d float64 leaf only its float (_value)
    floats = list(map(_FLOATS, drawn))
    others = [i for i, kept in enumerate(floats) if kept is None]
    arrays = {i: _or(t._array, t._value) for i, t in zip(others, map(drawn.__getitem__, others))}
    saved = {i: drawn[i]._saved for i in others if op_ids[i] != leaf_code}

    def value(i: int) -> np.ndarray:
        kept = floats[i]
        return np.array(kept[0]) if kept is not None else _as_array(arrays[i])

    def input_values(i: int) -> tuple[np.ndarray, ...]:  # op i's, as arrays
        kept = floats[i]
        return saved[i] if kept is None else tuple([np.array(v) for v in kept[1:]])
    requires_grad = np.fromiter(map(_GRAD, drawn), bool, n)
    tensor_names = list(map(_NAME, drawn))  # an empty name is no name: read as None
    scopes = list(map(_SCOPE, drawn))

    # a tensor without a name of its own is named by the namespace's variable holding it
    for t, key in _namespace_names(names).values():
        k = int(np.searchsorted(ids, t._id))
        if k < n and drawn[k] is t and not tensor_names[k]:
            tensor_names[k] = key
    # a constant leaf by the numpy array it was made from (its variable's name)
    if any(isinstance(value, np.ndarray) for value in names.values()):
        for i in leaves:
            if not tensor_names[i] and not requires_grad[i]:
                tensor_names[i] = _array_name(names, value(i))

    # a leaf is drawn with the value its first user saw (a later optimizer step changes
    # nothing): the first place it is an input, in tensor order
    first_seen: dict[int, Any] = {}
    if leaves and len(flat):
        is_leaf = op_ids == leaf_code
        at = np.flatnonzero(is_leaf[flat])
        used, first = np.unique(flat[at], return_index=True)
        where = at[first]
        users = np.searchsorted(starts, where, side="right") - 1
        for leaf, user, place in zip(used.tolist(), users.tolist(), where.tolist()):
            first_seen[leaf] = input_values(user)[place - starts[user]]
    literal = np.zeros(n, dtype=bool)
    for i in leaves:
        if not requires_grad[i] and np.ndim(first_seen.get(i, arrays[i])) == 0:
            literal[i] = True

    columns = Columns(op_ids, tuple(None if op is None else op.name for op in op_table),
                      starts, flat, tensor_names, scopes, requires_grad, literal, on_path, ids)
    formulas: dict[tuple[int, int], tuple[str, ...]] = {}

    def make(i: int) -> TracedTensor:
        op = op_table[op_ids[i]]
        data = value(i)
        if op is None:
            return _traced(i, tensor_names[i] or None, None, "", (), False, (), (),
                           first_seen.get(i, data), bool(requires_grad[i]), scopes[i],
                           data.shape, dtype_name(data.dtype))
        its = tuple(flat[starts[i]:starts[i + 1]].tolist())
        key = (id(op), len(its))
        if key not in formulas:
            formulas[key] = tuple(op.formula(j) for j in range(len(its)))
        return _traced(i, tensor_names[i] or None, op.name, op.symbol, formulas[key],
                       op.elementwise,
                       its, input_values(i), data, bool(requires_grad[i]), scopes[i],
                       data.shape,
                       dtype_name(data.dtype))

    return LazyTensors(make, columns)


def position_of(trace: Trace, t: Tensor) -> int | None:
    """Where tensor ``t`` is in a trace made by ``trace_of_tensor`` (None: not in it).

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0); f = x * x
    >>> position_of(trace_of_tensor(f), f), position_of(trace_of_tensor(f), vg.Variable(1.0))
    (1, None)
    """
    ids = getattr(trace.tensors, "columns", None)
    return None if ids is None or ids.ids is None else _Index(ids.ids).get(t._id)


def _forward_parts(y: Tensor, seed: Mapping[Any, Any], index: Mapping[int, int]) -> dict:
    """The forward-mode fields of a Trace: each op's step, every tangent, the seeded leaves."""
    seeds = seed_tangents(y, seed)
    result = forward_pass(y, seeds)
    tensors = {t._id: t for t in ancestors([y])}
    steps = []
    for s in result.steps:
        t = tensors[s.tensor_id]
        locals_ = tuple(None if moving is None else op_contribution(
            t, i, np.ones(t._inputs[i].shape, t.dtype)) for i, moving in enumerate(s.inputs)) \
            if t._op.elementwise else (None,) * len(s.inputs)
        steps.append(TracedForwardStep(index[s.tensor_id], s.inputs, s.contributions, locals_,
                                       s.tangent))
    return {"mode": "forward", "forward_steps": tuple(steps),
            "tangents": {index[tid]: v for tid, v in result.tangents.items() if tid in index},
            "seeded": tuple(index[tid] for tid in seeds if tid in index)}


def _steps(result: BackwardPass, ids: np.ndarray) -> LazySteps:
    """The pass's steps through drawn tensors, each made (its arrays too) when first read;
    what is kept of the pass is plain data (no tensor, no reference to the pass)."""
    steps = result.step_record()
    at = positions(ids, np.frombuffer(steps.step_ids, np.int64) if len(steps.step_ids)
                   else np.zeros(0, np.int64))
    kept = np.flatnonzero(at >= 0)
    tensor_of = at[kept]

    def make(j: int) -> TracedStep:
        _, upstream, contributions = steps.step(int(kept[j]))
        return TracedStep(int(tensor_of[j]), upstream, contributions)

    def outline() -> Outline:
        starts, sent = steps.sent_flags()
        counts = (starts[1:] - starts[:-1])[kept]
        take = np.repeat(starts[kept] - offsets(counts)[:-1], counts) + np.arange(counts.sum())
        return Outline(tensor_of, offsets(counts), sent[take])

    return LazySteps(len(kept), make, outline)


class _Totals(Mapping[int, np.ndarray]):
    """Trace index -> the total gradient that reached it, made an array when first read."""

    def __init__(self, grads: Mapping[int, Any], ids: np.ndarray) -> None:
        self._grads, self._ids = grads, ids
        # the pass's own keys, read without making any array
        keys = np.fromiter(dict.keys(grads), np.int64, len(grads))
        at = positions(ids, keys)
        self.mask = np.zeros(len(ids), dtype=bool)
        self.mask[at[at >= 0]] = True

    def __contains__(self, i: object) -> bool:
        return isinstance(i, (int, np.integer)) and 0 <= i < len(self.mask) and \
            bool(self.mask[i])

    def __getitem__(self, i: int) -> np.ndarray:
        if i not in self:
            raise KeyError(i)
        return self._grads[int(self._ids[i])]

    def __iter__(self) -> Iterator[int]:
        return iter(np.flatnonzero(self.mask).tolist())

    def __len__(self) -> int:
        return int(self.mask.sum())


_NAMES = ("index", "name", "op", "symbol", "formulas", "elementwise", "inputs", "input_values",
          "value", "requires_grad", "scope", "shape", "dtype")
_LATER = {f.name: f.default for f in fields(TracedTensor)[len(_NAMES):]}


def _fast_traced(index: int, name: str | None, op: str | None, symbol: str,
                 formulas: tuple[str, ...], elementwise: bool, inputs: tuple[int, ...],
                 input_values: tuple, value: Any, requires_grad: bool, scope: str | None,
                 shape: tuple[int, ...], dtype: str) -> TracedTensor:
    """A TracedTensor made without the dataclass's __init__, which sets each field through
    object.__setattr__ (frozen): this fills the instance's __dict__ at once, 1.5x faster."""
    traced = object.__new__(TracedTensor)
    object.__setattr__(traced, "__dict__", {
        "index": index, "name": name, "op": op, "symbol": symbol, "formulas": formulas,
        "elementwise": elementwise, "inputs": inputs, "input_values": input_values,
        "value": value, "requires_grad": requires_grad, "scope": scope, "shape": shape,
        "dtype": dtype, **_LATER})
    return traced


# the shortcut holds while the class's fields start as above and the rest have plain defaults
_traced = _fast_traced if (
    tuple(f.name for f in fields(TracedTensor))[:len(_NAMES)] == _NAMES
    and MISSING not in _LATER.values()) else TracedTensor


def fresh_pass(y: Tensor) -> BackwardPass:
    """Backpropagate from ``y`` to its variables (or, with none, to every float leaf)."""
    leaves = [t for t in ancestors([y]) if t._op is None and is_floating(t.dtype)]
    wanted = [t for t in leaves if t.requires_grad] or leaves
    ids = {t._id for t in wanted}
    seed = np.ones(y.shape, dtype=y.dtype) if is_floating(y.dtype) else np.ones(y.shape)
    return backpropagate([y], [seed], lambda t: t._id in ids, kind="gradients", sources=wanted,
                         leaf_sources=True)


def _array_name(names: Mapping[str, Any], data: np.ndarray) -> str | None:
    """The variable holding a numpy array equal to ``data`` (data a tensor was made from).

    >>> points = np.ones((2, 2))
    >>> _array_name({"points": points}, np.array(points)), _array_name({"x": 2.0}, np.ones(2))
    ('points', None)
    """
    if data.ndim == 0:  # a literal such as the 2 of x * 2 is drawn by its value
        return None
    for key, value in names.items():
        if isinstance(value, np.ndarray) and not key.startswith("_") and \
                value.shape == data.shape and np.array_equal(value, data):
            return key
    return None


def _namespace_names(names: Mapping[str, Any]) -> dict[int, tuple[Tensor, str]]:
    """id of each tensor in a namespace -> the tensor and its first public variable name."""
    found: dict[int, tuple[Tensor, str]] = {}
    for key, value in names.items():
        if isinstance(value, Tensor) and not key.startswith("_") and id(value) not in found:
            found[id(value)] = (value, key)
    return found
