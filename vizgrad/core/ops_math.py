"""Elementwise math beyond the basics: trigonometry, logs and exponentials, rounding, erf.

Each op is one ``defop`` into the one table (:data:`vizgrad.core.ops.OPS`): the
forward, then the rule for each input and the formula the explanation shows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .ops import _binary, _unary, defop
from .tensor import Tensor, apply, as_tensor

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _unary_op(name: str, symbol: str, forward, rule, formula: str):
    """Register an elementwise one-input op and return its public function."""
    return _unary(defop(name, symbol, forward, rule, formulas=(formula,), elementwise=True))


def _binary_op(name: str, symbol: str, forward, left, right, formulas: tuple[str, str]):
    """Register an elementwise two-input op (numpy broadcasting) and return its function."""
    return _binary(defop(name, symbol, forward, left, right, formulas=formulas,
                         elementwise=True))


# -- trigonometry and hyperbolic functions ----------------------------------------
tan = _unary_op("tan", "tan", np.tan, lambda g, out, a: g * (1 + out * out), "1 + tan²(x)")
sinh = _unary_op("sinh", "sinh", np.sinh, lambda g, out, a: g * np.cosh(a), "cosh(x)")
cosh = _unary_op("cosh", "cosh", np.cosh, lambda g, out, a: g * np.sinh(a), "sinh(x)")
arcsin = _unary_op("arcsin", "arcsin", np.arcsin,
                   lambda g, out, a: g / np.sqrt(1 - a * a), "1/√(1 − x²)")
arccos = _unary_op("arccos", "arccos", np.arccos,
                   lambda g, out, a: -g / np.sqrt(1 - a * a), "−1/√(1 − x²)")
arctan = _unary_op("arctan", "arctan", np.arctan,
                   lambda g, out, a: g / (1 + a * a), "1/(1 + x²)")
arcsinh = _unary_op("arcsinh", "arcsinh", np.arcsinh,
                    lambda g, out, a: g / np.sqrt(a * a + 1), "1/√(x² + 1)")
arccosh = _unary_op("arccosh", "arccosh", np.arccosh,
                    lambda g, out, a: g / np.sqrt(a * a - 1), "1/√(x² − 1)")
arctanh = _unary_op("arctanh", "arctanh", np.arctanh,
                    lambda g, out, a: g / (1 - a * a), "1/(1 − x²)")


def _sinc_rule(g, out, a):
    # d/dx sin(πx)/(πx) = (cos(πx) − sinc(x))/x, and 0 at x = 0 (sinc is flat there)
    safe = np.where(a == 0, 1, a)
    return g * np.where(a == 0, 0, (np.cos(np.pi * a) - out) / safe)


sinc = _unary_op("sinc", "sinc", np.sinc, _sinc_rule, "(cos(πx) − sinc(x))/x")

# -- logarithms and exponentials ------------------------------------------------------
log2 = _unary_op("log2", "log₂", np.log2, lambda g, out, a: g / (a * LN2), "1/(x·ln 2)")
log10 = _unary_op("log10", "log₁₀", np.log10, lambda g, out, a: g / (a * LN10),
                  "1/(x·ln 10)")
log1p = _unary_op("log1p", "log(1+x)", np.log1p, lambda g, out, a: g / (1 + a), "1/(1 + x)")
expm1 = _unary_op("expm1", "exp(x)−1", np.expm1, lambda g, out, a: g * (out + 1), "exp(x)")
exp2 = _unary_op("exp2", "2^x", np.exp2, lambda g, out, a: g * out * LN2, "2^x·ln 2")
reciprocal = _unary_op("reciprocal", "1/x", np.reciprocal, lambda g, out, a: -g * out * out,
                       "−1/x²")


def _logit(a):
    return np.log(a / (1 - a))


logit = _unary_op("logit", "logit", _logit, lambda g, out, a: g / (a * (1 - a)),
                  "1/(x(1 − x))")

# -- angles ------------------------------------------------------------------------------------
DEGREES_PER_RADIAN = 180.0 / math.pi
rad2deg = _unary_op("rad2deg", "deg", np.rad2deg, lambda g, out, a: g * DEGREES_PER_RADIAN,
                    "180/π")
deg2rad = _unary_op("deg2rad", "rad", np.deg2rad, lambda g, out, a: g / DEGREES_PER_RADIAN,
                    "π/180")
degrees, radians = rad2deg, deg2rad


# -- nan_to_num: the finite entries pass, the replaced ones are constants ------------------------
def _nan_to_num_forward(a, nan, posinf, neginf):
    return np.nan_to_num(a, copy=True, nan=nan, posinf=posinf, neginf=neginf)


_nan_to_num = defop("nan_to_num", "nan→num", _nan_to_num_forward,
                    lambda g, out, a, nan, posinf, neginf: g * np.isfinite(a),
                    formulas=("[x is finite]",), elementwise=True)


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN and ±inf replaced by numbers (numpy's defaults); no gradient reaches those.

    >>> nan_to_num(Tensor([1., float("nan")])).numpy()
    array([1., 0.])
    """
    return apply(_nan_to_num, (as_tensor(x),), {"nan": nan, "posinf": posinf,
                                                "neginf": neginf})


# -- rounding: flat steps, so the gradient is 0 (drawn as 0) ----------------------------
floor = _unary_op("floor", "⌊x⌋", np.floor, lambda g, out, a: np.zeros_like(g), "0")
ceil = _unary_op("ceil", "⌈x⌉", np.ceil, lambda g, out, a: np.zeros_like(g), "0")

# -- the error function -------------------------------------------------------------------
# numpy has no erf and scipy is not a dependency: the standard library's math.erf (the C
# library's, accurate to the last bit) applied to each element
_erf_each = np.frompyfunc(math.erf, 1, 1)


def _erf(a):
    return np.asarray(_erf_each(a), dtype=a.dtype if a.dtype.kind == "f" else np.float64)


erf = _unary_op("erf", "erf", _erf,
                lambda g, out, a: g * TWO_OVER_SQRT_PI * np.exp(-a * a), "2/√π·exp(−x²)")


# -- two inputs ---------------------------------------------------------------------------
remainder = _binary_op("remainder", "mod", np.remainder,
                       lambda g, out, a, b: g, lambda g, out, a, b: -g * np.floor(a / b),
                       ("1", "−⌊a/b⌋"))
mod = remainder


def _atan2_scale(a, b):
    return 1 / (a * a + b * b)


arctan2 = _binary_op("arctan2", "atan2", np.arctan2,
                     lambda g, out, a, b: g * b * _atan2_scale(a, b),
                     lambda g, out, a, b: -g * a * _atan2_scale(a, b),
                     ("x/(x² + y²)", "−y/(x² + y²)"))
hypot = _binary_op("hypot", "hypot", np.hypot,
                   lambda g, out, a, b: g * a / out, lambda g, out, a, b: g * b / out,
                   ("a/hypot(a, b)", "b/hypot(a, b)"))
logaddexp = _binary_op("logaddexp", "log(eᵃ+eᵇ)", np.logaddexp,
                       lambda g, out, a, b: g * np.exp(a - out),
                       lambda g, out, a, b: g * np.exp(b - out),
                       ("eᵃ/(eᵃ + eᵇ)", "eᵇ/(eᵃ + eᵇ)"))
logaddexp2 = _binary_op("logaddexp2", "log₂(2ᵃ+2ᵇ)", np.logaddexp2,
                        lambda g, out, a, b: g * np.exp2(a - out),
                        lambda g, out, a, b: g * np.exp2(b - out),
                        ("2ᵃ/(2ᵃ + 2ᵇ)", "2ᵇ/(2ᵃ + 2ᵇ)"))
# fmax and fmin ignore a NaN on one side; like maximum and minimum, a tie splits the gradient
fmax = _binary_op("fmax", "fmax", np.fmax,
                  lambda g, out, a, b: g * ((a > b) + 0.5 * (a == b) + np.isnan(b)),
                  lambda g, out, a, b: g * ((b > a) + 0.5 * (a == b) + np.isnan(a)),
                  ("[a > b]", "[b > a]"))
fmin = _binary_op("fmin", "fmin", np.fmin,
                  lambda g, out, a, b: g * ((a < b) + 0.5 * (a == b) + np.isnan(b)),
                  lambda g, out, a, b: g * ((b < a) + 0.5 * (a == b) + np.isnan(a)),
                  ("[a < b]", "[b < a]"))
