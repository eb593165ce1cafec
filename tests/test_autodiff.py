"""The gradient APIs: backward, gradients, GradientTape, grad, stop_gradient, custom_gradient,
gradcheck, and the backward pass the engine records for the drawing."""

import gc
import weakref

import numpy as np
import pytest

import vizgrad as vg


# -- backward (PyTorch) ----------------------------------------------------------------
def test_backward_fills_leaves_only():
    w = vg.Variable([1.0, 2.0], name="w")
    c = vg.constant([3.0, 4.0], name="c")
    h = w * c
    h.sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    assert c.grad is None and h.grad is None


def test_backward_with_an_upstream_gradient_weights_the_outputs():
    w = vg.Variable([1.0, 2.0], name="w")
    (w * w).backward(np.array([10.0, 100.0]))
    np.testing.assert_array_equal(w.grad, [20.0, 400.0])


def test_backward_from_a_leaf_gives_one():
    x = vg.Variable(2.0, name="x")
    x.backward()
    assert x.grad == 1.0


def test_grad_is_the_users_to_change_not_the_drawings():
    w = vg.Variable([1.0, 2.0], name="w")
    b = vg.Variable([0.0, 0.0], name="b")
    y = (w + b).sum()
    y.backward()
    w.grad *= 0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(y._pass.grad_of(w), [1.0, 1.0])


def test_gradient_of_a_broadcast_input_has_that_inputs_shape():
    x = vg.constant(np.ones((4, 3)))
    b = vg.Variable([1.0, 2.0, 3.0], name="b")
    (x * 2 + b).sum().backward()
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])


def test_float32_stays_float32_through_backward():
    w = vg.Variable([1.0, 2.0], dtype="float32", name="w")
    y = (w * 3.0 + 1).sum()
    y.backward()
    assert y.dtype == np.float32 and w.grad.dtype == np.float32


def test_a_100000_op_chain_backpropagates_without_recursion_error():
    x = vg.Variable(1.0, name="x")
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0 and y.item() == 100_001.0


def test_no_grad_records_nothing():
    x = vg.Variable(2.0, name="x")
    with vg.no_grad():
        y = x * x
    assert y.is_leaf and not y.requires_grad and y.item() == 4.0


# -- gradients (TensorFlow) --------------------------------------------------------------
def test_gradients_sums_over_several_ys_weighted_by_grad_ys():
    x = vg.Variable(3.0, name="x")
    [dx] = vg.gradients([x * x, x * 10], [x], grad_ys=[1.0, 0.5])
    assert dx.item() == 2 * 3.0 + 0.5 * 10


def test_gradients_does_not_touch_grad():
    x = vg.Variable(3.0, name="x")
    vg.gradients(x * x, [x])
    assert x.grad is None


def test_gradients_with_respect_to_a_constant_and_an_intermediate():
    c = vg.constant(2.0, name="c")
    h = c * c
    y = h * 3
    dc, dh = vg.gradients(y, [c, h])
    assert (dc.item(), dh.item()) == (12.0, 3.0)


def test_stop_gradients_treats_a_tensor_as_constant():
    a = vg.Variable(2.0, name="a")
    b = a * a
    y = a + b
    [with_b] = vg.gradients(y, [a])
    [without_b] = vg.gradients(y, [a], stop_gradients=[b])
    assert (with_b.item(), without_b.item()) == (5.0, 1.0)


def test_unconnected_gradients_zero_gives_zeros_of_the_right_shape():
    w1 = vg.Variable([[1.0, 2.0]], name="w1")
    w2 = vg.Variable([[3.0, 4.0, 5.0]], name="w2")
    y = (w1 * 2).sum()
    with pytest.warns(vg.UnconnectedGradientWarning, match="does not depend on 'w2'"):
        dw1, dw2 = vg.gradients(y, [w1, w2], unconnected_gradients="zero")
    np.testing.assert_array_equal(dw2.numpy(), np.zeros((1, 3)))
    np.testing.assert_array_equal(dw1.numpy(), [[2.0, 2.0]])


# -- GradientTape ----------------------------------------------------------------------------
def test_persistent_tape_gives_gradients_many_times():
    x = vg.Variable(3.0, name="x")
    with vg.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * y
    assert tape.gradient(z, x).item() == 4 * 27.0
    assert tape.gradient(y, x).item() == 6.0


def test_tape_watches_constants_only_when_asked():
    c = vg.constant(3.0, name="c")
    d = vg.constant(4.0, name="d")
    with vg.GradientTape() as tape:
        tape.watch(c)
        y = c * d
    dc, dd = tape.gradient(y, [c, d])
    assert dc.item() == 4.0 and dd is None


def test_watch_accessed_variables_false_watches_only_what_it_is_told():
    a = vg.Variable(2.0, name="a")
    b = vg.Variable(5.0, name="b")
    with vg.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    da, db = tape.gradient(y, [a, b])
    assert da.item() == 5.0 and db is None
    assert tape.watched_variables() == [a]


def test_watch_accessed_variables_true_watches_variables_it_sees():
    a = vg.Variable(2.0, name="a")
    b = vg.Variable(5.0, name="b")
    with vg.GradientTape() as tape:
        y = a * b
    assert {t.name for t in tape.watched_variables()} == {"a", "b"}
    assert [g.item() for g in tape.gradient(y, [a, b])] == [5.0, 2.0]


def test_stop_recording_leaves_ops_off_the_tape():
    x = vg.Variable(3.0, name="x")
    with vg.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = y * 10
        w = z + y
    assert tape.gradient(w, x).item() == 6.0  # only the y path was taped


def test_output_gradients_weight_the_target():
    x = vg.Variable([1.0, 2.0], name="x")
    with vg.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=np.array([1.0, -1.0]))
    np.testing.assert_array_equal(g.numpy(), [2.0, -4.0])


def test_tape_unconnected_gradients_zero():
    x = vg.Variable(1.0, name="x")
    unused = vg.Variable([1.0, 2.0], name="unused")
    with vg.GradientTape() as tape:
        y = x * 2
    with pytest.warns(vg.UnconnectedGradientWarning, match="does not depend on 'unused'"):
        dx, du = tape.gradient(y, [x, unused], unconnected_gradients="zero")
    assert dx.item() == 2.0
    np.testing.assert_array_equal(du.numpy(), [0.0, 0.0])


def test_tape_gradient_of_one_source_is_not_a_list():
    x = vg.Variable(1.0, name="x")
    with vg.GradientTape(persistent=True) as tape:
        y = x * 2
    assert isinstance(tape.gradient(y, x), vg.Tensor)
    assert isinstance(tape.gradient(y, [x]), list)


# -- grad, stop_gradient, custom_gradient -----------------------------------------------------
def test_grad_of_several_arguments():
    def f(x, y):
        return x * x * y + y + 2

    dx, dy = vg.grad(f, argnums=(0, 1))(3.0, 4.0)
    assert (dx, dy) == (24.0, 10.0)
    assert vg.grad(f)(3.0, 4.0) == 24.0


def test_grad_needs_a_scalar_result():
    with pytest.raises(vg.NonScalarBackwardError, match="y.sum()"):
        vg.grad(lambda x: x * 2)(np.array([1.0, 2.0]))


def test_stop_gradient_blocks_one_path():
    x = vg.Variable(3.0, name="x")
    y = x * vg.stop_gradient(x)
    y.backward()
    assert x.grad == 3.0   # not 2x = 6


def test_custom_gradient_straight_through_sign():
    @vg.custom_gradient
    def straight_through_sign(x):
        return vg.sign(x), lambda dy: dy

    x = vg.Variable([-0.5, 0.25, 2.0], name="x")
    y = straight_through_sign(x)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 1.0, 1.0])
    (y * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])  # sign's own gradient is 0
    assert y.op == "straight_through_sign"


def test_custom_gradient_of_two_inputs():
    @vg.custom_gradient
    def product(a, b):
        return a * b, lambda dy: (dy * b, dy * a)

    a, b = vg.Variable(2.0, name="a"), vg.Variable(5.0, name="b")
    product(a, b).backward()
    assert (a.grad, b.grad) == (5.0, 2.0)


def test_custom_gradient_returning_the_wrong_number_of_gradients():
    @vg.custom_gradient
    def broken(a, b):
        return a * b, lambda dy: dy

    a, b = vg.Variable(2.0, name="a"), vg.Variable(5.0, name="b")
    with pytest.raises(vg.VizgradError, match="'broken' returned 1 gradients for 2 inputs"):
        broken(a, b).backward()


# -- gradcheck -------------------------------------------------------------------------------
def test_gradcheck_accepts_correct_gradients():
    x = vg.tensor([[0.3, -1.2], [2.0, 0.7]], name="x")
    w = vg.tensor([[1.5], [-0.4]], name="w")
    assert vg.gradcheck(lambda x, w: vg.tanh(x @ w).sum() * x.mean(), [x, w]) is True


def test_gradcheck_names_the_input_index_and_both_values():
    @vg.custom_gradient
    def wrong_square(x):
        return x * x, lambda dy: dy * 3   # should be dy * 2x

    x = vg.tensor([1.0, 2.0], name="x")
    with pytest.raises(vg.GradcheckError) as caught:
        vg.gradcheck(wrong_square, [x])
    message = str(caught.value)
    assert "gradient of x at index (0,)" in message
    assert "analytic 3" in message and "numerical 2" in message


# -- the recorded backward pass -----------------------------------------------------------------
def test_the_pass_walks_ops_from_the_output_back_and_keeps_each_contribution():
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    f.backward()
    steps = f._pass.steps
    assert [s.node.op for s in steps] == ["add", "add", "multiply", "multiply"]
    assert steps[0].node is f
    xx_times_y = steps[2]
    assert [float(c) for c in xx_times_y.contributions] == [4.0, 9.0]  # to x*x and to y
    assert [float(c) for c in steps[3].contributions] == [12.0, 12.0]  # x feeds x*x twice


def test_only_ops_on_a_path_to_a_variable_are_walked():
    x = vg.Variable(2.0, name="x")
    k = vg.constant(5.0, name="k")
    f = x * 3 + k * k
    f.backward()
    assert [s.node.op for s in f._pass.steps] == ["add", "multiply"]


def test_dropping_the_output_frees_its_graph_without_the_garbage_collector():
    gc.disable()
    try:
        w = vg.Variable(np.ones(3), name="w")
        hidden = w * 2
        loss = (hidden * hidden).sum()
        loss.backward()
        alive = weakref.ref(hidden)
        del hidden, loss
        assert alive() is None
    finally:
        gc.enable()
