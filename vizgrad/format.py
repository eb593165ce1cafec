"""How values and gradients are written in drawings and explanations."""

from __future__ import annotations

from typing import Any

import numpy as np

SHOW_ALL_UP_TO = 8      # a tensor this small shows every value
DETAIL_UP_TO = 1000     # the click-for-details text shows every value up to this size


def _number(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    text = f"{float(v):.4g}"
    return "0" if text == "-0" else text


def short(value: Any) -> str:
    """Every value with 4 significant digits, numpy style, or a summary for big tensors.

    >>> short(24.0), short(-0.5), short(np.array([[9., 10.]]))
    ('24', '-0.5', '[[9, 10]]')
    >>> short(np.zeros((100, 100)))
    '(100, 100) mean 0 [0, 0]'
    """
    array = np.asarray(value)
    if array.size <= SHOW_ALL_UP_TO:
        if array.ndim == 0:
            return _number(array.item())
        return np.array2string(array, separator=", ", formatter={"all": _number})
    return summary(array)


def summary(array: np.ndarray) -> str:
    """Shape, mean and range of a big tensor (and how many entries are NaN or inf)."""
    shape = "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"
    if array.dtype.kind == "b":
        return f"{shape} {int(array.sum())} True"
    finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
    text = shape
    if finite.size:
        text += (f" mean {_number(finite.mean())} "
                 f"[{_number(finite.min())}, {_number(finite.max())}]")
    bad = array.size - finite.size
    if bad:
        text += f" {bad} NaN/inf"
    return text


def detail(value: Any) -> str:
    """The full text shown when a learner clicks a node or edge."""
    array = np.asarray(value)
    head = f"shape {tuple(array.shape)}, {array.dtype}"
    with np.printoptions(threshold=DETAIL_UP_TO, edgeitems=4, linewidth=100):
        body = np.array2string(array, separator=", ", precision=6)
    if array.size > SHOW_ALL_UP_TO:
        return f"{head}, {summary(array)}\n{body}"
    return f"{head}\n{body}"


def has_nonfinite(value: Any) -> bool:
    """True when a floating value holds NaN or inf."""
    array = np.asarray(value)
    return array.dtype.kind in "fc" and not np.isfinite(array).all()
