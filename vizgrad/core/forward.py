"""Forward mode: tangents pushed from the inputs to the output, one op at a time.

Every op's Jacobian-vector product comes from its vector-Jacobian rules, exactly:
a rule is linear in the upstream gradient ``u`` (it computes Jᵀu), so J·v is the
gradient of ``u ↦ Jᵀu`` weighted by ``v``, which vizgrad gets by running the rule
on a tensor ``u`` and differentiating that small recorded computation. An
elementwise op's Jacobian is diagonal, so there J·v is the rule applied to ``v``
itself. No op needs a second rule.

>>> import vizgrad as vg
>>> y, y_dot = vg.jvp(lambda a, b: vg.log(a) + a * b - vg.sin(b), (2.0, 5.0), (1.0, 0.0))
>>> round(float(y_dot), 4)
5.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError, UnsupportedError
from .ops import unbroadcast
from .tensor import (
    Tensor,
    ancestors,
    as_tensor,
    describe,
    is_floating,
    recording,
    require_floating,
)


@dataclass(frozen=True)
class ForwardStep:
    """One op forward mode went through: each input's tangent, what each contributes
    (J_i·ẋ_i) and the output's tangent (their sum)."""

    tensor_id: int
    inputs: tuple[np.ndarray | None, ...]
    contributions: tuple[np.ndarray | None, ...]
    tangent: np.ndarray


@dataclass(frozen=True)
class ForwardPass:
    """The tangent of every tensor the pass reached (by id) and the steps in order."""

    tangents: dict[int, np.ndarray]
    steps: tuple[ForwardStep, ...]
    seeds: dict[int, np.ndarray]


def op_contribution(t: Tensor, position: int, tangent: np.ndarray) -> np.ndarray | None:
    """J·ẋ of the op that made ``t`` for its input ``position`` moving along ``tangent``."""
    op, saved, params = t._op, t._saved, t._params or {}
    rule = op.rule(position)
    if rule is None:
        return None
    out = t._data
    if op.elementwise and out.dtype.kind == "f":
        # a diagonal Jacobian: J·v = Jᵀ·v, the rule applied to v spread over the output
        spread = np.broadcast_to(tangent, out.shape).astype(out.dtype)
        result = np.asarray(rule(spread, out, *saved, **params))
        return np.broadcast_to(result, out.shape).astype(out.dtype)
    # J·v = the gradient of u ↦ Jᵀu weighted by v (the rule is linear in u)
    from .autodiff import gradients  # the public API module imports this one
    u = Tensor(np.zeros(out.shape, out.dtype))
    transposed = as_tensor(rule(u, out, *saved, **params))
    value = saved[position]
    if transposed.shape != value.shape:
        transposed = unbroadcast(transposed, value.shape)
    weight = np.broadcast_to(tangent, value.shape).astype(transposed.dtype)
    result = gradients(transposed, [u], grad_ys=weight, create_graph=False)[0]
    return np.zeros(out.shape, out.dtype) if result is None else result.numpy()


def forward_pass(y: Tensor, seeds: Mapping[int, np.ndarray]) -> ForwardPass:
    """Push the tangents ``seeds`` (tensor id -> tangent) forward to ``y``.

    Every variable without a seed has tangent 0 (constants carry none); every op on the
    way to ``y`` is one step, in the order the ops ran.
    """
    tangents: dict[int, np.ndarray] = {}
    steps: list[ForwardStep] = []
    state = recording()
    was_on, state.enabled = state.enabled, True   # the rules' small graphs must be recorded
    try:
        for t in ancestors([y]):
            _advance(t, seeds, tangents, steps)
    finally:
        state.enabled = was_on
    return ForwardPass(tangents, tuple(steps), dict(seeds))


def _advance(t: Tensor, seeds: Mapping[int, np.ndarray], tangents: dict[int, np.ndarray],
             steps: list[ForwardStep]) -> None:
    """The tangent of ``t``, from its inputs' (a leaf's: its seed, else 0)."""
    if t._op is None:
        if t._id in seeds:
            tangents[t._id] = seeds[t._id]
        elif is_floating(t.dtype) and t.requires_grad:   # a variable held still
            tangents[t._id] = np.zeros(t.shape, t.dtype)
        return
    inputs = tuple(tangents.get(x._id) for x in t._inputs)
    if t._data.dtype.kind == "c" and any(moving is not None for moving in inputs):
        raise UnsupportedError(
            f"forward mode cannot push a tangent through {t._op.name}, whose values are "
            "complex: vizgrad's forward mode follows real values only. Fix: use reverse "
            "mode (vg.grad, vg.gradients), which handles complex values in the middle")
    if t._data.dtype.kind != "f":
        return
    contributions = tuple(
        None if moving is None else op_contribution(t, i, moving)
        for i, moving in enumerate(inputs))
    total = np.zeros(t.shape, t.dtype)
    for c in contributions:
        if c is not None:
            total = np.asarray(total + c)
    tangents[t._id] = total
    steps.append(ForwardStep(t._id, inputs, contributions, total))


def seed_tangents(y: Tensor, seed: Mapping[Any, Any]) -> dict[int, np.ndarray]:
    """``seed`` (a tensor or its name -> its tangent) as tensor id -> array, checked."""
    leaves = [t for t in ancestors([y]) if t._op is None]
    by_name = {t.name: t for t in leaves if t.name}
    seeds: dict[int, np.ndarray] = {}
    for key, value in seed.items():
        t = key if isinstance(key, Tensor) else by_name.get(key)
        if t is None:
            names = ", ".join(sorted(by_name)) or "none are named"
            raise ArgumentError(f"seed names {key!r}, but no input of {describe(y)} has that "
                                f"name (its named inputs: {names}); fix: give a seed for "
                                "one of those, e.g. seed={'x1': 1.0}")
        require_floating(t, "forward mode was asked to move it (it is in seed)")
        tangent = np.asarray(value, dtype=t.dtype)
        if tangent.shape != t.shape:
            tangent = _broadcast_seed(tangent, t)
        seeds[t._id] = tangent
    return seeds


def default_seed(y: Tensor) -> dict[Tensor, float]:
    """Forward mode's seed when none is given: the first variable ``y`` was computed from
    moves at rate 1 (the first floating input, if there is no variable).

    >>> import vizgrad as vg
    >>> a, b = vg.Variable(1.0, name="a"), vg.Variable(2.0, name="b")
    >>> [t.name for t in default_seed(a * b)]
    ['a']
    """
    leaves = [t for t in ancestors([y]) if t._op is None and is_floating(t.dtype)]
    chosen = [t for t in leaves if t.requires_grad] or leaves
    if not chosen:
        raise ArgumentError(f"forward mode needs a floating input to move, but {describe(y)} "
                            "has none; fix: compute it from vg.Variable(...) inputs")
    return {chosen[0]: 1.0}


def _broadcast_seed(tangent: np.ndarray, t: Tensor) -> np.ndarray:
    if tangent.ndim == 0:
        return np.full(t.shape, tangent, dtype=t.dtype)
    raise ShapeError(f"the tangent given for {describe(t)} has shape {tangent.shape} but the "
                     f"tensor has shape {t.shape}; fix: give one number (every entry moves "
                     f"by it) or an array of shape {t.shape}")


def jvp(f: Callable[..., Any], primals: Sequence[Any],
        tangents: Sequence[Any]) -> tuple[Tensor, np.ndarray]:
    """``f(*primals)`` and its derivative along ``tangents``: J·v in one forward pass (JAX).

    ``primals`` and ``tangents`` are tuples (one entry per argument of ``f``), each
    tangent of its primal's shape. Returns ``(value, tangent)``: the output as a tensor
    (draw its forward pass with ``vg.show(value, mode="forward", seed=...)``) and the
    output's tangent as an array.

    >>> y, y_dot = jvp(lambda x: x ** 3, (2.0,), (1.0,))
    >>> y.item(), float(y_dot)
    (8.0, 12.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise ArgumentError("jvp(f, primals, tangents) takes primals and tangents as tuples, "
                            "one entry per argument of f; fix: vg.jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ArgumentError(f"jvp got {len(primals)} primals but {len(tangents)} tangents; "
                            "fix: one tangent per primal, each of its shape")
    args = [Tensor(p._data if isinstance(p, Tensor) else p,
                   name=getattr(p, "name", None) or f"x{i + 1}") for i, p in enumerate(primals)]
    seeds = {}
    for i, (x, v) in enumerate(zip(args, tangents)):
        require_floating(x, f"it is primals[{i}] of vg.jvp()")
        tangent = np.asarray(v._data if isinstance(v, Tensor) else v, dtype=x.dtype)
        if tangent.shape != x.shape:
            raise ShapeError(f"tangents[{i}] has shape {tangent.shape} but primals[{i}] has "
                             f"shape {x.shape}; fix: give a tangent of shape {x.shape}")
        seeds[x._id] = tangent
    y = as_tensor(f(*args))
    result = forward_pass(y, seeds)
    tangent = result.tangents.get(y._id)
    return y, (np.zeros(y.shape, y.dtype) if tangent is None else tangent)
