"""Backpropagation: an iterative walk over the recorded graph that keeps each step it takes.

Tensors get increasing ids as they are made, and a tensor is always made
after its inputs, so descending id order is a reverse topological order: no
recursion, no depth limit. The walk keeps, for every op it runs through, each
input's contribution (its upstream gradient is that op's total in ``grads``);
those steps are what the drawing replays.

A root keeps its last backward pass (``root._pass``) and the pass refers back
to its roots only weakly, so dropping the root frees its whole graph at once
instead of leaving a reference cycle for the garbage collector.
"""

from __future__ import annotations

import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from operator import is_not
from typing import Any

import numpy as np

from ..errors import VizgradError
from .ops import Op, unbroadcast
from .tensor import Tensor, as_tensor, record, recording


class Step:
    """One op that backpropagation ran through.

    ``contributions[i]`` is the gradient sent to ``node.inputs[i]`` (None where
    no gradient was needed or exists).
    """

    __slots__ = ("_node", "upstream", "contributions")

    def __init__(self, node: Tensor, upstream: np.ndarray,
                 contributions: tuple[np.ndarray | None, ...]) -> None:
        self._node = weakref.ref(node)
        self.upstream = upstream
        self.contributions = contributions

    @property
    def node(self) -> Tensor:
        """The tensor whose op this step went through."""
        return self._node()

    def __repr__(self) -> str:
        node = self.node
        return f"Step(node={node.op if node is not None else None}, upstream={self.upstream!r})"


_FLOAT64 = np.dtype(np.float64)


class Gradients(dict):
    """Tensor id -> the total gradient that reached it, read as numpy arrays.

    The scalar path of the walk (0-d float64 ops, see ``_scalar_step``) keeps Python
    floats; each becomes a 0-d array when first read.

    >>> grads = Gradients({3: 2.5}); grads[3], grads.get(4)
    (array(2.5), None)
    """

    def __getitem__(self, key: int) -> np.ndarray:
        value = dict.__getitem__(self, key)
        if type(value) is not np.ndarray:
            value = np.array(value)
            dict.__setitem__(self, key, value)
        return value

    def get(self, key: int, default: Any = None) -> Any:
        return self[key] if dict.__contains__(self, key) else default

    def items(self) -> list[tuple[int, np.ndarray]]:  # type: ignore[override]
        return [(key, self[key]) for key in dict.keys(self)]

    def values(self) -> list[np.ndarray]:  # type: ignore[override]
        return [self[key] for key in dict.keys(self)]


def _as_array(c: Any) -> np.ndarray | None:
    """A contribution as the drawing reads it: an array (the scalar path keeps floats)."""
    return c if c is None or type(c) is np.ndarray else np.array(c)


class StepRecord:
    """A pass's steps as plain data, read one at a time (what a drawing keeps of a pass)."""

    __slots__ = ("step_ids", "_offsets", "_flat", "_grads")

    def __init__(self, step_ids: array, offsets: array, flat: list, grads: Any) -> None:
        self.step_ids, self._offsets, self._flat, self._grads = step_ids, offsets, flat, grads

    def step(self, k: int) -> tuple[int, np.ndarray, tuple[np.ndarray | None, ...]]:
        """(tensor id, upstream gradient, contributions) of step ``k`` alone."""
        tid, offsets = self.step_ids[k], self._offsets
        return tid, self._grads[tid], tuple(
            [_as_array(c) for c in self._flat[offsets[k]:offsets[k + 1]]])

    def sent(self) -> list[tuple[bool, ...]]:
        """For each step, which of its inputs it sent a gradient (no array is made)."""
        flat, offsets = self._flat, self._offsets
        return [tuple([c is not None for c in flat[offsets[k]:offsets[k + 1]]])
                for k in range(len(self.step_ids))]

    def sent_flags(self) -> tuple[np.ndarray, np.ndarray]:
        """The same for every step at once: where each step's contributions start (and the
        last ends), and per contribution whether it was sent."""
        flat = self._flat
        return (np.array(self._offsets, dtype=np.int64),
                np.fromiter(map(is_not, flat, repeat(None)), bool, len(flat)))


class BackwardPass:
    """Everything one run of backpropagation did, kept compactly for the drawing.

    ``kind`` is "backward", "gradients" or "tape"; ``sources`` the tensors
    gradients were asked for; ``grads`` maps a tensor id to its total
    gradient; ``allowed`` holds the ids of the ops a tape recorded (None: all);
    ``stops`` the ids gradients must not pass. The steps are kept as tensor ids
    and one flat list of contributions (a step's upstream gradient is its
    tensor's total in ``grads``), with no reference to any tensor, so the pass
    adds little to what the recorded graph already holds.
    """

    def __init__(self, kind: str, roots: Sequence[Tensor], seeds: Sequence[np.ndarray],
                 sources: Sequence[Tensor], step_ids: array, offsets: array,
                 contributions: list, grads: dict[int, np.ndarray],
                 reached_sources: Sequence[Tensor] = (), allowed: frozenset[int] | None = None,
                 stops: frozenset[int] = frozenset()) -> None:
        self.kind = kind
        self._roots = tuple(weakref.ref(root) for root in roots)
        self._root_ids = tuple(root._id for root in roots)
        self.seeds = tuple(seeds)
        self.sources = tuple(sources)
        self.reached_sources = tuple(reached_sources)  # the sources the walk reached
        self._step_ids = step_ids
        self._offsets = offsets
        self._contributions = contributions
        self._steps: list[Step] | None = None
        self.grads = grads
        self.allowed = allowed
        self.stops = stops
        self.tensor_grads: dict[int, Tensor] | None = None  # with create_graph: the gradients

    @property
    def roots(self) -> tuple[Tensor, ...]:
        """The tensors backpropagation started from (None for one no longer alive)."""
        return tuple(ref() for ref in self._roots)

    @property
    def root_ids(self) -> tuple[int, ...]:
        """The ids of the roots, alive or not."""
        return self._root_ids

    @property
    def tensors(self) -> dict[int, Tensor]:
        """Every tensor the walk reached from the roots still alive, by id."""
        allowed, stops = self.allowed, self.stops
        reached: dict[int, Tensor] = {}
        stack = [root for root in self.roots if root is not None]
        while stack:
            t = stack.pop()
            if t._id not in reached:
                reached[t._id] = t
                if t._op is not None and t._id not in stops and (
                        allowed is None or t._id in allowed):
                    stack.extend(t._inputs)
        return reached

    def raw_steps(self) -> Iterator[tuple[int, np.ndarray, tuple[np.ndarray | None, ...]]]:
        """(tensor id, upstream gradient, contributions) of each step, in the order run."""
        flat, offsets, grads = self._contributions, self._offsets, self.grads
        for k, tid in enumerate(self._step_ids):
            yield tid, grads[tid], tuple([_as_array(c) for c in flat[offsets[k]:offsets[k + 1]]])

    @property
    def step_ids(self) -> array:
        """The id of each step's tensor, in the order run."""
        return self._step_ids

    def step_record(self) -> StepRecord:
        """The steps as plain data (ids, contributions, totals): no tensor, no pass."""
        return StepRecord(self._step_ids, self._offsets, self._contributions, self.grads)

    @property
    def steps(self) -> list[Step]:
        """The ops gone through, in the order backpropagation went through them."""
        if self._steps is None:  # made on first use: most passes are never drawn
            tensors = self.tensors
            missing = [tid for tid in self._step_ids if tid not in tensors]
            if missing:
                raise VizgradError(
                    "the result this backward pass started from has been freed, and with it "
                    "the tensors its steps went through; fix: keep the result in a variable "
                    "while you look at the steps, e.g. y = x * x; bp = vg.backward(y); bp.steps")
            self._steps = [Step(tensors[tid], upstream, contributions)
                           for tid, upstream, contributions in self.raw_steps()]
        return self._steps

    def grad_of(self, t: Tensor) -> np.ndarray | None:
        """The total gradient that reached ``t``, or None."""
        return self.grads.get(t._id)

    def __repr__(self) -> str:
        return f"<BackwardPass {self.kind}: {len(self._step_ids)} steps>"


def backpropagate(roots: Sequence[Tensor], seeds: Sequence[np.ndarray],
                  is_source: Callable[[Tensor], bool], *, kind: str,
                  sources: Iterable[Tensor] = (), allowed: frozenset[int] | None = None,
                  stops: frozenset[int] = frozenset(), scalar_path: bool = True,
                  create_graph: bool = False, leaf_sources: bool = False
                  ) -> BackwardPass:
    """Run reverse mode from ``roots`` and return what it did.

    Gradients flow only into tensors on a path to a source (``is_source``),
    only through ops in ``allowed`` (a tape's) and never past ``stops``.
    ``scalar_path``: run the rules of ops computed on Python floats on floats too (off
    when the rules must run on something else, e.g. recorded tensors). ``leaf_sources``:
    only leaves can be sources (``is_source`` is asked about leaves only).
    With ``create_graph`` the backward pass is itself recorded (see
    :func:`_backpropagate_recorded`): ``pass.tensor_grads`` holds the gradients as
    tensors whose own graph leads back to the forward values they read.
    """
    walk, masks, reached_sources = _ops_to_walk(roots, is_source, allowed, stops, leaf_sources)
    if create_graph and recording().enabled:
        return _backpropagate_recorded(roots, seeds, kind, sources, allowed, stops, walk,
                                       masks, reached_sources)

    # 3. the reverse walk; each step is kept as its tensor id and its contributions
    # a plain dict while the walk runs (a dict subclass's item assignment costs more), made
    # Gradients once it is done; floats from the scalar path stay floats in it
    grads: dict[int, Any] = {}
    for root, seed in zip(roots, seeds):
        previous = grads.get(root._id)
        grads[root._id] = seed if previous is None else previous + seed
    # lists while the walk runs (appending to an array costs twice as much), kept as arrays
    step_ids: list[int] = []
    offsets: list[int] = [0]
    flat: list[np.ndarray | float | None] = []
    total = dict.get
    while walk:  # popped, not iterated: the list shrinks as the pass grows
        t, mask = walk.pop(), masks.pop()
        g = total(grads, t._id)
        if g is None:
            continue
        op, floats = t._op, t._float
        if floats is not None and scalar_path:
            # the op ran on floats: its rules run on floats (ops.scalar_form) on the values
            # it kept (its result, then its inputs'), and numpy's path takes the step when
            # a rule says no (an error, an inf or a NaN)
            gf = g if type(g) is float else g.item()
            rules = op.scalar_rules
            c0 = c1 = None
            try:  # one and two inputs written out: a loop costs more than the rules
                if len(floats) == 3:
                    result, a, b = floats
                    if mask & 1:
                        c0 = rules[0](gf, result, a, b) + 0.0  # + 0.0: a float from a bool
                    if mask & 2:
                        c1 = rules[1](gf, result, a, b) + 0.0
                elif mask & 1:
                    c0 = rules[0](gf, floats[0], floats[1]) + 0.0
                scalar = (c0 is None or c0 - c0 == 0) and (c1 is None or c1 - c1 == 0)
            except (ArithmeticError, ValueError, TypeError):  # TypeError: a rule left to numpy
                scalar = False
            if scalar:
                inputs = t._inputs
                flat.append(c0)
                if c0 is not None:
                    previous = total(grads, inputs[0]._id)
                    grads[inputs[0]._id] = c0 if previous is None else previous + c0
                if len(floats) == 3:
                    flat.append(c1)
                    if c1 is not None:
                        previous = total(grads, inputs[1]._id)
                        grads[inputs[1]._id] = c1 if previous is None else previous + c1
                step_ids.append(t._id)
                offsets.append(len(flat))
                continue
        if type(g) is not np.ndarray:  # a float from the scalar path, into numpy's path
            g = np.array(g)
        out, saved, params = t._data, t._saved, t._params
        rules = op.rules if type(op.rules) is tuple else [
            op.rule(index) for index in range(len(saved))]
        for x, rule, value in zip(t._inputs, rules, saved):
            needed, mask = mask & 1, mask >> 1
            if rule is None or not needed:
                flat.append(None)
                continue
            c = rule(g, out, *saved, **params) if params else rule(g, out, *saved)
            if type(c) is not np.ndarray:
                c = np.asarray(c)
            if c.shape != value.shape:
                c = unbroadcast(c, value.shape)
            if c.dtype != value.dtype:
                c = c.astype(value.dtype)
            flat.append(c)
            previous = total(grads, x._id)
            grads[x._id] = c if previous is None else previous + c
        step_ids.append(t._id)
        offsets.append(len(flat))

    result = BackwardPass(kind, roots, seeds, tuple(sources), array("q", step_ids),
                          array("I" if len(flat) < 2**32 else "Q", offsets), flat,
                          Gradients(grads), reached_sources, allowed, stops)
    for root in roots:
        root._pass = result
    return result


def _backpropagate_recorded(roots: Sequence[Tensor], seeds: Sequence[np.ndarray], kind: str,
                            sources: Iterable[Tensor], allowed: frozenset[int] | None,
                            stops: frozenset[int], walk: list[Tensor], masks: list[int],
                            reached_sources: list[Tensor]) -> BackwardPass:
    """The reverse walk with every rule run on tensors, so the gradient has a graph.

    The rules are written with numpy functions, and numpy functions called on tensors
    record vizgrad ops (``__array_function__``), so a rule given the upstream gradient
    and the op's inputs and output as tensors records its own computation, linked to
    the forward tensors it reads (HIPS autograd's approach). The drawing's copy of the
    pass keeps plain arrays, as a first-order pass does.
    """
    tensor_grads: dict[int, Tensor] = {}
    for root, seed in zip(roots, seeds):
        previous = tensor_grads.get(root._id)
        seed_t = Tensor(seed)
        tensor_grads[root._id] = seed_t if previous is None else previous + seed_t
    step_ids = array("q")
    offsets = array("I", [0])
    flat: list[np.ndarray | None] = []
    while walk:
        t, mask = walk.pop(), masks.pop()
        g = tensor_grads.get(t._id)
        if g is None:
            continue
        op, saved, params = t._op, t._saved, t._params
        rules = op.rules if type(op.rules) is tuple else [
            op.rule(index) for index in range(len(saved))]
        # the inputs as the tensors themselves (their values are the saved ones), or, for
        # a leaf an optimizer has changed since, a constant holding the value the op read
        inputs = tuple(x if x._data is value else Tensor(value)
                       for x, value in zip(t._inputs, saved))
        for x, rule, value in zip(t._inputs, rules, saved):
            needed, mask = mask & 1, mask >> 1
            if rule is None or not needed:
                flat.append(None)
                continue
            c = rule(g, t, *inputs, **params) if params else rule(g, t, *inputs)
            if not isinstance(c, Tensor):
                c = _plain_contribution(c, op.name, (g, *inputs))
            c = as_tensor(c)
            if c.shape != value.shape:
                c = unbroadcast(c, value.shape)
            if c.dtype != value.dtype:
                c = c.astype(value.dtype)
            flat.append(c._data)
            previous = tensor_grads.get(x._id)
            tensor_grads[x._id] = c if previous is None else previous + c
        step_ids.append(t._id)
        offsets.append(len(flat))

    grads = {tid: g._data for tid, g in tensor_grads.items()}
    result = BackwardPass(kind, roots, seeds, tuple(sources), step_ids, offsets, flat, grads,
                          reached_sources, allowed, stops)
    result.tensor_grads = tensor_grads
    for root in roots:
        root._pass = result
    return result


def _creation_order(t: Tensor) -> int:
    return t._id


def _plain_contribution(c: object, op_name: str, depends_on: tuple[Tensor, ...]) -> object:
    """A rule's result that came back as plain numbers in a recorded backward pass.

    Zeros (a flat op's gradient) are a constant. Anything else means the rule dropped the
    graph (a custom grad_fn written on numbers, say): the first derivative is right, but
    differentiating it again would be silently wrong, so it is recorded as an op that
    refuses, naming the op, if a second derivative ever reaches it.
    """
    array = np.asarray(c)
    if not np.any(array != 0):
        return array
    refuse = _refusal(op_name)
    return record(Op(f"{op_name} gradient", "grad", None, lambda index: refuse,
                     ("(first order only)",), variadic=True), depends_on, array, None)


def _refusal(op_name: str) -> Callable[..., np.ndarray]:
    def refuse(*args: object, **params: object) -> np.ndarray:
        raise VizgradError(
            f"cannot differentiate the gradient of {op_name} again: its gradient rule "
            "computed plain numbers, not operations on tensors (a custom grad_fn that works "
            "on dy.numpy(), for one), so its own derivative is unknown. Fix: write that rule "
            "with vizgrad or numpy functions on the tensors it is given, or use its result "
            "as a constant, e.g. vg.stop_gradient(g)")
    return refuse


def _ops_to_walk(roots: Sequence[Tensor], is_source: Callable[[Tensor], bool],
                 allowed: frozenset[int] | None, stops: frozenset[int],
                 leaf_sources: bool = False) -> tuple[list[Tensor], list[int], list[Tensor]]:
    """The ops backpropagation goes through (in creation order), for each a bit mask of
    the inputs that need a gradient, and the sources reached.

    What only this needs (every tensor reached, which ids need a gradient) is freed on
    return, before the gradients are made: that keeps the peak memory of a pass low.
    """
    everywhere = allowed is None and not stops

    def passable(tid: int) -> bool:
        return tid not in stops and (allowed is None or tid in allowed)

    # 1. every tensor reachable from the roots, walking with an explicit stack; a tensor
    # the walk stops at (a leaf, a stopped op) is a source or not, once and for all
    ops: dict[int, Tensor] = {}  # the ops the walk goes through, by id
    ends: set[int] = set()       # the tensors it stops at
    needed: set[int] = set()
    sources: list[Tensor] = []
    stack = list(roots)
    pop, push = stack.pop, stack.extend
    while stack:
        t = pop()
        tid = t._id
        if t._op is not None and (everywhere or passable(tid)):
            if tid not in ops:
                ops[tid] = t
                push(t._inputs)
        elif tid not in ends:
            ends.add(tid)
            if is_source(t):
                needed.add(tid)
                sources.append(t)
    del ends

    # 2. in creation order, which ops lead to a source: only those need a gradient
    need = needed.add
    walk: list[Tensor] = []
    masks: list[int] = []
    add_op, add_mask = walk.append, masks.append
    for tid in sorted(ops):
        t = ops[tid]
        source = not leaf_sources and is_source(t)
        if source:
            need(tid)
            sources.append(t)
        elif t._float is None and t._data.dtype.kind not in "fc":
            continue
        inputs = t._inputs
        if len(inputs) == 2:  # written out: most ops have two inputs or one
            a, b = inputs
            mask = (a._id in needed) | ((b._id in needed) << 1)
        elif len(inputs) == 1:
            mask = int(inputs[0]._id in needed)
        else:
            mask = 0
            bit = 1
            for x in inputs:
                if x._id in needed:
                    mask |= bit
                bit <<= 1
        if mask or source:
            need(tid)
            add_op(t)
            add_mask(mask)
    sources.sort(key=_creation_order)
    return walk, masks, sources
