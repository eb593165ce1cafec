"""How values and gradients are written in drawings and explanations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SHOW_ALL_UP_TO = 8      # a tensor this small shows every value
DETAIL_UP_TO = 1000     # the click-for-details text shows every value up to this size


def _number(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (complex, np.complexfloating)):
        return f"{_number(v.real)}{'-' if v.imag < 0 else '+'}{_number(abs(v.imag))}j"
    text = f"{float(v):.4g}"
    return "0" if text == "-0" else text


def short(value: Any) -> str:
    """Every value with 4 significant digits, numpy style, or a summary for big tensors.

    >>> short(24.0), short(-0.5), short(np.array([[9., 10.]]))
    ('24', '-0.5', '[[9, 10]]')
    >>> short(np.arange(10000.).reshape(100, 100))
    '(100, 100) mean 5000 [0, 9999]'
    >>> short(np.full((3, 3), 8.2))
    '(3, 3) all 8.2'
    """
    array = np.asarray(value)
    if array.ndim == 0:
        return _number(array.item())
    if array.size <= SHOW_ALL_UP_TO:
        # one line per row, however long: the drawing lays out rows itself
        return np.array2string(array, separator=", ", formatter={"all": _number},
                               max_line_width=1_000_000)
    return summary(array)


def summary(array: np.ndarray) -> str:
    """Shape, mean and range of a big tensor (and how many entries are NaN or inf)."""
    shape = "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"
    if array.dtype.kind == "b":
        return f"{shape} {int(array.sum())} True"
    finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
    text = shape
    bad = array.size - finite.size
    if finite.size:
        low, high = finite.min(), finite.max()
        if low == high and not bad:
            return f"{text} all {_number(low)}"
        text += f" mean {_number(finite.mean())} [{_number(low)}, {_number(high)}]"
    if bad:
        text += f" {bad} NaN/inf"
    return text


def detail(value: Any) -> str:
    """The full text shown when a learner clicks a node or edge."""
    array = np.asarray(value)
    head = f"shape {tuple(array.shape)}, {dtype_name(array.dtype)}"
    if array.ndim == 0 and array.dtype.kind == "f":  # the common case, without numpy's printer
        return f"{head}\n{float(array):.7g}"
    with np.printoptions(threshold=DETAIL_UP_TO, edgeitems=4, linewidth=100):
        body = np.array2string(array, separator=", ", precision=6)
    if array.size > SHOW_ALL_UP_TO:
        return f"{head}, {summary(array)}\n{body}"
    return f"{head}\n{body}"


def has_nonfinite(value: Any) -> bool:
    """True when a floating value holds NaN or inf."""
    array = np.asarray(value)
    if array.dtype.kind not in "fc":
        return False
    if array.ndim == 0 and array.dtype.kind == "f":
        return not math.isfinite(array)
    return not np.isfinite(array).all()


_DTYPE_NAMES: dict[np.dtype, str] = {}


def dtype_name(dtype: np.dtype) -> str:
    """``str(dtype)`` ('float64'), remembered: numpy takes microseconds to spell it."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name
