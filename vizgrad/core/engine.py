"""Backpropagation: an iterative walk over the recorded graph that keeps each step it takes.

Tensors get increasing ids as they are made, and a tensor is always made
after its inputs, so descending id order is a reverse topological order: no
recursion, no depth limit. The walk keeps, for every op it runs through, the
upstream gradient and each input's contribution; those steps are what the
drawing replays.

A root keeps its last backward pass (``root._pass``) and the pass refers back
to its roots only weakly, so dropping the root frees its whole graph at once
instead of leaving a reference cycle for the garbage collector.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .ops import unbroadcast
from .tensor import Tensor


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


class BackwardPass:
    """Everything one run of backpropagation did, kept for the drawing.

    ``kind`` is "backward", "gradients" or "tape"; ``sources`` the tensors
    gradients were asked for; ``grads`` maps a tensor id to its total
    gradient; ``allowed`` holds the ids of the ops a tape recorded (None: all);
    ``stops`` the ids gradients must not pass.
    """

    def __init__(self, kind: str, roots: Sequence[Tensor], seeds: Sequence[np.ndarray],
                 sources: Sequence[Tensor], steps: list[tuple], grads: dict[int, np.ndarray],
                 tensors: dict[int, Tensor], allowed: frozenset[int] | None = None,
                 stops: frozenset[int] = frozenset()) -> None:
        self.kind = kind
        self._roots = tuple(weakref.ref(root) for root in roots)
        self._others = dict(tensors)
        for root in roots:
            self._others.pop(root._id, None)
        self.seeds = tuple(seeds)
        self.sources = tuple(sources)
        self._raw_steps = steps
        self._steps: list[Step] | None = None
        self.grads = grads
        self.allowed = allowed
        self.stops = stops

    @property
    def roots(self) -> tuple[Tensor, ...]:
        """The tensors backpropagation started from (None for one no longer alive)."""
        return tuple(ref() for ref in self._roots)

    @property
    def tensors(self) -> dict[int, Tensor]:
        """Every tensor the walk reached, by id."""
        reached = dict(self._others)
        for root in self.roots:
            if root is not None:
                reached[root._id] = root
        return reached

    @property
    def steps(self) -> list[Step]:
        """The ops gone through, in the order backpropagation went through them."""
        if self._steps is None:  # made on first use: most passes are never drawn
            tensors = self.tensors
            self._steps = [Step(tensors[tid], upstream, contributions)
                           for tid, upstream, contributions in self._raw_steps]
        return self._steps

    def grad_of(self, t: Tensor) -> np.ndarray | None:
        """The total gradient that reached ``t``, or None."""
        return self.grads.get(t._id)

    def __repr__(self) -> str:
        return f"<BackwardPass {self.kind}: {len(self._raw_steps)} steps>"


def backpropagate(roots: Sequence[Tensor], seeds: Sequence[np.ndarray],
                  is_source: Callable[[Tensor], bool], *, kind: str,
                  sources: Iterable[Tensor] = (), allowed: frozenset[int] | None = None,
                  stops: frozenset[int] = frozenset()) -> BackwardPass:
    """Run reverse mode from ``roots`` and return what it did.

    Gradients flow only into tensors on a path to a source (``is_source``),
    only through ops in ``allowed`` (a tape's) and never past ``stops``.
    """
    everywhere = allowed is None and not stops

    def passable(tid: int) -> bool:
        return tid not in stops and (allowed is None or tid in allowed)

    # 1. every tensor reachable from the roots, walking with an explicit stack
    reached: dict[int, Tensor] = {}
    stack = list(roots)
    while stack:
        t = stack.pop()
        tid = t._id
        if tid not in reached:
            reached[tid] = t
            if t._op is not None and (everywhere or passable(tid)):
                stack.extend(t._inputs)

    # 2. in creation order, which tensors lead to a source: only those need a gradient;
    #    ``walk`` lists the ops backpropagation goes through
    needed: set[int] = set()
    walk: list[Tensor] = []
    for tid in sorted(reached):
        t = reached[tid]
        if is_source(t):
            needed.add(tid)
            if t._op is not None and (everywhere or passable(tid)):
                walk.append(t)
        elif t._op is not None and t._data.dtype.kind in "fc" and (everywhere or passable(tid)):
            for x in t._inputs:
                if x._id in needed:
                    needed.add(tid)
                    walk.append(t)
                    break

    # 3. the reverse walk; each step is kept as (tensor id, upstream, contributions)
    grads: dict[int, np.ndarray] = {}
    for root, seed in zip(roots, seeds):
        previous = grads.get(root._id)
        grads[root._id] = seed if previous is None else previous + seed
    steps: list[tuple] = []
    for t in reversed(walk):
        g = grads.get(t._id)
        if g is None:
            continue
        op, out, saved, params = t._op, t._data, t._saved, t._params
        rules = op.rules if type(op.rules) is tuple else [
            op.rule(index) for index in range(len(saved))]
        contributions: list[np.ndarray | None] = []
        for x, rule, value in zip(t._inputs, rules, saved):
            if rule is None or x._id not in needed:
                contributions.append(None)
                continue
            c = rule(g, out, *saved, **params) if params else rule(g, out, *saved)
            if type(c) is not np.ndarray:
                c = np.asarray(c)
            if c.shape != value.shape:
                c = unbroadcast(c, value.shape)
            if c.dtype != value.dtype:
                c = c.astype(value.dtype)
            contributions.append(c)
            previous = grads.get(x._id)
            grads[x._id] = c if previous is None else previous + c
        steps.append((t._id, g, tuple(contributions)))

    result = BackwardPass(kind, roots, seeds, tuple(sources), steps, grads, reached, allowed,
                          stops)
    for root in roots:
        root._pass = result
    return result
