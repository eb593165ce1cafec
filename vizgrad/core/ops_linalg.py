"""Products: dot, inner, outer, tensordot, einsum, kron, cross, trace.

dot, inner and tensordot are all one contraction (sum over paired axes), so they
share one pair of rules: the gradient of one side contracts the upstream
gradient with the other side over the axes that stayed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, UnsupportedError
from . import ops
from .ops import OPS, Op, defop
from .tensor import Tensor, apply, as_tensor

_CONTRACT_FIX = "the summed axes must have the same lengths on both sides"


def _pairs(a: np.ndarray, b: np.ndarray, axes: Any) -> tuple[list[int], list[int]]:
    """numpy's ``axes`` argument of tensordot as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return list(range(a.ndim - n, a.ndim)), list(range(n))
    left, right = axes
    left = [left] if isinstance(left, (int, np.integer)) else list(left)
    right = [right] if isinstance(right, (int, np.integer)) else list(right)
    return [int(i) % a.ndim for i in left], [int(i) % b.ndim for i in right]


def _contract_left(g, a, b, left, right):
    free_a = a.ndim - len(left)
    free_b = [i for i in range(b.ndim) if i not in right]
    grad = np.tensordot(g, b, axes=(list(range(free_a, g.ndim)), free_b))
    # grad's axes: a's free axes, then b's summed axes in b's order, i.e. their partners in a
    order = [i for i in range(a.ndim) if i not in left] + [left[right.index(j)]
                                                            for j in sorted(right)]
    return np.transpose(grad, np.argsort(order))


def _contract_right(g, a, b, left, right):
    free_a = [i for i in range(a.ndim) if i not in left]
    grad = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    order = [right[left.index(i)] for i in sorted(left)] + [j for j in range(b.ndim)
                                                            if j not in right]
    return np.transpose(grad, np.argsort(order))


def _tensordot_axes(a, b, axes):
    return _pairs(a, b, axes)


def _dot_axes(a, b, axes=None):
    if a.ndim == 0 or b.ndim == 0:
        return [], []
    return [a.ndim - 1], [0 if b.ndim == 1 else b.ndim - 2]


def _inner_axes(a, b, axes=None):
    if a.ndim == 0 or b.ndim == 0:
        return [], []
    return [a.ndim - 1], [b.ndim - 1]


def _contraction(name: str, symbol: str, forward, pairs, formulas, shape_fix=_CONTRACT_FIX):
    def left(g, out, a, b, **params):
        return _contract_left(g, a, b, *pairs(a, b, **params))

    def right(g, out, a, b, **params):
        return _contract_right(g, a, b, *pairs(a, b, **params))

    return defop(name, symbol, forward, left, right, formulas=formulas, shape_fix=shape_fix)


def _contract_forward(pairs):
    def forward(a, b, **params):
        left, right = pairs(a, b, **params)
        return np.tensordot(a, b, axes=(left, right))
    return forward


_dot = _contraction("dot", "·", _contract_forward(_dot_axes), _dot_axes, ("g·bᵀ", "aᵀ·g"),
                    "the last axis of a must match the second-to-last of b (the only one of "
                    "a 1-d b)")
_inner = _contraction("inner", "⟨a, b⟩", _contract_forward(_inner_axes), _inner_axes,
                      ("g·b", "g·a"), "the last axes of a and b must have the same length")
_tensordot = _contraction("tensordot", "⊗·", _contract_forward(_tensordot_axes),
                          _tensordot_axes, ("g·b, summed over b's axes not paired with a",
                                            "a·g, summed over a's axes not paired with b"))


def dot(a: Any, b: Any) -> Tensor:
    """numpy's dot: scalars multiply, vectors give the inner product, matrices multiply.

    >>> dot(Tensor([1., 2.]), Tensor([3., 4.])).item()
    11.0
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_dot, (a_t, as_tensor(b, a_t)))


def inner(a: Any, b: Any) -> Tensor:
    """Sum of products over the last axis of both.

    >>> inner(Tensor([[1., 2.]]), Tensor([[3., 4.]])).numpy()
    array([[11.]])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_inner, (a_t, as_tensor(b, a_t)))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum of products over the given pairs of axes (numpy's ``axes``: an int or two lists).

    >>> tensordot(Tensor([[1., 2.], [3., 4.]]), Tensor([[1., 0.], [0., 1.]])).item()
    5.0
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    b_t = as_tensor(b, a_t)
    if not isinstance(axes, (int, np.integer)):
        left, right = axes
        axes = (tuple(left) if isinstance(left, (list, tuple)) else int(left),
                tuple(right) if isinstance(right, (list, tuple)) else int(right))
    return apply(_tensordot, (a_t, b_t), {"axes": axes})


_outer = defop("outer", "⊗", lambda a, b: np.outer(a, b),
               lambda g, out, a, b: (g @ b.reshape(-1)).reshape(a.shape),
               lambda g, out, a, b: (a.reshape(-1) @ g).reshape(b.shape),
               formulas=("g·b", "aᵀ·g"))


def outer(a: Any, b: Any) -> Tensor:
    """Every product a[i]·b[j] (both flattened), as a matrix.

    >>> outer(Tensor([1., 2.]), Tensor([3., 4.])).numpy()
    array([[3., 4.],
           [6., 8.]])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_outer, (a_t, as_tensor(b, a_t)))


# -- einsum ------------------------------------------------------------------------------
def _parse_einsum(subscripts: str, count: int) -> tuple[list[str], str]:
    """Explicit input and output subscripts; the implicit output is numpy's."""
    text = subscripts.replace(" ", "")
    if "." in text:
        raise ArgumentError(f"einsum subscripts {subscripts!r} use an ellipsis (...), which "
                            "vizgrad does not support; fix: name every axis with a letter")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != count:
        raise ArgumentError(f"einsum subscripts {subscripts!r} name {len(terms)} operands but "
                            f"{count} were given; fix: one comma-separated term per operand")
    if not arrow:
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return terms, output


def _einsum_rule(index: int):
    def rule(g, out, *operands, subscripts):
        terms, output = _parse_einsum(subscripts, len(operands))
        term = terms[index]
        sizes = {}
        for t, x in zip(terms, operands):
            sizes.update(zip(t, x.shape))
        unique = "".join(dict.fromkeys(term))
        others = [(t, x) for i, (t, x) in enumerate(zip(terms, operands)) if i != index]
        present = set(output).union(*[set(t) for t, _ in others])
        # letters only this operand has were summed out: the gradient is spread over them
        missing = "".join(c for c in unique if c not in present)
        spec = [output] + [t for t, _ in others]
        values = [g] + [x for _, x in others]
        if missing:
            spec.append(missing)
            values.append(np.ones([sizes[c] for c in missing], dtype=g.dtype))
        reduced = np.einsum(",".join(spec) + "->" + unique, *values, optimize=True)
        if unique == term:
            return reduced
        if isinstance(reduced, Tensor):   # a recorded backward: put it on the diagonal
            shape = operands[index].shape
            flat = np.einsum(term + "->" + unique, np.arange(int(np.prod(shape))).reshape(shape))
            return ops.scatter_add(reduced.ravel(), (flat.ravel(),), (int(np.prod(shape)),),
                                   True).reshape(shape)
        grad = np.zeros(operands[index].shape, dtype=reduced.dtype)
        np.einsum(term + "->" + unique, grad)[...] = reduced  # a repeated letter: its diagonal
        return grad
    return rule


_einsum = Op("einsum", "einsum", lambda *operands, subscripts: np.einsum(
    subscripts, *operands, optimize=True), _einsum_rule,
    ("g times the other operands, summed over every letter this operand lacks",),
    "give each operand as many letters as it has axes, the same letter for equal lengths",
    variadic=True)
OPS["einsum"] = _einsum


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation over named axes (any subscripts without an ellipsis).

    >>> einsum("ij,j->i", Tensor([[1., 2.], [3., 4.]]), Tensor([1., 1.])).numpy()
    array([3., 7.])
    """
    if not isinstance(subscripts, str):
        raise ArgumentError("einsum needs its subscripts as a string first; "
                            "fix: vg.einsum('ij,jk->ik', a, b)")
    tensors = tuple(as_tensor(x) for x in operands)
    terms, output = _parse_einsum(subscripts, len(tensors))
    return apply(_einsum, tensors, {"subscripts": ",".join(terms) + "->" + output})


# -- kron, cross, trace ----------------------------------------------------------------
def _kron_parts(g, a, b):
    """g as (a0, b0, a1, b1, ...), with a and b padded to the same number of axes."""
    ndim = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (ndim - a.ndim) + a.shape)
    b = b.reshape((1,) * (ndim - b.ndim) + b.shape)
    paired = g.reshape([n for pair in zip(a.shape, b.shape) for n in pair])
    return paired, a, b, ndim


def _kron_left(g, out, a, b):
    paired, a_full, b_full, ndim = _kron_parts(g, a, b)
    spread = np.expand_dims(b_full, tuple(range(0, 2 * ndim, 2)))
    return (paired * spread).sum(axis=tuple(range(1, 2 * ndim, 2))).reshape(a.shape)


def _kron_right(g, out, a, b):
    paired, a_full, b_full, ndim = _kron_parts(g, a, b)
    spread = np.expand_dims(a_full, tuple(range(1, 2 * ndim, 2)))
    return (paired * spread).sum(axis=tuple(range(0, 2 * ndim, 2))).reshape(b.shape)


_kron = defop("kron", "⊗", np.kron, _kron_left, _kron_right,
              formulas=("Σ g·b over each block", "Σ g·a over the blocks"))


def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product: a block for each entry of a, that entry times b.

    >>> kron(Tensor([1., 2.]), Tensor([1., 10.])).numpy()
    array([ 1., 10.,  2., 20.])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_kron, (a_t, as_tensor(b, a_t)))


_cross = defop("cross", "×", lambda a, b: np.cross(a, b),
               lambda g, out, a, b: np.cross(b, g), lambda g, out, a, b: np.cross(g, a),
               formulas=("b × g", "g × a"),
               shape_fix="give 3-vectors along the last axis (the other axes broadcast)")


def cross(a: Any, b: Any) -> Tensor:
    """Cross product of 3-vectors along the last axis.

    >>> cross(Tensor([1., 0., 0.]), Tensor([0., 1., 0.])).numpy()
    array([0., 0., 1.])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    b_t = as_tensor(b, a_t)
    if a_t.ndim == 0 or b_t.ndim == 0 or a_t.shape[-1] != 3 or b_t.shape[-1] != 3:
        raise ArgumentError(f"cross() takes 3-vectors along the last axis, got shapes "
                            f"{a_t.shape} and {b_t.shape}; fix: give both a last axis of length 3")
    return apply(_cross, (a_t, b_t))


def _diagonal_positions(shape, offset, axis1, axis2):
    """The flat positions of the diagonal np.diagonal would take, in its output order."""
    return np.diagonal(np.arange(int(np.prod(shape))).reshape(shape), offset, axis1, axis2)


def _trace_rule(g, out, a, offset, axis1, axis2):
    positions = _diagonal_positions(a.shape, offset, axis1, axis2)
    if isinstance(g, Tensor):   # a recorded backward: the same sum as recorded ops
        spread = np.broadcast_to(np.expand_dims(g, -1), positions.shape)
        return ops.scatter_add(spread.ravel(), (positions.ravel(),), (a.size,),
                               True).reshape(a.shape)
    weights = np.broadcast_to(np.expand_dims(g, -1), positions.shape)
    return np.bincount(positions.ravel(), weights.ravel(), minlength=a.size).reshape(a.shape)


_trace = defop("trace", "tr", lambda a, offset, axis1, axis2: np.trace(a, offset, axis1, axis2),
               _trace_rule, formulas=("1 on the diagonal, 0 elsewhere",),
               shape_fix="give a tensor with at least two axes")


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum of the diagonal (``offset`` above it when positive).

    >>> trace(Tensor([[1., 2.], [3., 4.]])).item()
    5.0
    """
    return apply(_trace, (as_tensor(x),), {"offset": int(offset), "axis1": int(axis1),
                                           "axis2": int(axis2)})



def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The Euclidean (Frobenius) norm, recorded as the ops it is made of: √(Σ x²).

    >>> norm(Tensor([3., 4.])).item()
    5.0
    """
    x_t = as_tensor(x)
    vector = x_t.ndim == 1 or isinstance(axis, (int, np.integer))
    if not (ord is None or ord == "fro" or (ord == 2 and vector)):
        raise UnsupportedError(f"np.linalg.norm(..., ord={ord!r}) has no vizgrad op; only the "
                               "Euclidean norm (ord=None, 'fro', or 2 for vectors) is built in. "
                               "Fix: write the norm from its formula, e.g. np.sum(np.abs(x)) "
                               "for ord=1")
    return ops.sqrt(ops.sum(ops.square(x_t), axis, keepdims))
