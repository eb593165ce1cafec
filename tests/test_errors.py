"""Every bad input gets an error that says what went wrong, names the tensor and gives the fix."""

import numpy as np
import pytest

import vizgrad as vg


# -- non-floating tensors asked for gradients ----------------------------------------
def test_requires_grad_on_an_integer_tensor():
    with pytest.raises(TypeError) as caught:
        vg.tensor([[1, 2]], requires_grad=True, name="w1")
    message = str(caught.value)
    assert "'w1'" in message and "integer" in message and "int64" in message
    assert "[[1., 2.]]" in message and 'dtype="float32"' in message


def test_variable_of_a_bool_tensor():
    with pytest.raises(vg.DtypeError, match=r"'mask' has a bool dtype.*\[1\., 0\.\]"):
        vg.Variable([True, False], name="mask")


def test_variable_of_a_complex_tensor():
    with pytest.raises(vg.DtypeError, match=r"'z' has a complex dtype.*real and imaginary"):
        vg.Variable([1 + 2j], name="z")


def test_dtype_float32_is_the_fix_that_works():
    w1 = vg.Variable([[1, 2]], dtype="float32", name="w1")
    assert w1.dtype == np.float32 and w1.requires_grad


def test_integer_tensor_named_in_xs():
    w1 = vg.tensor([[1, 2]], name="w1")
    y = vg.matmul(w1, vg.constant([[9], [10]]))
    with pytest.raises(TypeError) as caught:
        vg.gradients(y, [w1])
    message = str(caught.value)
    assert "'w1'" in message and "xs[0]" in message and "[[1., 2.]]" in message


def test_integer_tensor_named_in_sources():
    w = vg.Variable([1.0, 2.0], name="w")
    k = vg.tensor([3, 4], name="k")
    with vg.GradientTape() as tape:
        y = (w * k).sum()
    with pytest.raises(TypeError, match=r"'k'.*sources\[1\].*\[3\., 4\.\]"):
        tape.gradient(y, [w, k])


def test_integer_tensor_watched():
    k = vg.tensor([3, 4], name="k")
    with vg.GradientTape() as tape, pytest.raises(TypeError, match=r"'k'.*watch.*float32"):
        tape.watch(k)


def test_integer_argument_of_grad():
    def square(x):
        return x * x

    with pytest.raises(TypeError, match=r"argument 0 of square.*e\.g\. 3\.0"):
        vg.grad(square)(3)


# -- backward on a non-scalar, and seeds of the wrong shape ------------------------------
def test_backward_on_a_non_scalar_shows_both_fixes():
    y = vg.Variable(np.ones((2, 3)), name="y") * 2
    with pytest.raises(vg.NonScalarBackwardError) as caught:
        y.backward()
    message = str(caught.value)
    assert "scalar" in message and "(2, 3)" in message and "the result of multiply" in message
    assert "y.sum().backward()" in message and "y.backward(np.ones((2, 3)))" in message


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = vg.Variable([1.0, 2.0], name="w") * 2
    y.name = "y"
    with pytest.raises(vg.ShapeError, match=r"\(3,\).*'y' has shape \(2,\).*np.ones\(\(2,\)\)"):
        y.backward(np.ones(3))


def test_grad_ys_of_the_wrong_shape():
    a = vg.Variable([1.0, 2.0], name="a")
    y = a * 2
    y.name = "y"
    with pytest.raises(vg.ShapeError) as caught:
        vg.gradients(y, [a], grad_ys=np.ones((2, 2)))
    message = str(caught.value)
    assert "grad_ys has shape (2, 2)" in message and "'y' has shape (2,)" in message
    assert "fix" in message.lower()


def test_grad_ys_of_the_wrong_length():
    a = vg.Variable([1.0, 2.0], name="a")
    with pytest.raises(vg.ArgumentError, match="one gradient per y"):
        vg.gradients([a * 2, a * 3], [a], grad_ys=[np.ones(2)])


def test_output_gradients_of_the_wrong_shape_leave_the_tape_usable():
    a = vg.Variable([1.0, 2.0], name="a")
    with vg.GradientTape() as tape:
        y = a * 2
        y.name = "y"
    with pytest.raises(vg.ShapeError, match=r"output_gradients has shape \(3,\).*'y'"):
        tape.gradient(y, a, output_gradients=np.ones(3))
    np.testing.assert_array_equal(tape.gradient(y, a).numpy(), [2.0, 2.0])


# -- tapes ----------------------------------------------------------------------------------
def test_non_persistent_tape_used_twice():
    a = vg.Variable(3.0, name="a")
    with vg.GradientTape() as tape:
        y = a * a
    tape.gradient(y, a)
    with pytest.raises(RuntimeError) as caught:
        tape.gradient(y, a)
    assert isinstance(caught.value, vg.TapeError)
    assert "persistent=True" in str(caught.value)


def test_stop_recording_outside_the_with_block():
    tape = vg.GradientTape()
    with pytest.raises(vg.TapeError, match="inside the tape's with block"):
        with tape.stop_recording():
            pass


# -- shapes -----------------------------------------------------------------------------------
def test_shapes_that_do_not_broadcast_name_both_tensors_and_shapes():
    a = vg.Variable([1.0, 2.0], name="a")
    b = vg.Variable([1.0, 2.0, 3.0], name="b")
    with pytest.raises(vg.ShapeError) as caught:
        a + b
    message = str(caught.value)
    assert "'a' with shape (2,)" in message and "'b' with shape (3,)" in message
    assert "broadcast" in message and "Fix" in message


def test_shapes_that_do_not_multiply_name_both_tensors_and_shapes():
    A = vg.Variable(np.ones((2, 3)), name="A")
    B = vg.Variable(np.ones((2, 3)), name="B")
    with pytest.raises(ValueError) as caught:
        A @ B
    message = str(caught.value)
    assert "'A' with shape (2, 3)" in message and "'B' with shape (2, 3)" in message
    assert "(m, k) @ (k, n)" in message


def test_a_reshape_to_the_wrong_size():
    x = vg.tensor(np.ones((2, 3)), name="x")
    with pytest.raises(vg.ShapeError, match=r"'x' with shape \(2, 3\).*same number of elements"):
        x.reshape(4)


def test_an_axis_out_of_range():
    x = vg.tensor(np.ones((2, 3)), name="x")
    with pytest.raises(vg.ShapeError, match=r"'x' with shape \(2, 3\).*axis"):
        x.sum(axis=2)


def test_conv2d_with_mismatched_channels():
    x = vg.tensor(np.ones((1, 2, 4, 4)), name="image")
    w = vg.tensor(np.ones((1, 3, 2, 2)), name="kernel")
    with pytest.raises(vg.ShapeError, match=r"'image'.*'kernel'.*C must agree"):
        vg.conv2d(x, w)


# -- arguments ------------------------------------------------------------------------------
def test_an_unknown_unconnected_gradients_value():
    a = vg.Variable(1.0, name="a")
    with pytest.raises(vg.ArgumentError) as caught:
        vg.gradients(a * 2, [a], unconnected_gradients="zeros")
    message = str(caught.value)
    assert "'zeros'" in message and "'none'" in message and "'zero'" in message


def test_an_unknown_unconnected_gradients_value_on_a_tape():
    a = vg.Variable(1.0, name="a")
    with vg.GradientTape() as tape:
        y = a * 2
    with pytest.raises(ValueError, match="'zero'"):
        tape.gradient(y, a, unconnected_gradients="ZEROES")


def test_a_non_tensor_in_xs():
    a = vg.Variable(1.0, name="a")
    with pytest.raises(vg.ArgumentError, match=r"xs\[0\] is a list"):
        vg.gradients(a * 2, [[1.0]])


def test_item_of_a_tensor_with_many_elements():
    with pytest.raises(vg.ShapeError, match=r"'v'.*has 3.*t\[0\]\.item\(\)"):
        vg.tensor([1.0, 2.0, 3.0], name="v").item()


def test_an_optimizer_given_a_constant():
    c = vg.constant([1.0], name="c")
    with pytest.raises(vg.ArgumentError, match=r"'c'.*does not require gradients.*vg.Variable"):
        vg.optim.SGD([c], lr=0.1)


def test_cross_entropy_with_float_labels():
    with pytest.raises(TypeError, match="integer class labels.*astype"):
        vg.nn.cross_entropy(vg.tensor([[0.0, 1.0]]), [1.0])


def test_every_error_is_a_vizgrad_error_and_a_builtin_one():
    assert issubclass(vg.DtypeError, TypeError)
    assert issubclass(vg.ShapeError, ValueError)
    assert issubclass(vg.NonScalarBackwardError, RuntimeError)
    assert issubclass(vg.TapeError, RuntimeError)
    assert issubclass(vg.GradcheckError, AssertionError)
    for error in (vg.DtypeError, vg.ShapeError, vg.NonScalarBackwardError, vg.TapeError,
                  vg.ArgumentError, vg.GradcheckError):
        assert issubclass(error, vg.VizgradError)


def test_backward_on_an_integer_result_names_the_integer_input_and_its_fix():
    w1 = vg.tensor([[1, 2]], name="w1")
    y = vg.matmul(w1, [[9], [10]])
    with pytest.raises(TypeError) as caught:
        y.backward()
    message = str(caught.value)
    assert "'w1' (int64)" in message
    assert "[[1., 2.]]" in message
