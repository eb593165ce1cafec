"""Gradients of gradients in every style, jacobian / hessian / hvp, and the drawn backward pass.

The ``check_grads`` cases below are ported from HIPS autograd's tests/test_numpy.py
(https://github.com/HIPS/autograd, MIT licence), whose ``check_grads(fun)(x)`` checks
forward and reverse mode to second order against central differences; here the
same functions run on vizgrad tensors through numpy's own names.
"""

from __future__ import annotations

import numpy as np
import pytest

import vizgrad as vg

EPS = 1e-6
# the checks ask for zeros where a derivative is unconnected on purpose
pytestmark = pytest.mark.filterwarnings("ignore::vizgrad.UnconnectedGradientWarning")
RNG = np.random.default_rng(1)


def _flat(tensors) -> vg.Tensor:
    """One flat tensor of every gradient (a function of several inputs gives several)."""
    parts = [vg.ravel(g) for g in tensors]
    return parts[0] if len(parts) == 1 else vg.concatenate(parts)


def _directional(fun, args, direction):
    """Central difference of fun along ``direction`` (one array per argument); recorded,
    as a function that computes a gradient needs its graph."""
    plus = fun(*[vg.tensor(a + EPS * d) for a, d in zip(args, direction)])
    minus = fun(*[vg.tensor(a - EPS * d) for a, d in zip(args, direction)])
    return (np.asarray(plus.numpy()) - np.asarray(minus.numpy())) / (2 * EPS)


def check_grads(fun, *args, order=2):
    """autograd's check: forward (jvp) and reverse (gradients) mode against central
    differences, then the same for the function that returns the reverse-mode gradient."""
    args = [np.asarray(a, dtype=np.float64) for a in args]
    tangents = [RNG.normal(size=a.shape) for a in args]
    numeric = _directional(fun, args, tangents)

    _, forward = vg.jvp(fun, tuple(args), tuple(tangents))
    np.testing.assert_allclose(forward, numeric, rtol=1e-5, atol=1e-6, err_msg="forward mode")

    inputs = [vg.tensor(a) for a in args]
    y = fun(*inputs)
    cotangent = RNG.normal(size=y.shape)
    grads = vg.gradients(y, inputs, grad_ys=cotangent, unconnected_gradients="zero")
    reverse = sum(float(np.sum(g.numpy() * t)) for g, t in zip(grads, tangents))
    np.testing.assert_allclose(reverse, np.sum(numeric * cotangent), rtol=1e-5, atol=1e-6,
                               err_msg="reverse mode")
    if order > 1:
        def gradient(*xs):
            out = fun(*xs)
            return _flat(vg.gradients(out, list(xs), grad_ys=cotangent,
                                      unconnected_gradients="zero", create_graph=True))
        check_grads(gradient, *args, order=order - 1)


# -- ported from autograd's tests/test_numpy.py ------------------------------------------------
A = RNG.normal(size=(5, 6, 4))
MAT = RNG.normal(size=(4, 5))
PORTED = {
    "dot matrix-vector": (lambda x, y: np.dot(x, y), (RNG.normal(size=(4, 5)),
                                                       RNG.normal(size=5))),
    "dot vector-matrix": (lambda x, y: np.dot(x, y), (RNG.normal(size=4), MAT)),
    "outer": (lambda x, y: np.outer(x, y), (RNG.normal(size=4), RNG.normal(size=4))),
    "max": (lambda x: np.max(x), (MAT,)),
    "max axis": (lambda x: np.max(x, axis=1), (RNG.normal(size=(3, 4, 5)),)),
    "min axis keepdims": (lambda x: np.min(x, axis=1, keepdims=True),
                          (RNG.normal(size=(3, 4, 5)),)),
    "sum axis tuple": (lambda x: np.sum(x, axis=(1, 2)), (RNG.normal(size=(3, 4, 2)),)),
    "flipud": (lambda x: np.flipud(x), (MAT,)),
    "rot90": (lambda x: np.rot90(x), (MAT,)),
    "cumsum no axis": (lambda x: np.cumsum(x), (MAT,)),
    "mean keepdims": (lambda x: np.mean(x, axis=0, keepdims=True), (MAT,)),
    "index ints": (lambda x: x[3, 0, 1], (A,)),
    "index slice": (lambda x: x[::-1, 2:4, :], (A,)),
    "index lists": (lambda x: x[[0, 1, 2], :, :], (A,)),
    "index mixed": (lambda x: x[3, 2:, [1, 3]], (A,)),
    "index slice fan-out": (lambda x: x[::-1, 2:4, :] + x[::-1, 3:5, :], (A,)),
    "reshape method": (lambda x: x.reshape((5 * 4, 6)), (A,)),
    "concatenate axis 1": (lambda x: np.concatenate((A, x, A), axis=1), (A,)),
    "trace": (lambda x: np.trace(x, offset=1), (MAT,)),
    "diag": (lambda x: np.diag(x), (RNG.normal(size=(4, 4)),)),
    "roll": (lambda x: np.roll(x, 2, axis=1), (MAT,)),
    "triu": (lambda x: np.triu(x, k=2), (RNG.normal(size=(5, 5)),)),
    "clip": (lambda x: np.clip(x, a_min=0.1, a_max=1.1), (RNG.normal(size=(5, 5)),)),
    "prod": (lambda x: np.prod(x), (RNG.normal(size=(2, 3)) ** 2 / 10.0 + 0.1,)),
    "prod axis": (lambda x: np.prod(x, axis=0, keepdims=True),
                  (RNG.normal(size=(2, 3)) ** 2 + 0.1,)),
    "var ddof": (lambda x: np.var(x, axis=1, ddof=1), (MAT,)),
    "std": (lambda x: np.std(x, axis=1), (MAT,)),
    "where": (lambda x, y: np.where(MAT > 0, x, y), (RNG.normal(size=(4, 5)),
                                                      RNG.normal(size=(4, 5)))),
    "repeat": (lambda x: np.repeat(x, 2, axis=1), (RNG.normal(size=(5, 3, 4)),)),
    "expand_dims": (lambda x: np.expand_dims(x, 2), (RNG.normal(size=(5, 1, 4)),)),
    "multi index": (lambda x: np.sum(x[[0, 1, 0]]), (RNG.normal(size=3),)),
    "index dot slices": (lambda x: np.dot(x[:2], x[2:]), (RNG.normal(size=4),)),
    "diagonal": (lambda x: np.diagonal(x, axis1=-1, axis2=-2), (RNG.normal(size=(3, 4, 4)),)),
    # and the elementwise functions of its test_numpy / test_scalar_ops, to second order
    "tanh of a product": (lambda x, y: np.tanh(x * y), (MAT, RNG.normal(size=5))),
    "exp over log": (lambda x: np.exp(x) / np.log(x + 3), (RNG.uniform(0.5, 2, size=4),)),
    "power": (lambda x, y: x ** y, (RNG.uniform(0.5, 2, size=4), RNG.normal(size=4))),
    "softmax-style": (lambda x: np.exp(x) / np.sum(np.exp(x)), (RNG.normal(size=5),)),
}


@pytest.mark.parametrize("name", sorted(PORTED))
def test_autograds_second_order_checks(name):
    fun, args = PORTED[name]
    check_grads(fun, *args, order=2)


# -- every style of the same second derivative -----------------------------------------------
def cube(x):
    return x ** 3


def test_grad_of_grad_and_the_third_derivative():
    assert vg.grad(vg.grad(cube))(2.0) == 12.0
    assert vg.grad(vg.grad(vg.grad(cube)))(2.0) == 6.0
    assert vg.grad(vg.grad(vg.grad(vg.grad(cube))))(2.0) == 0.0


def test_backward_with_create_graph_makes_grad_a_tensor_with_a_graph():
    x = vg.Variable(2.0, name="x")
    cube(x).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, vg.Tensor) and first.item() == 12.0 and not first.is_leaf
    x.zero_grad()
    first.backward()
    assert x.grad == 12.0     # 6x


def test_gradients_with_create_graph_and_without():
    x = vg.Variable(2.0, name="x")
    first, = vg.gradients(cube(x), [x], create_graph=True)
    assert vg.gradients(first, [x])[0].item() == 12.0
    constant, = vg.gradients(cube(x), [x], create_graph=False)
    assert constant.is_leaf and vg.gradients(constant, [x]) == [None]


def test_the_outer_tape_records_the_inner_tapes_gradient():
    x = vg.Variable(2.0, name="x")
    with vg.GradientTape() as outer:
        with vg.GradientTape() as inner:
            y = cube(x)
        first = inner.gradient(y, x)
    assert first.item() == 12.0
    assert outer.gradient(first, x).item() == 12.0


def test_nested_grad_tells_the_inner_variable_from_the_outer():
    # d/dx [x · d/dy (x·y)] = d/dx x² = 2x: the inner gradient must not count x's own use
    assert vg.grad(lambda x: x * vg.grad(lambda y: x * y)(x))(3.0) == 6.0


def test_a_custom_gradient_is_differentiated_through_its_grad_fn():
    @vg.custom_gradient
    def square(x):
        return x * x, lambda dy: dy * 2 * x
    assert vg.grad(vg.grad(lambda x: square(x) * x))(1.5) == pytest.approx(9.0)  # d²x³ = 6x


# -- jacobian, hessian, hvp against central differences ---------------------------------------
def numeric_jacobian(f, x):
    x = np.asarray(x, dtype=np.float64)
    jac = np.zeros(np.shape(f(vg.tensor(x))) + x.shape)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = EPS
        plus, minus = np.asarray(f(vg.tensor(x + step))), np.asarray(f(vg.tensor(x - step)))
        jac[(...,) + index] = (plus - minus) / (2 * EPS)
    return jac


def mixing(x):
    return vg.tanh(vg.matmul(np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]), x)) * x[0]


def scalar(x):
    return vg.sum(vg.sin(x) * x[0] + x ** 3)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_matches_central_differences(mode):
    x = np.array([0.4, -1.1, 0.7])
    jac = vg.jacobian(mixing, mode=mode)(x)
    assert jac.shape == (2, 3)
    np.testing.assert_allclose(jac, numeric_jacobian(mixing, x), rtol=1e-6, atol=1e-8)


def test_hessian_matches_central_differences_of_the_gradient():
    x = np.array([0.4, -1.1, 0.7])
    hess = vg.hessian(scalar)(x)
    np.testing.assert_allclose(hess, numeric_jacobian(vg.grad(scalar), x), rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(hess, hess.T, atol=1e-12)


def test_hvp_is_the_hessian_times_the_vector():
    x, v = np.array([0.4, -1.1, 0.7]), np.array([1.0, 2.0, -0.5])
    value, product = vg.hvp(scalar, x, v)
    assert value.item() == pytest.approx(scalar(vg.tensor(x)).item())
    np.testing.assert_allclose(product, vg.hessian(scalar)(x) @ v, rtol=1e-10)


def test_hvp_with_a_wrong_shape_says_so():
    with pytest.raises(vg.ShapeError, match="v has shape \\(2,\\) but x has shape \\(3,\\)"):
        vg.hvp(scalar, np.zeros(3), np.zeros(2))


# -- the gradient's own graph, drawn --------------------------------------------------------
def test_the_gradient_made_with_create_graph_is_drawn_with_the_backward_ops():
    x = vg.Variable(0.5, name="x")
    y = vg.tanh(x)
    y.name = "y"
    y.backward(create_graph=True)                  # x.grad = 1 − y², read from y
    drawing = vg.graph(x.grad)
    labels = [node.label for node in drawing.nodes]
    assert "x" in labels and "y" in labels        # linked to the forward values it read
    ops = [node.op for node in drawing.nodes if node.kind == "op"]
    assert "tanh" in ops and ops.count("multiply") >= 2 and "subtract" in ops
    second = -2 * np.tanh(0.5) * (1 - np.tanh(0.5) ** 2)   # d(1 − tanh²x)/dx
    assert float(drawing.find("x").grad) == pytest.approx(second, abs=5e-4)
    assert len(drawing.steps) > 3                  # its own backward pass, step by step


def test_a_custom_gradient_written_on_numbers_gives_the_first_derivative_and_refuses_the_second():
    @vg.custom_gradient
    def cube(x):
        return x ** 3, lambda dy: 3 * dy.numpy() * x.numpy() ** 2   # plain numbers
    x = vg.Variable(2.0, name="x")
    first, = vg.gradients(cube(x), [x])
    assert first.item() == 12.0
    with pytest.raises(vg.VizgradError, match="gradient of cube again.*plain numbers.*Fix"):
        vg.gradients(first, [x])
