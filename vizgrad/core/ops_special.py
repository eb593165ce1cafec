"""scipy's special functions, normal densities and convolution, for ``vizgrad.scipy``.

scipy is not a dependency: ``gammaln`` is the standard library's ``math.lgamma`` on
each element, ``norm.cdf`` uses ``math.erfc``, and the polygamma functions (the
digamma in gammaln's rule and its derivatives) are computed here: the recurrence
ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) + (−1)ⁿ⁺¹ n!/xⁿ⁺¹ moves x above 15, where the asymptotic
series with Bernoulli numbers up to B₁₆ is exact to double precision (the digamma
of a negative x goes through the reflection ψ(1 − x) − π/tan(πx) first).

Every rule calls numpy functions or the ops here on its arguments, so called with
tensors it records (gradients of gradients).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from .ops import Op, defop
from .tensor import Tensor, apply, as_tensor

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)


def _float_dtype(a: np.ndarray) -> np.dtype:
    return a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)


def lifted(op: Op) -> Callable[..., Any]:
    """``op`` as a function of arrays or tensors: on tensors it records, on arrays it
    only computes (so a rule can call another op of the table either way).

    >>> from vizgrad.core.ops import OPS
    >>> lifted(OPS["exp"])(np.zeros(2))
    array([1., 1.])
    """
    def function(*values: Any, **params: Any) -> Any:
        if any(isinstance(v, Tensor) for v in values):
            like = next(v for v in values if isinstance(v, Tensor))
            return apply(op, tuple(as_tensor(v, like) for v in values), params or None)
        return op.forward(*values, **params)
    return function


def _each(function: Callable[[float], float], a: np.ndarray) -> np.ndarray:
    """``function`` of every element, in ``a``'s floating dtype."""
    dtype = _float_dtype(a)
    return np.asarray(np.frompyfunc(function, 1, 1)(a), dtype=np.float64).astype(dtype)


# -- log Γ and the polygamma functions ----------------------------------------------------
def _lgamma(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:   # a pole (0, −1, −2, ...): scipy gives +inf there
        return math.inf


# Bernoulli numbers B₂, B₄, ..., B₁₆ of the asymptotic series
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_ASYMPTOTIC_FROM = 15.0
_MOST_STEPS = 100_000


def _polygamma_values(n: int, a: np.ndarray) -> np.ndarray:
    """ψ⁽ⁿ⁾ of every element (n = 0: the digamma), by recurrence and asymptotic series."""
    x = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reflected = None
        if n == 0 and np.any(x < 0):   # ψ(x) = ψ(1 − x) − π/tan(πx)
            # at the poles −1, −2, ... the digamma is undefined: nan, as scipy's
            pole = (x < 0) & (x == np.floor(x))
            reflected = np.where(pole, np.nan, np.where(x < 0, -np.pi / np.tan(np.pi * x), 0.0))
            x = np.where(x < 0, 1 - x, x)
        finite = x[np.isfinite(x)]
        if finite.size and _ASYMPTOTIC_FROM - finite.min() > _MOST_STEPS:
            raise ArgumentError(f"polygamma of order {n} at {finite.min():g} is out of reach "
                                f"(below {_ASYMPTOTIC_FROM - _MOST_STEPS:g}); fix: keep the "
                                "argument of gammaln above that")
        sign = -1.0 if n % 2 == 0 else 1.0      # (−1)ⁿ⁺¹
        factorial = math.factorial(n)
        total = np.zeros_like(x)
        while True:
            low = x < _ASYMPTOTIC_FROM
            if not low.any():
                break
            total = total + np.where(low, sign * factorial / x ** (n + 1), 0.0)
            x = np.where(low, x + 1, x)
        if n == 0:
            series = np.log(x) - 0.5 / x
            for k, b in enumerate(_BERNOULLI, start=1):
                series = series - b / (2 * k * x ** (2 * k))
        else:
            series = math.factorial(n - 1) / x ** n + factorial / (2 * x ** (n + 1))
            for k, b in enumerate(_BERNOULLI, start=1):
                series = series + b * math.factorial(2 * k + n - 1) / (
                    math.factorial(2 * k) * x ** (2 * k + n))
            series = sign * series
        result = series + total
        if reflected is not None:
            result = result + reflected
    return result.astype(_float_dtype(np.asarray(a)))


_polygamma = defop("polygamma", "ψ", lambda a, n: _polygamma_values(n, a),
                   lambda g, out, a, n: g * polygamma_any(a, n=n + 1),
                   formulas=("ψ⁽ⁿ⁺¹⁾(x)",), elementwise=True)
polygamma_any = lifted(_polygamma)
_gammaln = defop("gammaln", "log Γ", lambda a: _each(_lgamma, a),
                 lambda g, out, a: g * polygamma_any(a, n=0),
                 formulas=("ψ(x), the digamma",), elementwise=True)


def gammaln(x: Any) -> Tensor:
    """log|Γ(x)| of each element (the standard library's ``math.lgamma``).

    >>> round(gammaln(Tensor(5.0)).item(), 6)   # log 4!
    3.178054
    """
    return apply(_gammaln, (as_tensor(x),))


def polygamma(n: int, x: Any) -> Tensor:
    """The n-th derivative of the digamma ψ = (log Γ)′ at each element; n = 0 is ψ itself.

    >>> round(polygamma(0, Tensor(1.0)).item(), 6)   # −γ, Euler's constant
    -0.577216
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ArgumentError(f"polygamma(n, x) needs a whole number n >= 0, got {n!r}; fix: "
                            "polygamma(0, x) is the digamma")
    return apply(_polygamma, (as_tensor(x),), {"n": int(n)})


def digamma(x: Any) -> Tensor:
    """ψ(x) = d log Γ(x)/dx of each element.

    >>> round(digamma(Tensor(2.0)).item(), 6)   # 1 − γ
    0.422784
    """
    return polygamma(0, x)


# -- the normal distribution ----------------------------------------------------------------
def _ternary(op: Op) -> Callable[..., Tensor]:
    def function(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Tensor:
        values = (x, loc, scale)
        like = next((v for v in values if isinstance(v, Tensor)), None)
        if like is None:
            like = as_tensor(x)
            values = (like, loc, scale)
        return apply(op, tuple(as_tensor(v, like) for v in values))
    function.__name__ = op.name
    return function


def _standard(x, loc, scale):
    return (x - loc) / scale


def _norm_logpdf_forward(x, loc, scale):
    return -0.5 * _standard(x, loc, scale) ** 2 - np.log(scale) - LOG_SQRT_2PI


def _norm_pdf_forward(x, loc, scale):
    return np.exp(-0.5 * _standard(x, loc, scale) ** 2) / (scale * SQRT_2PI)


def _norm_cdf_forward(x, loc, scale):
    z = np.asarray(_standard(x, loc, scale))
    # erfc keeps the far left tail (erf would round 1 + erf(z) to 0 there)
    return 0.5 * _each(math.erfc, -z / math.sqrt(2))


_norm_logpdf = defop(
    "norm_logpdf", "log N(μ, σ)", _norm_logpdf_forward,
    lambda g, out, x, loc, scale: -g * (x - loc) / scale ** 2,
    lambda g, out, x, loc, scale: g * (x - loc) / scale ** 2,
    lambda g, out, x, loc, scale: g * ((x - loc) ** 2 / scale ** 3 - 1 / scale),
    formulas=("−(x − μ)/σ²", "(x − μ)/σ²", "(x − μ)²/σ³ − 1/σ"), elementwise=True)
_norm_pdf = defop(
    "norm_pdf", "N(μ, σ)", _norm_pdf_forward,
    lambda g, out, x, loc, scale: -g * out * (x - loc) / scale ** 2,
    lambda g, out, x, loc, scale: g * out * (x - loc) / scale ** 2,
    lambda g, out, x, loc, scale: g * out * (((x - loc) / scale) ** 2 - 1) / scale,
    formulas=("−N(x)·(x − μ)/σ²", "N(x)·(x − μ)/σ²", "N(x)·(((x − μ)/σ)² − 1)/σ"),
    elementwise=True)
_norm_cdf = defop(
    "norm_cdf", "Φ", _norm_cdf_forward,
    lambda g, out, x, loc, scale: g * _norm_pdf_forward(x, loc, scale),
    lambda g, out, x, loc, scale: -g * _norm_pdf_forward(x, loc, scale),
    lambda g, out, x, loc, scale: -g * _norm_pdf_forward(x, loc, scale) * (x - loc) / scale,
    formulas=("N(x)", "−N(x)", "−N(x)·(x − μ)/σ"), elementwise=True)
norm_logpdf = _ternary(_norm_logpdf)
norm_pdf = _ternary(_norm_pdf)
norm_cdf = _ternary(_norm_cdf)
norm_logpdf.__doc__ = """log of the normal density with mean ``loc`` and std ``scale``.

>>> round(norm_logpdf(Tensor(0.0)).item(), 6)
-0.918939
"""
norm_pdf.__doc__ = """The normal density with mean ``loc`` and standard deviation ``scale``.

>>> round(norm_pdf(Tensor(0.0)).item(), 6)
0.398942
"""
norm_cdf.__doc__ = """The normal distribution function Φ((x − loc)/scale).

>>> norm_cdf(Tensor(0.0)).item()
0.5
"""


# -- convolution (scipy.signal.convolve / np.convolve, and autograd's axes) -------------------
CONVOLVE_MODES = ("full", "valid", "same")
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _roles(ndim: int, conv: tuple, dot: tuple) -> list[int]:
    """The axes that are neither convolved nor summed: they make an outer product."""
    return [i for i in range(ndim) if i not in conv and i not in dot]


def _convolve_forward(a, b, mode, axes, dot_axes):
    (a_conv, b_conv), (a_dot, b_dot) = axes, dot_axes
    a_sizes = [a.shape[i] for i in a_conv]
    b_sizes = [b.shape[i] for i in b_conv]
    if mode == "valid" and not all(m >= n for m, n in zip(a_sizes, b_sizes)):
        if not all(m <= n for m, n in zip(a_sizes, b_sizes)):
            raise ValueError(f"in mode 'valid' one input must be at least as large as the other "
                             f"along every convolved axis, got {tuple(a_sizes)} and "
                             f"{tuple(b_sizes)}")
        # convolution is symmetric: slide the smaller one, then put a's axes first again
        swapped = _convolve_forward(b, a, mode, (b_conv, a_conv), (b_dot, a_dot))
        a_free, b_free = len(_roles(a.ndim, a_conv, a_dot)), len(_roles(b.ndim, b_conv, b_dot))
        order = [*range(b_free, b_free + a_free), *range(b_free), *range(a_free + b_free,
                                                                          swapped.ndim)]
        return np.transpose(swapped, order)
    if mode == "full":
        widths = [(0, 0)] * a.ndim
        for i, n in zip(a_conv, b_sizes):
            widths[i] = (n - 1, n - 1)
        a = np.pad(a, widths)
    windows = np.lib.stride_tricks.sliding_window_view(a, b_sizes, axis=a_conv)
    letters = iter(_LETTERS)
    a_terms = [next(letters) for _ in range(a.ndim)]
    b_terms = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(a_dot, b_dot):
        b_terms[j] = a_terms[i]
    window_terms = [next(letters) for _ in a_conv]
    for j, w in zip(b_conv, window_terms):
        b_terms[j] = w
    output = ([a_terms[i] for i in _roles(a.ndim, a_conv, a_dot)] +
              [b_terms[j] for j in _roles(b.ndim, b_conv, b_dot)] + [a_terms[i] for i in a_conv])
    spec = f"{''.join(a_terms + window_terms)},{''.join(b_terms)}->{''.join(output)}"
    return np.einsum(spec, windows, np.flip(b, b_conv), optimize=True)


def _convolve_rule(index: int):
    def rule(g, out, a, b, mode, axes, dot_axes):
        (a_conv, b_conv), (a_dot, b_dot) = axes, dot_axes
        a_free, b_free = _roles(a.ndim, a_conv, a_dot), _roles(b.ndim, b_conv, b_dot)
        out_a = list(range(len(a_free)))
        out_b = list(range(len(a_free), len(a_free) + len(b_free)))
        out_conv = list(range(len(a_free) + len(b_free), g.ndim))
        if index == 0:
            x, x_conv, x_dot, x_free, other, o_conv, o_dot, o_free, g_other = (
                a, a_conv, a_dot, a_free, b, b_conv, b_dot, b_free, out_b)
        else:
            x, x_conv, x_dot, x_free, other, o_conv, o_dot, o_free, g_other = (
                b, b_conv, b_dot, b_free, a, a_conv, a_dot, a_free, out_a)
        # full's adjoint is a valid correlation; valid's is full for the larger input
        larger = all(x.shape[i] >= other.shape[j] for i, j in zip(x_conv, o_conv))
        adjoint_mode = "full" if mode == "valid" and larger else "valid"
        result = convolve_any(g, np.flip(other, o_conv), mode=adjoint_mode,
                              axes=(tuple(out_conv), o_conv),
                              dot_axes=(tuple(g_other), tuple(o_free)))
        # the result's axes: x's free ones, then the other's summed ones in its own order
        # (partners of x's summed ones), then the convolved ones
        order = x_free + [x_dot[o_dot.index(j)] for j in sorted(o_dot)] + list(x_conv)
        return np.transpose(result, np.argsort(order))
    return rule


_convolve = defop("convolve", "conv", _convolve_forward, _convolve_rule(0), _convolve_rule(1),
                  formulas=("correlate(g, b)", "correlate(g, a)"),
                  shape_fix="give the same number of convolved axes on both sides, summed axes "
                            "of equal lengths; in mode 'valid' one input must fit inside the "
                            "other along every convolved axis")
convolve_any = lifted(_convolve)


def _axis_pairs(pairs: Any, a: Tensor, b: Tensor, what: str) -> tuple[tuple, tuple]:
    left, right = pairs
    left = tuple(int(i) % a.ndim for i in left) if a.ndim else ()
    right = tuple(int(j) % b.ndim for j in right) if b.ndim else ()
    if len(left) != len(right):
        raise ArgumentError(f"convolve() pairs {what} one to one, got {len(left)} axes of the "
                            f"first input and {len(right)} of the second; fix: give two lists "
                            "of the same length")
    return left, right


def convolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None,
             dot_axes: Any = None) -> Tensor:
    """N-dimensional convolution as scipy.signal.convolve does it (the kernel is flipped);
    autograd's ``axes`` (the convolved pairs) and ``dot_axes`` (pairs summed as in a dot
    product; the other axes make an outer product) choose the axes.

    >>> convolve(Tensor([1., 2., 3.]), Tensor([0., 1., 0.5])).numpy()
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    if mode not in CONVOLVE_MODES:
        raise ArgumentError(f"convolve() takes mode 'full', 'valid' or 'same', got {mode!r}; "
                            "fix: convolve(a, b, mode='full')")
    a_t = as_tensor(in1, in2 if isinstance(in2, Tensor) else None)
    b_t = as_tensor(in2, a_t)
    if axes is None:
        if a_t.ndim != b_t.ndim or a_t.ndim == 0:
            raise ShapeError(f"convolve() of shapes {a_t.shape} and {b_t.shape}: without axes= "
                             "both need the same number of axes (at least one); fix: give "
                             "them the same number of axes, or axes=([...], [...])")
        axes = (range(a_t.ndim), range(b_t.ndim))
    params = {"axes": _axis_pairs(axes, a_t, b_t, "axes"),
              "dot_axes": _axis_pairs(dot_axes or ((), ()), a_t, b_t, "dot_axes")}
    if mode != "same":
        return apply(_convolve, (a_t, b_t), {"mode": mode, **params})
    full = apply(_convolve, (a_t, b_t), {"mode": "full", **params})
    # scipy's 'same': the centre of the full result, as large as the first input
    conv = params["axes"][0]
    first = full.ndim - len(conv)
    index = [slice(None)] * full.ndim
    for k, i in enumerate(conv):
        start = (full.shape[first + k] - a_t.shape[i]) // 2
        index[first + k] = slice(start, start + a_t.shape[i])
    return full[tuple(index)]


# -- the multivariate normal log density ------------------------------------------------------
def _mvn_solved(x, mean, cov):
    """x − μ and Σ⁻¹(x − μ) for every point along the last axis (solved, never inverted)."""
    diff = x - mean
    dim = cov.shape[-1]
    flat = np.reshape(diff, (-1, dim))
    solved = np.swapaxes(np.linalg.solve(cov, np.swapaxes(flat, 0, 1)), 0, 1)
    return diff, np.reshape(solved, np.shape(diff))


def _mvn_logpdf_forward(x, mean, cov):
    diff, solved = _mvn_solved(x, mean, cov)
    logdet = np.linalg.slogdet(cov)[1]
    return -0.5 * (cov.shape[-1] * math.log(2 * math.pi) + logdet + np.sum(diff * solved, -1))


def _mvn_cov_rule(g, out, x, mean, cov):
    _, solved = _mvn_solved(x, mean, cov)
    dim = cov.shape[-1]
    points = np.reshape(solved, (-1, dim))
    weighted = points * np.expand_dims(np.reshape(g, (-1,)), -1)
    return 0.5 * (np.matmul(np.swapaxes(points, 0, 1), weighted) - np.sum(g) * np.linalg.inv(cov))


_mvn_logpdf = defop(
    "mvn_logpdf", "log N(μ, Σ)", _mvn_logpdf_forward,
    lambda g, out, x, mean, cov: -np.expand_dims(g, -1) * _mvn_solved(x, mean, cov)[1],
    lambda g, out, x, mean, cov: np.expand_dims(g, -1) * _mvn_solved(x, mean, cov)[1],
    _mvn_cov_rule,
    formulas=("−Σ⁻¹(x − μ)", "Σ⁻¹(x − μ)", "½(Σ⁻¹(x − μ)(x − μ)ᵀΣ⁻¹ − Σ⁻¹)"),
    shape_fix="give x as points (..., d), mean as (d,) and cov as a (d, d) positive-definite "
              "matrix")


def mvn_logpdf(x: Any, mean: Any, cov: Any) -> Tensor:
    """log N(x; mean, cov) of each point along x's last axis, one recorded op.

    >>> round(mvn_logpdf(Tensor([0., 0.]), Tensor([0., 0.]), Tensor(np.eye(2))).item(), 6)
    -1.837877
    """
    like = next((v for v in (x, mean, cov) if isinstance(v, Tensor)), None)
    x_t = as_tensor(x, like)
    return apply(_mvn_logpdf, (x_t, as_tensor(mean, x_t), as_tensor(cov, x_t)))
