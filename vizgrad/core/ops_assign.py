"""Copying and item assignment (``t.copy()``, ``t[i] = v``), recorded as operations.

``t[index] = v`` on a tensor is recorded as ``setitem``, PyTorch and MyGrad's way:
the tensor object afterwards holds the result of ``setitem(old t, v)``, whose
gradient flows to the old value where it was not overwritten and to ``v`` where
it landed. The drawing shows the old value, ``v`` and the ``setitem`` node.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import InPlaceError, ShapeError
from .ops import _plain_index, defop
from .tensor import Tensor, apply, as_tensor, describe

_copy = defop("copy", "copy", lambda a: np.array(a, copy=True), lambda g, out, a: g,
              formulas=("1",), elementwise=True)


def copy(x: Any) -> Tensor:
    """A recorded copy of ``x`` (numpy's ``x.copy()``): the gradient passes through.

    >>> copy(Tensor([1., 2.], requires_grad=True)).op
    'copy'
    """
    return apply(_copy, (as_tensor(x),))


def _setitem_forward(a: np.ndarray, v: np.ndarray, index: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out[index] = v
    return out


def _kept_rule(g, out, a, v, index):
    # g times a constant mask (built from the shape), so called with tensors it records
    kept = np.ones(np.shape(g), dtype=bool)
    kept[index] = False
    return g * kept


def _assigned_rule(g, out, a, v, index):
    return g[index]


_setitem = defop("setitem", "[ ]=", _setitem_forward, _kept_rule, _assigned_rule,
                 formulas=("1 where not overwritten, 0 where assigned",
                           "1 where it landed"),
                 shape_fix="the value must broadcast to the shape of the selection, e.g. "
                           "t[1:] = u with u of shape t[1:].shape")


def setitem(x: Tensor, index: Any, value: Any) -> Tensor:
    """The tensor ``x`` with ``x[index] = value``, recorded (``x`` itself is not changed).

    >>> x = Tensor([1., 2., 3.], requires_grad=True)
    >>> setitem(x, 0, 5.0).numpy()
    array([5., 2., 3.])
    """
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(_plain_index(p) for p in parts)
    plain = parts if isinstance(index, tuple) else parts[0]
    if builtins.any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts):
        positions = np.arange(x.size).reshape(x.shape)[plain]
        if np.unique(positions).size != positions.size:
            raise ShapeError(
                f"the assignment into {describe(x)} names some entries twice, so only the last "
                "write would land and its gradient would be split wrongly; fix: use each index "
                "once, e.g. np.unique(indices)")
    return apply(_setitem, (x, as_tensor(value, x)), {"index": plain})


def fill_diagonal(x: Any, value: Any, wrap: bool = False) -> None:
    """numpy's in-place ``np.fill_diagonal(t, value)``: recorded as ``t[diagonal] = value``,
    so ``t`` afterwards holds the ``setitem`` result (returns None, as numpy does).

    >>> t = Tensor(np.zeros((2, 2))); fill_diagonal(t, 5.0); t.op, t.numpy()
    ('setitem', array([[5., 0.],
           [0., 5.]]))
    """
    x = as_tensor(x)
    if x.ndim < 2 or (x.ndim > 2 and len(set(x.shape)) != 1):
        raise ShapeError(f"np.fill_diagonal needs {describe(x)} to have 2 axes, or more of equal "
                         f"length, but its shape is {x.shape}; fix: give a matrix")
    marked = np.zeros(x.shape, dtype=bool)
    np.fill_diagonal(marked, True, wrap=wrap)
    index = np.nonzero(marked)
    value_t = as_tensor(value, x)
    if value_t.ndim > 0:
        if value_t.size != index[0].size:
            raise ShapeError(
                f"np.fill_diagonal of {describe(x)} got {value_t.size} values for a diagonal of "
                f"{index[0].size}; numpy would repeat or cut them, vizgrad does not. Fix: give "
                f"one value or exactly {index[0].size}")
        value_t = value_t.reshape(-1)
    try:
        x[index] = value_t
    except InPlaceError as error:
        raise InPlaceError(f"np.fill_diagonal({x.name or 't'}, ...) writes into its argument: "
                           f"{error}") from None
