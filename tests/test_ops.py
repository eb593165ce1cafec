"""Every op in the table: forward values against numpy, gradients against central differences.

Each case draws shapes with hypothesis (broadcasting ones where the op broadcasts)
and values from a numpy generator seeded by hypothesis, kept away from kinks and
ties (no abs at 0, no two equal candidates for a max, positive bases for log).
A case is written once, as ``call(lib, *inputs)``: with ``lib=vg`` it builds the
recorded op, with ``lib=REFERENCE`` it computes the expected values in numpy.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vizgrad as vg
import vizgrad.scipy


# -- the numpy reference for the ops numpy does not have ---------------------------
def _conv2d_reference(x, w, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, height, width = x.shape
    o, _, kh, kw = w.shape
    out = np.zeros((n, o, (height - kh) // stride + 1, (width - kw) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out


def _softmax_reference(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp_reference(x, axis=None, keepdims=False, b=None):
    weights = 1.0 if b is None else b
    return np.log(np.sum(weights * np.exp(x), axis=axis, keepdims=keepdims))


REFERENCE = types.SimpleNamespace(
    **{name: getattr(np, name) for name in [
        "add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "less",
        "less_equal", "greater", "greater_equal", "equal", "not_equal", "negative", "exp",
        "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sign", "sum", "mean", "max",
        "min", "reshape", "transpose", "broadcast_to", "concatenate", "stack", "where",
        "clip", "matmul",
        "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
        "log2", "log10", "log1p", "expm1", "exp2", "reciprocal", "sinc", "floor", "ceil",
        "remainder", "arctan2", "hypot", "logaddexp", "logaddexp2", "fmax", "fmin",
        "prod", "var", "std", "cumsum", "cumprod",
        "dot", "inner", "outer", "tensordot", "einsum", "kron", "cross", "trace",
        "squeeze", "expand_dims", "ravel", "swapaxes", "moveaxis", "flip", "fliplr", "flipud",
        "rot90", "roll", "repeat", "tile", "pad", "diag", "diagonal", "triu", "tril", "sort",
        "atleast_1d", "atleast_2d", "atleast_3d", "diff", "split", "array_split", "hsplit",
        "vsplit", "hstack", "vstack", "column_stack"]},
    logit=lambda p: np.log(p) - np.log1p(-p),
    # the C library's erf, one element at a time (numpy has none)
    erf=lambda x: np.array([math.erf(v) for v in np.ravel(x)], dtype=x.dtype).reshape(x.shape),
    astype=lambda x, dtype: x.astype(dtype),
    sigmoid=lambda x: 1 / (1 + np.exp(-x)),
    relu=lambda x: np.maximum(x, 0),
    stop_gradient=lambda x: x,
    softmax=_softmax_reference,
    log_softmax=lambda x, axis=-1: np.log(_softmax_reference(x, axis)),
    logsumexp=_logsumexp_reference,
    conv2d=_conv2d_reference,
)


# -- drawing shapes and values -------------------------------------------------------
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)
TWO_SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)
THREE_SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)


def axes(ndim: int) -> st.SearchStrategy:
    """None, one axis (possibly negative) or a tuple of axes."""
    if ndim == 0:
        return st.none()
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                     hnp.valid_tuple_axes(ndim, min_size=1))


def smooth(rng, shape):
    """Any values: for ops smooth everywhere."""
    return rng.uniform(-2, 2, shape)


def positive(rng, shape):
    """Bases of log, sqrt and power."""
    return rng.uniform(0.5, 2, shape)


def nonzero(rng, shape):
    """Away from 0: the kink of abs and relu, the jump of sign, the pole of 1/x."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 1.5, shape)


def on_grid(rng, shape, offset=0.0):
    """Multiples of 0.3 (plus offset): two grids 0.15 apart never tie."""
    return rng.integers(-5, 6, shape) * 0.3 + offset


def distinct(rng, shape):
    """All different, at least 0.3 apart: max and min have one winner."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.3 - 0.15 * size).reshape(shape)


def small_integers(rng, shape):
    """Whole numbers as floats, so equal and not_equal see both outcomes."""
    return rng.integers(-2, 3, shape).astype(np.float64)


# -- the table ---------------------------------------------------------------------------
Make = Callable[[st.DataObject, np.random.Generator], tuple[list, Callable[..., object]]]


@dataclass(frozen=True)
class Case:
    """How to draw inputs for one op and how to call it."""

    make: Make
    gradient: str = "numeric"   # or "none": the op carries no gradient
    keeps_dtype: bool = True    # False: the op casts (astype)


def unary(name: str, values=smooth) -> Case:
    def make(data, rng):
        return [values(rng, data.draw(SHAPES))], lambda lib, x: getattr(lib, name)(x)
    return Case(make)


def binary(name: str, left=smooth, right=smooth, gradient="numeric") -> Case:
    def make(data, rng):
        a, b = data.draw(TWO_SHAPES).input_shapes
        return [left(rng, a), right(rng, b)], lambda lib, x, y: getattr(lib, name)(x, y)
    return Case(make, gradient)


def reduction(name: str, values=smooth) -> Case:
    def make(data, rng):
        shape = data.draw(SHAPES)
        axis = data.draw(axes(len(shape)))
        keepdims = data.draw(st.booleans())
        return [values(rng, shape)], lambda lib, x: getattr(lib, name)(x, axis=axis,
                                                                        keepdims=keepdims)
    return Case(make)


def along_axis(name: str) -> Case:
    def make(data, rng):
        shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
        axis = data.draw(st.integers(-len(shape), len(shape) - 1))
        return [smooth(rng, shape)], lambda lib, x: getattr(lib, name)(x, axis=axis)
    return Case(make)


def make_clip(data, rng):
    a_min, a_max = data.draw(st.sampled_from([(-0.5, 0.5), (None, 0.5), (-0.5, None)]))
    return [on_grid(rng, data.draw(SHAPES), 0.15)], lambda lib, x: lib.clip(x, a_min, a_max)


def make_where(data, rng):
    c, a, b = data.draw(THREE_SHAPES).input_shapes
    condition = rng.random(c) < 0.5
    return [condition, smooth(rng, a), smooth(rng, b)], lambda lib, c, x, y: lib.where(c, x, y)


def make_reshape(data, rng):
    shape = data.draw(SHAPES)
    size = int(np.prod(shape))
    target = data.draw(st.sampled_from([(size,), (-1,), tuple(reversed(shape)), (1, *shape),
                                        (size, 1), (-1, 1)]))
    return [smooth(rng, shape)], lambda lib, x: lib.reshape(x, target)


def make_transpose(data, rng):
    shape = data.draw(SHAPES)
    order = data.draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return [smooth(rng, shape)], lambda lib, x: lib.transpose(x, order)


def make_broadcast_to(data, rng):
    target = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    kept = data.draw(st.integers(0, len(target)))
    ones = data.draw(st.lists(st.booleans(), min_size=kept, max_size=kept))
    shape = tuple(1 if one else n for one, n in zip(ones, target[len(target) - kept:]))
    return [smooth(rng, shape)], lambda lib, x: lib.broadcast_to(x, target)


def make_concatenate(data, rng):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for n in lengths:
        part_shape = list(shape)
        part_shape[axis] = n
        parts.append(smooth(rng, tuple(part_shape)))
    return parts, lambda lib, *xs: lib.concatenate(list(xs), axis=axis)


def make_stack(data, rng):
    shape = data.draw(SHAPES)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    count = data.draw(st.integers(1, 3))
    return ([smooth(rng, shape) for _ in range(count)],
            lambda lib, *xs: lib.stack(list(xs), axis=axis))


def make_getitem(data, rng):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    kind = data.draw(st.sampled_from(["basic", "integers", "mask", "mixed"]))
    if kind == "basic":
        index = data.draw(hnp.basic_indices(shape, allow_newaxis=True))
    elif kind == "integers":  # repeated indices must add up
        index = rng.integers(-shape[0], shape[0], size=data.draw(st.integers(1, 5)))
    elif kind == "mask":
        index = rng.random(shape) < 0.5
    else:
        index = (slice(None), [0, 0]) if len(shape) > 1 else [0, -1, 0]
        if len(shape) > 1:
            index = (slice(None), rng.integers(0, shape[1], size=3))
    return [smooth(rng, shape)], lambda lib, x: x[index]


def make_matmul(data, rng):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(
        signature="(m?,k),(k,n?)->(m?,n?)", max_dims=4, max_side=3))
    a, b = shapes.input_shapes
    return [smooth(rng, a), smooth(rng, b)], lambda lib, x, y: lib.matmul(x, y)


def make_conv2d(data, rng):
    n, c, o = (data.draw(st.integers(1, 2)) for _ in range(3))
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride, padding = data.draw(st.integers(1, 2)), data.draw(st.integers(0, 1))
    height = data.draw(st.integers(max(1, kh - 2 * padding), kh + 3))
    width = data.draw(st.integers(max(1, kw - 2 * padding), kw + 3))
    return ([smooth(rng, (n, c, height, width)), smooth(rng, (o, c, kh, kw))],
            lambda lib, x, w: lib.conv2d(x, w, stride=stride, padding=padding))


CASES: dict[str, Case] = {
    "add": binary("add"),
    "subtract": binary("subtract"),
    "multiply": binary("multiply"),
    "divide": binary("divide", right=nonzero),
    "power": binary("power", left=positive),
    "maximum": binary("maximum", on_grid, lambda rng, shape: on_grid(rng, shape, 0.15)),
    "minimum": binary("minimum", on_grid, lambda rng, shape: on_grid(rng, shape, 0.15)),
    **{name: binary(name, small_integers, small_integers, gradient="none") for name in [
        "less", "less_equal", "greater", "greater_equal", "equal", "not_equal"]},
    "negative": unary("negative"),
    "exp": unary("exp"),
    "log": unary("log", positive),
    "sqrt": unary("sqrt", positive),
    "square": unary("square"),
    "abs": unary("abs", nonzero),
    "sin": unary("sin"),
    "cos": unary("cos"),
    "tanh": unary("tanh"),
    "sigmoid": unary("sigmoid"),
    "relu": unary("relu", nonzero),
    "sign": unary("sign", nonzero),
    "stop_gradient": Case(unary("stop_gradient").make, gradient="none"),
    "clip": Case(make_clip),
    "where": Case(make_where),
    "sum": reduction("sum"),
    "mean": reduction("mean"),
    "max": reduction("max", distinct),
    "min": reduction("min", distinct),
    "logsumexp": reduction("logsumexp"),
    "softmax": along_axis("softmax"),
    "log_softmax": along_axis("log_softmax"),
    "reshape": Case(make_reshape),
    "transpose": Case(make_transpose),
    "broadcast_to": Case(make_broadcast_to),
    "concatenate": Case(make_concatenate),
    "stack": Case(make_stack),
    "getitem": Case(make_getitem),
    "matmul": Case(make_matmul),
    "conv2d": Case(make_conv2d),
}


# -- the cases of the numpy-style ops ---------------------------------------------------
def between(low, high):
    """Values inside an op's domain (arcsin, arccosh, logit...)."""
    return lambda rng, shape: rng.uniform(low, high, shape)


def with_zeros(rng, shape):
    """Some entries exactly 0: prod and cumprod must stay exact there."""
    return np.where(rng.random(shape) < 0.3, 0.0, rng.uniform(-1.5, 1.5, shape))


def shaped(name: str, shapes=SHAPES, params=lambda data, shape: {}, values=smooth) -> Case:
    """A one-input op called as ``lib.name(x, **params)``, params drawn for x's shape."""
    def make(data, rng):
        shape = data.draw(shapes)
        kwargs = params(data, shape)
        return [values(rng, shape)], lambda lib, x: getattr(lib, name)(x, **kwargs)
    return Case(make)


def joined(name: str, part_shapes) -> Case:
    """A joining op called as ``lib.name([x0, x1, ...])``."""
    def make(data, rng):
        return ([smooth(rng, shape) for shape in part_shapes(data)],
                lambda lib, *xs: getattr(lib, name)(list(xs)))
    return Case(make)


AT_LEAST_1D = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)
AT_LEAST_2D = hnp.array_shapes(min_dims=2, max_dims=3, max_side=4)


def an_axis(data, ndim):
    return data.draw(st.integers(-ndim, ndim - 1))


def two_axes(data, ndim):
    first, second = data.draw(st.permutations(range(ndim)))[:2]
    return first - data.draw(st.sampled_from([0, ndim])), second


def make_var_std(name):
    def make(data, rng):
        shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
        axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                                   hnp.valid_tuple_axes(len(shape), min_size=1)))
        keepdims, ddof = data.draw(st.booleans()), data.draw(st.sampled_from([0, 1]))
        return [smooth(rng, shape)], lambda lib, x: getattr(lib, name)(
            x, axis=axis, keepdims=keepdims, ddof=ddof)
    return Case(make)


def running(name):
    def make(data, rng):
        shape = data.draw(SHAPES)
        axis = data.draw(st.none() if not shape else st.one_of(
            st.none(), st.integers(-len(shape), len(shape) - 1)))
        return [with_zeros(rng, shape)], lambda lib, x: getattr(lib, name)(x, axis=axis)
    return Case(make)


def make_weighted_logsumexp(data, rng):
    a, b = data.draw(TWO_SHAPES).input_shapes
    ndim = len(np.broadcast_shapes(a, b))
    axis, keepdims = data.draw(axes(ndim)), data.draw(st.booleans())
    return ([smooth(rng, a), positive(rng, b)],
            lambda lib, x, w: lib.logsumexp(x, axis=axis, keepdims=keepdims, b=w))


def make_dot(data, rng):
    k = data.draw(st.integers(1, 3))
    side = st.integers(1, 3)
    kind = data.draw(st.sampled_from(["scalar", "vectors", "matrices", "nd-vector", "nd-nd"]))
    if kind == "scalar":
        a, b = (), data.draw(SHAPES)
        if data.draw(st.booleans()):
            a, b = b, a
    elif kind == "vectors":
        a, b = (k,), (k,)
    elif kind == "matrices":
        a, b = (data.draw(side), k), (k, data.draw(side))
    elif kind == "nd-vector":
        a, b = (*data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)), k), (k,)
    else:
        a = (*data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)), k)
        b = (*data.draw(hnp.array_shapes(min_dims=0, max_dims=1, max_side=3)), k,
             data.draw(side))
    return [smooth(rng, a), smooth(rng, b)], lambda lib, x, y: lib.dot(x, y)


def make_inner(data, rng):
    k = data.draw(st.integers(1, 3))
    if data.draw(st.booleans()):
        a, b = (), data.draw(SHAPES)
    else:
        a = (*data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)), k)
        b = (*data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)), k)
    return [smooth(rng, a), smooth(rng, b)], lambda lib, x, y: lib.inner(x, y)


def make_tensordot(data, rng):
    shared = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    a_free = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    b_free = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    if data.draw(st.booleans()):   # axes=n: a's last n with b's first n
        return ([smooth(rng, a_free + shared), smooth(rng, shared + b_free)],
                lambda lib, x, y: lib.tensordot(x, y, axes=len(shared)))
    # axes as two lists, in a shuffled order on each side
    n = len(shared)
    a_order = data.draw(st.permutations(range(len(a_free) + n)))
    b_order = data.draw(st.permutations(range(len(b_free) + n)))
    a_shape, b_shape = [0] * len(a_order), [0] * len(b_order)
    for i, size in enumerate(a_free + shared):
        a_shape[a_order[i]] = size
    for i, size in enumerate(shared + b_free):
        b_shape[b_order[i]] = size
    pairs = ([a_order[len(a_free) + i] for i in range(n)], [b_order[i] for i in range(n)])
    return ([smooth(rng, tuple(a_shape)), smooth(rng, tuple(b_shape))],
            lambda lib, x, y: lib.tensordot(x, y, axes=pairs))


EINSUMS = ["ij,jk->ik", "ij,jk", "i,i->", "ii->i", "ii", "ij->ji", "ijk,ik->j", "i,j->ij",
           "ij,ij->ij", "iij->j", "ab,bc,cd->ad", "ij->", "ij->i", "i,i,i->i", "bij,bjk->bik",
           "ij,kl->ijkl",
           # the ellipsis: broadcast axes on the left, in the middle, on the right, summed
           "...ij,...jk->...ik", "...ij,...jk", "...i,...i->...", "j...k,lj...->lk...",
           "i...->...", "...k,...nk->...", "...,...->...", "...ii->...i"]


def make_einsum(data, rng):
    subscripts = data.draw(st.sampled_from(EINSUMS))
    sizes = {c: data.draw(st.integers(1, 3)) for c in "abcdijkln"}
    terms = subscripts.split("->")[0].split(",")
    # each operand's ellipsis: shapes that broadcast together (some of length 1, some fewer)
    batches = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=len(terms), max_dims=2,
                                                          max_side=3)).input_shapes
    shapes = []
    for term, batch in zip(terms, batches):
        left, dots, right = term.partition("...")
        shapes.append(tuple(sizes[c] for c in left) + (batch if dots else ()) +
                      tuple(sizes[c] for c in right))
    return ([smooth(rng, shape) for shape in shapes],
            lambda lib, *xs: lib.einsum(subscripts, *xs))


def make_cross(data, rng):
    a, b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                       max_side=3)).input_shapes
    return [smooth(rng, (*a, 3)), smooth(rng, (*b, 3))], lambda lib, x, y: lib.cross(x, y)


def diagonal_params(data, shape):
    axis1, axis2 = two_axes(data, len(shape))
    return {"offset": data.draw(st.integers(-2, 2)), "axis1": axis1, "axis2": axis2}


def squeeze_params(data, shape):
    ones = [i for i, n in enumerate(shape) if n == 1]
    if not ones or data.draw(st.booleans()):
        return {"axis": None}
    picked = data.draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
    return {"axis": picked[0] if len(picked) == 1 else tuple(picked)}


def rot90_params(data, shape):
    return {"k": data.draw(st.integers(-2, 3)), "axes": two_axes(data, len(shape))}


def repeat_params(data, shape):
    axis = data.draw(st.none() if not shape else st.one_of(st.none(), st.integers(
        -len(shape), len(shape) - 1)))
    if axis is not None and data.draw(st.booleans()):   # one count per entry along the axis
        return {"repeats": data.draw(st.lists(st.integers(0, 3), min_size=shape[axis],
                                              max_size=shape[axis])), "axis": axis}
    return {"repeats": data.draw(st.integers(1, 3)), "axis": axis}


def pad_params(data, shape):
    widths = st.integers(0, 2)
    pad_width = data.draw(st.one_of(widths, st.tuples(widths, widths),
                                    st.tuples(*[st.tuples(widths, widths) for _ in shape])))
    return {"pad_width": pad_width, "constant_values": data.draw(st.sampled_from([0, 1.5]))}


def make_diag(data, rng):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    k = data.draw(st.integers(-2, 2))
    return [smooth(rng, shape)], lambda lib, x: lib.diag(x, k)


def make_split(data, rng):
    function = data.draw(st.sampled_from(["split", "array_split", "hsplit", "vsplit"]))
    shape = data.draw(AT_LEAST_2D if function == "vsplit" else AT_LEAST_1D)
    axis = {"hsplit": 1 if len(shape) > 1 else 0, "vsplit": 0}.get(
        function, data.draw(st.integers(-len(shape), len(shape) - 1)))
    length = shape[axis]
    if function == "array_split":
        parts = data.draw(st.integers(1, 4))
    else:
        parts = data.draw(st.sampled_from([d for d in range(1, length + 1) if length % d == 0]))
    if data.draw(st.booleans()):   # cut at indices instead
        parts = sorted(data.draw(st.lists(st.integers(0, length), max_size=3)))
    count = len(parts) + 1 if isinstance(parts, list) else parts
    piece = data.draw(st.integers(0, count - 1))
    keyword = {} if function in ("hsplit", "vsplit") else {"axis": axis}
    return [smooth(rng, shape)], lambda lib, x: getattr(lib, function)(x, parts,
                                                                       **keyword)[piece]


def hstack_parts(data):
    shape = data.draw(AT_LEAST_1D)
    axis = 1 if len(shape) > 1 else 0
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    return [shape[:axis] + (n,) + shape[axis + 1:] for n in lengths]


def vstack_parts(data):
    shape = data.draw(AT_LEAST_1D)
    if len(shape) == 1:
        return [shape] * data.draw(st.integers(1, 3))
    return [(n,) + shape[1:] for n in data.draw(st.lists(st.integers(1, 3), min_size=1,
                                                          max_size=3))]


def column_stack_parts(data):
    rows = data.draw(st.integers(1, 3))
    return [data.draw(st.sampled_from([(rows,), (rows, data.draw(st.integers(1, 3)))]))
            for _ in range(data.draw(st.integers(1, 3)))]


def make_astype(data, rng):
    # to float64 only: a float32 result rounds away the 1e-6 steps of central differences
    return [smooth(rng, data.draw(SHAPES))], lambda lib, x: lib.astype(x, "float64")


def make_copy(data, rng):
    return [smooth(rng, data.draw(SHAPES))], lambda lib, x: x.copy()


def _assign_first_rows(lib, x, v):
    y = x.copy()
    y[:1] = v    # recorded as setitem on a tensor
    return y


def make_setitem(data, rng):
    shape = data.draw(AT_LEAST_1D)
    value_shape = data.draw(st.sampled_from([shape[1:], (1, *shape[1:])]))
    return [smooth(rng, shape), smooth(rng, value_shape)], _assign_first_rows


def axis_or_none(data, shape):
    return {"axis": data.draw(st.none() if not shape else st.one_of(
        st.none(), st.integers(-len(shape), len(shape) - 1)))}


NUMPY_STYLE_CASES: dict[str, Case] = {
    **{name: unary(name) for name in ["sinh", "cosh", "arctan", "arcsinh", "expm1", "exp2",
                                      "sinc"]},
    "tan": unary("tan", between(-1.2, 1.2)),
    "arcsin": unary("arcsin", between(-0.8, 0.8)),
    "arccos": unary("arccos", between(-0.8, 0.8)),
    "arctanh": unary("arctanh", between(-0.8, 0.8)),
    "arccosh": unary("arccosh", between(1.2, 3)),
    "log2": unary("log2", positive),
    "log10": unary("log10", positive),
    "log1p": unary("log1p", between(-0.5, 2)),
    "reciprocal": unary("reciprocal", nonzero),
    "logit": unary("logit", between(0.1, 0.9)),
    "erf": unary("erf"),
    "floor": unary("floor", lambda rng, shape: on_grid(rng, shape, 0.15)),
    "ceil": unary("ceil", lambda rng, shape: on_grid(rng, shape, 0.15)),
    "remainder": binary("remainder", right=nonzero),
    "arctan2": binary("arctan2", nonzero, nonzero),
    "hypot": binary("hypot", nonzero, nonzero),
    "logaddexp": binary("logaddexp"),
    "logaddexp2": binary("logaddexp2"),
    "fmax": binary("fmax", on_grid, lambda rng, shape: on_grid(rng, shape, 0.15)),
    "fmin": binary("fmin", on_grid, lambda rng, shape: on_grid(rng, shape, 0.15)),
    "prod": reduction("prod", with_zeros),
    "var": make_var_std("var"),
    "std": make_var_std("std"),
    "cumsum": running("cumsum"),
    "cumprod": running("cumprod"),
    "weighted_logsumexp": Case(make_weighted_logsumexp),
    "dot": Case(make_dot),
    "inner": Case(make_inner),
    "outer": binary("outer"),
    "tensordot": Case(make_tensordot),
    "einsum": Case(make_einsum),
    "kron": Case(lambda data, rng: ([smooth(rng, data.draw(SHAPES)),
                                     smooth(rng, data.draw(SHAPES))],
                                    lambda lib, x, y: lib.kron(x, y))),
    "cross": Case(make_cross),
    "trace": shaped("trace", AT_LEAST_2D, diagonal_params),
    "squeeze": shaped("squeeze", hnp.array_shapes(min_dims=0, max_dims=3, max_side=2),
                      squeeze_params),
    "expand_dims": shaped("expand_dims", params=lambda data, shape: {
        "axis": data.draw(st.integers(-len(shape) - 1, len(shape)))}),
    "ravel": shaped("ravel"),
    "swapaxes": shaped("swapaxes", AT_LEAST_1D, lambda data, shape: {
        "axis1": an_axis(data, len(shape)), "axis2": an_axis(data, len(shape))}),
    "moveaxis": shaped("moveaxis", AT_LEAST_1D, lambda data, shape: {
        "source": an_axis(data, len(shape)), "destination": an_axis(data, len(shape))}),
    "flip": shaped("flip", params=lambda data, shape: {"axis": data.draw(axes(len(shape)))}),
    "fliplr": shaped("fliplr", AT_LEAST_2D),
    "flipud": shaped("flipud", AT_LEAST_1D),
    "rot90": shaped("rot90", AT_LEAST_2D, rot90_params),
    "roll": shaped("roll", params=lambda data, shape: {
        "shift": data.draw(st.integers(-3, 3)), **axis_or_none(data, shape)}),
    "repeat": shaped("repeat", params=repeat_params),
    "tile": shaped("tile", params=lambda data, shape: {"reps": data.draw(st.one_of(
        st.integers(1, 2), st.lists(st.integers(1, 2), min_size=1, max_size=3).map(tuple)))}),
    "pad": shaped("pad", AT_LEAST_1D, pad_params),
    "diag": Case(make_diag),
    "diagonal": shaped("diagonal", AT_LEAST_2D, diagonal_params),
    "triu": shaped("triu", AT_LEAST_2D, lambda data, shape: {"k": data.draw(
        st.integers(-2, 2))}),
    "tril": shaped("tril", AT_LEAST_2D, lambda data, shape: {"k": data.draw(
        st.integers(-2, 2))}),
    "sort": shaped("sort", AT_LEAST_1D, axis_or_none, values=distinct),
    "atleast_1d": shaped("atleast_1d"),
    "atleast_2d": shaped("atleast_2d"),
    "atleast_3d": shaped("atleast_3d"),
    "diff": shaped("diff", AT_LEAST_1D, lambda data, shape: {
        "n": data.draw(st.integers(1, 2)), "axis": an_axis(data, len(shape))}),
    "split": Case(make_split),
    "hstack": joined("hstack", hstack_parts),
    "vstack": joined("vstack", vstack_parts),
    "column_stack": joined("column_stack", column_stack_parts),
    "astype": Case(make_astype, keeps_dtype=False),
    "copy": Case(make_copy),
    "setitem": Case(make_setitem),
}
CASES.update(NUMPY_STYLE_CASES)


# -- the cases of np.linalg, scipy's functions and more numpy ------------------------------
def scipy_like(lib):
    """scipy itself for the reference, vizgrad.scipy for vizgrad."""
    if lib is vg:
        return vizgrad.scipy
    import scipy.signal
    import scipy.special
    import scipy.stats
    return scipy


def numpy_call(function, values=smooth) -> Case:
    """A one-input op called through numpy, on arrays and on tensors alike."""
    def make(data, rng):
        return [values(rng, data.draw(SHAPES))], lambda lib, x: function(x)
    return Case(make)


def well_conditioned(rng, shape):
    """Square matrices far from singular: a random part plus twice the identity."""
    return smooth(rng, shape) * 0.5 + 2 * np.eye(shape[-1])


SQUARE = st.tuples(hnp.array_shapes(min_dims=0, max_dims=2, max_side=2),
                   st.integers(1, 3)).map(lambda t: (*t[0], t[1], t[1]))


def make_matrix_function(function, values=well_conditioned):
    def make(data, rng):
        return [values(rng, data.draw(SQUARE))], lambda lib, x: function(x)
    return Case(make)


def make_solve(data, rng):
    a = data.draw(SQUARE)
    n = a[-1]
    if data.draw(st.booleans()):
        b = (n,)
    else:   # stacks of matrices broadcast against a's stack
        batch = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=2))
        b = (*batch, n, data.draw(st.integers(1, 3)))
        if len(batch) and len(a) > 2:
            b = (*a[:-2], n, b[-1])
    return [well_conditioned(rng, a), smooth(rng, b)], lambda lib, x, y: np.linalg.solve(x, y)


def make_cholesky(data, rng):
    shape = data.draw(SQUARE)
    # any x gives the positive-definite x·xᵀ + I: every move of x is a symmetric move of it
    return [smooth(rng, shape)], lambda lib, x: np.linalg.cholesky(
        x @ np.swapaxes(x, -1, -2) + np.eye(shape[-1], dtype=x.dtype))


def spread_symmetric(x):
    """A symmetric matrix from any square x, its eigenvalues kept apart (about 3, 6, 9...):
    eigenvector gradients divide by their gaps."""
    n = x.shape[-1]
    spread = np.diag(3.0 * np.arange(1, n + 1)).astype(x.dtype)
    return 0.2 * (x + np.swapaxes(x, -1, -2)) + spread


def make_eigh(part):
    def make(data, rng):
        uplo = data.draw(st.sampled_from(["L", "U"]))
        if part == "values":
            return [smooth(rng, data.draw(SQUARE))], lambda lib, x: np.linalg.eigvalsh(
                spread_symmetric(x), UPLO=uplo)
        # eigenvectors are defined up to sign: their squares are not
        return [smooth(rng, data.draw(SQUARE))], lambda lib, x: np.linalg.eigh(
            spread_symmetric(x), UPLO=uplo)[1] ** 2
    return make


MATRICES = st.tuples(hnp.array_shapes(min_dims=0, max_dims=1, max_side=2),
                     st.integers(1, 3), st.integers(1, 3)).map(lambda t: (*t[0], t[1], t[2]))


def spread_singular(x):
    """x made far from rank-deficient, its singular values kept apart (about 3, 6, 9...)."""
    m, n = x.shape[-2:]
    return 0.3 * x + (np.eye(m, n) * 3.0 * np.arange(1, n + 1)).astype(x.dtype)


def make_svd(part):
    def make(data, rng):
        if part == 1:
            return [smooth(rng, data.draw(MATRICES))], lambda lib, x: np.linalg.svd(
                spread_singular(x), compute_uv=False)
        # U's columns and Vh's rows are defined up to sign: their squares are not
        return [smooth(rng, data.draw(MATRICES))], lambda lib, x: np.linalg.svd(
            spread_singular(x), full_matrices=False)[part] ** 2
    return make


def with_specials(rng, shape):
    """Finite values with some NaN and ±inf among them."""
    specials = rng.choice([np.nan, np.inf, -np.inf], shape)
    return np.where(rng.random(shape) < 0.3, specials, smooth(rng, shape))


def make_partition(data, rng):
    shape = data.draw(AT_LEAST_1D)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    length = int(np.prod(shape)) if axis is None else shape[axis]
    kth = data.draw(st.one_of(st.integers(-length, length - 1),
                              st.lists(st.integers(0, length - 1), min_size=1, max_size=2)))
    return [distinct(rng, shape)], lambda lib, x: np.partition(x, kth, axis=axis)


def make_gradient(data, rng):
    edge_order = data.draw(st.sampled_from([1, 2]))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=edge_order + 1,
                                       max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    spacing = data.draw(st.sampled_from(["none", "number", "coordinates"]))
    given = {"none": [], "number": [0.7],
             "coordinates": [np.cumsum(rng.uniform(0.5, 1.5, shape[axis]))]}[spacing]
    return [smooth(rng, shape)], lambda lib, x: np.gradient(x, *given, axis=axis,
                                                            edge_order=edge_order)


def make_linspace(data, rng):
    start, stop = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                              max_side=3)).input_shapes
    num, endpoint = data.draw(st.integers(0, 5)), data.draw(st.booleans())
    ndim = len(np.broadcast_shapes(start, stop)) + 1
    axis = data.draw(st.integers(-ndim, ndim - 1))
    return [smooth(rng, start), smooth(rng, stop)], lambda lib, a, b: np.linspace(
        a, b, num, endpoint=endpoint, axis=axis)


def make_gammaln(data, rng):
    shape = data.draw(SHAPES)
    # positive, and negative between the poles at the integers
    values = np.where(rng.random(shape) < 0.7, rng.uniform(0.2, 6, shape),
                      rng.integers(-3, 0, shape) + rng.uniform(0.2, 0.8, shape))
    return [values], lambda lib, x: scipy_like(lib).special.gammaln(x)


def make_polygamma(data, rng):
    n = data.draw(st.integers(0, 2))
    values = rng.uniform(0.3, 25, data.draw(SHAPES))
    return [values], lambda lib, x: scipy_like(lib).special.polygamma(n, x)


def make_norm(name):
    def make(data, rng):
        x, loc, scale = data.draw(THREE_SHAPES).input_shapes
        return ([smooth(rng, x), smooth(rng, loc), positive(rng, scale)],
                lambda lib, a, b, c: getattr(scipy_like(lib).stats.norm, name)(a, b, c))
    return Case(make)


def convolve_with_axes(lib, x, w, mode):
    """autograd's convnet layer: images (n, c, h, w) with filters (c, o, kh, kw)."""
    if lib is vg:
        function = vizgrad.scipy.signal.convolve
    else:   # autograd's own convolve on arrays is the reference (scipy has no axes)
        from autograd.scipy.signal import convolve as function
    return function(x, w, axes=([2, 3], [2, 3]), dot_axes=([1], [0]), mode=mode)


def make_convolve(data, rng):
    ndim = data.draw(st.integers(1, 2))
    mode = data.draw(st.sampled_from(["full", "valid", "same"]))
    if mode != "same" and data.draw(st.booleans()):
        n, c, o = (data.draw(st.integers(1, 2)) for _ in range(3))
        height, width = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        kh, kw = data.draw(st.integers(1, height)), data.draw(st.integers(1, width))
        return ([smooth(rng, (n, c, height, width)), smooth(rng, (c, o, kh, kw))],
                lambda lib, x, w: convolve_with_axes(lib, x, w, mode))
    big = [data.draw(st.integers(1, 5)) for _ in range(ndim)]
    small = [data.draw(st.integers(1, n)) for n in big]
    a, b = (big, small) if data.draw(st.booleans()) else (small, big)
    if mode != "valid":   # full and same take any pair of sizes
        b = [data.draw(st.integers(1, 4)) for _ in range(ndim)]
    return ([smooth(rng, tuple(a)), smooth(rng, tuple(b))],
            lambda lib, x, y: scipy_like(lib).signal.convolve(x, y, mode=mode))


def make_mvn_logpdf(data, rng):
    dim = data.draw(st.integers(1, 3))
    points = data.draw(st.sampled_from([(), (data.draw(st.integers(1, 3)),)]))
    # any m gives the positive-definite m·mᵀ + I: every move of m is a symmetric move of cov
    return ([smooth(rng, (*points, dim)), smooth(rng, (dim,)), smooth(rng, (dim, dim))],
            lambda lib, x, mean, m: scipy_like(lib).stats.multivariate_normal.logpdf(
                x, mean, m @ np.swapaxes(m, -1, -2) + np.eye(dim, dtype=m.dtype)))


MORE_CASES: dict[str, Case] = {
    "rad2deg": numpy_call(np.rad2deg),
    "deg2rad": numpy_call(np.radians),
    "nan_to_num": numpy_call(lambda x: np.nan_to_num(x, nan=1.5, posinf=5.0, neginf=-5.0),
                             with_specials),
    "partition": Case(make_partition),
    "np_gradient": Case(make_gradient),
    "linspace": Case(make_linspace),
    "inv": make_matrix_function(np.linalg.inv),
    "solve": Case(make_solve),
    "det": make_matrix_function(np.linalg.det, smooth),
    "slogdet": make_matrix_function(lambda x: np.linalg.slogdet(x)[1]),
    "cholesky": Case(make_cholesky),
    "eigvalsh": Case(make_eigh("values")),
    "eigh_vectors": Case(make_eigh("vectors")),
    "svd_u": Case(make_svd(0)),
    "svdvals": Case(make_svd(1)),
    "svd_vh": Case(make_svd(2)),
    "gammaln": Case(make_gammaln),
    "polygamma": Case(make_polygamma),
    "norm_logpdf": make_norm("logpdf"),
    "norm_pdf": make_norm("pdf"),
    "norm_cdf": make_norm("cdf"),
    "convolve": Case(make_convolve),
    "mvn_logpdf": Case(make_mvn_logpdf),
}
CASES.update(MORE_CASES)


# -- copy and item assignment, as numpy code writes them ------------------------------------------
def make_setitem(data, rng):
    shape = data.draw(AT_LEAST_1D)
    kind = data.draw(st.sampled_from(["basic", "integers", "mask"]))
    if kind == "basic":
        index = data.draw(hnp.basic_indices(shape))
    elif kind == "integers":   # each entry once: a repeated one would be written twice
        index = rng.permutation(shape[0])[:data.draw(st.integers(1, shape[0]))]
    else:
        index = rng.random(shape) < 0.5
    target = np.empty(shape)[index].shape
    value = data.draw(st.sampled_from([target, target[1:], ()]))

    def call(lib, x, v):
        y = x.copy()
        y[index] = v
        return y * x   # the old values still count where they were not overwritten
    return [smooth(rng, shape), smooth(rng, value)], call


CASES.update({
    "copy": Case(lambda data, rng: ([smooth(rng, data.draw(SHAPES))], lambda lib, x: x.copy())),
    "setitem": Case(make_setitem),
})


def test_every_op_in_the_table_has_a_case():
    assert set(CASES) == set(vg.ops.OPS), "add a case for each new op (and drop old ones)"


# -- the check ---------------------------------------------------------------------------
def numeric_gradient(call, arrays, position, direction, eps=1e-6):
    """d sum(direction · call(arrays)) / d arrays[position], by central differences."""
    def projected(values):
        with vg.no_grad():
            out = call(vg, *[vg.tensor(v) for v in values])
        return float(np.sum(out.numpy() * direction))

    grad = np.zeros(arrays[position].shape)
    for index in np.ndindex(*grad.shape):
        plus, minus = list(arrays), list(arrays)
        plus[position] = arrays[position].copy()
        minus[position] = arrays[position].copy()
        plus[position][index] += eps
        minus[position][index] -= eps
        grad[index] = (projected(plus) - projected(minus)) / (2 * eps)
    return grad


TOLERANCE = {np.float64: {"rtol": 1e-5, "atol": 1e-6},
             np.float32: {"rtol": 2e-3, "atol": 2e-4}}


def drawn_case(name: str, data: st.DataObject, dtype: type = np.float64) -> tuple:
    """(rng, arrays, call, floats) of ``CASES[name]`` drawn by hypothesis: its float inputs
    as ``dtype``, ``floats`` their positions."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    arrays, call = CASES[name].make(data, rng)
    arrays = [np.asarray(a, dtype if np.asarray(a).dtype.kind == "f" else None) for a in arrays]
    return rng, arrays, call, [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_op_matches_numpy_and_central_differences(name, dtype, data):
    rng, arrays, call, floats = drawn_case(name, data, dtype)
    inputs = [vg.tensor(a, name=f"x{i}") for i, a in enumerate(arrays)]

    y = call(vg, *inputs)
    expected = np.asarray(call(REFERENCE, *arrays))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, **TOLERANCE[dtype])

    if CASES[name].gradient == "none":
        assert not y.requires_grad
        if y.dtype.kind == "f":   # stop_gradient: the values pass, the gradient does not
            assert y.dtype == dtype
            assert vg.gradients(y, inputs) == [None]
        else:                     # comparisons: boolean, and nothing flows back through them
            assert y.dtype == np.bool_
            assert vg.gradients(y * 1.0, inputs) == [None, None]
        return

    assert y.dtype == (dtype if CASES[name].keeps_dtype else expected.dtype)
    direction = rng.uniform(0.5, 1.5, y.shape)
    analytic = vg.gradients(y, [inputs[i] for i in floats], grad_ys=direction.astype(dtype))
    as_float64 = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    for i, g in zip(floats, analytic):
        numeric = numeric_gradient(call, as_float64, i, direction)
        assert g is not None, f"no gradient reached input {i}"
        assert g.shape == arrays[i].shape and g.dtype == dtype
        np.testing.assert_allclose(g.numpy(), numeric, **TOLERANCE[dtype],
                                   err_msg=f"gradient of input {i}")


# -- second derivatives: the rules are differentiable ----------------------------------------
def weighted_first_derivative(call, values, floats, direction, weights, create_graph):
    """Σ_i weights_i · d(direction · call(values))/d values_i, and the input tensors."""
    inputs = [vg.tensor(v) for v in values]
    y = call(vg, *inputs)
    firsts = vg.gradients(y, [inputs[i] for i in floats], grad_ys=direction,
                          unconnected_gradients="zero", create_graph=create_graph)
    total = vg.tensor(0.0)
    for g, w in zip(firsts, weights):
        total = total + (g * w).sum()
    return inputs, total


SECOND_ORDER = sorted(name for name, case in CASES.items() if case.gradient != "none")


@pytest.mark.parametrize("name", SECOND_ORDER)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_second_derivative_matches_central_differences_of_the_first(name, data):
    rng, arrays, call, floats = drawn_case(name, data)
    with vg.no_grad():
        shape = call(vg, *[vg.tensor(a) for a in arrays]).shape
    direction = rng.uniform(0.5, 1.5, shape)
    weights = [rng.uniform(0.5, 1.5, arrays[i].shape) for i in floats]

    inputs, total = weighted_first_derivative(call, arrays, floats, direction, weights, True)
    with warnings.catch_warnings():   # a linear op's second derivative is zero by design
        warnings.simplefilter("ignore", vg.UnconnectedGradientWarning)
        seconds = vg.gradients(total, [inputs[i] for i in floats], unconnected_gradients="zero")

    def numeric_total(values):
        return weighted_first_derivative(call, values, floats, direction, weights,
                                         False)[1].item()

    eps = 1e-5
    for i, second in zip(floats, seconds):
        numeric = np.zeros(arrays[i].shape)
        for index in np.ndindex(*numeric.shape):
            plus, minus = list(arrays), list(arrays)
            plus[i], minus[i] = arrays[i].copy(), arrays[i].copy()
            plus[i][index] += eps
            minus[i][index] -= eps
            numeric[index] = (numeric_total(plus) - numeric_total(minus)) / (2 * eps)
        assert second.shape == arrays[i].shape
        np.testing.assert_allclose(second.numpy(), numeric, rtol=1e-4, atol=1e-5,
                                   err_msg=f"second derivative of input {i}")


# -- vizgrad.scipy beyond single ops -------------------------------------------------------------
def test_scipy_functions_on_arrays_give_scipys_values_and_on_tensors_record():
    import scipy.signal
    import scipy.special
    import scipy.stats

    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((2, 2))
    points, mean = rng.standard_normal((5, 3)), rng.standard_normal(3)
    factor = rng.standard_normal((3, 3))
    cov = factor @ factor.T + np.eye(3)
    calls = [
        lambda lib: lib.special.logsumexp(x, axis=1, keepdims=True, b=np.exp(x)),
        lambda lib: lib.special.expit(x), lambda lib: lib.special.gammaln(np.abs(x) + 0.1),
        lambda lib: lib.special.erf(x), lambda lib: lib.special.logit(1 / (1 + np.exp(x))),
        lambda lib: lib.stats.norm.logpdf(x, 0.3, 1.7), lambda lib: lib.stats.norm.cdf(-9.0),
        lambda lib: lib.stats.multivariate_normal.logpdf(points, mean, cov),
        lambda lib: lib.stats.multivariate_normal.logpdf(points[0], mean, cov),
        lambda lib: lib.stats.multivariate_normal.logpdf(x[0, :2], 0.5, 2.0),
        lambda lib: lib.stats.multivariate_normal.pdf(points, mean, cov),
        lambda lib: lib.signal.convolve(x, w, mode="same"),
        lambda lib: lib.special.expit(np.array([0, 1])),   # whole numbers give floats
        lambda lib: lib.signal.convolve([1, 2], [1, 1]),   # and stay whole here, as in scipy
    ]
    for call in calls:
        got, expected = call(vizgrad.scipy), call(scipy)
        assert not isinstance(got, vg.Tensor) and np.shape(got) == np.shape(expected)
        assert np.asarray(got).dtype == np.asarray(expected).dtype
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-300)
    # the same multivariate normal on tensors: recorded, and the gradient of the mean is the
    # textbook one, Σ cov⁻¹ (x − μ) over the points
    mean_t = vg.Variable(mean, name="mean")
    density = vizgrad.scipy.stats.multivariate_normal.logpdf(points, mean_t, cov)
    assert density.requires_grad and density.shape == (5,)
    [grad] = vg.gradients(vg.sum(density), [mean_t])
    np.testing.assert_allclose(grad.numpy(), np.linalg.solve(cov, (points - mean).sum(0)))


@pytest.mark.parametrize("call, error, words", [
    (lambda: np.linalg.inv(vg.Variable([[1., 2.], [2., 4.]], name="A")), vg.ShapeError,
     "'A' .*Singular matrix. Fix: .*invertible"),
    (lambda: np.linalg.cholesky(vg.Variable([[1., 2.], [2., 1.]], name="S")), vg.ShapeError,
     "'S' .*not positive definite. Fix: give symmetric positive-definite"),
    (lambda: vizgrad.scipy.signal.convolve(vg.Variable(np.ones((3, 2)), name="a"),
                                           np.ones((2, 3)), mode="valid"), vg.ShapeError,
     "'a' .*must fit inside the other"),
    (lambda: vizgrad.scipy.signal.convolve(vg.Variable([1.]), [1.], mode="circular"),
     vg.ArgumentError, "mode 'full', 'valid' or 'same'"),
    (lambda: vizgrad.scipy.special.polygamma(-1, vg.Variable(1.)), vg.ArgumentError,
     "whole number n >= 0"),
    (lambda: vizgrad.scipy.stats.multivariate_normal.logpdf(vg.Variable([1., 2., 3.]),
                                                             [0., 0.], np.eye(2)),
     vg.ShapeError, "3 coordinates but cov is 2×2; fix"),
    (lambda: np.select([vg.Variable([1., 0.])], [vg.Variable([1., 2.])]), vg.ArgumentError,
     "boolean conditions"),
    (lambda: np.rollaxis(vg.Variable(np.ones((2, 3))), 5), vg.ShapeError, "axis in \\[-2, 1\\]"),
    (lambda: np.gradient(vg.Variable([1.])), vg.ShapeError, "edge_order \\+ 1 entries"),
    (lambda: np.gradient(vg.Variable([1., 2.]), vg.Variable(1.)), vg.ArgumentError,
     "spacing as numbers"),
])
def test_bad_inputs_to_the_new_functions_are_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_np_gradient_of_a_trainable_tensor_is_never_taken_for_a_gradient_result():
    # vg.gradients' results are plain first-order values; np.gradient's output is not one
    w = vg.Variable([1.0, 2.0, 4.0], name="w")
    with pytest.raises(vg.ConversionError, match="np_gradient"):
        np.asarray(np.gradient(w))
