"""Every op in the table: forward values against numpy, gradients against central differences.

Each case draws shapes with hypothesis (broadcasting ones where the op broadcasts)
and values from a numpy generator seeded by hypothesis, kept away from kinks and
ties (no abs at 0, no two equal candidates for a max, positive bases for log).
A case is written once, as ``call(lib, *inputs)``: with ``lib=vg`` it builds the
recorded op, with ``lib=REFERENCE`` it computes the expected values in numpy.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vizgrad as vg


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


REFERENCE = types.SimpleNamespace(
    **{name: getattr(np, name) for name in [
        "add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "less",
        "less_equal", "greater", "greater_equal", "equal", "not_equal", "negative", "exp",
        "log", "sqrt", "square", "abs", "sin", "cos", "tanh", "sign", "sum", "mean", "max",
        "min", "reshape", "transpose", "broadcast_to", "concatenate", "stack", "where",
        "clip", "matmul"]},
    sigmoid=lambda x: 1 / (1 + np.exp(-x)),
    relu=lambda x: np.maximum(x, 0),
    stop_gradient=lambda x: x,
    softmax=_softmax_reference,
    log_softmax=lambda x, axis=-1: np.log(_softmax_reference(x, axis)),
    logsumexp=lambda x, axis=None, keepdims=False: np.log(
        np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_op_matches_numpy_and_central_differences(name, dtype, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    arrays, call = CASES[name].make(data, rng)
    arrays = [np.asarray(a, dtype if np.asarray(a).dtype.kind == "f" else None) for a in arrays]
    inputs = [vg.tensor(a, name=f"x{i}") for i, a in enumerate(arrays)]
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]

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

    assert y.dtype == dtype
    direction = rng.uniform(0.5, 1.5, y.shape)
    analytic = vg.gradients(y, [inputs[i] for i in floats], grad_ys=direction.astype(dtype))
    as_float64 = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    for i, g in zip(floats, analytic):
        numeric = numeric_gradient(call, as_float64, i, direction)
        assert g is not None, f"no gradient reached input {i}"
        assert g.shape == arrays[i].shape and g.dtype == dtype
        np.testing.assert_allclose(g.numpy(), numeric, **TOLERANCE[dtype],
                                   err_msg=f"gradient of input {i}")
