"""Every example of the seeds' table, with its numbers."""

import numpy as np
import pytest

import vizgrad as vg


def test_matmul_gradient_is_the_other_factor_transposed():
    w1 = vg.Variable([[1.0, 2.0]], name="w1")
    y = vg.matmul(w1, vg.constant([[9.0], [10.0]]))
    [dw1] = vg.gradients(y, [w1])
    np.testing.assert_array_equal(dw1.numpy(), [[9.0, 10.0]])


def test_integer_variable_raises_type_error_naming_it_with_the_fix():
    with pytest.raises(TypeError) as caught:
        vg.Variable([[1, 2]], name="w1")
    message = str(caught.value)
    assert "'w1'" in message and "int64" in message
    assert "[[1., 2.]]" in message and 'dtype="float32"' in message


def test_integer_tensor_in_xs_raises_type_error_naming_it_with_the_fix():
    w1 = vg.tensor([[1, 2]], name="w1")
    y = vg.matmul(w1, vg.constant([[9], [10]]))
    with pytest.raises(TypeError, match=r"'w1'.*int64.*\[\[1\., 2\.\]\]"):
        vg.gradients(y, [w1])


def test_unused_variable_gets_none():
    w1 = vg.Variable([[1.0, 2.0]], name="w1")
    w2 = vg.Variable([[3.0, 4.0]], name="w2")
    y = vg.matmul(w1, vg.constant([[9.0], [10.0]]))
    dw1, dw2 = vg.gradients(y, [w1, w2])
    np.testing.assert_array_equal(dw1.numpy(), [[9.0, 10.0]])
    assert dw2 is None


def test_polynomial_derivative_at_two():
    x = vg.Variable(2.0, name="x")
    y = x**2 + x - 1
    y.backward()
    assert x.grad == 5.0


def test_reduce_sum_then_polynomial_gives_two_s_plus_one_everywhere():
    X = vg.Variable(np.arange(9.0).reshape(3, 3) / 10, name="X")
    s = vg.reduce_sum(X)
    y = s**2 + s - 1
    [dX] = vg.gradients(y, [X])
    expected = 2 * s.item() + 1
    np.testing.assert_allclose(dX.numpy(), np.full((3, 3), expected))
    assert expected == pytest.approx(8.2)


def test_one_sgd_step_on_element_times_vector():
    w = vg.Variable([2.0, 3.0], name="w")
    X = vg.constant([-1.0, -2.0], name="X")
    Y = w * X
    cost = Y[1] * Y
    vg.optim.SGD([w], lr=1).minimize(cost)
    np.testing.assert_array_equal(w.numpy(), [-4.0, -25.0])


def test_partial_derivatives_of_f_at_three_four():
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    f.backward()
    assert (x.grad, y.grad) == (24.0, 10.0)


@pytest.fixture
def w_and_x():
    return (vg.Variable([[1.0, 2.3], [4.5, 6.7]], name="w"),
            vg.constant([[1.2], [2.3]], name="x"))


def test_element_taken_inside_the_tape_has_a_gradient(w_and_x):
    w, x = w_and_x
    with vg.GradientTape() as tape:
        y = vg.matmul(w, x)
        y0 = y[0]
    np.testing.assert_allclose(tape.gradient(y0, w).numpy(), [[1.2, 2.3], [0.0, 0.0]])


def test_element_taken_outside_the_tape_has_none(w_and_x):
    w, x = w_and_x
    with vg.GradientTape() as tape:
        y = vg.matmul(w, x)
    y0 = y[0]
    assert tape.gradient(y0, w) is None


def test_backward_twice_without_zeroing_doubles_the_gradients():
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    f.backward()
    f.backward()
    assert (x.grad, y.grad) == (48.0, 20.0)
    x.zero_grad()
    f.backward()
    assert (x.grad, y.grad) == (24.0, 30.0)


def test_backward_on_a_non_scalar_explains_both_fixes():
    w = vg.Variable([1.0, 2.0], name="w")
    y = w * 2
    y.name = "y"
    with pytest.raises(vg.NonScalarBackwardError) as caught:
        y.backward()
    message = str(caught.value)
    assert "'y'" in message and "scalar" in message and "(2,)" in message
    assert "y.sum().backward()" in message and "y.backward(np.ones((2,)))" in message
    assert w.grad is None
