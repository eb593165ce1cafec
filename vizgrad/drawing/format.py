"""How values and gradients are written in drawings and explanations.

Formatting is the costly part of a drawing, so it runs only for what is drawn:
numbers go through a small formatter of their own (numpy's printer takes tens of
microseconds per call), and the full text behind a click (``detail``) is made
only when it is asked for.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .options import OPTIONS

DETAIL_UP_TO = 1000     # the click-for-details text shows every value up to this size
NOISE = 1e-12           # |x| below this times the tensor's largest entry is rounding noise


def _number(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (complex, np.complexfloating)):
        return f"{_number(v.real)}{'-' if v.imag < 0 else '+'}{_number(abs(v.imag))}j"
    text = f"{float(v):.4g}"
    return "0" if text == "-0" else text


def short(value: Any, max_values: int | None = None) -> str:
    """Every value with 4 significant digits, numpy style, or a summary for big tensors.

    >>> short(24.0), short(-0.5), short(np.array([[9., 10.]]))
    ('24', '-0.5', '[[9, 10]]')
    >>> short(np.arange(10000.).reshape(100, 100))
    '(100, 100) mean 5000 [0, 9999]'
    >>> short(np.full((3, 3), 8.2), max_values=4)
    '(3, 3) all 8.2'
    """
    array = value if type(value) is np.ndarray else np.asarray(value)
    if array.ndim == 0:
        return _number(array.item())
    limit = OPTIONS["max_values"] if max_values is None else max_values
    if 0 < array.size <= limit:
        # one line per row, however long: the drawing lays out rows itself
        return _rows([_number(v) for v in _denoised(array).ravel().tolist()], array.shape, 0, 0)
    if array.size == 0:
        return np.array2string(array, separator=", ")
    return summary(array)


def _rows(entries: list[str], shape: tuple[int, ...], start: int, axis: int) -> str:
    """numpy's layout of ``entries`` (flat, C order): rows on lines, blank lines between blocks."""
    if axis == len(shape) - 1:
        return "[" + ", ".join(entries[start:start + shape[axis]]) + "]"
    stride = math.prod(shape[axis + 1:])
    separator = "," + "\n" * (len(shape) - axis - 1) + " " * (axis + 1)
    return "[" + separator.join(_rows(entries, shape, start + i * stride, axis + 1)
                                for i in range(shape[axis])) + "]"


def _denoised(array: np.ndarray) -> np.ndarray:
    """``array`` with entries that are rounding noise next to its largest one set to 0."""
    if array.dtype.kind != "f" or array.size < 2:
        return array
    magnitude = np.abs(array)
    finite = magnitude[np.isfinite(magnitude)]
    if not finite.size:
        return array
    noise = magnitude < NOISE * finite.max()
    return np.where(noise, 0.0, array) if noise.any() else array


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
        mean = finite.mean()
        if abs(mean) < NOISE * max(abs(low), abs(high)):
            mean = 0
        text += f" mean {_number(mean)} [{_number(low)}, {_number(high)}]"
    if bad:
        text += f" {bad} NaN/inf"
    return text


INLINE_ENTRIES = 4   # a value with more entries is summed up in an explanation's line
SHOWN_ENTRIES = 3    # the entries a summed-up value shows


def is_inline_whole(value: Any) -> bool:
    """True when ``inline`` writes every entry of ``value`` (a scalar or a few numbers)."""
    array = value if type(value) is np.ndarray else np.asarray(value)
    return array.size <= INLINE_ENTRIES


def inline(value: Any, max_values: int | None = None) -> str:
    """A value for one line of prose: whole when small, else its shape, first entries, norm.

    >>> inline(2.5), inline(np.array([1., 2.])), inline(np.array([[9.], [10.]]))
    ('2.5', '[1, 2]', '[[9], [10]]')
    >>> inline(np.array([[3., 4., 0.], [0., 0., 0.]]))
    '(2, 3) [3, 4, 0, …] norm 5'
    """
    array = value if type(value) is np.ndarray else np.asarray(value)
    if is_inline_whole(array):  # a matrix's rows on one line
        return " ".join(row.strip() for row in short(array, max_values).split("\n"))
    shape = "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"
    if array.size == 0:
        return f"{shape} empty"
    first = [_number(v) for v in _denoised(array).ravel()[:SHOWN_ENTRIES].tolist()]
    more = ", …" if array.size > SHOWN_ENTRIES else ""
    text = f"{shape} [{', '.join(first)}{more}]"
    if array.dtype.kind in "fc":
        finite = array[np.isfinite(array)]
        text += f" norm {_number(float(np.linalg.norm(finite)))}"
        if finite.size < array.size:
            text += f" {array.size - finite.size} NaN/inf"
    return text


def detail(value: Any, max_values: int | None = None) -> str:
    """The full text shown when a learner clicks a node or edge."""
    array = np.asarray(value)
    head = f"shape {tuple(array.shape)}, {dtype_name(array.dtype)}"
    if array.ndim == 0 and array.dtype.kind == "f":  # the common case, without numpy's printer
        return f"{head}\n{float(array):.7g}"
    with np.printoptions(threshold=DETAIL_UP_TO, edgeitems=4, linewidth=100):
        body = np.array2string(array, separator=", ", precision=6)
    limit = OPTIONS["max_values"] if max_values is None else max_values
    if array.size > limit:
        return f"{head}, {summary(array)}\n{body}"
    return f"{head}\n{body}"


def has_nonfinite(value: Any) -> bool:
    """True when a floating value holds NaN or inf."""
    array = value if type(value) is np.ndarray else np.asarray(value)
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
