"""The multivariate normal log density (one op differentiable in x, mean and cov) and pdf.

>>> import vizgrad as vg
>>> round(float(logpdf([0., 0.], [0., 0.], [[1., 0.], [0., 1.]])), 6)
-1.837877
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import ops, ops_shape, ops_special
from ...core.tensor import Tensor, as_tensor
from ...errors import ArgumentError, ShapeError
from .._arrays import on_arrays_too


@on_arrays_too
def logpdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Tensor:
    """log N(x; mean, cov) for each point along x's last axis (scipy's shapes and squeeze).

    −½ (d log 2π + log|cov| + (x−μ)ᵀ cov⁻¹ (x−μ)), with the quadratic form solved, not
    inverted; the gradient with respect to cov treats its entries as independent (as HIPS
    autograd does), so symmetrize cov first when only its symmetric part moves.

    >>> import vizgrad as vg
    >>> logpdf(vg.Variable([[0., 1.], [1., 0.]]), [0., 0.], [[2., 0.], [0., 2.]]).shape
    (2,)
    """
    if allow_singular:
        raise ArgumentError("multivariate_normal.logpdf(..., allow_singular=True) has no "
                            "gradient with respect to a singular covariance; fix: give a "
                            "positive-definite cov (add a small multiple of the identity)")
    like = next((v for v in (x, mean, cov) if isinstance(v, Tensor)), None)
    cov_t = as_tensor(cov, like)
    if cov_t.ndim == 1:
        cov_t = ops_shape.diag(cov_t)
    dim = cov_t.shape[-1] if cov_t.ndim else (np.size(mean) if mean is not None else 1)
    if cov_t.ndim == 0:
        cov_t = cov_t * np.eye(dim)
    if cov_t.ndim != 2 or cov_t.shape[0] != cov_t.shape[1]:
        raise ShapeError(f"multivariate_normal.logpdf needs cov as a (d, d) matrix, got "
                         f"shape {cov_t.shape}; fix: pass the covariance matrix")
    x_t = as_tensor(x, like)
    # scipy's reading of x: a number is one point, a 1-d x is one point (or, when d = 1, many)
    if x_t.ndim == 0 or (x_t.ndim == 1 and dim == 1):
        x_t = ops.reshape(x_t, (-1, 1))
    if x_t.shape[-1] != dim:
        raise ShapeError(f"multivariate_normal.logpdf: the points have {x_t.shape[-1]} "
                         f"coordinates but cov is {dim}×{dim}; fix: give x of shape (..., {dim})")
    mean_t = as_tensor(0.0 if mean is None else mean, x_t)
    result = ops_special.mvn_logpdf(x_t, mean_t, cov_t)
    # scipy squeezes every axis of length 1 from the result
    return ops_shape.squeeze(result) if 1 in result.shape else result


@on_arrays_too
def pdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Tensor:
    """The multivariate normal density: exp of :func:`logpdf` (recorded as that and exp).

    >>> round(float(pdf([0., 0.], [0., 0.], [[1., 0.], [0., 1.]])), 6)
    0.159155
    """
    return ops.exp(logpdf(x, mean, cov, allow_singular))


__all__ = ["logpdf", "pdf"]
