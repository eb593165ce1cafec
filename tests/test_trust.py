"""Gradients that once came out silently wrong, and inputs that once ended in a raw error.

Each right number comes from an independent engine: HIPS autograd run here, or the
value PyTorch gives (noted where used).
"""

import threading

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import vizgrad as vg


def the_same(got, expected):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-12, atol=0, equal_nan=True)


# -- transpose with negative axes --------------------------------------------------------------
@pytest.mark.parametrize("shape, axes", [((2, 3), (-1, 0)), ((2, 3, 4), (-1, 0, 1)),
                                         ((2, 3, 4), (0, -1, -2)), ((2, 3, 4), (-2, -3, -1))])
def test_transpose_with_negative_axes_sends_each_gradient_back_to_its_entry(shape, axes):
    upstream = np.arange(np.prod(shape), dtype=float).reshape(np.transpose(np.zeros(shape),
                                                                           axes).shape)
    x = vg.Variable(np.zeros(shape), name="x")
    got = vg.gradients(vg.transpose(x, axes), [x], grad_ys=upstream)[0]
    # each upstream entry belongs to the input entry numpy moved there (HIPS autograd has the
    # same bug, so it cannot be the oracle here)
    moved_from = np.transpose(np.arange(np.prod(shape)).reshape(shape), axes)
    expected = np.empty(np.prod(shape))
    expected[moved_from.ravel()] = upstream.ravel()
    expected = expected.reshape(shape)
    the_same(got, expected)
    got_method = vg.gradients(x.transpose(*axes), [x], grad_ys=upstream)[0]
    the_same(got_method, expected)


# -- rules at their edge points ----------------------------------------------------------------
def test_x_to_the_power_zero_has_gradient_zero_at_zero():
    # PyTorch and autograd both give 0: x**0 is the constant 1
    assert vg.grad(lambda x: x ** 0.0)(0.0) == 0.0


EDGE_POINTS = [
    # (name, vizgrad function, numpy function for autograd, arguments)
    ("a**b by a at a=0, b=0", lambda a, b: a ** b, lambda a, b: a ** b, (0.0, 0.0), 0),
    ("a**b by a at a=0, b=0.5", lambda a, b: a ** b, lambda a, b: a ** b, (0.0, 0.5), 0),
    ("a**b by a at a=0, b=1", lambda a, b: a ** b, lambda a, b: a ** b, (0.0, 1.0), 0),
    ("a**b by a at a=0, b=-1", lambda a, b: a ** b, lambda a, b: a ** b, (0.0, -1.0), 0),
    ("a**b by a at a=-2, b=0.5", lambda a, b: a ** b, lambda a, b: a ** b, (-2.0, 0.5), 0),
    ("a**b by b at a=0, b=0", lambda a, b: a ** b, lambda a, b: a ** b, (0.0, 0.0), 1),
    ("a**b by b at a=0, b=2", lambda a, b: a ** b, lambda a, b: a ** b, (0.0, 2.0), 1),
    ("a**b by b at a=-2, b=2", lambda a, b: a ** b, lambda a, b: a ** b, (-2.0, 2.0), 1),
    ("a/b by a at b=0", lambda a, b: a / b, lambda a, b: a / b, (1.0, 0.0), 0),
    ("a/b by b at a=1, b=0", lambda a, b: a / b, lambda a, b: a / b, (1.0, 0.0), 1),
    ("a/b by b at a=0, b=0", lambda a, b: a / b, lambda a, b: a / b, (0.0, 0.0), 1),
    ("sqrt at 0", lambda a, b: vg.sqrt(a) + b, lambda a, b: anp.sqrt(a) + b, (0.0, 0.0), 0),
    ("sqrt at -1", lambda a, b: vg.sqrt(a) + b, lambda a, b: anp.sqrt(a) + b, (-1.0, 0.0), 0),
    ("log at 0", lambda a, b: vg.log(a) + b, lambda a, b: anp.log(a) + b, (0.0, 0.0), 0),
    ("log at -1", lambda a, b: vg.log(a) + b, lambda a, b: anp.log(a) + b, (-1.0, 0.0), 0),
    ("abs at 0", lambda a, b: vg.abs(a) + b, lambda a, b: anp.abs(a) + b, (0.0, 0.0), 0),
    ("sqrt(x**2) at 0", lambda a, b: vg.sqrt(a ** 2) + b, lambda a, b: anp.sqrt(a ** 2) + b,
     (0.0, 0.0), 0),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, f, f_np, args, which", EDGE_POINTS,
                         ids=[case[0] for case in EDGE_POINTS])
def test_rules_at_their_edge_points_agree_with_autograd(name, f, f_np, args, which):
    got = vg.grad(f, argnums=(0, 1))(*args)[which]
    expected = autograd.grad(f_np, which)(*(np.float64(a) for a in args))
    the_same(got, expected)


# -- tensors inside a Python list --------------------------------------------------------------
def test_tensors_in_a_list_are_stacked_so_gradients_reach_them():
    assert vg.grad(lambda x: vg.mean([x, x + 2]))(0.0) == 1.0


def test_tensors_in_a_nested_list_with_numbers_keep_their_gradients():
    def f(x):
        return vg.sum(vg.multiply([[x, 1.0], [2.0, x * x]], [[1.0, 10.0], [100.0, 1000.0]]))

    def f_np(x):
        return anp.sum(anp.array([[x, 1.0], [2.0, x * x]]) * [[1.0, 10.0], [100.0, 1000.0]])

    the_same(vg.grad(f)(3.0), autograd.grad(f_np)(3.0))


def test_a_list_of_float32_tensors_and_numbers_stays_float32():
    x = vg.Variable(np.float32(1.5), name="x")
    joined = vg.exp([x, 2.0])
    assert joined.dtype == np.float32
    joined.sum().backward()
    assert x.grad.dtype == np.float32


def test_tensors_of_different_shapes_in_a_list_are_a_clear_error():
    x = vg.Variable([1.0, 2.0], name="x")
    with pytest.raises(vg.ShapeError, match="stack.*'x'.*same shape"):
        vg.sum([x, 1.0])


# -- complex values in the middle --------------------------------------------------------------
def test_a_complex_intermediate_passes_the_gradient_on():
    c = vg.constant(1j)
    assert vg.grad(lambda v: vg.abs(v * c))(2.0) == 1.0   # PyTorch gives 1.0


def test_backward_through_a_complex_intermediate_fills_grad_and_draws_x_connected():
    x = vg.Variable(2.0, name="x")
    y = vg.abs(x * vg.constant(1j, name="c"))
    y.backward()
    assert x.grad == 1.0
    node = next(n for n in vg.graph(y).nodes if n.label == "x")
    assert node.grad == "1"


def test_a_chain_of_complex_ops_matches_central_differences():
    c = vg.constant(np.array([0.5 - 1j, 2j]), name="c")

    def f(x):
        z = vg.exp(x * c) * (x + c)
        z = vg.sqrt(z / (z + 3)) ** 2.5 + vg.sin(z) * vg.tanh(z) - vg.log(z) + vg.square(z)
        z = vg.matmul(vg.reshape(z, (1, 2)), vg.constant([[1j], [2.0]])) + vg.mean(z)
        return vg.abs(z).sum()

    assert vg.gradcheck(f, [vg.tensor([0.3, 1.2])])


def test_an_op_without_complex_rules_refuses_by_name():
    c = vg.constant(1j)
    with pytest.raises(vg.VizgradError, match="maximum of complex values.*Fix"):
        vg.grad(lambda x: vg.abs(vg.maximum(x * c, 0)))(1.0)


# -- custom_gradient with a reused upstream array ----------------------------------------------
def test_custom_gradient_uses_the_values_of_a_reused_array():
    @vg.custom_gradient
    def double(x):
        return x * 2, lambda dy: dy * 2

    x = vg.Variable([1.0, 2.0], name="x")
    y = double(x)
    g = np.ones(2)
    y.backward(g)
    x.zero_grad()
    g[:] = 5
    y.backward(g)
    np.testing.assert_array_equal(x.grad, [10.0, 10.0])


def test_custom_gradient_runs_grad_fn_once_per_step_and_again_for_the_next_pass():
    calls = []

    @vg.custom_gradient
    def product(a, b):
        def grad_fn(dy):
            calls.append(dy.numpy())
            return dy * b, dy * a
        return a * b, grad_fn

    a, b = vg.Variable(2.0, name="a"), vg.Variable(3.0, name="b")
    y = product(a, b)
    y.backward()
    assert (a.grad, b.grad) == (3.0, 2.0) and len(calls) == 1
    y.backward(np.array(10.0))
    assert (a.grad, b.grad) == (33.0, 22.0) and len(calls) == 2


# -- second derivatives: computed, never a silent zero -----------------------------------------
def test_grad_of_grad_is_the_second_derivative():
    assert vg.grad(vg.grad(lambda x: x ** 3))(2.0) == 12.0       # 6x
    assert vg.grad(vg.grad(vg.grad(lambda x: x ** 3)))(2.0) == 6.0


def test_gradients_of_a_gradient_is_the_second_derivative():
    x = vg.Variable(2.0, name="x")
    y = x ** 3
    dx, = vg.gradients(y, [x])
    assert vg.gradients(dx, [x])[0].item() == 12.0
    (dx * 2).backward()
    assert x.grad == 24.0


def test_a_gradient_fed_back_into_an_outer_grad_is_differentiated():
    def slope(x):
        return vg.gradients(x ** 3, [x])[0]
    assert vg.grad(slope)(2.0) == 12.0


def test_nested_tapes_give_the_second_derivative():
    x = vg.Variable(2.0, name="x")
    with vg.GradientTape() as outer:
        with vg.GradientTape() as inner:
            y = x ** 3
        dx = inner.gradient(y, x)
    assert outer.gradient(dx, x).item() == 12.0


def test_a_gradient_asked_for_without_a_graph_is_a_constant():
    x = vg.Variable(2.0, name="x")
    dx, = vg.gradients(x ** 3, [x], create_graph=False)
    assert dx.is_leaf and vg.gradients(dx, [x]) == [None]


def test_a_gradient_used_as_a_constant_is_fine_when_said_so():
    w = vg.Variable(3.0, name="w")
    g, = vg.gradients(w * w, [w])
    (w - 0.1 * vg.stop_gradient(g)).backward()
    assert w.grad == 1.0
    y = w * w
    with vg.no_grad():
        g_plain, = vg.gradients(y, [w])
    assert g_plain.is_leaf and g_plain.item() == 6.0


# -- backward of what no_grad computed ---------------------------------------------------------
def test_backward_of_a_result_computed_under_no_grad_raises_like_pytorch():
    x = vg.Variable(1.0, name="x")
    with vg.no_grad():
        y = x * 2
    with pytest.raises(vg.VizgradError, match="does not require grad.*outside no_grad"):
        y.backward()


# -- the seed is copied ------------------------------------------------------------------------
def test_changing_the_seed_array_afterwards_changes_no_recorded_seed():
    x = vg.Variable([1.0, 2.0], name="x")
    y = x * 3
    g = np.ones(2)
    bp = vg.backward(y, g)
    g[:] = 7
    np.testing.assert_array_equal(bp.seeds[0], [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    drawn = vg.graph(y)
    assert [n.grad for n in drawn.nodes if n.kind != "variable" and n.grad] == ["[1, 1]"] * 2


# -- names and data that cannot be shown or computed with --------------------------------------
@pytest.mark.parametrize("make", [vg.Variable, vg.constant, vg.tensor])
def test_a_name_that_is_not_a_string_is_refused_at_creation(make):
    with pytest.raises(vg.VizgradError, match=r"name must be a string, got list \['w'\].*fix"):
        make(1.0, name=["w"])


def test_a_name_with_a_lone_surrogate_is_refused_at_creation():
    with pytest.raises(vg.VizgradError, match=r"name 'f\\udcff'.*lone surrogate.*fix"):
        vg.Variable(1.0, name="f\udcff")
    with pytest.raises(vg.VizgradError, match=r"scope name 'f\\udcff'.*fix"):
        vg.scope("f\udcff")


def test_text_data_is_refused_naming_the_tensor():
    with pytest.raises(vg.DtypeError, match=r"tensor 's' from list \[1, 'a'\].*text.*fix"):
        vg.tensor([1, "a"], name="s") + 1


# -- one target, its gradient given as a plain list --------------------------------------------
def test_grad_ys_for_one_target_may_be_a_list_of_its_shape():
    x = vg.Variable([1.0, 2.0, 3.0], name="x")
    y = x * x
    got = vg.gradients(y, [x], grad_ys=[1.0, 0.0, 2.0])[0]
    the_same(got, [2.0, 0.0, 12.0])
    # a list of targets still takes one gradient per target
    got_two = vg.gradients([y, x], [x], grad_ys=[[1.0, 0.0, 2.0], [1.0, 1.0, 1.0]])[0]
    the_same(got_two, [3.0, 1.0, 13.0])


def test_output_gradients_for_one_target_may_be_a_list_of_its_shape():
    x = vg.Variable([1.0, 2.0], name="x")
    with vg.GradientTape() as tape:
        y = x * x
    the_same(tape.gradient(y, x, output_gradients=[10.0, 1.0]), [20.0, 4.0])


# -- recording state is per thread -------------------------------------------------------------
def in_thread(work):
    """Run ``work`` in a new thread and return what it returned (or raise what it raised)."""
    box = {}

    def run():
        try:
            box["value"] = work()
        except BaseException as error:  # handed back to the test
            box["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def finish(thread, box):
    thread.join(10)
    assert not thread.is_alive()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def test_no_grad_in_one_thread_leaves_another_threads_backward_alone():
    entered, done = threading.Event(), threading.Event()

    def hold_no_grad():
        with vg.no_grad():
            entered.set()
            done.wait(10)

    holder = in_thread(hold_no_grad)
    entered.wait(10)

    def backpropagate():
        x = vg.Variable(3.0, name="x")
        (x * x).backward()
        return x.grad

    try:
        assert finish(*in_thread(backpropagate)) == 6.0
    finally:
        done.set()
        finish(*holder)


def test_interleaved_no_grad_in_two_threads_leaves_recording_on():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def thread_a():
        with vg.no_grad():
            a_in.set()
            b_in.wait(10)
        a_out.set()
        return (vg.Variable(1.0) * 2).op

    def thread_b():
        a_in.wait(10)
        with vg.no_grad():
            b_in.set()
            a_out.wait(10)
        return (vg.Variable(1.0) * 2).op

    a, b = in_thread(thread_a), in_thread(thread_b)
    assert finish(*a) == "multiply" and finish(*b) == "multiply"
    assert (vg.Variable(1.0) * 2).op == "multiply"


def test_a_tape_in_one_thread_does_not_watch_another_threads_variables():
    opened, computed = threading.Event(), threading.Event()
    mine = vg.Variable(1.0, name="mine")

    def other():
        opened.wait(10)
        theirs = vg.Variable(2.0, name="theirs")
        y = theirs * theirs
        computed.set()
        return y

    thread = in_thread(other)
    with vg.GradientTape() as tape:
        z = mine * 3
        opened.set()
        computed.wait(10)
    y = finish(*thread)
    assert [t.name for t in tape.watched_variables()] == ["mine"]
    assert tape.gradient(z, mine).item() == 3.0
    assert vg.gradients(y, [y.inputs[0]])[0].item() == 4.0


def test_a_scope_in_one_thread_does_not_label_another_threads_ops():
    opened, computed = threading.Event(), threading.Event()

    def other():
        opened.wait(10)
        y = vg.Variable(1.0) * 2
        computed.set()
        return y.scope

    thread = in_thread(other)
    with vg.scope("layer1"):
        mine = vg.Variable(1.0) * 2
        opened.set()
        computed.wait(10)
    assert finish(*thread) is None
    assert mine.scope == "layer1"


def test_stop_recording_left_after_its_tape_closed_does_not_reopen_the_tape():
    w = vg.Variable(2.0, name="w")
    with vg.GradientTape(persistent=True) as tape:
        pause = tape.stop_recording()
        pause.__enter__()
    pause.__exit__(None, None, None)
    y = w * w   # after the with block: not on the tape
    assert tape.gradient(y, w) is None


# -- found by the random-program oracle ----------------------------------------------------------
def test_std_over_one_entry_has_gradient_zero_not_nan():
    # std of a single entry is the constant 0: PyTorch's gradient is 0 too
    got = vg.grad(lambda x: vg.std(x, axis=1).sum())(np.array([[1.0], [2.0]]))
    np.testing.assert_array_equal(got, [[0.0], [0.0]])


def test_the_product_of_no_entries_passes_no_gradient():
    x = vg.Variable([2.0], name="x")
    got = vg.gradients(vg.prod(x[1:]) + x, [x])[0]
    np.testing.assert_array_equal(got.numpy(), [1.0])


def test_concatenate_without_an_axis_sends_each_gradient_back():
    a = vg.Variable([[1.0, 2.0], [3.0, 4.0]], name="a")
    weights = np.arange(8.0)
    got = vg.gradients(vg.concatenate([a, a], axis=None) * weights, [a])[0]
    expected = autograd.grad(lambda v: anp.sum(anp.concatenate([anp.ravel(v), anp.ravel(v)])
                                               * weights))(np.ones((2, 2)))
    the_same(got, expected)
