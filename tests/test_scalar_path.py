"""Scalar code runs on Python floats: same values, gradients, drawings and words as numpy's path."""

import math
from contextlib import contextmanager

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.core.ops import OPS


@contextmanager
def numpy_only():
    """Every op without its float form: scalar code computed as before the float path."""
    kept = {op: (op.scalar, op.scalar_rules) for op in OPS.values() if op.scalar is not None}
    try:
        for op in kept:
            object.__setattr__(op, "scalar", None)  # Op is frozen: its fields are the table
            object.__setattr__(op, "scalar_rules", None)
        yield
    finally:
        for op, (scalar, rules) in kept.items():
            object.__setattr__(op, "scalar", scalar)
            object.__setattr__(op, "scalar_rules", rules)


def micrograd_style():
    """A neuron of scalar ops with every op the float path knows, and its backward pass."""
    x1, x2 = vg.Variable(2.0, name="x1"), vg.Variable(-0.5, name="x2")
    w1, w2 = vg.Variable(-3.0, name="w1"), vg.Variable(1.5, name="w2")
    b = vg.Variable(6.9, name="b")
    n = x1 * w1 + x2 * w2 + b
    o = vg.tanh(n) - vg.sigmoid(n / 4) + vg.relu(-n) * 2 + vg.exp(-n * n) + vg.log(n * n)
    o = o + vg.sin(x1) * vg.cos(x2) + vg.sqrt(b) + vg.square(w2) + (x1 ** 3) / w2 - (-x2)
    o.backward()
    return o, [x1, x2, w1, w2, b]


def drawing_of(o):
    g = vg.graph(o)
    return [g.to_dot(step) for step in range(len(g.steps))], [s.lines for s in g.steps]


def test_scalar_ops_run_on_floats_and_keep_every_value_gradient_drawing_and_word():
    o, leaves = micrograd_style()
    assert o._float is not None  # the float path was taken
    grads, dots, words = [x.grad for x in leaves], *drawing_of(o)
    with numpy_only():
        o2, leaves2 = micrograd_style()
        assert o2._float is None
        dots2, words2 = drawing_of(o2)
    np.testing.assert_allclose(float(o.data), float(o2.data), rtol=1e-14)
    np.testing.assert_allclose(grads, [x.grad for x in leaves2], rtol=1e-13)
    assert dots == dots2
    assert words == words2
    assert all(type(x.grad) is np.ndarray and x.grad.dtype == np.float64 for x in leaves)


def test_float_path_gradients_match_central_differences():
    def f(v):
        x = vg.Variable(v)
        y = vg.tanh(x * 0.7 + 0.1) * vg.exp(-x) / (1 + x * x) + vg.relu(x) ** 2.5
        y = y + (x * x + 1) ** (x * 0.5)  # an exponent that needs its gradient: numpy's rule
        return x, y

    for v in (-1.3, 0.4, 2.2):
        x, y = f(v)
        y.backward()
        h = 1e-6
        numeric = (f(v + h)[1].item() - f(v - h)[1].item()) / (2 * h)
        assert math.isclose(x.grad.item(), numeric, rel_tol=1e-6, abs_tol=1e-9)


def test_what_floats_do_differently_keeps_numpys_values_and_warnings():
    x, zero = vg.Variable(1.0, name="x"), vg.constant(0.0, name="zero")
    with pytest.warns(RuntimeWarning):
        inf = x / zero               # Python floats raise ZeroDivisionError here
    assert inf.item() == math.inf and inf._float is None
    with pytest.warns(RuntimeWarning):
        nan = vg.log(vg.constant(-1.0))
    assert math.isnan(nan.item())
    with pytest.warns(RuntimeWarning):
        root = vg.constant(-8.0) ** vg.constant(1 / 3)   # floats give a complex number
    assert math.isnan(root.item()) and root.dtype == np.float64
    assert vg.relu(vg.constant(-0.0)).item() == 0.0 and math.copysign(1, vg.relu(
        vg.constant(-0.0)).item()) == 1  # numpy's maximum(-0.0, 0) is +0.0


def test_a_gradient_that_overflows_on_floats_takes_numpys_path():
    x = vg.Variable(1e-300, name="x")
    z = vg.log(x) * 1e300            # ∂z/∂x = 1e300 / 1e-300: past the largest float
    assert z._float is not None
    with pytest.warns(RuntimeWarning):
        z.backward()
    assert x.grad.item() == math.inf
    assert vg.graph(z).find("x").grad == "inf"


def test_float_path_is_not_taken_for_other_dtypes_and_shapes():
    assert (vg.Variable(np.float32(1.5)) * 2)._float is None
    assert (vg.Variable([1.5]) * 2)._float is None
    y = vg.Variable(np.float32(1.5)) * vg.Variable(2.0)    # float32 · float64 = float64
    assert y._float is None and y.dtype == np.float64

