"""Real numpy programs, run on vizgrad tensors as their authors wrote them.

The programs in tests/real/ are written the way their public originals are (each names
its source). A program either gives exactly the right gradients — every leaf against
HIPS autograd or the program's own hand-written backward pass, and every edge and every
intermediate of the drawn backward pass against central differences — or stops with a
one-line vizgrad error naming the call and the fix. None may be silent.
"""

from __future__ import annotations

import importlib.util
import types
import warnings
from pathlib import Path

import autograd
import numpy as np
import pytest

import vizgrad as vg
from vizgrad.core.tensor import ancestors
from vizgrad.drawing.record import trace_of_tensor

pytest.importorskip("scipy")

REAL = Path(__file__).parent / "real"

# how a user ports each import: to vizgrad (plain numpy on tensors) or to the HIPS oracle
TO_AUTOGRAD = {
    "import numpy as np": "import autograd.numpy as np",
    "from scipy.special import logsumexp": "from autograd.scipy.special import logsumexp",
    "from scipy.stats import multivariate_normal as mvn":
        "from autograd.scipy.stats import multivariate_normal as mvn",
    "from scipy.stats import norm": "from autograd.scipy.stats import norm",
}


def has_vizgrad_scipy(*names: str) -> bool:
    """True when vizgrad.scipy has every dotted name, e.g. "special.logsumexp"."""
    if importlib.util.find_spec("vizgrad.scipy") is None:
        return False
    for name in names:
        found = importlib.import_module("vizgrad.scipy")
        try:
            for part in name.split("."):
                found = getattr(found, part)
        except AttributeError:
            return False
    return True


def vizgrad_port() -> dict[str, str]:
    """The scipy imports a user swaps for vizgrad's (vizgrad.scipy, or vg's own logsumexp)."""
    if has_vizgrad_scipy("special.logsumexp"):
        return {"from scipy.special import logsumexp":
                "from vizgrad.scipy.special import logsumexp"}
    return {"from scipy.special import logsumexp": "from vizgrad import logsumexp"}


def load(name: str, swaps: dict[str, str] | None = None) -> types.ModuleType:
    """tests/real/<name>.py with some import lines swapped, every other line as written."""
    path = REAL / f"{name}.py"
    source = path.read_text()
    for old, new in (swaps or {}).items():
        if old in source:
            source = source.replace(old, new)
    module = types.ModuleType(f"real_{name}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


# -- the edge-by-edge check --------------------------------------------------------------
def _replay(tensors: list[vg.Tensor], override: tuple[int, np.ndarray] | None) -> np.ndarray:
    """The root's value, recomputed op by op from the recorded graph (one node replaced)."""
    values: dict[int, np.ndarray] = {}
    for t in tensors:
        if override is not None and t._id == override[0]:
            values[t._id] = override[1]
        elif t._op is None:
            values[t._id] = t._data
        else:
            values[t._id] = np.asarray(t._op.forward(*[values[x._id] for x in t._inputs],
                                                     **(t._params or {})))
    return values[tensors[-1]._id]


def _central(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def check_every_edge(loss: vg.Tensor, rtol: float = 1e-5, atol: float = 1e-6) -> int:
    """Backpropagate from ``loss`` and check what the drawing shows against central
    differences: each edge's gradient (the op alone) and each tensor's total (the whole
    graph replayed with that tensor nudged). Returns how many edges were checked."""
    loss.backward()
    trace = trace_of_tensor(loss)
    tensors = ancestors([loss])
    assert [t.op for t in trace.tensors] == [t.op for t in tensors]
    vg.graph(loss).to_dot()   # the drawing is made from the same pass
    edges = 0
    arriving: dict[int, np.ndarray] = {}
    for step in trace.steps:
        node = tensors[step.tensor]
        params = node._params or {}
        for j, contribution in enumerate(step.contributions):
            if contribution is None:
                continue
            saved = list(node._saved)

            def local(value, j=j, saved=saved, params=params, node=node, step=step):
                args = saved[:j] + [value] + saved[j + 1:]
                return float(np.sum(step.upstream * node._op.forward(*args, **params)))

            np.testing.assert_allclose(
                contribution, _central(local, np.array(saved[j], dtype=np.float64)),
                rtol=rtol, atol=atol, err_msg=f"edge {j} into {node.op}")
            source = trace.tensors[step.tensor].inputs[j]
            arriving[source] = arriving.get(source, 0) + contribution
            edges += 1
    for i, t in enumerate(tensors):
        total = trace.totals.get(i)
        if total is None or i == trace.target:
            continue
        np.testing.assert_allclose(total, arriving[i], rtol=1e-12, atol=1e-12,
                                   err_msg=f"the total at {t.op or t.name} is not the sum "
                                           "of its edges")
        numeric = _central(lambda v, t=t: float(_replay(tensors, (t._id, v))),
                           np.array(t._data, dtype=np.float64))
        np.testing.assert_allclose(total, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"total gradient at {t.op or t.name}")
    return edges


def variables(tree):
    """The same nested lists, tuples and dicts with every array a named vg.Variable."""
    if isinstance(tree, dict):
        return {key: vg.Variable(value, name=key) for key, value in tree.items()}
    return [tuple(vg.Variable(a, name=f"{kind}{i}") for a, kind in zip(layer, "Wb"))
            for i, layer in enumerate(tree)]


# -- HIPS autograd examples ------------------------------------------------------------
def test_neural_net_ported_with_scipys_logsumexp_is_refused_naming_it():
    net = load("mlp_classifier")
    rs = np.random.RandomState(0)
    params = variables(net.init_random_params(0.5, [4, 3, 2], rs))
    inputs, targets = rs.randn(5, 4), np.eye(2)[rs.randint(0, 2, 5)]
    with pytest.raises(vg.ConversionError, match=r"scipy\.special\.logsumexp .*Fix: call "
                                                 r"(vizgrad\.scipy\.special\.logsumexp|vg\.logsumexp)"):
        net.log_posterior(params, inputs, targets, 0.1)


def test_neural_net_matches_autograd_on_every_edge():
    net, oracle = load("mlp_classifier", vizgrad_port()), load("mlp_classifier", TO_AUTOGRAD)
    rs = np.random.RandomState(1)
    init = net.init_random_params(0.5, [4, 3, 2], rs)
    inputs, targets = rs.randn(5, 4), np.eye(2)[rs.randint(0, 2, 5)]
    params = variables(init)
    loss = net.log_posterior(params, inputs, targets, 0.1)
    assert check_every_edge(loss) > 10
    expected = autograd.grad(oracle.log_posterior)(init, inputs, targets, 0.1)
    for layer, want in zip(params, expected):
        for tensor, w in zip(layer, want):
            np.testing.assert_allclose(tensor.grad, w, rtol=1e-10, atol=1e-12)


def test_rnn_matches_autograd_on_every_edge():
    rnn, oracle = load("char_rnn", vizgrad_port()), load("char_rnn", TO_AUTOGRAD)
    rs = np.random.RandomState(2)
    init = rnn.create_rnn_params(input_size=4, state_size=3, output_size=4, rs=rs)
    seqs = np.eye(4)[rs.randint(0, 4, (3, 2))]     # 3 time steps, 2 sequences, one-hot
    params = variables(init)
    loss = rnn.rnn_log_likelihood(params, seqs, seqs)
    assert check_every_edge(loss) > 30
    expected = autograd.grad(oracle.rnn_log_likelihood)(init, seqs, seqs)
    for key, tensor in params.items():
        np.testing.assert_allclose(tensor.grad, expected[key], rtol=1e-10, atol=1e-12)


def test_lstm_matches_autograd_on_every_edge_and_its_callback_reads_numbers_in_no_grad():
    rnn, oracle = load("char_rnn", vizgrad_port()), load("char_rnn", TO_AUTOGRAD)
    rs = np.random.RandomState(12)
    names = ["init cells", "init hiddens", "change", "forget", "ingate", "outgate", "predict"]
    shapes = [(1, 3), (1, 3), (8, 3), (8, 3), (8, 3), (8, 3), (4, 4)]   # 4 chars, state 3
    init = {name: rs.randn(*shape) * 0.5 for name, shape in zip(names, shapes)}
    seqs = np.eye(4)[rs.randint(0, 4, (2, 2))]
    params = variables(init)
    assert check_every_edge(rnn.lstm_log_likelihood(params, seqs, seqs)) > 50
    expected = autograd.grad(oracle.lstm_log_likelihood)(init, seqs, seqs)
    for key, tensor in params.items():
        np.testing.assert_allclose(tensor.grad, expected[key], rtol=1e-10, atol=1e-12)
    # the training callback turns predictions into characters: numbers it asks for
    with pytest.raises(vg.ConversionError, match=r"np\.asarray\(lstm_predict"):
        rnn.predicted_characters(params, seqs)
    with vg.no_grad():
        shown = rnn.predicted_characters(params, seqs)
    np.testing.assert_array_equal(shown, oracle.predicted_characters(init, seqs))


def test_grad_takes_autograds_parameter_dict_and_list_of_tuples_as_autograd_does():
    # autograd's examples call grad(objective)(params, ...) with params a dict (rnn.py) or a
    # list of (W, b) tuples (neural_net.py): the gradient comes back in the same shape
    rnn, rnn_oracle = load("char_rnn", vizgrad_port()), load("char_rnn", TO_AUTOGRAD)
    rs = np.random.RandomState(3)
    init = rnn.create_rnn_params(input_size=4, state_size=3, output_size=4, rs=rs)
    seqs = np.eye(4)[rs.randint(0, 4, (3, 2))]
    got = vg.grad(rnn.rnn_log_likelihood)(init, seqs, seqs)
    want = autograd.grad(rnn_oracle.rnn_log_likelihood)(init, seqs, seqs)
    assert isinstance(got, dict) and list(got) == list(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-12, err_msg=key)

    net, net_oracle = load("mlp_classifier", vizgrad_port()), load("mlp_classifier", TO_AUTOGRAD)
    layers = net.init_random_params(0.5, [4, 3, 2], rs)
    inputs, targets = rs.randn(5, 4), np.eye(2)[rs.randint(0, 2, 5)]
    got = vg.grad(net.log_posterior)(layers, inputs, targets, 0.1)
    want = autograd.grad(net_oracle.log_posterior)(layers, inputs, targets, 0.1)
    assert type(got) is list and all(type(layer) is tuple for layer in got)
    for (gw, gb), (ww, wb) in zip(got, want):
        np.testing.assert_allclose(gw, ww, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gb, wb, rtol=1e-10, atol=1e-12)


def test_a_parameter_the_loss_never_uses_is_named_by_its_key_and_a_list_of_numbers_is_one_array():
    params = {"W": np.ones(2), "unused": np.ones(3)}
    with pytest.warns(vg.UnconnectedGradientWarning, match=r"argument 0 \('unused'\)"):
        got = vg.grad(lambda p: np.sum(p["W"] ** 2))(params)
    np.testing.assert_array_equal(got["unused"], np.zeros(3))
    np.testing.assert_array_equal(got["W"], [2., 2.])
    with pytest.warns(vg.UnconnectedGradientWarning, match=r"\('layers\[1\]\[0\]'\)"):
        vg.grad(lambda layers: np.sum(layers[0][0]) + np.sum(layers[0][1]))(
            [(np.ones(2), np.ones(1)), (np.ones(1),)])
    np.testing.assert_array_equal(vg.grad(lambda v: v[0] * v[1])([2.0, 5.0]), [5.0, 2.0])


def test_lenet_pooling_and_dense_layers_match_autograd_on_every_edge():
    lenet, oracle = load("lenet_parts"), load("lenet_parts", TO_AUTOGRAD)

    def build(module):
        layers = [module.maxpool_layer((2, 2)), module.tanh_layer(3),
                  module.softmax_layer(2)]
        return module.make_nn_funs((1, 4, 4), layers, L2_reg=0.1)

    n_weights, _, loss_fun = build(lenet)
    _, _, oracle_loss = build(oracle)
    rs = np.random.RandomState(3)
    w_init = rs.randn(n_weights) * 0.5
    images, labels = rs.randn(2, 1, 4, 4), np.eye(2)[[0, 1]]
    w = vg.Variable(w_init, name="W_vect")
    assert check_every_edge(loss_fun(w, images, labels)) > 10
    np.testing.assert_allclose(w.grad, autograd.grad(oracle_loss)(w_init, images, labels),
                               rtol=1e-10, atol=1e-12)


def test_gaussian_process_and_svi_on_scipy_stats_are_refused_naming_the_function():
    prob = load("probabilistic")
    rs = np.random.RandomState(4)
    x, y = rs.randn(5, 1), rs.randn(5)
    params = vg.Variable(0.1 * rs.randn(4), name="params")
    with pytest.raises(vg.ConversionError, match=r"scipy\.stats\.multivariate_normal\.logpdf"):
        prob.log_marginal_likelihood(params, x, y)
    svi = vg.Variable([-1.0, -1.0, -5.0, -5.0], name="params")
    with pytest.raises(vg.ConversionError, match=r"scipy\.stats\.norm\.logpdf"):
        prob.variational_objective(svi, 2, rs.randn(10, 2), prob.log_posterior)


@pytest.mark.skipif(not has_vizgrad_scipy("stats.multivariate_normal.logpdf"),
                    reason="needs vizgrad.scipy.stats.multivariate_normal and np.linalg ops")
def test_gaussian_process_matches_autograd_on_every_edge():
    swaps = {"from scipy.stats import multivariate_normal as mvn":
             "from vizgrad.scipy.stats import multivariate_normal as mvn",
             "from scipy.stats import norm": "from vizgrad.scipy.stats import norm"}
    prob, oracle = load("probabilistic", swaps), load("probabilistic", TO_AUTOGRAD)
    rs = np.random.RandomState(4)
    x, y, init = rs.randn(5, 1), rs.randn(5), 0.1 * rs.randn(4)
    params = vg.Variable(init, name="params")
    check_every_edge(prob.log_marginal_likelihood(params, x, y))
    np.testing.assert_allclose(
        params.grad, autograd.grad(oracle.log_marginal_likelihood)(init, x, y), rtol=1e-8)


@pytest.mark.skipif(not has_vizgrad_scipy("stats.norm.logpdf"),
                    reason="needs vizgrad.scipy.stats.norm")
def test_black_box_svi_matches_autograd_on_every_edge():
    swaps = {"from scipy.stats import multivariate_normal as mvn":
             "from vizgrad.scipy.stats import multivariate_normal as mvn",
             "from scipy.stats import norm": "from vizgrad.scipy.stats import norm"}
    prob, oracle = load("probabilistic", swaps), load("probabilistic", TO_AUTOGRAD)
    rs = np.random.RandomState(5)
    noise, init = rs.randn(6, 2), np.array([-1.0, 0.5, -2.0, -1.0])
    params = vg.Variable(init, name="params")
    check_every_edge(prob.variational_objective(params, 2, noise, prob.log_posterior))
    expected = autograd.grad(oracle.variational_objective)(init, 2, noise,
                                                           oracle.log_posterior)
    np.testing.assert_allclose(params.grad, expected, rtol=1e-8)


def scipy_to_vizgrad() -> dict[str, str]:
    """Every scipy import of tests/real swapped for vizgrad.scipy's."""
    return {old: old.replace("from scipy.", "from vizgrad.scipy.")
            for old in TO_AUTOGRAD if old.startswith("from scipy.")}


@pytest.mark.skipif(not has_vizgrad_scipy("special.logsumexp",
                                          "stats.multivariate_normal.logpdf"),
                    reason="needs vizgrad.scipy.special and .stats.multivariate_normal")
def test_gaussian_mixture_matches_autograd_on_every_edge():
    gmm, oracle = load("gmm", scipy_to_vizgrad()), load("gmm", TO_AUTOGRAD)
    rs = np.random.RandomState(9)
    init = gmm.init_gmm_params(num_components=2, D=2, scale=0.5, rs=rs)
    init["lower triangles"] = init["lower triangles"] + 0.1 * rs.randn(2, 2, 2)
    data = rs.randn(3, 2)
    params = {key: vg.Variable(value, name=key) for key, value in init.items()}
    assert check_every_edge(gmm.gmm_log_likelihood(params, data)) > 20
    expected = autograd.grad(oracle.gmm_log_likelihood)(init, data)
    for key, tensor in params.items():
        np.testing.assert_allclose(tensor.grad, expected[key], rtol=1e-9, atol=1e-12)


@pytest.mark.skipif(not has_vizgrad_scipy("stats.norm.logpdf"),
                    reason="needs vizgrad.scipy.stats.norm")
def test_variational_autoencoder_matches_autograd_on_every_edge():
    vae, oracle = load("vae", scipy_to_vizgrad()), load("vae", TO_AUTOGRAD)
    rs = np.random.RandomState(10)
    sizes = {"gen": [2, 3, 4], "rec": [4, 3, 4]}     # latent 2, data 4
    init = {key: [(rs.randn(m, n) * 0.5, rs.randn(n) * 0.5) for m, n in zip(s[:-1], s[1:])]
            for key, s in sizes.items()}
    data = np.where(rs.randn(3, 4) > 0, 1.0, -1.0)
    gen, rec = variables(init["gen"]), variables(init["rec"])
    bound = vae.vae_lower_bound(gen, rec, data, np.random.RandomState(11))
    assert check_every_edge(bound, rtol=1e-4, atol=1e-5) > 40
    expected = autograd.grad(oracle.vae_lower_bound, argnum=(0, 1))(
        init["gen"], init["rec"], data, np.random.RandomState(11))
    for layers, want in zip((gen, rec), expected):
        for layer, w_layer in zip(layers, want):
            for tensor, w in zip(layer, w_layer):
                np.testing.assert_allclose(tensor.grad, w, rtol=1e-9, atol=1e-12)


# -- Karpathy's min-char-rnn: vizgrad against the program's own backward pass -------------
def test_min_char_rnn_matches_its_hand_written_backward_pass_on_every_edge():
    rnn = load("min_char_rnn")
    rs = np.random.RandomState(6)
    vocab, hidden = 4, 3
    weights = {"Wxh": rs.randn(hidden, vocab) * 0.5, "Whh": rs.randn(hidden, hidden) * 0.5,
               "Why": rs.randn(vocab, hidden) * 0.5, "bh": np.zeros((hidden, 1)),
               "by": np.zeros((vocab, 1))}
    inputs, targets, hprev = [0, 1, 2], [1, 2, 3], rs.randn(hidden, 1) * 0.1
    loss_value, *hand, _ = rnn.lossFun(inputs, targets, hprev, **weights, vocab_size=vocab)
    params = {key: vg.Variable(value, name=key) for key, value in weights.items()}
    loss, *_ = rnn.forward(inputs, targets, hprev, **params, vocab_size=vocab)
    assert loss.item() == pytest.approx(loss_value, rel=1e-12)
    assert check_every_edge(loss) > 20
    for key, expected in zip(["Wxh", "Whh", "Why", "bh", "by"], hand):
        np.testing.assert_allclose(params[key].grad, expected, rtol=1e-10, atol=1e-12)


def test_min_char_rnn_backward_on_tensors_stops_at_the_first_array_accumulation():
    rnn = load("min_char_rnn")
    params = {"Wxh": vg.Variable(np.ones((2, 3)) * 0.1, name="Wxh"),
              "Whh": vg.Variable(np.eye(2) * 0.1, name="Whh"),
              "Why": vg.Variable(np.ones((3, 2)) * 0.1, name="Why"),
              "bh": vg.Variable(np.zeros((2, 1)), name="bh"),
              "by": vg.Variable(np.zeros((3, 1)), name="by")}
    with pytest.raises(vg.VizgradError, match=r"np\.add.*out="):
        rnn.lossFun([0, 1], [1, 2], np.zeros((2, 1)), **params, vocab_size=3)


# -- cs231n layers -----------------------------------------------------------------------
def test_cs231n_affine_forward_with_ndarray_dot_is_refused_with_the_np_dot_fix():
    layers = load("cs231n_layers")
    x, w = np.ones((2, 3)), vg.Variable(np.ones((3, 4)), name="w")
    with pytest.raises(vg.ConversionError, match=r"x\.reshape\(x\.shape\[0\], -1\)\.dot\(w\).*"
                                                 r"'w'.*np\.dot\(X, w\) or X @ w"):
        layers.affine_forward(x, w, vg.Variable(np.zeros(4), name="b"))


def test_cs231n_two_layer_net_matches_softmax_losss_own_dx_on_every_edge():
    layers = load("cs231n_layers")
    rs = np.random.RandomState(7)
    X, y = rs.randn(4, 3), np.array([0, 2, 1, 2])
    W1, b1 = vg.Variable(rs.randn(3, 5), name="W1"), vg.Variable(rs.randn(5) * 0.1, name="b1")
    W2, b2 = vg.Variable(rs.randn(5, 3), name="W2"), vg.Variable(rs.randn(3) * 0.1, name="b2")
    hidden, _ = layers.relu_forward(layers.affine_forward_np_dot(X, W1, b1)[0])
    scores, _ = layers.affine_forward_np_dot(hidden, W2, b2)
    loss, dx = layers.softmax_loss(scores, y)
    assert dx.op == "divide" and dx.inputs[0].op == "setitem"   # dx[...] -= 1 was recorded
    assert check_every_edge(loss) > 10
    # softmax_loss's own hand-written dx is the gradient of the loss at the scores
    [dscores] = vg.gradients(loss, [scores])
    _, hand_dx = layers.softmax_loss(scores.numpy(), y)
    np.testing.assert_allclose(dscores.numpy(), hand_dx, rtol=1e-12, atol=1e-14)


def test_cs231n_conv_forward_naive_into_np_zeros_is_refused_naming_the_assignment():
    layers = load("cs231n_layers")
    x, w = np.ones((1, 1, 3, 3)), vg.Variable(np.ones((1, 1, 2, 2)), name="w")
    b = vg.Variable([0.5], name="b")
    with pytest.raises(ValueError) as caught:   # numpy wraps it: 'setting an array element'
        layers.conv_forward_naive(x, w, b, {"stride": 1, "pad": 0})
    refusal = caught.value.__cause__ or caught.value.__context__
    assert isinstance(refusal, vg.ConversionError)
    assert "out[n, f, i, j] = np.sum(window * w[f]) + b[f]" in str(refusal)
    assert "out = vg.tensor(np.zeros(...))" in str(refusal)


def test_cs231n_conv_forward_naive_with_the_fix_matches_conv2d_on_every_edge():
    layers = load("cs231n_layers", {
        "    out = np.zeros((N, F, H_out, W_out))":
        "    out = vg.tensor(np.zeros((N, F, H_out, W_out)))"})
    layers.vg = vg
    rs = np.random.RandomState(8)
    x = rs.randn(1, 2, 3, 3)
    w, b = vg.Variable(rs.randn(2, 2, 2, 2), name="w"), vg.Variable(rs.randn(2), name="b")
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
    assert out.op == "setitem"
    loss = (out * out).sum()
    assert check_every_edge(loss) > 30
    w2, b2 = vg.Variable(w.numpy()), vg.Variable(b.numpy())
    reference = vg.conv2d(vg.constant(x), w2, stride=1, padding=1) + b2.reshape(1, 2, 1, 1)
    np.testing.assert_allclose(out.numpy(), reference.numpy(), rtol=1e-12)
    (reference * reference).sum().backward()
    np.testing.assert_allclose(w.grad, w2.grad, rtol=1e-10)
    np.testing.assert_allclose(b.grad, b2.grad, rtol=1e-10)


# -- what numpy and scipy do with a tensor: refused while it carries a gradient ------------
W = vg.Variable([1.0, 2.0], name="w")


def assign_into_array():
    out = np.zeros(2)
    out[:] = W * 2


@pytest.mark.parametrize("convert, named", [
    (lambda: np.ones((3, 2)).dot(W), r"np\.dot\(X, w\) or X @ w"),
    (lambda: np.asarray(W * 2), r"np\.asarray\(W \* 2\)"),
    (lambda: np.array([W[0], W[1]]), r"np\.stack"),
    (lambda: np.mean([W[0] * 2, W[1]]), r"np\.mean\(np\.stack\(\[a, b\]\)\)"),
    (assign_into_array, r"`out\[:\] = W \* 2`.*np\.stack.*out = vg\.tensor"),
    (lambda: __import__("scipy.special").special.logsumexp(W), r"scipy\.special\.logsumexp"),
    (lambda: __import__("scipy.signal").signal.convolve(W, np.ones(2)), r"scipy\.signal"),
])
def test_implicit_conversions_of_a_tensor_with_gradient_are_refused(convert, named):
    with pytest.raises(vg.ConversionError, match=named):
        convert()


def test_scipy_ufunc_on_a_tensor_names_scipy_and_the_vizgrad_equivalent():
    import scipy.special
    with pytest.raises(vg.UnsupportedError, match=r"scipy\.special\.expit .*(vg\.sigmoid|"
                                                  r"vizgrad\.scipy\.special\.expit)"):
        scipy.special.expit(W)


def test_explicit_exits_and_tensors_without_gradient_convert():
    w = vg.Variable([1.0, 2.0], name="w")
    assert w.numpy().tolist() == [1.0, 2.0] and w.data.tolist() == [1.0, 2.0]
    assert float(w[0]) == 1.0 and w[1].item() == 2.0
    with vg.no_grad():
        assert np.asarray(w * 2).tolist() == [2.0, 4.0]
    assert np.ones((1, 2)).dot(vg.constant([1.0, 1.0])).tolist() == [2.0]
    out = np.zeros(2)
    out[0] = float(w[0])   # float() is asked for, so the store is fine
    assert out.tolist() == [1.0, 0.0]


def test_a_tensor_watched_by_a_tape_or_differentiated_by_grad_carries_a_gradient():
    x = vg.constant([1.0, 2.0], name="x")
    with vg.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(vg.ConversionError, match="'x'"):
            np.asarray(x)
    with pytest.raises(vg.ConversionError, match=r"np\.ones\(2\)\.dot"):
        vg.grad(lambda v: np.ones(2).dot(v))(np.array([1.0, 2.0]))


def test_grad_warns_naming_the_input_the_output_does_not_depend_on():
    with pytest.warns(vg.UnconnectedGradientWarning, match=r"argument 1"):
        dx, dy = vg.grad(lambda x, y: x * 2, argnums=(0, 1))(1.0, 2.0)
    assert (float(dx), float(dy)) == (2.0, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vg.grad(lambda x: x * x)(3.0)    # connected: no warning


# -- dtypes promote as numpy 2 (NEP 50) -------------------------------------------------------
DTYPES = ["float16", "float32", "float64", "int8", "int32", "uint8", "bool", "complex64"]
OTHERS = [0.1, 2, True, 1j, np.float64(0.1), np.float32(0.1), np.int64(3), np.int8(2),
          np.array(0.5), np.array([1.5, 2.5], np.float32)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_mixed_dtypes_promote_exactly_as_numpy_does(dtype):
    a = np.array([1, 2]).astype(dtype)
    for other in OTHERS:
        for combine in (lambda x, y: x * y, lambda x, y: y - x, np.maximum,
                        lambda x, y: np.where(np.array([True, False]), x, y)):
            try:
                want = np.asarray(combine(a, other)).dtype
            except Exception as error:  # numpy refuses some: so must vizgrad
                with pytest.raises(type(error)):
                    combine(vg.tensor(a), other)
                continue
            assert combine(vg.tensor(a), other).dtype == want, (dtype, other)


# -- parameter updates as users write them ---------------------------------------------------
def test_pytorch_update_in_no_grad_keeps_the_same_trainable_leaf():
    w = vg.Variable([1.0, 2.0], name="w")
    loss = (w * w).sum()
    loss.backward()
    before = vg.graph(loss).to_dot()
    same = w
    with vg.no_grad():
        w -= 0.25 * w.grad
    assert w is same and w.is_leaf and w.requires_grad
    assert w.numpy().tolist() == [0.5, 1.0]
    assert vg.graph(loss).to_dot() == before      # the graph keeps the values it showed
    w.zero_grad()
    (w * w).sum().backward()                       # not "computed inside no_grad"
    assert w.grad.tolist() == [1.0, 2.0]


def test_micrograd_update_through_data_changes_the_leaf_and_not_old_graphs():
    p = vg.Variable([1.0, 2.0], name="p")
    loss = (p * 3).sum()
    loss.backward()
    before = vg.graph(loss).to_dot()
    p.data += -0.5 * p.grad
    assert p.numpy().tolist() == [-0.5, 0.5] and p.requires_grad
    assert vg.graph(loss).to_dot() == before
    with pytest.raises(vg.InPlaceError, match=r"no_grad\(\): t\[index\] = value"):
        p.data[0] = 5.0


def test_an_update_forgotten_outside_no_grad_is_refused_with_the_fix():
    w = vg.Variable([1.0, 2.0], name="w")
    with pytest.raises(vg.InPlaceError, match=r"'w'.*with vg\.no_grad\(\)"):
        w -= 0.1


def test_item_assignment_is_drawn_and_earlier_users_keep_the_old_value():
    x = vg.Variable([1.0, 2.0, 3.0], name="x")
    h = vg.tensor(np.zeros(3), name="h")
    before = h * 2                       # computed from h before the assignment
    h[1:] = x[:2] * 3
    assert h.op == "setitem" and h.name == "h" and before.inputs[0] is not h
    loss = (before + h * h).sum()
    assert check_every_edge(loss) >= 4
    assert any(node.op == "setitem" for node in vg.graph(loss).nodes)
    np.testing.assert_allclose(x.grad, [2 * 3 * 3 * 1.0, 2 * 3 * 3 * 2.0, 0.0])
    with pytest.raises(vg.InPlaceError, match=r"'x'.*no_grad"):
        x[0] = 5.0


def test_copy_astype_format_and_tolist_as_real_code_calls_them():
    w = vg.Variable([1.0, 2.0], name="w")
    assert f"loss {(w * w).sum():.3f}" == "loss 5.000" and w.tolist() == [1.0, 2.0]
    assert w.copy().op == "copy" and np.copy(w).op == "copy"
    assert w.astype("float64", copy=False) is w
    assert w.astype(np.float32, copy=False).dtype == np.float32
