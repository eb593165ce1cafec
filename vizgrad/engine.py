"""Backpropagation: an iterative walk over the recorded graph that keeps each step it takes.

Tensors get increasing ids as they are made, and a tensor is always made
after its inputs, so descending id order is a reverse topological order: no
recursion, no depth limit. The walk keeps, for every op it runs through, the
upstream gradient and each input's contribution; those steps are what the
drawing replays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .ops import unbroadcast
from .tensor import Tensor, is_floating


@dataclass(frozen=True)
class Step:
    """One op that backpropagation ran through.

    ``contributions[i]`` is the gradient sent to ``node.inputs[i]`` (None where
    no gradient was needed or exists).
    """

    node: Tensor
    upstream: np.ndarray
    contributions: tuple[np.ndarray | None, ...]


@dataclass
class BackwardPass:
    """Everything one run of backpropagation did, kept for the drawing."""

    kind: str                      # "backward", "gradients" or "tape"
    roots: tuple[Tensor, ...]
    seeds: tuple[np.ndarray, ...]
    sources: tuple[Tensor, ...]    # the tensors gradients were asked for
    steps: list[Step]
    grads: dict[int, np.ndarray]   # tensor id -> total gradient
    tensors: dict[int, Tensor]     # tensor id -> every tensor the walk reached
    allowed: frozenset[int] | None = None   # ids of ops a tape recorded (None: all)
    stops: frozenset[int] = field(default_factory=frozenset)

    def grad_of(self, t: Tensor) -> np.ndarray | None:
        """The total gradient that reached ``t``, or None."""
        return self.grads.get(t._id)


def backpropagate(roots: Sequence[Tensor], seeds: Sequence[np.ndarray],
                  is_source: Callable[[Tensor], bool], *, kind: str,
                  sources: Iterable[Tensor] = (), allowed: frozenset[int] | None = None,
                  stops: frozenset[int] = frozenset()) -> BackwardPass:
    """Run reverse mode from ``roots`` and return what it did.

    Gradients flow only into tensors on a path to a source (``is_source``),
    only through ops in ``allowed`` (a tape's) and never past ``stops``.
    """
    # 1. every tensor reachable from the roots, walking with an explicit stack
    reached: dict[int, Tensor] = {}
    stack = list(roots)
    while stack:
        t = stack.pop()
        tid = t._id
        if tid in reached:
            continue
        reached[tid] = t
        if t._op is not None and tid not in stops and (allowed is None or tid in allowed):
            stack.extend(t._inputs)
    order = sorted(reached)

    # 2. which of them lead to a source: only those need a gradient
    needed: set[int] = set()
    for tid in order:
        t = reached[tid]
        if is_source(t):
            needed.add(tid)
        elif (t._op is not None and tid not in stops and (allowed is None or tid in allowed)
              and is_floating(t.dtype)):
            for x in t._inputs:
                if x._id in needed:
                    needed.add(tid)
                    break

    # 3. the reverse walk
    grads: dict[int, np.ndarray] = {}
    for root, seed in zip(roots, seeds):
        previous = grads.get(root._id)
        grads[root._id] = seed if previous is None else previous + seed
    steps: list[Step] = []
    for tid in reversed(order):
        t = reached[tid]
        op = t._op
        if op is None or tid not in needed or tid in stops:
            continue
        if allowed is not None and tid not in allowed:
            continue
        g = grads.get(tid)
        if g is None:
            continue
        saved = t._saved
        params = t._params
        contributions: list[np.ndarray | None] = []
        for index, x in enumerate(t._inputs):
            xid = x._id
            rule = op.rule(index) if xid in needed else None
            if rule is None:
                contributions.append(None)
                continue
            c = rule(g, t._data, *saved, **params) if params else rule(g, t._data, *saved)
            c = np.asarray(c)
            shape = saved[index].shape
            if c.shape != shape:
                c = unbroadcast(c, shape)
            if c.dtype != x._data.dtype:
                c = c.astype(x._data.dtype)
            contributions.append(c)
            previous = grads.get(xid)
            grads[xid] = c if previous is None else previous + c
        steps.append(Step(t, g, tuple(contributions)))
    result = BackwardPass(kind, tuple(roots), tuple(seeds), tuple(sources), steps, grads,
                          reached, allowed, stops)
    for root in roots:
        root._pass = result
    return result
