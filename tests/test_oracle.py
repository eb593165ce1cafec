"""A standing oracle: random small programs, vizgrad's gradients against HIPS autograd's.

Hypothesis writes programs: chains and DAGs of ops from ``vg.OPS`` (each node may feed
several later ones), with broadcasting shapes, reductions with axis and keepdims,
indexing, constants and Python numbers. Each program runs once in vizgrad (through
``backward``, ``gradients`` or a tape) and once in autograd, and every input's gradient
must agree. For an op autograd lacks, its twin there takes central differences of
that op alone.

An op joins by one line in ``ADAPTERS``: how to pick its inputs, how to call it in
vizgrad, the same op in autograd.numpy (or None), and how to draw its parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd
import autograd.numpy as anp
import autograd.scipy.signal
import autograd.scipy.special
import autograd.scipy.stats.multivariate_normal
import autograd.scipy.stats.norm
import numpy as np
import pytest
from autograd.extend import defvjp_argnum, primitive
from autograd.tracer import getval
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vizgrad as vg
import vizgrad.scipy

# -- parameters an op may need, drawn for the shape of its first input -------------------------


def reduce_params(data: st.DataObject, shape: tuple) -> dict:
    ndim = len(shape)
    choices = ["none"] + (["int", "tuple"] if ndim else [])
    how = data.draw(st.sampled_from(choices))
    keepdims = data.draw(st.booleans())
    if how == "none":
        return {"axis": None, "keepdims": keepdims}
    signed = st.integers(-ndim, ndim - 1)
    if how == "int":
        return {"axis": data.draw(signed), "keepdims": keepdims}
    axes = data.draw(st.lists(signed, min_size=1, max_size=ndim,
                              unique_by=lambda ax: ax % ndim))
    return {"axis": tuple(axes), "keepdims": keepdims}


def axis_params(data: st.DataObject, shape: tuple) -> dict | None:
    if not shape:
        return None
    return {"axis": data.draw(st.integers(-len(shape), len(shape) - 1))}


def new_axis_params(data: st.DataObject, shape: tuple) -> dict:
    return {"axis": data.draw(st.integers(-len(shape) - 1, len(shape)))}


def reshape_params(data: st.DataObject, shape: tuple) -> dict:
    targets = [(-1,), shape[::-1], (1, *shape), (*shape, 1)]
    return {"shape": data.draw(st.sampled_from(targets))}


def transpose_params(data: st.DataObject, shape: tuple) -> dict:
    ndim = len(shape)
    if ndim == 0 or data.draw(st.booleans()):
        return {"axes": None}
    order = data.draw(st.permutations(range(ndim)))
    signs = data.draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    return {"axes": tuple(ax - ndim if negative else ax for ax, negative in zip(order, signs))}


def broadcast_params(data: st.DataObject, shape: tuple) -> dict:
    stretched = tuple(2 if n == 1 else n for n in shape)
    return {"shape": data.draw(st.sampled_from([(2, *shape), stretched]))}


def index_params(data: st.DataObject, shape: tuple) -> dict | None:
    if not shape:
        return None
    n = shape[0]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    mask = rng.uniform(size=shape) > 0.4
    mask.flat[0] = True                               # never empty
    options = [
        data.draw(st.integers(-n, n - 1)),
        slice(None, None, -1),
        slice(1, None) if n > 1 else slice(None, 1),
        np.array([0, -1, 0, n - 1]),                  # repeats: gradients add up
        mask,
    ]
    if len(shape) >= 2:
        options.append((slice(None), data.draw(st.integers(-shape[1], shape[1] - 1))))
        options.append((Ellipsis, np.array([shape[-1] - 1, 0])))
    return {"index": options[data.draw(st.integers(0, len(options) - 1))]}


def clip_params(data: st.DataObject, shape: tuple) -> dict:
    low, high = sorted(data.draw(st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2)))
    which = data.draw(st.sampled_from(["both", "low", "high"]))
    return {"a_min": None if which == "high" else low - 0.0123,
            "a_max": None if which == "low" else high + 0.0123}


def condition_params(data: st.DataObject, shape: tuple) -> dict:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    return {"condition": rng.uniform(size=shape) > 0.5}


def complex_params(data: st.DataObject, shape: tuple) -> dict:
    real, imag = data.draw(st.lists(st.floats(-1, 1), min_size=2, max_size=2))
    return {"c": complex(real, imag + 0.5)}


def conv_params(data: st.DataObject, shape: tuple) -> dict:
    return {"stride": data.draw(st.integers(1, 2)), "padding": data.draw(st.integers(0, 1))}


def needs(ndim: int, draw_params: Callable | None = None) -> Callable:
    """Params for an op that needs at least ``ndim`` axes (None, so skipped, for fewer)."""
    def params(data: st.DataObject, shape: tuple) -> dict | None:
        if len(shape) < ndim:
            return None
        return draw_params(data, shape) if draw_params else {}
    return params


def int_axis(data: st.DataObject, shape: tuple) -> int:
    return data.draw(st.integers(-len(shape), len(shape) - 1))


def axis_or_none(data: st.DataObject, shape: tuple) -> dict:
    return {"axis": None if not shape or data.draw(st.booleans()) else int_axis(data, shape)}


def squeeze_params(data: st.DataObject, shape: tuple) -> dict:
    ones = [i for i, n in enumerate(shape) if n == 1]
    return {"axis": data.draw(st.sampled_from(ones)) if ones and data.draw(st.booleans())
            else None}


def two_axes(data: st.DataObject, shape: tuple) -> tuple[int, int]:
    return int_axis(data, shape), int_axis(data, shape)


def diff_params(data: st.DataObject, shape: tuple) -> dict | None:
    axis = int_axis(data, shape)
    if shape[axis] < 2:
        return None
    return {"n": data.draw(st.integers(1, shape[axis] - 1)), "axis": axis}


def split_params(data: st.DataObject, shape: tuple) -> dict | None:
    axis = int_axis(data, shape)
    if shape[axis] < 2:
        return None
    return {"axis": axis, "part": data.draw(st.integers(0, 1))}


def partner(make_shape: Callable[[st.DataObject, tuple], tuple | None]) -> Callable:
    """Params holding the shape of a new second operand (None: the op does not fit)."""
    def params(data: st.DataObject, shape: tuple) -> dict | None:
        other = make_shape(data, shape)
        return None if other is None else {"partner": other}
    return params


# -- the same ops written with autograd.numpy --------------------------------------------------


def np_logsumexp(a, axis=None, keepdims=False):
    top = getval(anp.max(a, axis=axis, keepdims=True))
    out = anp.log(anp.sum(anp.exp(a - top), axis=axis, keepdims=True)) + top
    return out if keepdims else anp.squeeze(out, axis=axis)


def np_where(condition, a, b):
    # autograd's where does not sum broadcast axes back: broadcast both sides first
    ones = np.ones(np.broadcast_shapes(np.shape(condition), np.shape(a), np.shape(b)))
    return anp.where(condition, a * ones, b * ones)


def np_transpose(a, axes):
    # autograd inverts a permutation with negative axes wrongly: give it non-negative ones
    return anp.transpose(a, None if axes is None else [ax % anp.ndim(a) for ax in axes])


def weights_like(a) -> np.ndarray:
    """Fixed positive weights of ``a``'s shape."""
    return np.linspace(0.5, 1.5, int(np.size(getval(a)))).reshape(np.shape(getval(a)))


def subscripts(a) -> str:
    """einsum subscripts contracting the last axis of ``a`` with a matrix: "ab,bz->az"."""
    letters = "abcdefgh"[:anp.ndim(a)]
    return f"{letters},{letters[-1]}z->{letters[:-1]}z"


def np_flip(a, axis=None):
    if anp.ndim(a) == 0:   # autograd cannot add up gradients of a 0-d a[()]
        return a
    axes = range(anp.ndim(a)) if axis is None else [axis % anp.ndim(a)]
    return a[tuple(slice(None, None, -1) if i in axes else slice(None)
                   for i in range(anp.ndim(a)))]


def np_log_softmax(a, axis):
    return a - np_logsumexp(a, axis=axis, keepdims=True)


# -- the adapters: one line per op -------------------------------------------------------------


@dataclass(frozen=True)
class Adapter:
    """How the generator uses one op.

    ``pick``: "one" input; "broadcast" (a second operand whose shape broadcasts against
    the first: a node, a new variable, a constant or a Python number); "same" (a second
    node of the same shape); "matmul" (a new matrix or vector that fits); "conv" (new
    4-d input and weight); "partner" (a new second operand of the shape the params
    give as "partner"). ``domain`` per input: "positive", "bounded", "above one", "unit"
    or "spread" (the generator maps the input there with recorded ops first).
    """

    pick: str
    vg: Callable[..., Any]
    np: Callable[..., Any] | None      # None: checked by central differences
    params: Callable[[st.DataObject, tuple], dict | None] | None = None
    domain: tuple[str | None, ...] = ()


def compare(vg_op, np_op) -> Adapter:
    """A comparison carries no gradient: it picks between its inputs, as a program uses it."""
    return Adapter("broadcast", lambda a, b: vg.where(vg_op(a, b), a, b),
                   lambda a, b: np_where(np_op(a, b), a, b))


ADAPTERS: dict[str, Adapter] = {
    "add": Adapter("broadcast", vg.add, anp.add),
    "subtract": Adapter("broadcast", vg.subtract, anp.subtract),
    "multiply": Adapter("broadcast", vg.multiply, anp.multiply),
    "divide": Adapter("broadcast", vg.divide, anp.divide, domain=(None, "positive")),
    "power": Adapter("broadcast", vg.power, anp.power, domain=("positive", "bounded")),
    "maximum": Adapter("broadcast", vg.maximum, anp.maximum),
    "minimum": Adapter("broadcast", vg.minimum, anp.minimum),
    "less": compare(vg.less, anp.less),
    "less_equal": compare(vg.less_equal, anp.less_equal),
    "greater": compare(vg.greater, anp.greater),
    "greater_equal": compare(vg.greater_equal, anp.greater_equal),
    "equal": compare(vg.equal, anp.equal),
    "not_equal": compare(vg.not_equal, anp.not_equal),
    "negative": Adapter("one", vg.negative, anp.negative),
    "exp": Adapter("one", vg.exp, anp.exp, domain=("bounded",)),
    "log": Adapter("one", vg.log, anp.log, domain=("positive",)),
    "sqrt": Adapter("one", vg.sqrt, anp.sqrt, domain=("positive",)),
    "square": Adapter("one", vg.square, anp.square),
    "abs": Adapter("one", vg.abs, anp.abs),
    "sin": Adapter("one", vg.sin, anp.sin),
    "cos": Adapter("one", vg.cos, anp.cos),
    "tanh": Adapter("one", vg.tanh, anp.tanh),
    "sigmoid": Adapter("one", vg.sigmoid, lambda a: 1 / (1 + anp.exp(-a))),
    "relu": Adapter("one", vg.relu, lambda a: a * (a > 0)),
    "sign": Adapter("one", vg.sign, anp.sign),
    "stop_gradient": Adapter("one", vg.stop_gradient, getval),
    "clip": Adapter("one", vg.clip, anp.clip, clip_params),
    "where": Adapter("broadcast", lambda a, b, condition: vg.where(condition, a, b),
                     lambda a, b, condition: np_where(condition, a, b), condition_params),
    "sum": Adapter("one", vg.sum, anp.sum, reduce_params),
    "mean": Adapter("one", vg.mean, anp.mean, reduce_params),
    "max": Adapter("one", vg.max, anp.max, reduce_params),
    "min": Adapter("one", vg.min, anp.min, reduce_params),
    "logsumexp": Adapter("one", vg.logsumexp, np_logsumexp, reduce_params),
    "softmax": Adapter("one", vg.softmax, lambda a, axis: anp.exp(np_log_softmax(a, axis)),
                       axis_params),
    "log_softmax": Adapter("one", vg.log_softmax, np_log_softmax, axis_params),
    "reshape": Adapter("one", vg.reshape, anp.reshape, reshape_params),
    "transpose": Adapter("one", vg.transpose, np_transpose, transpose_params),
    "broadcast_to": Adapter("one", vg.broadcast_to, lambda a, shape: a + np.zeros(shape),
                            broadcast_params),
    "getitem": Adapter("one", lambda a, index: a[index], lambda a, index: a[index],
                       index_params),
    "concatenate": Adapter("same", lambda a, b, axis: vg.concatenate([a, b], axis),
                           lambda a, b, axis: anp.concatenate([a, b], axis), axis_params),
    "stack": Adapter("same", lambda a, b, axis: vg.stack([a, b], axis),
                     lambda a, b, axis: anp.stack([a, b], axis), new_axis_params),
    "matmul": Adapter("matmul", vg.matmul, anp.matmul),
    "conv2d": Adapter("conv", vg.conv2d, None, conv_params),
    # elementwise
    "tan": Adapter("one", vg.tan, anp.tan, domain=("bounded",)),
    "sinh": Adapter("one", vg.sinh, anp.sinh),
    "cosh": Adapter("one", vg.cosh, anp.cosh),
    "arcsin": Adapter("one", vg.arcsin, anp.arcsin, domain=("bounded",)),
    "arccos": Adapter("one", vg.arccos, anp.arccos, domain=("bounded",)),
    "arctan": Adapter("one", vg.arctan, anp.arctan),
    "arcsinh": Adapter("one", vg.arcsinh, anp.arcsinh),
    "arccosh": Adapter("one", vg.arccosh, anp.arccosh, domain=("above one",)),
    "arctanh": Adapter("one", vg.arctanh, anp.arctanh, domain=("bounded",)),
    "sinc": Adapter("one", vg.sinc, None),   # autograd's is 0/0 at 0
    "log2": Adapter("one", vg.log2, anp.log2, domain=("positive",)),
    "log10": Adapter("one", vg.log10, anp.log10, domain=("positive",)),
    "log1p": Adapter("one", vg.log1p, anp.log1p, domain=("positive",)),
    "expm1": Adapter("one", vg.expm1, anp.expm1, domain=("bounded",)),
    "exp2": Adapter("one", vg.exp2, anp.exp2, domain=("bounded",)),
    "reciprocal": Adapter("one", vg.reciprocal, anp.reciprocal, domain=("positive",)),
    "logit": Adapter("one", vg.logit, lambda a: anp.log(a) - anp.log(1 - a), domain=("unit",)),
    "floor": Adapter("one", vg.floor, anp.floor),
    "ceil": Adapter("one", vg.ceil, anp.ceil),
    "erf": Adapter("one", vg.erf, None),
    "remainder": Adapter("broadcast", vg.remainder, anp.remainder, domain=(None, "positive")),
    "arctan2": Adapter("broadcast", vg.arctan2, anp.arctan2),
    "hypot": Adapter("broadcast", vg.hypot, anp.hypot),
    "logaddexp": Adapter("broadcast", vg.logaddexp, anp.logaddexp),
    "logaddexp2": Adapter("broadcast", vg.logaddexp2, anp.logaddexp2),
    "fmax": Adapter("broadcast", vg.fmax, anp.fmax),
    "fmin": Adapter("broadcast", vg.fmin, anp.fmin),
    # shapes
    "squeeze": Adapter("one", vg.squeeze, anp.squeeze, squeeze_params),
    "expand_dims": Adapter("one", vg.expand_dims, anp.expand_dims, new_axis_params),
    "ravel": Adapter("one", vg.ravel, anp.ravel),
    "swapaxes": Adapter("one", vg.swapaxes, anp.swapaxes, needs(1, lambda d, s: dict(
        zip(("axis1", "axis2"), two_axes(d, s))))),
    "moveaxis": Adapter("one", vg.moveaxis, anp.moveaxis, needs(1, lambda d, s: dict(
        zip(("source", "destination"), two_axes(d, s))))),
    "flip": Adapter("one", vg.flip, np_flip, axis_or_none),
    "fliplr": Adapter("one", vg.fliplr, anp.fliplr, needs(2)),
    "flipud": Adapter("one", vg.flipud, anp.flipud, needs(1)),
    "rot90": Adapter("one", vg.rot90, None, needs(2, lambda d, s: {
        "k": d.draw(st.integers(-1, 2)), "axes": d.draw(st.sampled_from([(0, 1), (-1, 0)]))})),
    "roll": Adapter("one", vg.roll, anp.roll, lambda d, s: {
        "shift": d.draw(st.integers(-2, 2)), **axis_or_none(d, s)}),
    "repeat": Adapter("one", vg.repeat, None, lambda d, s: {"repeats": 2,
                                                                   **axis_or_none(d, s)}),
    "tile": Adapter("one", vg.tile, None, lambda d, s: {
        "reps": d.draw(st.sampled_from([(2,), (2, 1), 2]))}),
    "pad": Adapter("one", vg.pad, lambda a, pad_width: anp.pad(a, pad_width, "constant"),
                   needs(1, lambda d, s: {
                       "pad_width": d.draw(st.sampled_from([1, [(1, 0)] * len(s)]))})),
    "diag": Adapter("one", vg.diag, None, lambda d, s: None if len(s) not in (1, 2)
                    else {"k": d.draw(st.integers(-1, 1))}),
    "diagonal": Adapter("one", vg.diagonal, None, needs(2, lambda d, s: {
        "offset": d.draw(st.integers(-1, 1)), "axis1": 0, "axis2": -1})),
    "triu": Adapter("one", vg.triu, anp.triu, needs(2, lambda d, s: {
        "k": d.draw(st.integers(-1, 1))})),
    "tril": Adapter("one", vg.tril, anp.tril, needs(2, lambda d, s: {
        "k": d.draw(st.integers(-1, 1))})),
    "atleast_1d": Adapter("one", vg.atleast_1d, anp.atleast_1d),
    "atleast_2d": Adapter("one", vg.atleast_2d, anp.atleast_2d),
    "atleast_3d": Adapter("one", vg.atleast_3d, anp.atleast_3d),
    "sort": Adapter("one", vg.sort, None, needs(1, lambda d, s: {"axis": int_axis(d, s)})),
    "diff": Adapter("one", vg.diff, anp.diff, needs(1, diff_params)),
    "astype": Adapter("one", lambda a: vg.astype(a, "float64"), lambda a: a * 1.0),
    "split": Adapter("one", lambda a, axis, part: vg.split(a, [1], axis)[part],
                     lambda a, axis, part: anp.split(a, [1], axis)[part], needs(1, split_params)),
    "hstack": Adapter("same", lambda a, b: vg.hstack([a, b]),
                      lambda a, b: anp.hstack([a, b]), needs(1)),
    "vstack": Adapter("same", lambda a, b: vg.vstack([a, b]), lambda a, b: anp.vstack([a, b])),
    "column_stack": Adapter("same", lambda a, b: vg.column_stack([a, b]),
                            lambda a, b: anp.column_stack([a, b]),
                            lambda d, s: None if len(s) not in (1, 2) else {}),
    # reductions and scans
    "prod": Adapter("one", vg.prod, None, reduce_params),   # autograd's: 0/0 at a zero
    "var": Adapter("one", vg.var, anp.var, reduce_params),
    "std": Adapter("one", vg.std, anp.std, reduce_params, domain=("spread",)),
    "cumsum": Adapter("one", vg.cumsum, anp.cumsum, axis_or_none),
    "cumprod": Adapter("one", vg.cumprod, None, axis_or_none),
    "weighted_logsumexp": Adapter(
        "one", lambda a, axis, keepdims: vg.logsumexp(a, axis, keepdims, b=weights_like(a)),
        lambda a, axis, keepdims: np_logsumexp(a + anp.log(weights_like(a)), axis, keepdims),
        reduce_params),
    # products
    "dot": Adapter("partner", vg.dot, anp.dot, needs(1, partner(
        lambda d, s: d.draw(st.sampled_from([(s[-1],), (s[-1], 2)]))))),
    "inner": Adapter("partner", vg.inner, anp.inner, needs(1, partner(
        lambda d, s: d.draw(st.sampled_from([(s[-1],), (2, s[-1])]))))),
    "tensordot": Adapter("partner", lambda a, b: vg.tensordot(a, b, 1),
                         lambda a, b: anp.tensordot(a, b, 1), needs(1, partner(
                             lambda d, s: (s[-1], 2)))),
    "outer": Adapter("partner", vg.outer, lambda a, b: anp.outer(anp.ravel(a), anp.ravel(b)),
                     partner(lambda d, s: (2,))),
    "einsum": Adapter("partner", lambda a, b: vg.einsum(subscripts(a), a, b),
                      lambda a, b: anp.einsum(subscripts(a), a, b), needs(1, partner(
                          lambda d, s: (s[-1], 2)))),
    # autograd's kron is wrong past 2-d, its cross does not broadcast: central differences
    "kron": Adapter("partner", vg.kron, None, partner(lambda d, s: (2,) * len(s))),
    "cross": Adapter("partner", vg.cross, None, needs(1, partner(
        lambda d, s: (3,) if s[-1] == 3 else None))),
    "trace": Adapter("one", vg.trace, anp.trace, needs(2)),
    # not an op: complex values in the middle of a real program
    "complex detour": Adapter("one", lambda a, c: vg.abs(vg.exp(a * c) * (a + c)),
                              lambda a, c: anp.abs(anp.exp(a * c) * (a + c)), complex_params),
}
# -- the numpy-style ops (elementwise math, reductions, products, shapes) ----------------------


def ndim_at_least(n: int, params: Callable[[st.DataObject, tuple], dict] = lambda d, s: {}):
    """``params`` for inputs with at least ``n`` axes; other inputs skip the op."""
    return lambda data, shape: params(data, shape) if len(shape) >= n else None


def two_axes_params(data: st.DataObject, shape: tuple) -> dict:
    first, second = data.draw(st.permutations(range(len(shape))))[:2]
    return {"axis1": first, "axis2": second}


def var_params(data: st.DataObject, shape: tuple) -> dict:
    params = reduce_params(data, shape)
    axis = params["axis"]
    reduced = range(len(shape)) if axis is None else np.atleast_1d(axis)
    count = int(np.prod([shape[ax] for ax in reduced]))
    # ddof=1 over one entry divides by zero: a NaN that fmax or where could hide
    return {**params, "ddof": data.draw(st.sampled_from([0, 1])) if count > 1 else 0}


def tensordot_params(data: st.DataObject, shape: tuple) -> dict:
    paired = list(range(data.draw(st.integers(0, len(shape)))))
    return {"axes": (paired, paired)}


def einsum_params(data: st.DataObject, shape: tuple) -> dict:
    letters = "abc"[:len(shape)]
    kept = "".join(c for c in letters if data.draw(st.booleans()))
    return {"subscripts": f"{letters},{letters}->{kept}"}


def split_params(data: st.DataObject, shape: tuple) -> dict | None:
    if not shape:
        return None
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    parts = data.draw(st.integers(1, shape[axis]))   # no empty piece: later ops index it
    return {"axis": axis, "parts": parts, "piece": data.draw(st.integers(0, parts - 1))}


def diff_params(data: st.DataObject, shape: tuple) -> dict | None:
    params = axis_params(data, shape)
    # an axis of length 1 has no neighbours: an empty result that later ops cannot index
    return params if params and shape[params["axis"]] > 1 else None


def unary_math(name: str, domain: str | None = None) -> Adapter:
    return Adapter("one", getattr(vg, name), getattr(anp, name), domain=(domain,))


def binary_math(name: str, domain: tuple = ()) -> Adapter:
    return Adapter("broadcast", getattr(vg, name), getattr(anp, name), domain=domain)


def joined(function: Callable[..., Any]) -> Adapter:
    return Adapter("same", lambda a, b: function([a, b]), None)


def squashed(p):   # into (0.1, 0.9), where logit is gentle
    return 0.1 + 0.8 / (1 + anp.exp(-p))


def _assigned(a: vg.Tensor) -> vg.Tensor:
    """A copy of ``a`` whose first row is replaced by twice its last, by item assignment."""
    out = a.copy()
    out[:1] = a[-1:] * 2
    return out


NUMPY_STYLE_ADAPTERS: dict[str, Adapter] = {
    **{name: unary_math(name, "bounded") for name in [
        "tan", "sinh", "cosh", "arctan", "arcsinh", "expm1", "exp2", "arcsin", "arccos",
        "arctanh", "floor", "ceil"]},
    **{name: unary_math(name, "positive") for name in ["log2", "log10", "log1p",
                                                        "reciprocal"]},
    "arccosh": Adapter("one", lambda a: vg.arccosh(a * a + 1.5),
                       lambda a: anp.arccosh(a * a + 1.5)),
    "logit": Adapter("one", lambda a: vg.logit(0.1 + 0.8 * vg.sigmoid(a)),
                     lambda a: anp.log(squashed(a) / (1 - squashed(a)))),
    "sinc": Adapter("one", vg.sinc, None),
    "erf": Adapter("one", vg.erf, None),
    **{name: binary_math(name) for name in ["arctan2", "hypot", "logaddexp", "logaddexp2",
                                            "fmax", "fmin"]},
    "remainder": binary_math("remainder", (None, "positive")),
    # autograd's prod divides by the entries: NaN where relu made a zero
    "prod": Adapter("one", vg.prod, None, reduce_params),
    "var": Adapter("one", vg.var, anp.var, var_params),
    # autograd's std is 0/0 where all entries are equal (a tiled input); vizgrad gives 0
    "std": Adapter("one", vg.std, None, var_params),
    "cumsum": Adapter("one", vg.cumsum, anp.cumsum, axis_params),
    "cumprod": Adapter("one", vg.cumprod, None, axis_params),
    "weighted_logsumexp": Adapter("broadcast", lambda a, b: vg.logsumexp(a, b=b), None,
                                  domain=(None, "positive")),
    "dot": Adapter("matmul", vg.dot, anp.dot),
    "inner": Adapter("same", vg.inner, None),
    "outer": Adapter("same", vg.outer, None),
    "tensordot": Adapter("same", vg.tensordot, None, tensordot_params),
    "einsum": Adapter("same", lambda a, b, subscripts: vg.einsum(subscripts, a, b), None,
                      einsum_params),
    "kron": Adapter("same", vg.kron, None),
    "cross": Adapter("same", vg.cross, None,
                     lambda data, shape: {} if shape and shape[-1] == 3 else None),
    "trace": Adapter("one", vg.trace, None, ndim_at_least(2, two_axes_params)),
    "squeeze": Adapter("one", vg.squeeze, anp.squeeze),
    "expand_dims": Adapter("one", vg.expand_dims, anp.expand_dims, new_axis_params),
    "ravel": Adapter("one", vg.ravel, anp.ravel),
    "swapaxes": Adapter("one", vg.swapaxes, anp.swapaxes, ndim_at_least(2, two_axes_params)),
    "moveaxis": Adapter("one", lambda a, axis1, axis2: vg.moveaxis(a, axis1, axis2),
                        lambda a, axis1, axis2: anp.moveaxis(a, axis1, axis2),
                        ndim_at_least(2, two_axes_params)),
    "flip": Adapter("one", vg.flip, None, axis_params),
    "fliplr": Adapter("one", vg.fliplr, None, ndim_at_least(2)),
    "flipud": Adapter("one", vg.flipud, None, ndim_at_least(1)),
    "rot90": Adapter("one", lambda a, axis1, axis2: vg.rot90(a, 1, (axis1, axis2)), None,
                     ndim_at_least(2, two_axes_params)),
    "roll": Adapter("one", lambda a, axis: vg.roll(a, 1, axis),
                    lambda a, axis: anp.roll(a, 1, axis), axis_params),
    # autograd's repeat rule sums the wrong entries for a negative axis
    "repeat": Adapter("one", lambda a, axis: vg.repeat(a, 2, axis), None, axis_params),
    "tile": Adapter("one", lambda a: vg.tile(a, 2), None),   # autograd's tile rule fails
    "pad": Adapter("one", lambda a: vg.pad(a, 1, constant_values=0.5), None,
                   ndim_at_least(1)),
    "diag": Adapter("one", vg.diag, None,   # an off-diagonal of a small matrix can be empty
                    lambda data, shape: {"k": data.draw(st.integers(-1, 1)) if len(shape) == 1
                                         else 0} if len(shape) in (1, 2) else None),
    "diagonal": Adapter("one", vg.diagonal, None, ndim_at_least(2, two_axes_params)),
    "triu": Adapter("one", vg.triu, anp.triu, ndim_at_least(2)),
    "tril": Adapter("one", vg.tril, anp.tril, ndim_at_least(2)),
    "atleast_1d": Adapter("one", vg.atleast_1d, anp.atleast_1d),
    "atleast_2d": Adapter("one", vg.atleast_2d, anp.atleast_2d),
    "atleast_3d": Adapter("one", vg.atleast_3d, anp.atleast_3d),
    "diff": Adapter("one", vg.diff, None, diff_params),
    "astype": Adapter("one", lambda a: vg.astype(a, "float64"), lambda a: a),
    "copy": Adapter("one", lambda a: a.copy(), lambda a: a * 1.0),
    "setitem": Adapter("one", lambda a: _assigned(a), None, ndim_at_least(1)),
    "split": Adapter("one", lambda a, axis, parts, piece: vg.array_split(a, parts, axis)[piece],
                     None, split_params),
    "hstack": joined(vg.hstack),
    "vstack": joined(vg.vstack),
    "column_stack": joined(vg.column_stack),
}
ADAPTERS.update(NUMPY_STYLE_ADAPTERS)


# -- np.linalg, vizgrad.scipy and more numpy -----------------------------------------------------


def positive_definite(a, lib):
    """a·aᵀ + 2I: square, symmetric and far from singular, from any (..., n, k) node."""
    return lib.matmul(a, lib.swapaxes(a, -1, -2)) + 2 * np.eye(lib.shape(a)[-2])


def on_matrices(function: Callable[[Any, Any], Any]) -> Adapter:
    """An np.linalg op of a positive-definite matrix made from the node (numpy dispatches
    it to vizgrad on tensors)."""
    return Adapter("one", lambda a: function(positive_definite(a, np), np),
                   lambda a: function(positive_definite(a, anp), anp), needs(2))


def spread_symmetric(a, lib):
    """A symmetric matrix from the node, its eigenvalues kept apart (eigenvector gradients
    divide by their gaps)."""
    n = lib.shape(a)[-1]
    return 0.1 * positive_definite(a, lib) + np.diag(3.0 * np.arange(1, n + 1))


def spread_singular(a, lib):
    """The node made far from rank-deficient, its singular values kept apart."""
    m, n = lib.shape(a)[-2:]
    return 0.1 * a + np.eye(m, n) * 3.0 * np.arange(1, n + 1)


def decomposed(function: Callable[[Any, Any], Any], spread) -> Adapter:
    """An np.linalg decomposition of a matrix made from the node (signs of vectors are
    arbitrary, so the functions given square them)."""
    return Adapter("one", lambda a: function(spread(a, np), np),
                   lambda a: function(spread(a, anp), anp), needs(2))


def gradient_params(data: st.DataObject, shape: tuple) -> dict | None:
    long_enough = [i for i, n in enumerate(shape) if n >= 2]
    return {"axis": data.draw(st.sampled_from(long_enough))} if long_enough else None


def convolve_params(data: st.DataObject, shape: tuple) -> dict | None:
    if len(shape) not in (1, 2):
        return None
    # the partner fits inside the node: 'valid' is defined either way round
    return {"partner": tuple(data.draw(st.integers(1, n)) for n in shape),
            "mode": data.draw(st.sampled_from(["full", "valid"]))}


MORE_ADAPTERS: dict[str, Adapter] = {
    "rad2deg": Adapter("one", np.rad2deg, anp.rad2deg),
    "deg2rad": Adapter("one", np.radians, anp.deg2rad),
    "nan_to_num": Adapter("one", np.nan_to_num, anp.nan_to_num),
    # autograd's gradient rule needs 4 or more entries along the axis: central differences
    "np_gradient": Adapter("one", lambda a, axis: np.gradient(a, axis=axis), None,
                           gradient_params),
    # autograd's linspace rule is a dot product: right for 0-d and 1-d ends only
    "linspace": Adapter("same", lambda a, b, num: np.linspace(a, b, num),
                        lambda a, b, num: anp.linspace(a, b, num),
                        lambda d, s: None if len(s) > 1 else {"num": d.draw(st.integers(1, 4))}),
    "inv": on_matrices(lambda a, lib: lib.linalg.inv(a)),
    "det": on_matrices(lambda a, lib: lib.linalg.det(a)),
    "slogdet": on_matrices(lambda a, lib: lib.linalg.slogdet(a)[1]),
    "cholesky": on_matrices(lambda a, lib: lib.linalg.cholesky(a)),
    "eigvalsh": decomposed(lambda a, lib: lib.linalg.eigh(a)[0], spread_symmetric),
    "eigh_vectors": decomposed(lambda a, lib: lib.linalg.eigh(a, UPLO="U")[1] ** 2,
                               spread_symmetric),
    "svd_u": decomposed(lambda a, lib: lib.linalg.svd(a, full_matrices=False)[0] ** 2,
                        spread_singular),
    "svdvals": decomposed(lambda a, lib: lib.linalg.svd(a, compute_uv=False), spread_singular),
    "svd_vh": decomposed(lambda a, lib: lib.linalg.svd(a, full_matrices=False)[2] ** 2,
                         spread_singular),
    # autograd's solve rule does not broadcast stacks (numpy 2): one matrix here, stacks in
    # tests/test_ops.py
    "solve": Adapter("partner", lambda a, b: np.linalg.solve(positive_definite(a, np), b),
                     lambda a, b: anp.linalg.solve(positive_definite(a, anp), b),
                     partner(lambda d, s: None if len(s) != 2 else d.draw(st.sampled_from(
                         [(s[-2],), (s[-2], 2)])))),
    "gammaln": Adapter("one", vizgrad.scipy.special.gammaln, autograd.scipy.special.gammaln,
                       domain=("positive",)),
    "polygamma": Adapter("one", lambda a, n: vizgrad.scipy.special.polygamma(n, a),
                         lambda a, n: autograd.scipy.special.polygamma(n, a),
                         lambda d, s: {"n": d.draw(st.integers(0, 1))}, domain=("positive",)),
    "norm_logpdf": Adapter("broadcast", lambda a, b: vizgrad.scipy.stats.norm.logpdf(a, b, 1.3),
                           lambda a, b: autograd.scipy.stats.norm.logpdf(a, b, 1.3)),
    "norm_pdf": Adapter("broadcast", lambda a, b: vizgrad.scipy.stats.norm.pdf(a, -0.2, b),
                        lambda a, b: autograd.scipy.stats.norm.pdf(a, -0.2, b),
                        domain=(None, "positive")),
    "norm_cdf": Adapter("broadcast", lambda a, b: vizgrad.scipy.stats.norm.cdf(a, 0.1, b),
                        lambda a, b: autograd.scipy.stats.norm.cdf(a, 0.1, b),
                        domain=(None, "positive")),
    # x is the node's rows, the mean a new operand, cov made positive-definite from the node
    "mvn_logpdf": Adapter(
        "partner", lambda a, b: vizgrad.scipy.stats.multivariate_normal.logpdf(
            a, b, positive_definite(np.swapaxes(a, -1, -2), np)),
        lambda a, b: autograd.scipy.stats.multivariate_normal.logpdf(
            a, b, positive_definite(anp.swapaxes(a, -1, -2), anp)),
        lambda d, s: None if len(s) != 2 else {"partner": (s[-1],)}),
    "convolve": Adapter("partner",
                        lambda a, b, mode: vizgrad.scipy.signal.convolve(a, b, mode=mode),
                        lambda a, b, mode: autograd.scipy.signal.convolve(a, b, mode=mode),
                        convolve_params),
}
ADAPTERS.update(MORE_ADAPTERS)


def assigned(a, index):
    """numpy code that writes into a copy: part of ``a`` replaced by its squares."""
    y = a.copy()
    y[index] = a[index] ** 2
    return y


ADAPTERS.update({
    "copy": Adapter("one", lambda a: a.copy(), lambda a: a + 0.0),
    # autograd has no item assignment: central differences
    "setitem": Adapter("one", assigned, None, needs(1, lambda d, s: {"index": d.draw(
        st.sampled_from([0, -1, slice(1, None), (Ellipsis, 0)]))})),
})
NOT_IN_THE_ORACLE: dict[str, str] = {   # op name -> why it cannot be generated
    # clip in a random program makes exact ties, where sorting has no derivative
    "sort": "exact ties from clip; tests/test_ops.py checks sort on distinct values",
    "partition": "exact ties from clip, as for sort; tests/test_ops.py checks it",
}


def test_every_op_in_the_table_has_an_adapter():
    missing = sorted(set(vg.OPS) - set(ADAPTERS) - set(NOT_IN_THE_ORACLE))
    assert not missing, f"add an adapter line to ADAPTERS for: {', '.join(missing)}"


# -- programs ----------------------------------------------------------------------------------


@dataclass
class Program:
    """Nodes in order: ("input", j) or (op name, operands, params); operands are node
    numbers or ("constant", value). The result is sum(node * weight) over the sinks."""

    inputs: list[np.ndarray]
    nodes: list[tuple]
    weights: dict[int, np.ndarray]


def broadcast_partner(data: st.DataObject, rng: np.random.Generator, shape: tuple) -> tuple:
    """A shape that broadcasts against ``shape``: fewer leading axes, 1s, or one more axis."""
    variant = list(shape)
    for i in range(len(variant)):
        if data.draw(st.booleans()):
            variant[i] = 1
    drop = data.draw(st.integers(0, len(variant)))
    variant = variant[drop:]
    if data.draw(st.booleans()) and len(shape) < 3:
        variant = [2, *variant] if len(variant) == len(shape) else variant
    return tuple(variant)


class Builder:
    """Draws a program node by node, running it in plain numpy to know every shape."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        self.inputs: list[np.ndarray] = []
        self.nodes: list[tuple] = []
        self.values: list[np.ndarray] = []

    def fresh(self, shape: tuple) -> np.ndarray:
        # away from 0 and from the kinks of relu, abs, sign, clip
        return np.asarray(self.rng.uniform(0.2, 1.8, size=shape)
                          * self.rng.choice([-1.0, 1.0], size=shape))

    def add_input(self, shape: tuple) -> int:
        self.inputs.append(self.fresh(shape))
        return self.push(("input", len(self.inputs) - 1), self.inputs[-1])

    def push(self, node: tuple, value: Any) -> int:
        self.nodes.append(node)
        self.values.append(np.asarray(value))
        return len(self.nodes) - 1

    def apply(self, name: str, operands: list, params: dict) -> int:
        args = [self.values[o] if isinstance(o, int) else o[1] for o in operands]
        with np.errstate(all="ignore"):
            value = ADAPTERS[name].np(*args, **params) if ADAPTERS[name].np else \
                evaluate_vg(name, args, params)
        assume(np.size(value) > 0)   # an empty tensor has no gradient to compare
        return self.push((name, operands, params), value)

    def into(self, node: int, domain: str | None) -> int:
        """``node`` mapped into the domain with recorded ops: x² + 0.5, or tanh(x)."""
        if domain == "positive":
            return self.apply("add", [self.apply("square", [node], {}), ("constant", 0.5)], {})
        if domain == "bounded":
            return self.apply("tanh", [node], {})
        if domain == "above one":
            return self.apply("add", [self.apply("square", [node], {}), ("constant", 1.5)], {})
        if domain == "unit":
            return self.apply("sigmoid", [node], {})
        if domain == "spread":   # no two entries equal (std has a kink where all are)
            ramp = np.arange(self.values[node].size).reshape(self.values[node].shape)
            return self.apply("add", [node, ("constant", ramp)], {})
        return node

    def operand(self, shape: tuple) -> Any:
        """A second operand that broadcasts against ``shape``."""
        kind = self.data.draw(st.sampled_from(["node", "variable", "constant", "number"]))
        fits = [i for i, v in enumerate(self.values) if broadcasts(v.shape, shape)]
        if kind == "node" and fits:
            return self.data.draw(st.sampled_from(fits))
        partner = broadcast_partner(self.data, self.rng, shape)
        if kind == "variable":
            return self.add_input(partner)
        if kind == "constant":
            return ("constant", self.fresh(partner))
        return ("constant", float(self.fresh(())))

    def step(self) -> None:
        name = self.data.draw(st.sampled_from(sorted(ADAPTERS)))
        adapter = ADAPTERS[name]
        first = self.data.draw(st.integers(0, len(self.nodes) - 1))
        shape = self.values[first].shape
        params = adapter.params(self.data, shape) if adapter.params else {}
        if params is None:
            return
        if adapter.pick == "one":
            operands = [first]
        elif adapter.pick == "broadcast":
            operands = [first, self.operand(shape)]
            if self.data.draw(st.booleans()):
                operands.reverse()
            if name == "where":
                other = self.values[operands[1]].shape if isinstance(operands[1], int) else \
                    np.shape(operands[1][1])
                params = adapter.params(self.data, np.broadcast_shapes(shape, other))
        elif adapter.pick == "same":
            same = [i for i, v in enumerate(self.values) if v.shape == shape]
            operands = [first, self.data.draw(st.sampled_from(same))]
        elif adapter.pick == "matmul":
            if not shape:
                return
            k = self.data.draw(st.integers(1, 3))
            left = self.data.draw(st.booleans())
            partner = (k, shape[-2] if len(shape) >= 2 else shape[0]) if left else \
                ((shape[-1], k) if self.data.draw(st.booleans()) else (shape[-1],))
            other = self.add_input(partner) if self.data.draw(st.booleans()) else \
                ("constant", self.fresh(partner))
            operands = [other, first] if left else [first, other]
        elif adapter.pick == "partner":
            other_shape = params.pop("partner")
            other = self.add_input(other_shape) if self.data.draw(st.booleans()) else \
                ("constant", self.fresh(other_shape))
            operands = [first, other]
        else:  # conv: new 4-d input and weight
            c, o, k = (self.data.draw(st.integers(1, 2)) for _ in range(3))
            operands = [self.add_input((1, c, 4, 4)), self.add_input((o, c, k + 1, k + 1))]
        operands = [self.into(o, d) if isinstance(o, int) else o
                    for o, d in zip(operands, adapter.domain or [None] * len(operands))]
        self.apply(name, operands, params)


def broadcasts(a: tuple, b: tuple) -> bool:
    try:
        return np.broadcast_shapes(a, b) == b
    except ValueError:
        return False


def evaluate_vg(name: str, args: list, params: dict) -> np.ndarray:
    """An op's value from vizgrad itself (for ops autograd lacks)."""
    with vg.no_grad():
        return ADAPTERS[name].vg(*[vg.constant(a) for a in args], **params).numpy()


@st.composite
def programs(draw: Callable, max_steps: int = 6) -> Program:
    data = draw(st.data())
    builder = Builder(data)
    ndim = data.draw(st.integers(0, 3))
    base = tuple(data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    builder.add_input(base)
    for _ in range(data.draw(st.integers(0, 1))):
        builder.add_input(broadcast_partner(data, builder.rng, base))
    for _ in range(data.draw(st.integers(1, max_steps))):
        builder.step()
    used = {o for node in builder.nodes if node[0] != "input" for o in node[1]
            if isinstance(o, int)}
    sinks = [i for i in range(len(builder.nodes)) if i not in used]
    weights = {i: builder.rng.uniform(0.5, 1.5, size=builder.values[i].shape) for i in sinks}
    values = [builder.values[i] for i in sinks]
    assume(all(np.all(np.isfinite(v)) and np.all(np.abs(v) < 1e6) for v in values))
    return Program(builder.inputs, builder.nodes, weights)


def run(program: Program, inputs: list, call: Callable[[str, list, dict], Any],
        constant: Callable[[Any], Any], total: Callable[[Any, np.ndarray], Any]) -> Any:
    """The program's scalar result, with ``call`` running each op."""
    values: list = []
    for node in program.nodes:
        if node[0] == "input":
            values.append(inputs[node[1]])
        else:
            name, operands, params = node
            args = [values[o] if isinstance(o, int) else constant(o[1]) for o in operands]
            values.append(call(name, args, params))
    result = None
    for i, weight in program.weights.items():
        term = total(values[i], weight)
        result = term if result is None else result + term
    return result


def vizgrad_gradients(program: Program, api: str) -> list[np.ndarray]:
    xs = [vg.Variable(x, name=f"x{j}") for j, x in enumerate(program.inputs)]

    def forward() -> vg.Tensor:
        return run(program, xs, lambda name, args, params: ADAPTERS[name].vg(*args, **params),
                   vg.constant, lambda v, w: vg.sum(vg.multiply(v, w)))

    if api == "backward":
        forward().backward()
        return [np.zeros(x.shape) if x.grad is None else x.grad for x in xs]
    with warnings.catch_warnings():   # an input the program does not use gives zeros
        warnings.simplefilter("ignore", vg.UnconnectedGradientWarning)
        if api == "tape":
            with vg.GradientTape() as tape:
                y = forward()
            grads = tape.gradient(y, xs, unconnected_gradients="zero")
        else:
            grads = vg.gradients(forward(), xs, unconnected_gradients="zero")
    return [g.numpy() for g in grads]


def autograd_gradients(program: Program) -> list[np.ndarray]:
    def f(xs: list) -> Any:
        return run(program, xs, lambda name, args, params: twin(name)(*args, **params),
                   lambda value: value, lambda v, w: anp.sum(v * w))

    return [np.asarray(g) for g in autograd.grad(f)(list(program.inputs))]


def twin(name: str) -> Callable[..., Any]:
    """The op in autograd: its autograd.numpy version, or, for an op autograd lacks,
    vizgrad's forward as an autograd primitive whose vector-Jacobian product comes from
    central differences of that op alone."""
    if ADAPTERS[name].np is not None:
        return ADAPTERS[name].np
    if name not in _NUMERIC_TWINS:
        def forward(*args, **params):
            return evaluate_vg(name, list(args), params)

        def vjp_maker(argnum, ans, args, params, eps=1e-6):
            def vjp(g):
                x = np.array(args[argnum], dtype=float)
                grad = np.zeros(x.shape)
                for index in np.ndindex(*x.shape):
                    shifted = []
                    for step in (eps, -eps):
                        moved = x.copy()
                        moved[index] += step
                        values = [*args[:argnum], moved, *args[argnum + 1:]]
                        shifted.append(evaluate_vg(name, values, params))
                    grad[index] = np.sum(g * (shifted[0] - shifted[1])) / (2 * eps)
                return grad
            return vjp

        numeric = primitive(forward)
        defvjp_argnum(numeric, vjp_maker)
        _NUMERIC_TWINS[name] = numeric
    return _NUMERIC_TWINS[name]


_NUMERIC_TWINS: dict[str, Callable[..., Any]] = {}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(program=programs(), api=st.sampled_from(["gradients", "backward", "tape"]))
def test_random_programs_agree_with_an_independent_engine(program, api):
    got = vizgrad_gradients(program, api)
    expected = autograd_gradients(program)
    numeric = any(ADAPTERS[node[0]].np is None for node in program.nodes if node[0] != "input")
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if numeric else {"rtol": 1e-7, "atol": 1e-9}
    for j, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(g, e, **tolerance, err_msg=f"gradient of input x{j}")
