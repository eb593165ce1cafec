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



def test_a_float_path_result_reads_as_an_array_wherever_an_array_is_asked_for():
    x = vg.Variable(2.0, name="x")
    y = x * 3.0
    assert y._float is not None
    assert y.shape == () and y.dtype == np.float64 and y.item() == 6.0 and float(y) == 6.0
    data = y.data
    assert isinstance(data, np.ndarray) and data.dtype == np.float64 and float(data) == 6.0
    with pytest.raises(vg.InPlaceError):
        data[...] = 1.0                     # read-only, as an array result's .data is
    with pytest.raises(vg.VizgradError, match="gradient"):
        np.asarray(y)                       # it carries x's gradient: refused, as on numpy's path
    assert np.asarray(vg.constant(2.0) * 3.0).tolist() == 6.0
    assert repr(y) == "tensor(6., requires_grad=True, op='multiply')"
    y.backward()
    assert type(x.grad) is np.ndarray and x.grad.dtype == np.float64 and x.grad.item() == 3.0


def test_a_float_path_result_mixes_into_array_ops_with_the_gradient_of_numpys_path():
    def run():
        x = vg.Variable(0.7, name="x")
        v = vg.constant([1.0, -2.0, 4.0])
        s = vg.tanh(x * 2.0)                      # 0-d, on floats when they are on
        z = (s * v + vg.stack([s, s * s, x])).sum() * s
        z.backward()
        return z.item(), x.grad
    value, grad = run()
    with numpy_only():
        expected_value, expected_grad = run()
    assert value == pytest.approx(expected_value, rel=1e-14)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-13)


def test_zero_d_float32_and_integer_tensors_keep_their_dtype():
    h = vg.Variable(np.float32(1.5))
    assert (h * 2.0).dtype == np.float32 and (2.0 * h).dtype == np.float32
    assert (h * vg.constant(2.0)).dtype == np.float64    # two 0-d tensors: numpy 2 promotes
    assert (vg.constant(np.float32(1.0)) + 1).dtype == np.float32
    assert (vg.constant(3) * 2).dtype == np.int64
    assert (vg.constant(3) * 2.5).dtype == np.float64 and (vg.constant(3) * 2.5).item() == 7.5


def test_a_leaf_changed_after_an_op_read_it_is_drawn_with_the_value_the_op_saw():
    w = vg.Variable(2.0, name="w")
    y = w * 3.0
    y.backward()
    with vg.no_grad():
        w -= 0.5                            # an update in place, as a training loop does
    assert w.item() == 1.5 and (w * 3.0).item() == 4.5
    assert float(y._saved[0]) == 2.0        # the value multiply read, not w's new one
    assert vg.graph(y).find("w").value == "2"
    w.data = 5.0
    assert (w * 3.0).item() == 15.0


def test_training_a_scalar_neuron_gives_numpys_losses_and_parameters():
    def train():
        w1, w2, b = vg.Variable(-0.3), vg.Variable(0.15), vg.Variable(0.05)
        optimizer = vg.optim.SGD([w1, w2, b], lr=0.1, momentum=0.5)
        losses = []
        for x1, x2, target in [(2.0, -0.5, 0.5), (0.5, 1.0, -0.5), (-1.0, 2.0, 0.2)] * 3:
            loss = (vg.tanh(w1 * x1 + w2 * x2 + b) - target) ** 2
            optimizer.minimize(loss)
            losses.append(loss.item())
        return losses, [p.item() for p in (w1, w2, b)]
    losses, params = train()
    with numpy_only():
        expected_losses, expected_params = train()
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-13)
    np.testing.assert_allclose(params, expected_params, rtol=1e-13)
