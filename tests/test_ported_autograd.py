"""HIPS autograd's own tests of the functions vizgrad added, ported to run on tensors.

Ported from https://github.com/HIPS/autograd (MIT licence, Copyright (c) 2014 by the
Authors and Contributors: Dougal Maclaurin, David Duvenaud, Matthew Johnson, Jamie
Townsend), files tests/test_numpy.py, tests/test_systematic.py, tests/test_scalar_ops.py,
tests/test_linalg.py and tests/test_scipy.py at commit bff107b8d71a444a1160deade3e1cbd0b92f4fa6.
The last test runs the models of examples/gaussian_process.py and examples/gmm.py.
Each test keeps autograd's name, inputs and argument combinations; ``autograd.numpy`` is
plain numpy here (it dispatches to vizgrad on tensors), ``autograd.scipy`` is
``vizgrad.scipy``.

``check_grads`` is autograd's reverse-mode check (``test_util.check_vjp``): the
vector-Jacobian product vizgrad records, in a random direction, against central
differences of the same function run on plain arrays, in a random direction; and, as
autograd's ``order=2``, the same check of the function that computes that VJP (recorded
with ``create_graph=True``), so every second derivative is checked too.
"""

from __future__ import annotations

from functools import partial
from itertools import product
from typing import Any

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.scipy import signal, special, stats
from vizgrad.scipy.stats import multivariate_normal as mvn

EPS, TOL, RTOL = 1e-6, 1e-6, 1e-6
RNG = np.random.default_rng(1)


def R(*shape):  # noqa: N802 - autograd's name
    return RNG.standard_normal(shape)


def U(low, high, shape=()):  # noqa: N802 - autograd's name
    return RNG.uniform(low, high, shape)


# -- autograd's test_util, for vizgrad ---------------------------------------------------------
def _is_container(value: Any) -> bool:
    """A list of arrays (np.select's choices) is differentiated array by array; a nested
    list of numbers is one array, the form vizgrad differentiates."""
    return isinstance(value, (list, tuple)) and all(isinstance(v, np.ndarray) for v in value)


def _leaves(value: Any) -> list:
    """The arrays inside an argument (autograd differentiates lists of arrays too)."""
    if _is_container(value):
        return [leaf for item in value for leaf in _leaves(item)]
    return [np.asarray(value, dtype=np.float64)]


def _rebuild(value: Any, leaves: list) -> Any:
    """``value`` with its arrays replaced by ``leaves`` in order (consumed from the front)."""
    if _is_container(value):
        return type(value)(_rebuild(item, leaves) for item in value)
    return leaves.pop(0)


def _outputs(y: Any) -> list:
    return [o for item in y for o in _outputs(item)] if isinstance(y, (list, tuple)) else [y]


def check_grads(fun, argnum=0, modes=None, order=2):
    """autograd's check_grads in reverse mode: vizgrad's VJP against numbers, and (order=2)
    the VJP of that VJP, the second derivative, against central differences of the first."""
    argnums = (argnum,) if isinstance(argnum, int) else tuple(argnum)

    def check(*args, **kwargs):
        args = list(args)
        arrays = {i: _leaves(args[i]) for i in argnums}

        def run(values: dict) -> list:
            call = list(args)
            for i in argnums:
                call[i] = _rebuild(args[i], list(values[i]))
            return _outputs(fun(*call, **kwargs))

        def as_variables(values: dict) -> tuple[dict, list]:
            xs = {i: [vg.Variable(a, name=f"arg{i}") for a in values[i]] for i in argnums}
            return xs, [x for i in argnums for x in xs[i]]

        def shifted(moves: list, step: float) -> dict:
            out, k = {}, 0
            for i in argnums:
                out[i] = []
                for a in arrays[i]:
                    out[i].append(a + step * moves[k])
                    k += 1
            return out

        def dotted(tensors: list, arrays_: list):
            total = None
            for t, a in zip(tensors, arrays_):
                if t is None:
                    continue
                term = vg.sum(vg.multiply(t, a))
                total = term if total is None else total + term
            return total

        xs, flat_xs = as_variables(arrays)
        ys = run(xs)
        directions = [RNG.standard_normal(np.shape(y)) for y in ys]
        grads = vg.gradients(dotted(ys, directions), flat_xs)
        moves = [RNG.standard_normal(x.shape) for x in flat_xs]
        exact = sum(float(np.sum(m * (0 if g is None else g.numpy())))
                    for m, g in zip(moves, grads))

        def projected(sign: float) -> float:
            outputs = run(shifted(moves, sign * EPS / 2))
            return sum(float(np.sum(np.asarray(y) * v)) for y, v in zip(outputs, directions))

        numeric = (projected(1.0) - projected(-1.0)) / EPS
        assert abs(numeric - exact) < TOL or abs(numeric - exact) / abs(numeric + exact) < RTOL, (
            f"VJP check of {getattr(fun, '__name__', fun)} failed: analytic {exact}, "
            f"numeric {numeric}")
        if order < 2:
            return

        def first_derivative(values: dict) -> tuple[list, Any]:
            """moves · the VJP at ``values``, recorded so it can be differentiated again."""
            xs2, flat = as_variables(values)
            vjp = vg.gradients(dotted(run(xs2), directions), flat, create_graph=True)
            return flat, dotted(vjp, moves)

        flat, along = first_derivative(arrays)
        if along is None or not along.requires_grad:   # a linear function: nothing to check
            return
        seconds = vg.gradients(along, flat)
        turns = [RNG.standard_normal(x.shape) for x in flat]
        exact2 = sum(float(np.sum(t * (0 if g is None else g.numpy())))
                     for t, g in zip(turns, seconds))
        numeric2 = (first_derivative(shifted(turns, EPS / 2))[1].item()
                    - first_derivative(shifted(turns, -EPS / 2))[1].item()) / EPS
        assert abs(numeric2 - exact2) < 10 * TOL or \
            abs(numeric2 - exact2) / abs(numeric2 + exact2) < 1e-4, (
                f"second-order check of {getattr(fun, '__name__', fun)} failed: analytic "
                f"{exact2}, numeric {numeric2}")
    return check


def combo_check(fun, *args, **kwargs):
    """Check every combination of the given arguments and keyword arguments (autograd's)."""
    def _combo_check(*arg_lists, **kwarg_lists):
        keyed = [[(k, x) for x in xs] for k, xs in kwarg_lists.items()]
        for call_args in product(*arg_lists):
            for call_kwargs in product(*keyed):
                check_grads(fun, *args, **kwargs)(*call_args, **dict(call_kwargs))
    return _combo_check


def transform(lims, x):
    return x * (lims[1] - lims[0]) + lims[0]


def unary_ufunc_check(fun, lims=None, test_complex=False, **kwargs):
    lims = [-2, 2] if lims is None else lims
    scalar, vector = transform(lims, 0.4), transform(lims, RNG.random(2))
    mat, mat2 = transform(lims, RNG.random((3, 2))), transform(lims, RNG.random((1, 2)))
    combo_check(fun, (0,), **kwargs)([scalar, vector, mat, mat2])


T = partial(np.swapaxes, axis1=-1, axis2=-2)


# -- tests/test_scalar_ops.py and tests/test_systematic.py: angles -----------------------------
def test_rad2deg():
    check_grads(lambda x: 3.0 * np.rad2deg(x))(10.0 * RNG.random())
    unary_ufunc_check(lambda x: np.rad2deg(x) / 50.0)


def test_deg2rad():
    check_grads(lambda x: 3.0 * np.deg2rad(x))(10.0 * RNG.random())
    unary_ufunc_check(np.deg2rad)


def test_radians():
    check_grads(lambda x: 3.0 * np.radians(x))(10.0 * RNG.random())
    unary_ufunc_check(np.radians)


def test_degrees():
    check_grads(lambda x: 3.0 * np.degrees(x))(10.0 * RNG.random())
    unary_ufunc_check(lambda x: np.degrees(x) / 50.0)


# -- tests/test_numpy.py -----------------------------------------------------------------------
def test_simple_append_list():
    check_grads(np.append, argnum=(0, 1))([1.0, 2.0, 3.0], 4.0)


def test_simple_append_arr():
    check_grads(np.append, argnum=(0, 1))(np.array([1.0, 2.0, 3.0]), 4.0)


def test_simple_append_list_2d():
    check_grads(np.append, argnum=(0, 1))([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                                          [[7.0, 8.0, 9.0]], axis=0)


def test_nan_to_num():
    y = np.array([0.0, np.nan, np.inf, -np.inf])
    check_grads(lambda x: np.sum(np.sin(np.nan_to_num(x + y))))(R(4))


def test_linspace():
    for num in [0, 1, 5]:
        def fun(x, y, num=num):
            return np.linspace(x, y, num)

        for ends in [(1.2, 3.4), (1.2, -3.4), (1.2, 1.2)]:
            check_grads(fun, argnum=(0, 1))(*ends)


def test_gradient():
    check_grads(np.gradient, 0)(R(10))
    check_grads(np.gradient, 0)(R(10, 10))
    check_grads(np.gradient, 0)(R(10, 10, 10))
    for a in [None, 0, 1, -1, (0, 1), (0, -1)]:
        check_grads(np.gradient, 0)(R(10, 10, 10), axis=a)


# -- tests/test_systematic.py ------------------------------------------------------------------
def test_partition():
    combo_check(np.partition, [0])([R(7), R(14)], kth=[0, 3, 6])


def test_rollaxis():
    combo_check(np.rollaxis, [0])([R(2, 3, 4)], axis=[0, 1, 2], start=[0, 1, 2])


def test_dsplit_3d():
    combo_check(np.dsplit, [0])([R(4, 4, 4)], [2, [1, 2]])


def test_select():
    combo_check(np.select, [1])([[R(3, 4, 5) > 0, R(3, 4, 5) > 0, R(3, 4, 5) > 0]],
                                [[R(3, 4, 5), R(3, 4, 5), R(3, 4, 5)]], default=[0.0, 1.1])


def test_einsum_matmult_broadcast():
    combo_check(np.einsum, [1, 2])(["...ij,...jk->...ik"], [R(2, 3), R(2, 2, 3)],
                                   [R(3, 4), R(2, 3, 4)])


def test_einsum_matmult_broadcast_leadzero():
    combo_check(np.einsum, [1, 2])(["...ij,...jk->...ik"], [R(0, 2, 3)], [R(0, 3, 4)])


def test_einsum_ellipses():
    combo_check(np.einsum, [1, 2])(["...jk,...lj->...lk", "...,...->..."], [R(4, 4), R(3, 4, 4)],
                                   [R(4, 4), R(3, 4, 4)])


def test_einsum_ellipses_tail():
    combo_check(np.einsum, [1, 2])(["jk...,lj...->lk..."], [R(3, 2), R(3, 2, 4)],
                                   [R(2, 3), R(2, 3, 4)])


def test_einsum_ellipses_center():
    combo_check(np.einsum, [1, 2])(["j...k,lj...->lk..."], [R(2, 2), R(2, 2, 2)],
                                   [R(2, 2), R(2, 2, 2)])


def test_einsum_naked_sum_ellipsis():
    combo_check(np.einsum, [1, 2])(["...k,...nk->..."], [R(3, 5)], [R(3, 10, 5)])


# -- tests/test_linalg.py ----------------------------------------------------------------------
def rand_psd(d):
    mat = R(d, d)
    return mat @ mat.T


def check_symmetric_matrix_grads(fun):
    def check(*args):
        def symmetrize(a):
            lower = np.tril(a)
            return (lower + T(lower)) / 2.0

        check_grads(lambda *xs: fun(symmetrize(xs[0]), *xs[1:]))(*args)
    return check


def test_inv():
    mat = R(8, 8)
    check_grads(np.linalg.inv)(mat @ mat + 1.0 * np.eye(8))


def test_inv_3d():
    check_grads(np.linalg.inv)(R(4, 4, 4) + 5 * np.eye(4))
    check_grads(np.linalg.inv)(R(4, 4, 4, 4) + 5 * np.eye(4))


def test_solve_arg1():
    b = R(8, 7)
    check_grads(lambda a: np.linalg.solve(a, b))(R(8, 8) + 10.0 * np.eye(8))


def test_solve_arg1_1d():
    b = R(8)
    check_grads(lambda a: np.linalg.solve(a, b))(R(8, 8) + 10.0 * np.eye(8))


def test_solve_arg2():
    a = R(6, 6) + 1.0 * np.eye(6)
    check_grads(lambda b: np.linalg.solve(a, b))(R(6, 5))


def test_solve_arg1_3d():
    b = R(5, 4)
    check_grads(lambda a: np.linalg.solve(a, b[..., None])[..., 0])(R(5, 4, 4) + 5 * np.eye(4))


def test_solve_arg1_3d_3d():
    b = R(5, 4, 6)
    check_grads(lambda a: np.linalg.solve(a, b))(R(5, 4, 4) + 5 * np.eye(4))


def test_det():
    check_grads(np.linalg.det)(R(6, 6))


def test_det_3d():
    check_grads(np.linalg.det)(R(3, 3, 3))


def test_slogdet():
    def fun(x):
        _sign, logdet = np.linalg.slogdet(x)
        return logdet

    mat = R(6, 6)
    check_grads(fun)(mat)
    check_grads(fun)(-mat)


def test_slogdet_3d():
    mat = np.concatenate([(rand_psd(5) + 5 * np.eye(5))[None, ...] for _ in range(3)])
    check_grads(lambda x: np.sum(np.linalg.slogdet(x)[1]))(mat)


def test_cholesky():
    check_symmetric_matrix_grads(np.linalg.cholesky)(rand_psd(6))


def test_cholesky_broadcast():
    a = np.concatenate([rand_psd(6)[None, :, :] for _ in range(3)], axis=0)
    check_symmetric_matrix_grads(np.linalg.cholesky)(a)


def _eigh_both(uplo):
    def fun(x):
        w, v = np.linalg.eigh(x, uplo)
        return tuple((w, v))
    return fun


@pytest.mark.parametrize("uplo", ["L", "U"], ids=["lower", "upper"])
def test_eigvalh(uplo):
    mat = R(6, 6)
    check_symmetric_matrix_grads(_eigh_both(uplo))(mat.T @ mat)


@pytest.mark.parametrize("uplo", ["L", "U"], ids=["lower", "upper"])
def test_eigvalh_broadcasting(uplo):
    mat = R(2, 3, 6, 6) + 10 * np.eye(6)[None, None, ...]
    check_symmetric_matrix_grads(_eigh_both(uplo))(np.einsum("...ij,...kj->...ik", mat, mat))


def _svd_all(x):
    u, s, v = np.linalg.svd(x, full_matrices=False)
    return tuple((u, s, v))


@pytest.mark.parametrize("shape", [(3, 5), (4, 3, 5), (4, 4), (3, 4, 4), (5, 3), (4, 5, 3)],
                         ids=["wide_2d", "wide_3d", "square_2d", "square_3d", "tall_2d",
                              "tall_3d"])
def test_svd(shape):
    check_grads(_svd_all)(R(*shape))


@pytest.mark.parametrize("shape", [(5, 3), (4, 5, 3)], ids=["2d", "3d"])
def test_svd_only_s(shape):
    check_grads(lambda x: np.linalg.svd(x, full_matrices=False, compute_uv=False))(R(*shape))


def test_cholesky_reparameterization_trick():
    def fun(a):
        rng = np.random.RandomState(0)
        z = np.dot(np.linalg.cholesky(a), rng.randn(a.shape[0]))
        return np.linalg.norm(z)

    check_symmetric_matrix_grads(fun)(rand_psd(6))


# -- tests/test_scipy.py -----------------------------------------------------------------------
def symmetrize_matrix_arg(fun, argnum):
    def symmetrized_fun(*args, **kwargs):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + T(args[argnum]))
        return fun(*args, **kwargs)
    return symmetrized_fun


def make_psd(mat):
    return mat.T @ mat + np.eye(mat.shape[0])


@pytest.mark.parametrize("name", ["pdf", "cdf", "logpdf"])
def test_norm(name):
    combo_check(getattr(stats.norm, name), [0, 1, 2])([R(4)], [R(4)], [R(4) ** 2 + 1.1])


@pytest.mark.parametrize("name", ["pdf", "cdf", "logpdf"])
def test_norm_broadcast(name):
    combo_check(getattr(stats.norm, name), [0, 1, 2])([R(4, 3)], [R(1, 3)], [R(4, 1) ** 2 + 1.1])


def test_mvn_logpdf():
    combo_check(symmetrize_matrix_arg(mvn.logpdf, 2), [0, 1, 2])(
        [R(4)], [R(4)], [make_psd(R(4, 4))], allow_singular=[False])


def test_mvn_pdf():
    combo_check(symmetrize_matrix_arg(mvn.pdf, 2), [0, 1, 2])(
        [R(4)], [R(4)], [make_psd(R(4, 4))], allow_singular=[False])


def test_mvn_pdf_broadcast():
    combo_check(symmetrize_matrix_arg(mvn.pdf, 2), [0, 1, 2])(
        [R(5, 4)], [R(4)], [make_psd(R(4, 4))])


def test_mvn_logpdf_broadcast():
    combo_check(symmetrize_matrix_arg(mvn.logpdf, 2), [0, 1, 2])(
        [R(5, 4)], [R(4)], [make_psd(R(4, 4))])


def test_logsumexp1():
    combo_check(special.logsumexp, [0])([np.array([1.1]), R(4), R(3, 4)], axis=[None, 0],
                                        keepdims=[True, False])


def test_logsumexp2():
    combo_check(special.logsumexp, [0])([R(3, 4), R(4, 5, 6), R(1, 5)], axis=[None, 0, 1],
                                        keepdims=[True, False])


def test_logsumexp3():
    combo_check(special.logsumexp, [0])([R(4)], b=[np.exp(R(4))], axis=[None, 0],
                                        keepdims=[True, False])


def test_logsumexp4():
    combo_check(special.logsumexp, [0])([R(3, 4)], b=[np.exp(R(3, 4))], axis=[None, 0, 1],
                                        keepdims=[True, False])


def test_logsumexp5():
    combo_check(special.logsumexp, [0])([R(2, 3, 4)], b=[np.exp(R(2, 3, 4))],
                                        axis=[None, 0, 1], keepdims=[True, False])


def test_logsumexp6():
    check_grads(lambda a: special.logsumexp(a, axis=1, keepdims=True))(R(1, 5))


def test_convolve():
    combo_check(signal.convolve, [0, 1])([R(4), R(5), R(6)], [R(2), R(3), R(4)],
                                         mode=["full", "valid", "same"])


def test_convolve_2d():
    combo_check(signal.convolve, [0, 1])([R(4, 3), R(5, 4), R(6, 7)],
                                         [R(2, 2), R(3, 2), R(4, 2), R(4, 1)],
                                         mode=["full", "valid", "same"])


def test_convolve_generalization():
    import scipy.signal

    a_35, a_34, a_342 = R(3, 5), R(3, 4), R(3, 4, 2)
    a_2543, a_24232 = R(2, 5, 4, 3), R(2, 4, 2, 3, 2)
    for mode in ["valid", "full"]:
        np.testing.assert_allclose(
            signal.convolve(a_35, a_34, axes=([1], [0]), mode=mode)[1, 2],
            scipy.signal.convolve(a_35[1, :], a_34[:, 2], mode))
        np.testing.assert_allclose(
            signal.convolve(a_35, a_34, axes=([], []), dot_axes=([0], [0]), mode=mode),
            np.tensordot(a_35, a_34, axes=([0], [0])))
        np.testing.assert_allclose(
            signal.convolve(a_35, a_342, axes=([1], [2]), dot_axes=([0], [0]), mode=mode)[2],
            sum(scipy.signal.convolve(a_35[i, :], a_342[i, 2, :], mode) for i in range(3)))
        np.testing.assert_allclose(
            signal.convolve(a_2543, a_24232, axes=([1, 2], [2, 4]), dot_axes=([0, 3], [0, 3]),
                            mode=mode)[2],
            sum(sum(scipy.signal.convolve(a_2543[i, :, :, j], a_24232[i, 2, :, j, :], mode)
                    for i in range(2)) for j in range(3)))


def test_convolve_ignore():
    combo_check(signal.convolve, [0, 1])(
        [R(4, 3)], [R(3, 2)],
        axes=[([0], [0]), ([1], [1]), ([0], [1]), ([1], [0]), ([0, 1], [0, 1]), ([1, 0], [1, 0])],
        mode=["full", "valid", "same"])


def test_convolve_ignore_dot():
    combo_check(signal.convolve, [0, 1])([R(3, 3, 2)], [R(3, 2, 3)], axes=[([1], [1])],
                                         dot_axes=[([0], [2]), ([0], [0])],
                                         mode=["full", "valid", "same"])


def test_gammaln():
    unary_ufunc_check(special.gammaln, lims=[0.3, 2.0])


@pytest.mark.parametrize("function", [special.digamma, special.psi])
def test_digamma(function):
    unary_ufunc_check(function, lims=[0.3, 2.0])


def test_polygamma():
    combo_check(special.polygamma, [1])([0], R(4) ** 2 + 1.3)


def test_erf():
    unary_ufunc_check(special.erf, lims=[-3.0, 3.0])


def test_logit():
    unary_ufunc_check(special.logit, lims=[0.10, 0.90])


def test_expit():
    unary_ufunc_check(special.expit, lims=[-4.05, 4.95])


# -- examples/gaussian_process.py and examples/gmm.py: whole programs, vizgrad against autograd --
def rbf_covariance(np, kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs**2, axis=2))


def gp_log_marginal_likelihood(np, mvn, params, x, y):
    mean, cov_params, noise_scale = params[0], params[2:], np.exp(params[1]) + 0.0001
    cov_y_y = rbf_covariance(np, cov_params, x, x) + noise_scale * np.eye(len(y))
    return mvn.logpdf(y, mean * np.ones(len(y)), cov_y_y)


def gmm_log_likelihood(np, mvn, logsumexp, params, data):
    log_proportions = params["log proportions"] - logsumexp(params["log proportions"])
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(log_proportions, params["means"],
                                              params["lower triangles"]):
        cov = np.dot(cov_sqrt.T, cov_sqrt)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


def test_gaussian_process_and_gmm_examples_give_autograds_gradients():
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.special as asp
    import autograd.scipy.stats.multivariate_normal as amvn

    x = ((np.concatenate([np.linspace(0, 3, 10), np.linspace(6, 8, 10)]) - 4.0) / 2.0)[:, None]
    y = (np.cos(x[:, 0]) + R(20) * 0.1) / 2.0
    params = 0.1 * R(4)
    w = vg.Variable(params, name="params")
    [got] = vg.gradients(gp_log_marginal_likelihood(np, mvn, w, x, y), [w])
    expected = autograd.grad(lambda p: gp_log_marginal_likelihood(anp, amvn, p, x, y))(params)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-8)

    data = R(30, 2)
    gmm = {"log proportions": R(3), "means": R(3, 2),
           "lower triangles": np.zeros((3, 2, 2)) + np.eye(2) + 0.1 * R(3, 2, 2)}
    tensors = {k: vg.Variable(v, name=k) for k, v in gmm.items()}
    loss = gmm_log_likelihood(np, mvn, special.logsumexp, tensors, data)
    got = vg.gradients(loss, list(tensors.values()))
    expected = autograd.grad(lambda p: gmm_log_likelihood(anp, amvn, asp.logsumexp, p, data))(gmm)
    for (name, g) in zip(tensors, got):
        np.testing.assert_allclose(g.numpy(), expected[name], rtol=1e-8, err_msg=name)
