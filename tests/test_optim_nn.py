"""Optimizers against PyTorch's update rules written out by hand, clipping, and vg.nn."""

import numpy as np
import pytest

import vizgrad as vg

GRADIENTS = [np.array([0.5, -1.0, 2.0]), np.array([-0.3, 0.2, 1.0]), np.array([1.5, 0.0, -2.0])]
START = np.array([1.0, -2.0, 0.5])


def run(optimizer_class, **options):
    """Three steps on fixed gradients; returns the parameter after each step."""
    w = vg.Variable(START, name="w")
    optimizer = optimizer_class([w], **options)
    history = []
    for g in GRADIENTS:
        w.grad = g.copy()
        optimizer.step()
        history.append(w.numpy())
    return history


def test_sgd_is_p_minus_lr_times_grad():
    history = run(vg.optim.SGD, lr=0.1)
    np.testing.assert_allclose(history[-1], START - 0.1 * sum(GRADIENTS))


def test_sgd_momentum_follows_pytorch():
    lr, momentum = 0.1, 0.9
    p, buf, expected = START.copy(), None, []
    for g in GRADIENTS:    # torch.optim.SGD, dampening 0, nesterov False
        buf = g.copy() if buf is None else momentum * buf + g
        p = p - lr * buf
        expected.append(p)
    np.testing.assert_allclose(run(vg.optim.SGD, lr=lr, momentum=momentum), expected)


def test_adam_follows_pytorch():
    lr, (beta1, beta2), eps = 0.01, (0.9, 0.999), 1e-8
    p, m, v, expected = START.copy(), np.zeros(3), np.zeros(3), []
    for step, g in enumerate(GRADIENTS, start=1):   # torch.optim.Adam, amsgrad False
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step_size = lr / (1 - beta1**step)
        denom = np.sqrt(v) / np.sqrt(1 - beta2**step) + eps
        p = p - step_size * m / denom
        expected.append(p)
    np.testing.assert_allclose(run(vg.optim.Adam, lr=lr), expected, rtol=1e-12)


def test_adam_first_step_moves_each_weight_by_lr():
    history = run(vg.optim.Adam, lr=0.01)
    np.testing.assert_allclose(history[0], START - 0.01 * np.sign(GRADIENTS[0]), rtol=1e-6)


def test_step_skips_parameters_without_a_gradient():
    w = vg.Variable([1.0], name="w")
    unused = vg.Variable([5.0], name="unused")
    optimizer = vg.optim.SGD([w, unused], lr=1.0)
    optimizer.minimize((w * 3).sum())
    assert (w.item(), unused.item()) == (-2.0, 5.0)


def test_float32_parameters_stay_float32():
    w = vg.Variable([1.0, 2.0], dtype="float32", name="w")
    optimizer = vg.optim.Adam([w], lr=0.1)
    optimizer.minimize((w * w).sum())
    assert w.dtype == np.float32


def test_minimize_sums_a_non_scalar_loss():
    w = vg.Variable([2.0, 3.0], name="w")
    vg.optim.SGD([w], lr=0.1).minimize(w * w)
    np.testing.assert_allclose(w.numpy(), [2.0 - 0.4, 3.0 - 0.6])


def test_minimize_zeroes_the_gradients_first():
    w = vg.Variable(1.0, name="w")
    optimizer = vg.optim.SGD([w], lr=0.5)
    optimizer.minimize(w * 2)
    optimizer.minimize(w * 2)
    assert w.item() == -1.0 and w.grad == 2.0


def test_a_later_step_does_not_change_an_earlier_graph():
    w = vg.Variable([2.0, 3.0], name="w")
    x = vg.constant([-1.0, -2.0], name="X")
    y = w * x
    loss = (y * y).sum()
    optimizer = vg.optim.SGD([w], lr=0.1, momentum=0.9)
    optimizer.minimize(loss)
    for _ in range(3):   # later steps, each on a new graph
        optimizer.minimize(((w * x) * (w * x)).sum())
    assert not np.array_equal(w.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(y._saved[0], [2.0, 3.0])   # w as the multiply saw it
    np.testing.assert_array_equal(y.numpy(), [-2.0, -6.0])
    np.testing.assert_array_equal(loss._pass.grad_of(w), [4.0, 24.0])


# -- clipping --------------------------------------------------------------------------------
def test_clip_by_value_clips_and_passes_gradient_only_inside():
    x = vg.Variable([-2.0, 0.5, 3.0], name="x")
    y = vg.clip_by_value(x, -1.0, 1.0)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


def test_clip_by_global_norm_scales_every_gradient_by_the_same_factor():
    grads = [np.array([3.0, 0.0]), vg.tensor([[4.0]], name="g2"), None]
    clipped, norm = vg.clip_by_global_norm(grads, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped[0], [0.6, 0.0])
    assert isinstance(clipped[1], vg.Tensor) and clipped[1].name == "g2"
    np.testing.assert_allclose(clipped[1].numpy(), [[0.8]])
    assert clipped[2] is None


def test_clip_by_global_norm_leaves_small_gradients_alone():
    clipped, norm = vg.clip_by_global_norm([np.array([0.3, 0.4])], 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped[0], [0.3, 0.4])


# -- nn ----------------------------------------------------------------------------------------
def test_linear_is_x_at_w_plus_b():
    layer = vg.nn.Linear(3, 2, seed=0)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.W.numpy() + layer.b.numpy())
    assert layer.parameters() == [layer.W, layer.b]
    assert np.all(np.abs(layer.W.numpy()) <= 1 / np.sqrt(3))


def test_mlp_has_tanh_between_layers_not_after_the_last():
    model = vg.nn.MLP(2, [4, 3], seed=1)
    x = np.array([[0.5, -1.0]])
    (w1, b1), (w2, b2) = [(layer.W.numpy(), layer.b.numpy()) for layer in model.layers]
    expected = np.tanh(x @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(model(x).numpy(), expected)
    assert [p.shape for p in model.parameters()] == [(2, 4), (4,), (4, 3), (3,)]


def test_mlp_groups_each_layer_in_a_scope():
    model = vg.nn.MLP(2, [4, 1], seed=1)
    y = model(np.zeros((1, 2)))
    assert y.scope == "layer2"
    assert y.inputs[0].inputs[0].inputs[0].scope == "layer1"   # tanh's input, x @ W + b


def test_mse_and_its_gradient():
    pred = vg.Variable([1.0, 2.0, 4.0], name="pred")
    loss = vg.nn.mse(pred, [1.0, 1.0, 1.0])
    assert loss.item() == pytest.approx(10 / 3)
    loss.backward()
    np.testing.assert_allclose(pred.grad, [0.0, 2 / 3, 2.0])


def test_cross_entropy_matches_the_formula_and_softmax_minus_one_hot():
    logits = vg.Variable([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], name="logits")
    labels = np.array([0, 2])
    loss = vg.nn.cross_entropy(logits, labels)
    z = logits.numpy()
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss.item() == pytest.approx(-np.mean(np.log(probs[[0, 1], labels])))
    loss.backward()
    np.testing.assert_allclose(logits.grad, (probs - np.eye(3)[labels]) / 2)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = vg.Variable([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]], name="logits")
    loss = vg.nn.cross_entropy(logits, [2, 1])
    assert loss.item() == pytest.approx(1e4)   # 2e4 for the first, 0 for the second, halved
    loss.backward()
    np.testing.assert_allclose(logits.grad, [[0.5, 0.0, -0.5], [0.0, 0.0, 0.0]], atol=1e-12)


@pytest.mark.parametrize("big", [1000.0, -1000.0])
def test_softmax_family_is_stable_for_large_inputs(big):
    x = vg.Variable([big, big + 1.0, big - 1.0], name="x")
    shifted = np.array([0.0, 1.0, -1.0])
    expected = np.exp(shifted) / np.exp(shifted).sum()
    np.testing.assert_allclose(vg.softmax(x).numpy(), expected)
    np.testing.assert_allclose(vg.log_softmax(x).numpy(), np.log(expected))
    lse = vg.logsumexp(x)
    assert lse.item() == pytest.approx(big + np.log(np.exp(shifted).sum()))
    lse.backward()
    np.testing.assert_allclose(x.grad, expected)


def test_a_small_mlp_learns_xor():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0])
    model = vg.nn.MLP(2, [8, 2], seed=0)
    optimizer = vg.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.minimize(vg.nn.cross_entropy(model(x), labels))
    assert np.array_equal(model(x).numpy().argmax(axis=1), labels)
