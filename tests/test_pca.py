"""PCA as numpy programs write it (np.linalg.svd, np.linalg.eigh of a covariance), with the
reconstruction error as the loss: every edge against central differences, the gradient of
the data against HIPS autograd running the same source."""

from __future__ import annotations

import autograd
import numpy as np
import pytest

import vizgrad as vg

from .test_outsider_programs import run_source
from .test_real_numpy import check_every_edge

PCA = '''
import numpy as np

def pca_svd(X, Y, k):
    mean = X.mean(axis=0)
    U, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
    W = Vt[:k].T
    Yc = Y - mean
    return np.sum((Yc - Yc @ W @ W.T) ** 2)

def pca_eigh(X, Y, k):
    mean = X.mean(axis=0)
    C = (X - mean).T @ (X - mean) / (X.shape[0] - 1)
    w, V = np.linalg.eigh(C)
    W = V[:, ::-1][:, :k]
    Yc = Y - mean
    return np.sum((Yc - Yc @ W @ W.T) ** 2) + np.sum(w[::-1][k:])

def explained(X, Y, k):
    S = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return np.sum(S[:k] ** 2) / np.sum(S ** 2) * np.sum(Y ** 2)
'''


@pytest.mark.parametrize("function", ["pca_svd", "pca_eigh", "explained"])
def test_pca_gradients_match_autograd_on_every_edge(function):
    # fitted on X, the reconstruction error of held-out Y: at X itself the fitted subspace
    # is optimal and its gradient vanishes, on Y it does not
    rng = np.random.RandomState(0)
    scales = np.array([3.0, 2.0, 1.0, 0.5])
    train, held_out = rng.randn(8, 4) * scales, rng.randn(5, 4) * scales[::-1]
    ours, theirs = run_source(PCA)[function], run_source(PCA, autograd_numpy=True)[function]
    X, Y = vg.Variable(train, name="X"), vg.Variable(held_out, name="Y")
    loss = ours(X, Y, 2)
    assert check_every_edge(loss, rtol=1e-4, atol=1e-7) >= 5
    np.testing.assert_allclose(loss.item(), theirs(train, held_out, 2), rtol=1e-12)
    expected = autograd.grad(lambda x, y: theirs(x, y, 2), (0, 1))(train, held_out)
    np.testing.assert_allclose(X.grad, expected[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(Y.grad, expected[1], rtol=1e-8, atol=1e-10)
    assert np.abs(X.grad).max() > 0.1   # the decomposition's gradient is not negligible


def test_svd_full_matrices_on_a_non_square_tensor_names_the_fix():
    with pytest.raises(vg.VizgradError, match="full_matrices=False"):
        np.linalg.svd(vg.Variable(np.ones((3, 2)), name="X"))


@pytest.mark.parametrize("uplo, triangle", [("L", np.tril), ("U", np.triu)])
def test_eigh_reads_one_triangle_and_its_gradient_lands_there(uplo, triangle):
    a = np.array([[2.0, 5.0, 0.0], [0.3, 1.0, 7.0], [0.1, -0.4, 3.0]])   # not symmetric
    weights = np.arange(1.0, 4.0)

    def loss(x, lib):
        w, v = lib.linalg.eigh(x, UPLO=uplo)
        return lib.sum(w * weights) + lib.sum(v ** 4)   # v's sign does not matter

    A = vg.Variable(a, name="A")
    np.testing.assert_allclose(np.linalg.eigh(A, UPLO=uplo)[0].numpy(),
                               np.linalg.eigvalsh(a, UPLO=uplo))
    loss(A, np).backward()
    expected = autograd.grad(lambda x: loss(x, autograd.numpy))(a)
    np.testing.assert_allclose(A.grad, expected, rtol=1e-8, atol=1e-10)
    assert np.all(A.grad[triangle(np.ones((3, 3))) == 0] == 0)   # the unread triangle


def test_fill_diagonal_on_a_tensor_records_the_assignment():
    s = vg.Variable([1.0, 2.0, 3.0], name="s")
    t = vg.tensor(np.ones((3, 3)), name="t")
    assert np.fill_diagonal(t, s * 2) is None
    assert t.op == "setitem"
    np.testing.assert_array_equal(t.numpy(), np.ones((3, 3)) - np.eye(3) + np.diag([2., 4., 6.]))
    np.sum(t * np.arange(9.0).reshape(3, 3)).backward()
    np.testing.assert_array_equal(s.grad, 2 * np.array([0.0, 4.0, 8.0]))


def test_fill_diagonal_refuses_what_it_cannot_record():
    with pytest.raises(vg.VizgradError, match="exactly 3"):
        np.fill_diagonal(vg.tensor(np.ones((3, 3))), vg.Variable([1.0, 2.0]))
    with pytest.raises(vg.VizgradError, match="silently 0"):   # numpy's array, a tensor value
        np.fill_diagonal(np.ones((2, 2)), vg.Variable([1.0, 2.0]))


def test_an_unsupported_linalg_function_suggests_linalg_ones():
    with pytest.raises(vg.VizgradError) as error:
        np.linalg.eig(vg.Variable(np.eye(2)))
    message = str(error.value)
    assert "np.linalg.eigh" in message and "np.std" not in message and "np.sum" not in message


def test_fill_diagonal_of_a_trained_variable_names_the_call_and_the_fix():
    w = vg.Variable(np.ones((2, 2)), name="W")
    with pytest.raises(vg.InPlaceError, match=r"np\.fill_diagonal\(W.*no_grad"):
        np.fill_diagonal(w, 0.0)
    with vg.no_grad():   # a parameter update: the values change in place
        np.fill_diagonal(w, 0.0)
    np.testing.assert_array_equal(w.numpy(), [[0.0, 1.0], [1.0, 0.0]])
