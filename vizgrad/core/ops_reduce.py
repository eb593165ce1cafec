"""Reductions and running totals: prod, var, std, cumsum, cumprod, weighted logsumexp.

Sum, mean, max, min and plain logsumexp live in :mod:`vizgrad.core.ops`. There,
max and min split the gradient equally between tied entries, as HIPS autograd and
TensorFlow do (MyGrad and PyTorch's full reduction send it all to one entry).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError
from .ops import _REDUCE_FIX, _axes, _axis, _expand, defop
from .ops import logsumexp as _plain_logsumexp
from .tensor import Tensor, apply, as_tensor


def _to_last(a: np.ndarray, axis: Any) -> np.ndarray:
    """``a`` with the reduced axes moved to the end and flattened into one."""
    axes = _axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, kept + list(axes))
    return moved.reshape(*moved.shape[:len(kept)], -1)


def _from_last(flat: np.ndarray, a: np.ndarray, axis: Any) -> np.ndarray:
    """Undo :func:`_to_last`: back to ``a``'s shape and axis order."""
    axes = _axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    order = kept + list(axes)
    moved = flat.reshape([a.shape[i] for i in order])
    return np.transpose(moved, np.argsort(order))


def _product_of_others(flat: np.ndarray) -> np.ndarray:
    """For each entry along the last axis, the product of all the others (exact with zeros)."""
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after


def _prod_rule(g, out, a, axis, keepdims):
    if a.ndim == 0:
        return g
    if a.size == 0:  # the product of no entries is 1 whatever they are: nothing flows back
        return np.zeros_like(a)
    others = _from_last(_product_of_others(_to_last(a, axis)), a, axis)
    return _expand(g, a, axis, keepdims) * others


_prod = defop("prod", "Π", lambda a, axis, keepdims: a.prod(axis=axis, keepdims=keepdims),
              _prod_rule, formulas=("product of the other entries",), shape_fix=_REDUCE_FIX)


def _count(a: np.ndarray, axis: Any) -> int:
    return int(np.prod([a.shape[ax] for ax in _axes(axis, a.ndim)], dtype=np.int64))


def _var_rule(g, out, a, axis, keepdims, ddof):
    centred = a - a.mean(axis=axis, keepdims=True)
    return _expand(g, a, axis, keepdims) * 2 * centred / (_count(a, axis) - ddof)


def _std_rule(g, out, a, axis, keepdims, ddof):
    centred = a - a.mean(axis=axis, keepdims=True)
    spread = _expand(out, a, axis, keepdims)
    # all entries equal (one entry, say): the std is 0 and stays flat to first order there
    with np.errstate(divide="ignore", invalid="ignore"):
        rule = centred / ((_count(a, axis) - ddof) * spread)
    return _expand(g, a, axis, keepdims) * np.where(spread == 0, 0, rule)


_var = defop("var", "var", lambda a, axis, keepdims, ddof: a.var(axis=axis, keepdims=keepdims,
                                                                  ddof=ddof),
             _var_rule, formulas=("2(x − mean)/(n − ddof)",), shape_fix=_REDUCE_FIX)
_std = defop("std", "std", lambda a, axis, keepdims, ddof: a.std(axis=axis, keepdims=keepdims,
                                                                  ddof=ddof),
             _std_rule, formulas=("(x − mean)/((n − ddof)·std)",), shape_fix=_REDUCE_FIX)


def _flat_axis(a: np.ndarray, axis: int | None) -> tuple[np.ndarray, int]:
    """numpy's running totals flatten when axis is None."""
    return (a.reshape(-1), 0) if axis is None else (a, axis)


def _cumsum_rule(g, out, a, axis):
    flat, ax = _flat_axis(a, axis)
    g = g.reshape(flat.shape)
    # each entry feeds every later total: sum the upstream from the end backwards
    return np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax).reshape(a.shape)


def _cumprod_rule(g, out, a, axis):
    flat, ax = _flat_axis(a, axis)
    moved = np.moveaxis(flat, ax, -1)
    g_moved = np.moveaxis(g.reshape(flat.shape), ax, -1)
    n = moved.shape[-1]
    if isinstance(moved, Tensor) or isinstance(g_moved, Tensor):   # a recorded backward
        rows = np.where(np.eye(n, dtype=bool), 1.0,
                        np.repeat(np.expand_dims(moved, -2), n, axis=-2))
        partial = np.cumprod(rows, axis=-1) * np.triu(np.ones((n, n)))
        grad = (partial * np.expand_dims(g_moved, -2)).sum(axis=-1)
        return np.moveaxis(grad, -1, ax).reshape(a.shape)
    # row i: the running product with entry i replaced by 1, so zeros are exact
    rows = np.repeat(moved[..., None, :], n, axis=-2)
    rows[..., np.arange(n), np.arange(n)] = 1
    partial = np.cumprod(rows, axis=-1) * np.triu(np.ones((n, n), dtype=bool))
    grad = np.einsum("...ij,...j->...i", partial, g_moved)
    return np.moveaxis(grad, -1, ax).reshape(a.shape)


_cumsum = defop("cumsum", "cumsum", lambda a, axis: np.cumsum(a, axis=axis), _cumsum_rule,
                formulas=("1 for every later total",), shape_fix=_REDUCE_FIX)
_cumprod = defop("cumprod", "cumprod", lambda a, axis: np.cumprod(a, axis=axis), _cumprod_rule,
                 formulas=("the later products without x",), shape_fix=_REDUCE_FIX)


def _weighted_logsumexp_forward(a, b, axis, keepdims):
    a, b = np.broadcast_arrays(a, b)
    top = a.max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log((b * np.exp(a - top)).sum(axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=_axes(axis, a.ndim))


def _weighted_logsumexp_weights(g, out, a, b, axis, keepdims):
    shape = np.broadcast_shapes(a.shape, b.shape)
    full = np.broadcast_to(a, shape)
    return _expand(g, full, axis, keepdims) * np.exp(full - _expand(out, full, axis, keepdims))


_weighted_logsumexp = defop(
    "weighted_logsumexp", "logΣb·exp", _weighted_logsumexp_forward,
    lambda g, out, a, b, axis, keepdims: b * _weighted_logsumexp_weights(g, out, a, b, axis,
                                                                         keepdims),
    _weighted_logsumexp_weights,
    formulas=("b·exp(x)/Σ b·exp(x)", "exp(x)/Σ b·exp(x)"),
    shape_fix="make b broadcast against x, then use an axis between -ndim and ndim-1")


# -- the public functions -------------------------------------------------------------------
def _checked_ddof(ddof: Any, name: str) -> int:
    if not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ArgumentError(f"{name}() needs ddof to be a whole number >= 0, got {ddof!r}; "
                            f"fix: {name}(x, ddof=1) for the sample estimate")
    return int(ddof)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product over ``axis``; the gradient of each entry is the product of the others.

    >>> prod(Tensor([2., 0., 5.])).item()
    0.0
    """
    return apply(_prod, (as_tensor(x),), {"axis": _axis(axis), "keepdims": bool(keepdims)})


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over ``axis``; ``ddof=1`` divides by n − 1.

    >>> var(Tensor([1., 2., 3., 4.]), ddof=1).item()
    1.6666666666666667
    """
    return apply(_var, (as_tensor(x),), {"axis": _axis(axis), "keepdims": bool(keepdims),
                                         "ddof": _checked_ddof(ddof, "var")})


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation over ``axis``; ``ddof=1`` divides by n − 1.

    >>> std(Tensor([1., 3.])).item()
    1.0
    """
    return apply(_std, (as_tensor(x),), {"axis": _axis(axis), "keepdims": bool(keepdims),
                                         "ddof": _checked_ddof(ddof, "std")})


def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """Running sum along ``axis`` (of the flattened values when axis is None).

    >>> cumsum(Tensor([1., 2., 3.])).numpy()
    array([1., 3., 6.])
    """
    return apply(_cumsum, (as_tensor(x),), {"axis": axis})


def cumprod(x: Any, axis: int | None = None) -> Tensor:
    """Running product along ``axis`` (of the flattened values when axis is None).

    >>> cumprod(Tensor([1., 2., 3.])).numpy()
    array([1., 2., 6.])
    """
    return apply(_cumprod, (as_tensor(x),), {"axis": axis})


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, b: Any = None) -> Tensor:
    """log(sum(b·exp(x))) over ``axis``, computed stably (scipy's signature; ``b`` optional).

    >>> round(logsumexp(Tensor([0., 0.]), b=[1., 3.]).item(), 4)
    1.3863
    """
    if b is None:
        return _plain_logsumexp(x, axis, keepdims)
    x_t = as_tensor(x)
    return apply(_weighted_logsumexp, (x_t, as_tensor(b, x_t)),
                 {"axis": _axis(axis), "keepdims": bool(keepdims)})


reduce_prod = prod
