"""Ops that move, copy or pick entries: squeeze, flip, roll, repeat, pad, split, stack, sort...

Most of them only rearrange values, so one rule serves them all: run the same
numpy function on the positions 1..n of the input instead of its values, and
each output entry says which input entry it came from (0: a padded or zeroed
entry, from none). The gradient of an input entry is the sum of the upstream
gradient over the output entries that came from it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from . import ops
from .ops import OPS, Op, defop, scatter_add
from .tensor import Tensor, apply, as_tensor, describe


def _gather(g: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    """Sum ``g`` into the input entries ``positions`` (1-based; 0 = from no entry)."""
    if isinstance(g, Tensor):   # a recorded backward pass: the same sum as recorded ops
        if g.shape != positions.shape:
            g = np.broadcast_to(g, positions.shape)
        picked = positions > 0
        values = g.ravel() if picked.all() else g[picked]
        return scatter_add(values, (positions[picked] - 1,), (size,), True)
    weights = np.broadcast_to(g, positions.shape).ravel()
    return np.bincount(positions.ravel(), weights, minlength=size + 1)[1:]


def _moved_rule(function: Callable[..., Any]):
    def rule(g, out, a, **params):
        positions = np.asarray(function(np.arange(1, a.size + 1).reshape(a.shape), **params))
        return _gather(g, positions, a.size).reshape(a.shape)
    return rule


def _moving_op(name: str, symbol: str, function: Callable[..., Any],
               positions: Callable[..., Any] | None = None, formula: str = "1",
               shape_fix: str = "check the axes against the tensor's shape") -> Op:
    """Register an op that only rearranges, repeats or zero-fills its input's entries."""
    return defop(name, symbol, function, _moved_rule(positions or function),
                 formulas=(formula,), shape_fix=shape_fix)


def _axis_tuple(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


_squeeze = _moving_op("squeeze", "squeeze", lambda a, axis: np.squeeze(a, axis),
                      shape_fix="squeeze only axes of length 1")
_expand_dims = _moving_op("expand_dims", "expand", lambda a, axis: np.expand_dims(a, axis))
_ravel = _moving_op("ravel", "flatten", lambda a: np.ravel(a))
_swapaxes = _moving_op("swapaxes", "swap", lambda a, axis1, axis2: np.swapaxes(a, axis1, axis2))
_moveaxis = _moving_op("moveaxis", "move",
                       lambda a, source, destination: np.moveaxis(a, source, destination))
_flip = _moving_op("flip", "flip", lambda a, axis: np.flip(a, axis))
_fliplr = _moving_op("fliplr", "flip ↔", np.fliplr, shape_fix="give a tensor with 2+ axes")
_flipud = _moving_op("flipud", "flip ↕", np.flipud, shape_fix="give a tensor with 1+ axes")
_rot90 = _moving_op("rot90", "rot90", lambda a, k, axes: np.rot90(a, k, axes))
_roll = _moving_op("roll", "roll", lambda a, shift, axis: np.roll(a, shift, axis))
_repeat = _moving_op("repeat", "repeat", lambda a, repeats, axis: np.repeat(a, repeats, axis),
                     formula="the number of copies")
_tile = _moving_op("tile", "tile", lambda a, reps: np.tile(a, reps),
                   formula="the number of copies")
_pad = _moving_op("pad", "pad",
                  lambda a, pad_width, constant_values: np.pad(
                      a, pad_width, constant_values=constant_values),
                  lambda a, pad_width, constant_values: np.pad(a, pad_width),
                  formula="1 inside, nothing for the padding",
                  shape_fix="give pad_width as numpy does: n, (before, after) or one pair "
                            "per axis")
_diag = _moving_op("diag", "diag", lambda a, k: np.diag(a, k),
                   formula="1 on the diagonal, 0 elsewhere",
                   shape_fix="give a 1-d tensor (makes a matrix) or a 2-d one (takes its "
                             "diagonal)")
_diagonal = _moving_op("diagonal", "diagonal",
                       lambda a, offset, axis1, axis2: np.diagonal(a, offset, axis1, axis2),
                       formula="1 on the diagonal, 0 elsewhere",
                       shape_fix="give a tensor with at least two axes")
_triu = _moving_op("triu", "triu", lambda a, k: np.triu(a, k),
                   formula="1 on and above the diagonal, 0 below")
_tril = _moving_op("tril", "tril", lambda a, k: np.tril(a, k),
                   formula="1 on and below the diagonal, 0 above")
_atleast = {n: _moving_op(f"atleast_{n}d", f"≥{n}d", function)
            for n, function in [(1, np.atleast_1d), (2, np.atleast_2d), (3, np.atleast_3d)]}
_split = _moving_op("split", "split", lambda a, axis, start, stop: a[
    (slice(None),) * axis + (slice(start, stop),)], formula="1 for the entries of this piece")


def _sort_rule(g, out, a, axis):
    flat = a.reshape(-1) if axis is None else a
    order = np.argsort(flat, axis=-1 if axis is None else axis, kind="stable")
    if isinstance(g, Tensor):   # each sorted entry goes back to the position it came from
        where_from = np.take_along_axis(np.arange(1, a.size + 1).reshape(flat.shape), order,
                                        axis=-1 if axis is None else axis)
        return _gather(g.reshape(flat.shape), where_from, a.size).reshape(a.shape)
    grad = np.zeros(flat.shape, dtype=g.dtype)
    np.put_along_axis(grad, order, g.reshape(flat.shape), axis=-1 if axis is None else axis)
    return grad.reshape(a.shape)


_sort = defop("sort", "sort", lambda a, axis: np.sort(a, axis=axis), _sort_rule,
              formulas=("1, back to where each value came from",),
              shape_fix="use an axis between -ndim and ndim-1")


def _diff_rule(g, out, a, n, axis):
    axis = axis % a.ndim
    later = (slice(None),) * axis + (slice(1, None),)
    earlier = (slice(None),) * axis + (slice(None, -1),)
    if isinstance(g, Tensor):   # the same sums, as recorded padding
        for _ in range(n):
            widths = [(0, 0)] * g.ndim
            widths[axis] = (1, 0)
            before = np.pad(g, widths)
            widths[axis] = (0, 1)
            g = before - np.pad(g, widths)
        return g
    for _ in range(n):
        shape = list(g.shape)
        shape[axis] += 1
        grad = np.zeros(shape, dtype=g.dtype)
        grad[later] += g
        grad[earlier] -= g
        g = grad
    return g


_diff = defop("diff", "diff", lambda a, n, axis: np.diff(a, n, axis), _diff_rule,
              formulas=("+1 for the later entry, −1 for the earlier",),
              shape_fix="give a tensor with at least one axis and an axis inside it")
_astype = defop("astype", "astype", lambda a, dtype: a.astype(dtype),
                lambda g, out, a, dtype: g, formulas=("1",))


# -- joining: several inputs -------------------------------------------------------
def _joining_rule(function: Callable[..., Any]):
    def for_input(index: int):
        def rule(g, out, *parts):
            sources = [np.zeros(p.shape, dtype=np.int64) for p in parts]
            sources[index] = np.arange(1, parts[index].size + 1).reshape(parts[index].shape)
            positions = np.asarray(function(sources))
            return _gather(g, positions, parts[index].size).reshape(parts[index].shape)
        return rule
    return for_input


def _joining_op(name: str, symbol: str, function: Callable[..., Any], shape_fix: str) -> Op:
    op = Op(name, symbol, lambda *parts: function(parts), _joining_rule(function), ("1",),
            shape_fix, variadic=True)
    OPS[name] = op
    return op


_hstack = _joining_op("hstack", "hstack", np.hstack,
                      "give tensors whose shapes agree except along the second axis (the "
                      "first for 1-d)")
_vstack = _joining_op("vstack", "vstack", np.vstack,
                      "give tensors whose shapes agree except along the first axis")
_column_stack = _joining_op("column_stack", "columns", np.column_stack,
                            "give 1-d or 2-d tensors with the same number of rows")


# -- the public functions -----------------------------------------------------------------
def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1 (all of them by default).

    >>> squeeze(Tensor([[1., 2.]])).shape
    (2,)
    """
    return apply(_squeeze, (as_tensor(x),), {"axis": _axis_tuple(axis)})


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert an axis of length 1 at ``axis``.

    >>> expand_dims(Tensor([1., 2.]), 0).shape
    (1, 2)
    """
    return apply(_expand_dims, (as_tensor(x),), {"axis": _axis_tuple(axis)})


def ravel(x: Any) -> Tensor:
    """The values as one flat axis (``flatten`` is the same).

    >>> ravel(Tensor([[1., 2.], [3., 4.]])).shape
    (4,)
    """
    return apply(_ravel, (as_tensor(x),))


flatten = ravel


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.

    >>> swapaxes(Tensor([[1., 2.]]), 0, 1).shape
    (2, 1)
    """
    return apply(_swapaxes, (as_tensor(x),), {"axis1": int(axis1), "axis2": int(axis2)})


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes to new positions; the others keep their order.

    >>> moveaxis(Tensor(np.zeros((2, 3, 4))), 0, -1).shape
    (3, 4, 2)
    """
    return apply(_moveaxis, (as_tensor(x),), {"source": _axis_tuple(source),
                                              "destination": _axis_tuple(destination)})


def flip(x: Any, axis: Any = None) -> Tensor:
    """Reverse the order of entries along ``axis`` (all axes by default).

    >>> flip(Tensor([1., 2., 3.])).numpy()
    array([3., 2., 1.])
    """
    return apply(_flip, (as_tensor(x),), {"axis": _axis_tuple(axis)})


def fliplr(x: Any) -> Tensor:
    """Reverse the columns (axis 1).

    >>> fliplr(Tensor([[1., 2.]])).numpy()
    array([[2., 1.]])
    """
    return apply(_fliplr, (as_tensor(x),))


def flipud(x: Any) -> Tensor:
    """Reverse the rows (axis 0).

    >>> flipud(Tensor([[1.], [2.]])).numpy()
    array([[2.],
           [1.]])
    """
    return apply(_flipud, (as_tensor(x),))


def rot90(x: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``.

    >>> rot90(Tensor([[1., 2.]])).numpy()
    array([[2.],
           [1.]])
    """
    return apply(_rot90, (as_tensor(x),), {"k": int(k), "axes": tuple(axes)})


def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """Shift entries along ``axis``, wrapping around (flattened when axis is None).

    >>> roll(Tensor([1., 2., 3.]), 1).numpy()
    array([3., 1., 2.])
    """
    return apply(_roll, (as_tensor(x),), {"shift": _axis_tuple(shift),
                                          "axis": _axis_tuple(axis)})


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeat each entry ``repeats`` times along ``axis`` (flattened when axis is None).

    >>> repeat(Tensor([1., 2.]), 2).numpy()
    array([1., 1., 2., 2.])
    """
    repeats = repeats if isinstance(repeats, (int, np.integer)) else tuple(repeats)
    return apply(_repeat, (as_tensor(x),), {"repeats": repeats, "axis": axis})


def tile(x: Any, reps: Any) -> Tensor:
    """Repeat the whole tensor ``reps`` times along each axis.

    >>> tile(Tensor([1., 2.]), 2).numpy()
    array([1., 2., 1., 2.])
    """
    reps = reps if isinstance(reps, (int, np.integer)) else tuple(reps)
    return apply(_tile, (as_tensor(x),), {"reps": reps})


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0) -> Tensor:
    """Surround with ``constant_values`` (numpy's ``pad_width``); only mode="constant".

    >>> pad(Tensor([1., 2.]), 1).numpy()
    array([0., 1., 2., 0.])
    """
    if mode != "constant":
        raise ArgumentError(f"pad() supports mode='constant' only, got mode={mode!r}; fix: "
                            "pad with a constant, or build the edges with concatenate")
    if not isinstance(constant_values, (int, float, np.integer, np.floating)):
        raise ArgumentError("pad() takes one number as constant_values; fix: "
                            "constant_values=0.0")
    return apply(_pad, (as_tensor(x),), {"pad_width": np.asarray(pad_width).tolist(),
                                         "constant_values": float(constant_values)})


def diag(x: Any, k: int = 0) -> Tensor:
    """A 1-d tensor becomes a diagonal matrix; a 2-d one gives its ``k``-th diagonal.

    >>> diag(Tensor([1., 2.])).numpy()
    array([[1., 0.],
           [0., 2.]])
    """
    return apply(_diag, (as_tensor(x),), {"k": int(k)})


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal of the ``axis1``, ``axis2`` planes.

    >>> diagonal(Tensor([[1., 2.], [3., 4.]])).numpy()
    array([1., 4.])
    """
    return apply(_diagonal, (as_tensor(x),), {"offset": int(offset), "axis1": int(axis1),
                                              "axis2": int(axis2)})


def triu(x: Any, k: int = 0) -> Tensor:
    """The upper triangle (on and above diagonal ``k``); zeros below.

    >>> triu(Tensor([[1., 2.], [3., 4.]])).numpy()
    array([[1., 2.],
           [0., 4.]])
    """
    return apply(_triu, (as_tensor(x),), {"k": int(k)})


def tril(x: Any, k: int = 0) -> Tensor:
    """The lower triangle (on and below diagonal ``k``); zeros above.

    >>> tril(Tensor([[1., 2.], [3., 4.]])).numpy()
    array([[1., 0.],
           [3., 4.]])
    """
    return apply(_tril, (as_tensor(x),), {"k": int(k)})


def _atleast_nd(n: int):
    def function(*xs: Any) -> Tensor | list[Tensor]:
        results = [apply(_atleast[n], (as_tensor(x),)) for x in xs]
        return results[0] if len(results) == 1 else results
    function.__name__ = f"atleast_{n}d"
    function.__doc__ = (f"Each input with at least {n} axes (numpy's placement of new axes).\n\n"
                        f">>> atleast_{n}d(Tensor(1.)).ndim\n{n}")
    return function


atleast_1d, atleast_2d, atleast_3d = _atleast_nd(1), _atleast_nd(2), _atleast_nd(3)


def sort(x: Any, axis: int | None = -1) -> Tensor:
    """Sorted along ``axis`` (flattened when None); each gradient goes back to its entry.

    >>> sort(Tensor([3., 1., 2.])).numpy()
    array([1., 2., 3.])
    """
    return apply(_sort, (as_tensor(x),), {"axis": axis})


def diff(x: Any, n: int = 1, axis: int = -1) -> Tensor:
    """Differences of neighbours along ``axis``, ``n`` times.

    >>> diff(Tensor([1., 4., 9.])).numpy()
    array([3., 5.])
    """
    x_t = as_tensor(x)
    if x_t.ndim == 0:
        raise ShapeError(f"diff() needs at least one axis, but {describe(x_t)} is 0-d; fix: "
                         "give a 1-d tensor")
    return apply(_diff, (x_t,), {"n": int(n), "axis": int(axis)})


def astype(x: Any, dtype: Any) -> Tensor:
    """The values in another dtype; a float-to-float cast passes the gradient through.

    >>> astype(Tensor([1., 2.]), "float32").dtype
    dtype('float32')
    """
    return apply(_astype, (as_tensor(x),), {"dtype": np.dtype(dtype)})


def _pieces(x: Any, parts: Any, axis: int, split_positions) -> list[Tensor]:
    x_t = as_tensor(x)
    if x_t.ndim == 0:
        raise ShapeError(f"cannot split {describe(x_t)}: it is 0-d; fix: give a tensor with "
                         "at least one axis")
    axis = int(axis)
    if not -x_t.ndim <= axis < x_t.ndim:
        raise ShapeError(f"cannot split {describe(x_t)} with shape {x_t.shape} along axis "
                         f"{axis}; fix: use an axis between {-x_t.ndim} and {x_t.ndim - 1}")
    axis %= x_t.ndim
    try:
        lengths = [len(p) for p in split_positions(np.arange(x_t.shape[axis]), parts)]
    except ValueError as error:
        raise ShapeError(f"cannot split {describe(x_t)} with shape {x_t.shape}: {error}; fix: "
                         "use array_split for unequal pieces") from None
    starts = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    return [apply(_split, (x_t,), {"axis": axis, "start": start, "stop": stop})
            for start, stop in zip(starts[:-1], starts[1:])]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Equal pieces (an int) or pieces cut at the given indices, along ``axis``.

    >>> [p.numpy() for p in split(Tensor([1., 2., 3., 4.]), 2)]
    [array([1., 2.]), array([3., 4.])]
    """
    return _pieces(x, indices_or_sections, axis, np.split)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Like split, but an int need not divide the length evenly.

    >>> [p.shape for p in array_split(Tensor([1., 2., 3.]), 2)]
    [(2,), (1,)]
    """
    return _pieces(x, indices_or_sections, axis, np.array_split)


def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """split along the columns (axis 1; axis 0 of a 1-d tensor).

    >>> [p.shape for p in hsplit(Tensor([[1., 2.]]), 2)]
    [(1, 1), (1, 1)]
    """
    x_t = as_tensor(x)
    return _pieces(x_t, indices_or_sections, 1 if x_t.ndim > 1 else 0, np.split)


def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """split along the rows (axis 0) of a tensor with 2+ axes.

    >>> [p.shape for p in vsplit(Tensor([[1.], [2.]]), 2)]
    [(1, 1), (1, 1)]
    """
    x_t = as_tensor(x)
    if x_t.ndim < 2:
        raise ShapeError(f"vsplit() needs 2 or more axes, but {describe(x_t)} has {x_t.ndim}; "
                         "fix: use split(x, n) for a 1-d tensor")
    return _pieces(x_t, indices_or_sections, 0, np.split)


def _joiner(op: Op, doc: str):
    def function(tensors: Sequence[Any]) -> Tensor:
        return apply(op, tuple(as_tensor(t) for t in tensors))
    function.__name__ = op.name
    function.__doc__ = doc
    return function


hstack = _joiner(_hstack, "Join along the columns (axis 1; axis 0 for 1-d tensors).\n\n"
                          ">>> hstack([Tensor([1.]), Tensor([2.])]).numpy()\narray([1., 2.])")
vstack = _joiner(_vstack, "Join as rows (1-d tensors become rows).\n\n"
                          ">>> vstack([Tensor([1.]), Tensor([2.])]).shape\n(2, 1)")
column_stack = _joiner(_column_stack, "Join 1-d tensors as columns (2-d ones as they are).\n\n"
                                      ">>> column_stack([Tensor([1., 2.]), Tensor([3., 4.])])"
                                      ".shape\n(2, 2)")


# -- partition, gradient, linspace: more of numpy's array functions ----------------------------
def _along(index: np.ndarray, axis: int) -> tuple:
    """An advanced index that picks ``index`` along ``axis`` (take_along_axis as []): works
    on arrays and on tensors alike."""
    grids = np.indices(index.shape, sparse=True)
    return tuple(index if i == axis else grid for i, grid in enumerate(grids))


def _partition_rule(g, out, a, kth, axis):
    values = a.data if isinstance(a, Tensor) else a   # where the entries went: no gradient
    flat, ax = (values.reshape(-1), 0) if axis is None else (values, axis % a.ndim)
    order = np.argpartition(flat, kth, axis=ax)
    # entry i of the input went to the place where order holds i: read g there
    back = np.argsort(order, axis=ax)
    return np.reshape(np.reshape(g, flat.shape)[_along(back, ax)], a.shape)


_partition = defop("partition", "partition",
                   lambda a, kth, axis: np.partition(a, kth, axis=axis), _partition_rule,
                   formulas=("1, back to where each value came from",),
                   shape_fix="give kth inside the axis and an axis between -ndim and ndim-1")


def _gradient_bands(n: int, spacing: Any, edge_order: int, dtype: Any) -> dict[int, np.ndarray]:
    """np.gradient along one axis is f ↦ D·f with D banded (each row reaches at most two
    entries either side): the bands w_k[i] = D[i, i + k], read from np.gradient of five
    combs (the entries j ≡ r mod 5), so D is never built."""
    given = [] if spacing is None else [np.asarray(spacing)]
    columns = np.arange(n)
    combs = [np.gradient((columns % 5 == r).astype(np.float64), *given, edge_order=edge_order)
             for r in range(5)]
    bands = {}
    for k in range(-2, 3):
        inside = (columns + k >= 0) & (columns + k < n)
        picked = np.choose((columns + k) % 5, combs)
        bands[k] = np.where(inside, picked, 0.0).astype(dtype)
    return bands


def _shifted(x, k: int, axis: int):
    """x moved k places along ``axis`` (result[j] = x[j − k]), zeros where nothing lands."""
    if k == 0:
        return x
    n = x.shape[axis]
    widths = [(0, 0)] * x.ndim
    widths[axis] = (k, 0) if k > 0 else (0, -k)
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, n) if k > 0 else slice(-k, None)
    return np.pad(x, widths)[tuple(index)]


def _gradient_rule(g, out, a, axis, spacing, edge_order):
    # the adjoint Dᵀ·g: row i of D sends g[i]·D[i, i + k] to entry i + k
    along = [a.shape[axis] if i == axis else 1 for i in range(a.ndim)]
    total = None
    for k, band in _gradient_bands(a.shape[axis], spacing, edge_order, a.dtype).items():
        part = _shifted(g * np.reshape(band, along), k, axis)
        total = part if total is None else total + part
    return total


_gradient = defop("np_gradient", "Δ",
                  lambda a, axis, spacing, edge_order: np.gradient(
                      a, *([] if spacing is None else [np.asarray(spacing)]), axis=axis,
                      edge_order=edge_order),
                  _gradient_rule, formulas=("±1/(2h) from each neighbour (1/h at the ends)",),
                  shape_fix="every differentiated axis needs at least edge_order + 1 entries")


def _linspace_forward(start, stop, num, endpoint, axis):
    return np.linspace(start, stop, num, endpoint=endpoint, axis=axis)


def _linspace_fractions(start, stop, num, endpoint, axis, dtype):
    """How far along from start to stop each point is, shaped to broadcast with the output."""
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    fractions = np.linspace(0.0, 1.0, num, endpoint=endpoint).astype(dtype)
    ndim = len(shape) + 1
    return np.reshape(fractions, [num if i == axis % ndim else 1 for i in range(ndim)])


def _linspace_rule(from_stop: bool):
    def rule(g, out, start, stop, num, endpoint, axis):
        t = _linspace_fractions(start, stop, num, endpoint, axis, out.dtype)
        weight = t if from_stop else 1 - t
        return np.sum(g * weight, axis=axis % out.ndim)
    return rule


_linspace = defop("linspace", "linspace", _linspace_forward, _linspace_rule(False),
                  _linspace_rule(True), formulas=("1 − t at each point", "t at each point"),
                  shape_fix="give start and stop that broadcast, and num >= 0")


def partition(x: Any, kth: Any, axis: int | None = -1) -> Tensor:
    """numpy's partition: the kth entry in its sorted place, smaller ones before it.

    >>> partition(Tensor([3., 1., 2.]), 1).numpy()
    array([1., 2., 3.])
    """
    kth = int(kth) if isinstance(kth, (int, np.integer)) else tuple(int(k) for k in kth)
    return apply(_partition, (as_tensor(x),), {"kth": kth, "axis": axis})


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """numpy's gradient: central differences inside, one-sided at the ends (linear in f).

    >>> gradient(Tensor([1., 4., 9., 16.])).numpy()
    array([3., 4., 6., 7.])
    """
    f_t = as_tensor(f)
    if f_t.ndim == 0:
        raise ShapeError(f"gradient() needs at least one axis, but {describe(f_t)} is 0-d; "
                         "fix: give a 1-d tensor")
    axes = list(range(f_t.ndim)) if axis is None else (
        [int(axis)] if isinstance(axis, (int, np.integer)) else [int(a) for a in axis])
    axes = [a % f_t.ndim for a in axes]
    if len(varargs) not in (0, 1, len(axes)):
        raise ArgumentError(f"gradient() takes one spacing or one per axis ({len(axes)}), "
                            f"got {len(varargs)}; fix: gradient(f, h) or gradient(f, h0, h1)")
    spacings = list(varargs) * len(axes) if len(varargs) == 1 else list(varargs) or [None] * len(
        axes)
    results = []
    for ax, spacing in zip(axes, spacings):
        if isinstance(spacing, Tensor):
            raise ArgumentError("gradient() takes its spacing as numbers, not a tensor "
                                "(no gradient flows to the spacing); fix: pass h.numpy()")
        spacing = None if spacing is None else np.asarray(spacing).tolist()
        results.append(apply(_gradient, (f_t,), {"axis": ax, "spacing": spacing,
                                                "edge_order": int(edge_order)}))
    return results[0] if len(results) == 1 else tuple(results)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced points from start to stop, differentiable in both ends.

    >>> linspace(Tensor(0.), Tensor(1.), 3).numpy()
    array([0. , 0.5, 1. ])
    """
    like = start if isinstance(start, Tensor) else stop if isinstance(stop, Tensor) else None
    start_t = as_tensor(start, like)
    stop_t = as_tensor(stop, start_t)
    if start_t.dtype.kind != "f" or stop_t.dtype.kind != "f":   # numpy computes in floats
        start_t, stop_t = astype(start_t, np.float64), astype(stop_t, np.float64)
    result = apply(_linspace, (start_t, stop_t), {"num": int(num), "endpoint": bool(endpoint),
                                                  "axis": int(axis)})
    if dtype is not None:
        result = astype(result, dtype)
    if not retstep:
        return result
    steps = int(num) - 1 if endpoint else int(num)
    step = (stop_t - start_t) / steps if steps > 0 else Tensor(np.nan)
    return result, step


# -- compositions of the ops above --------------------------------------------------------------
def append(arr: Any, values: Any, axis: int | None = None) -> Tensor:
    """``values`` joined after ``arr`` (both flattened when axis is None), as numpy's append.

    >>> append(Tensor([1., 2.]), 3.).numpy()
    array([1., 2., 3.])
    """
    arr_t = as_tensor(arr, values if isinstance(values, Tensor) else None)
    values_t = as_tensor(values, arr_t)
    if axis is None:
        return ops.concatenate([ravel(arr_t), ravel(values_t)], 0)
    return ops.concatenate([arr_t, values_t], axis)


def rollaxis(x: Any, axis: int, start: int = 0) -> Tensor:
    """Move ``axis`` to before position ``start`` (numpy's older spelling of moveaxis).

    >>> rollaxis(Tensor(np.zeros((2, 3, 4))), 2).shape
    (4, 2, 3)
    """
    x_t = as_tensor(x)
    n = x_t.ndim
    if not -n <= axis < n or not -n <= start <= n:
        raise ShapeError(f"rollaxis() of {describe(x_t)} with {n} axes got axis={axis}, "
                         f"start={start}; fix: axis in [{-n}, {n - 1}], start in [{-n}, {n}]")
    axis, start = axis % n, start + n if start < 0 else start
    destination = start - 1 if axis < start else start
    return moveaxis(x_t, axis, builtins.min(destination, n - 1))


def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """split along the third axis (depth) of a tensor with 3+ axes.

    >>> [p.shape for p in dsplit(Tensor(np.zeros((1, 1, 4))), 2)]
    [(1, 1, 2), (1, 1, 2)]
    """
    x_t = as_tensor(x)
    if x_t.ndim < 3:
        raise ShapeError(f"dsplit() needs 3 or more axes, but {describe(x_t)} has {x_t.ndim}; "
                         "fix: use split(x, n, axis) for fewer axes")
    return _pieces(x_t, indices_or_sections, 2, np.split)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Tensor:
    """From the first choice whose condition holds, else ``default`` (recorded as wheres).

    >>> select([Tensor([True, False])], [Tensor([1., 2.])], default=9.).numpy()
    array([1., 9.])
    """
    if len(condlist) != len(choicelist):
        raise ArgumentError(f"select() needs one choice per condition, got {len(condlist)} "
                            f"conditions and {len(choicelist)} choices; fix: make the lists "
                            "equally long")
    like = next((c for c in choicelist if isinstance(c, Tensor)), None)
    result = as_tensor(default, like)
    # the first condition that holds wins: build from the last one backwards
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        if np.asarray(condition.data if isinstance(condition, Tensor)
                      else condition).dtype != np.bool_:
            raise ArgumentError("select() takes boolean conditions; fix: compare first, "
                                "e.g. x > 0")
        result = ops.where(condition, choice, result)
    return result
