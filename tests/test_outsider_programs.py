"""Public programs nobody here wrote, ported as a learner would, checked edge by edge.

Each program is vendored minimal below, with the repository and path it comes from. numpy
programs run twice from the same source: on vizgrad tensors (plain ``numpy``) and on HIPS
autograd (``autograd.numpy``) or against the program's own hand-written gradient; every
edge and every intermediate of the drawing is checked against central differences.
"""

from __future__ import annotations

import autograd
import numpy as np
import pytest

import vizgrad as vg

from .test_real_numpy import check_every_edge


def run_source(source: str, autograd_numpy: bool = False) -> dict:
    """The program's namespace, with numpy as written or swapped for autograd.numpy."""
    if autograd_numpy:
        source = source.replace("import numpy as np", "import autograd.numpy as np")
    namespace: dict = {}
    exec(compile(source, "<program>", "exec"), namespace)
    return namespace


def leaves(arrays: dict) -> list[vg.Variable]:
    return [vg.Variable(value, name=name) for name, value in arrays.items()]


# cs231n (Stanford CS231n assignments, cs231n/layers.py, svm_loss as distributed):
# the loss and the hand-written dx, both computed on the tensor as written.
SVM_LOSS = '''
import numpy as np
def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx
'''


def test_cs231n_svm_loss_as_written_matches_its_own_dx_on_every_edge():
    svm_loss = run_source(SVM_LOSS)["svm_loss"]
    scores = np.random.RandomState(1).randn(4, 3)
    y = np.array([0, 2, 1, 2])
    _, hand_dx = svm_loss(scores, y)
    [x] = leaves({"x": scores})
    loss, dx = svm_loss(x, y)   # dx[...] -= num_pos: an array updated from a count
    assert isinstance(dx, np.ndarray)
    np.testing.assert_array_equal(dx, hand_dx)
    assert check_every_edge(loss) >= 5
    np.testing.assert_allclose(x.grad, hand_dx, rtol=1e-12, atol=1e-14)


def test_an_array_updated_in_place_from_a_tensor_with_gradient_is_still_refused():
    w = vg.Variable(np.ones(3), name="w")
    total = np.zeros(3)
    with pytest.raises(vg.VizgradError, match="out="):
        total += w * 2


# HIPS autograd, examples/fluidsim/fluidsim.py (github.com/HIPS/autograd, MIT licence):
# project and advect as written (np.roll, np.meshgrid, floor().astype(int), fancy indexing,
# vx -= ... on a tensor), one step on a 3x3 grid.
FLUIDSIM = '''
import numpy as np
def project(vx, vy):
    p = np.zeros(vx.shape)
    h = 1.0 / vx.shape[0]
    div = -0.5 * h * (np.roll(vx, -1, axis=0) - np.roll(vx, 1, axis=0)
                      + np.roll(vy, -1, axis=1) - np.roll(vy, 1, axis=1))
    for k in range(10):
        p = (div + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=0)
             + np.roll(p, 1, axis=1) + np.roll(p, -1, axis=1)) / 4.0
    vx -= 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)) / h
    vy -= 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) / h
    return vx, vy
def advect(f, vx, vy):
    rows, cols = f.shape
    cell_ys, cell_xs = np.meshgrid(np.arange(rows), np.arange(cols))
    center_xs = (cell_xs - vx).ravel()
    center_ys = (cell_ys - vy).ravel()
    left_ix = np.floor(center_xs).astype(int)
    top_ix = np.floor(center_ys).astype(int)
    rw = center_xs - left_ix
    bw = center_ys - top_ix
    left_ix = np.mod(left_ix, rows)
    right_ix = np.mod(left_ix + 1, rows)
    top_ix = np.mod(top_ix, cols)
    bot_ix = np.mod(top_ix + 1, cols)
    flat_f = (1 - rw) * ((1 - bw) * f[left_ix, top_ix] + bw * f[left_ix, bot_ix]) + rw * (
        (1 - bw) * f[right_ix, top_ix] + bw * f[right_ix, bot_ix])
    return np.reshape(flat_f, (rows, cols))
def simulate(vx, vy, smoke, num_time_steps):
    for t in range(num_time_steps):
        vx_updated = advect(vx, vx, vy)
        vy_updated = advect(vy, vx, vy)
        vx, vy = project(vx_updated, vy_updated)
        smoke = advect(smoke, vx, vy)
    return smoke
target = np.linspace(0, 1, 9).reshape(3, 3)
def objective(vx, vy):
    final_smoke = simulate(vx, vy, np.eye(3), 1)
    return np.mean((target - final_smoke) ** 2)
'''

# HIPS autograd, examples/generative_adversarial_net.py (MIT licence): gan_objective with
# batch_normalize (np.std), logsigmoid through np.logaddexp, a RandomState passed in.
GAN = '''
import numpy as np
def relu(x):
    return np.maximum(0, x)
def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)
def logsigmoid(x):
    return x - np.logaddexp(0, x)
def batch_normalize(activations):
    mbmean = np.mean(activations, axis=0, keepdims=True)
    return (activations - mbmean) / (np.std(activations, axis=0, keepdims=True) + 1)
def neural_net_predict(params, inputs):
    inpW, inpb = params[0]
    inputs = relu(np.dot(inputs, inpW) + inpb)
    for W, b in params[1:-1]:
        outputs = batch_normalize(np.dot(inputs, W) + b)
        inputs = relu(outputs)
    outW, outb = params[-1]
    outputs = np.dot(inputs, outW) + outb
    return outputs
def gan_objective(gen_params, dsc_params, real_data, num_samples, noise_dim, rs):
    noise = rs.rand(num_samples, noise_dim)
    fake_data = sigmoid(neural_net_predict(gen_params, noise))
    logprobs_fake = logsigmoid(neural_net_predict(dsc_params, fake_data))
    logprobs_real = logsigmoid(neural_net_predict(dsc_params, real_data))
    return np.mean(logprobs_real) - np.mean(logprobs_fake)
def objective(g0, gb0, g1, gb1, d0, db0, d1, db1):
    real = np.linspace(0.1, 0.9, 9).reshape(3, 3)
    return gan_objective([(g0, gb0), (g1, gb1)], [(d0, db0), (d1, db1)], real, 3, 2,
                         np.random.RandomState(0))
'''


def _gan_arrays(rs):
    shapes = {"g0": (2, 3), "gb0": (3,), "g1": (3, 3), "gb1": (3,),
              "d0": (3, 3), "db0": (3,), "d1": (3, 1), "db1": (1,)}
    return {name: rs.randn(*shape) for name, shape in shapes.items()}


@pytest.mark.parametrize("source, arrays", [
    (FLUIDSIM, lambda rs: {"vx": rs.randn(3, 3) * 0.3 + 0.13, "vy": rs.randn(3, 3) * 0.3 + 0.17}),
    (GAN, _gan_arrays),
], ids=["fluidsim", "generative_adversarial_net"])
def test_autograd_example_matches_autograd_on_every_edge(source, arrays):
    values = arrays(np.random.RandomState(2))
    want = autograd.grad(
        lambda *a: run_source(source, autograd_numpy=True)["objective"](*a),
        tuple(range(len(values))))(*values.values())
    tensors = leaves(values)
    loss = run_source(source)["objective"](*tensors)
    assert check_every_edge(loss, rtol=1e-4, atol=1e-7) > 20
    for t, w in zip(tensors, want):
        np.testing.assert_allclose(t.grad, w, rtol=1e-7, atol=1e-10, err_msg=t.name)
    assert "<svg" in vg.graph(loss).to_svg()


# cs231n layers.py max_pool_forward_naive, a common solution: out = np.zeros(...) filled by
# out[:, :, i, j] = np.max(window, ...). Refused naming the line; the suggested fix is exact.
MAX_POOL = '''
import numpy as np
import vizgrad as vg
def max_pool_forward_naive(x, pool_param):
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i*stride:i*stride+ph, j*stride:j*stride+pw]
            out[:, :, i, j] = np.max(window, axis=(2, 3))
    return out, (x, pool_param)
'''


def test_cs231n_max_pool_into_np_zeros_is_refused_and_the_fix_is_exact(tmp_path):
    path = tmp_path / "layers.py"   # a file, as a learner's layers.py: the error quotes the line
    path.write_text(MAX_POOL)
    namespace: dict = {}
    exec(compile(MAX_POOL, str(path), "exec"), namespace)
    x = vg.Variable(np.random.RandomState(3).randn(2, 1, 4, 4), name="x")
    pool = {"pool_height": 2, "pool_width": 2, "stride": 2}
    with pytest.raises(vg.ConversionError, match="out = vg.tensor") as caught:
        namespace["max_pool_forward_naive"](x, pool)
    assert "np.max(window, axis=(2, 3))" in str(caught.value)
    fixed = MAX_POOL.replace("out = np.zeros((N, C, H_out, W_out))",
                             "out = vg.tensor(np.zeros((N, C, H_out, W_out)))")
    out, _ = run_source(fixed)["max_pool_forward_naive"](x, pool)
    weights = np.arange(8.0).reshape(2, 1, 2, 2)
    assert check_every_edge(np.sum(out * weights)) > 5
    # the gradient goes to each window's maximum, weighted as the output was
    want = np.zeros_like(x.data)
    for n, c, i, j in np.ndindex(2, 1, 2, 2):
        window = x.data[n, c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
        k = np.unravel_index(np.argmax(window), (2, 2))
        want[n, c, 2 * i + k[0], 2 * j + k[1]] = weights[n, c, i, j]
    np.testing.assert_array_equal(x.grad, want)


# -- PyTorch: dropout's random mask drawn with the gradients PyTorch's hooks saw -------------
torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


class EncoderRNN(nn.Module):
    """PyTorch tutorials, intermediate_source/seq2seq_translation_tutorial.py (BSD licence)."""

    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


def _batchnorm_mlp():
    model = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(7, 3))
    x, y = torch.randn(6, 5), torch.tensor([0, 1, 2, 0, 1, 2])
    return model, model[3], lambda: F.cross_entropy(model(x), y, label_smoothing=0.1)


def _encoder():
    model = EncoderRNN(7, 4, dropout_p=0.5)
    words = torch.tensor([[1, 3, 5, 2]])

    def loss():
        output, hidden = model(words)
        return output.sum() + (hidden ** 2).sum()
    return model, model.dropout, loss


@pytest.mark.parametrize("build", [_batchnorm_mlp, _encoder], ids=["batchnorm_mlp", "gru"])
def test_dropout_in_a_model_is_drawn_with_pytorchs_gradients(build):
    import vizgrad.torch as vt
    torch.manual_seed(0)
    model, dropout, program = build()
    seen = {}
    dropout.register_forward_hook(lambda module, inputs, output: seen.update(
        input=inputs[0], output=output))
    with vt.record():
        loss = program()
    seen["input"].retain_grad()
    seen["output"].retain_grad()
    loss.backward()
    trace = vt.trace_of(loss, names={"model": model})
    [step] = [s for s in trace.steps if trace.tensors[s.tensor].op == "dropout"]
    np.testing.assert_array_equal(step.upstream, seen["output"].grad.numpy())
    np.testing.assert_array_equal(step.contributions[0], seen["input"].grad.numpy())
    for name, parameter in model.named_parameters():
        [index] = [t.index for t in trace.tensors if t.name == name]
        np.testing.assert_allclose(trace.totals[index], parameter.grad.numpy(), rtol=1e-6,
                                   err_msg=name)
    assert not [n.label for n in vg.graph(loss, names={"model": model}).nodes if n.unconnected]


# HIPS autograd, examples/ica.py (MIT licence): the log likelihood under a Student t, with
# scipy.stats.t swapped for vizgrad.scipy.stats.t (autograd.scipy.stats.t for the oracle).
ICA = '''
import numpy as np
from scipy.stats import t
def predict(weights, latents):
    return np.dot(weights, latents).T
observed = np.arange(12.0).reshape(4, 3) / 10
def logprob(weights, latents, noise_std):
    preds = predict(weights, latents)
    log_lik = np.sum(t.logpdf(preds, 2.4, observed, noise_std))
    return log_lik
'''


def test_ica_with_a_student_t_matches_autograd_on_every_edge():
    rs = np.random.RandomState(5)
    values = {"weights": rs.randn(3, 2), "latents": rs.randn(2, 4), "noise_std": np.array(0.7)}
    oracle = run_source(ICA.replace("from scipy.stats", "from autograd.scipy.stats"),
                        autograd_numpy=True)["logprob"]
    want = autograd.grad(oracle, (0, 1, 2))(*values.values())
    tensors = leaves(values)
    loss = run_source(ICA.replace("from scipy.stats", "from vizgrad.scipy.stats"))["logprob"](
        *tensors)
    assert check_every_edge(loss) > 10
    for t, w in zip(tensors, want):
        np.testing.assert_allclose(t.grad, w, rtol=1e-9, err_msg=t.name)


def test_scipys_own_student_t_on_a_tensor_is_refused_naming_vizgrads():
    from scipy.stats import t
    preds = vg.Variable(np.zeros(3), name="preds")
    with pytest.raises(vg.ConversionError, match="vizgrad.scipy.stats.t.logpdf"):
        t.logpdf(preds, 2.4)


# HIPS autograd, examples/logistic_regression.py (MIT licence), the whole script ported:
# autograd.grad -> vg.grad, check_grads(f)(weights) -> vg.gradcheck(f, weights).
LOGISTIC_REGRESSION = '''
import numpy as np
def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1)
def logistic_predictions(weights, inputs):
    return sigmoid(np.dot(inputs, weights))
def training_loss(weights):
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))
inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30],
                   [0.74, -2.49, 1.39]])
targets = np.array([True, True, False, True])
def train(grad, weights):
    training_gradient_fun = grad(training_loss)
    for i in range(100):
        weights -= training_gradient_fun(weights) * 0.01
    return weights
'''


def test_logistic_regression_script_trains_as_under_autograd():
    ours = run_source(LOGISTIC_REGRESSION)
    theirs = run_source(LOGISTIC_REGRESSION, autograd_numpy=True)
    assert vg.gradcheck(ours["training_loss"], np.array([0.0, 0.0, 0.0]))  # one array, one input
    trained = ours["train"](vg.grad, np.array([0.0, 0.0, 0.0]))
    want = theirs["train"](autograd.grad, np.array([0.0, 0.0, 0.0]))
    np.testing.assert_allclose(trained, want, rtol=1e-12)
    w = vg.Variable(trained, name="weights")
    assert check_every_edge(ours["training_loss"](w)) > 5


def test_gradcheck_of_one_array_finds_a_wrong_gradient_in_it():
    @vg.custom_gradient
    def wrong_square(x):
        return x * x, lambda g: g * x   # should be 2·x
    with pytest.raises(vg.GradcheckError):
        vg.gradcheck(lambda x: vg.sum(wrong_square(x)), np.array([0.5, -1.0, 2.0]))


# HIPS autograd, examples/tanh.py (MIT licence): four nested elementwise_grads of tanh.
# examples/negative_binomial_maxlike.py: grad(loglike, argnum=(0, 1)) with gammaln.
TANH = '''
import numpy as np
def tanh(x):
    return (1.0 - np.exp(-2 * x)) / (1.0 + np.exp(-(2 * x)))
'''
NEGBIN = '''
import numpy as np
from scipy.special import gammaln
def negbin_loglike(r, p, x):
    return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)
data = np.array([3, 7, 2, 9, 4, 5, 0, 6])
def loglike(r, p):
    return np.sum(negbin_loglike(r, p, data))
'''


def test_tanh_derivatives_by_nested_elementwise_grad_match_autograd():
    from autograd import elementwise_grad as egrad
    ours = run_source(TANH)["tanh"]
    theirs = run_source(TANH, autograd_numpy=True)["tanh"]
    x = np.linspace(-7, 7, 15)
    for _ in range(4):
        ours, theirs = vg.elementwise_grad(ours), egrad(theirs)
        np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-9, atol=1e-12)


def test_grad_with_autograds_argnum_spelling_matches_autograd():
    ours = run_source(NEGBIN.replace("from scipy.special", "from vizgrad.scipy.special"))
    theirs = run_source(NEGBIN.replace("from scipy.special", "from autograd.scipy.special"),
                        autograd_numpy=True)
    got = vg.grad(ours["loglike"], argnum=(0, 1))(4.0, 0.4)
    want = autograd.grad(theirs["loglike"], argnum=(0, 1))(4.0, 0.4)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    r, p = vg.Variable(4.0, name="r"), vg.Variable(0.4, name="p")
    assert check_every_edge(ours["loglike"](r, p)) > 10


# The math module on a tensor, as a learner coming from micrograd's Value writes it
# (micrograd's engine.py: math.exp(x) in tanh): math reads the tensor with float().
def test_math_functions_on_a_tensor_with_gradient_are_refused_naming_numpys():
    import math
    w = vg.Variable(0.3, name="w")
    with pytest.raises(vg.ConversionError, match=r"Fix: np\.exp\(w\), which records it"):
        vg.Variable(1.0, name="y") * math.exp(w)
    with pytest.raises(vg.ConversionError, match=r"np\.tanh"):
        math.tanh(w * 2)
    # asking for the number stays allowed: float(), .item(), no_grad, a constant tensor
    assert math.exp(float(w)) == math.exp(w.item()) == pytest.approx(math.exp(0.3))
    with vg.no_grad():
        assert math.exp(w) == pytest.approx(math.exp(0.3))
    assert math.exp(vg.tensor(2.0)) == pytest.approx(math.exp(2.0))
