"""scipy.special on tensors: logsumexp, expit, logit, gammaln, digamma (psi), polygamma, erf.

>>> import vizgrad as vg
>>> from vizgrad.scipy.special import expit
>>> expit(vg.Variable(0.0)).item()
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import ops, ops_math, ops_reduce, ops_shape, ops_special
from ..core.tensor import Tensor, as_tensor
from ..errors import UnsupportedError
from ._arrays import on_arrays_too


@on_arrays_too
def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Tensor:
    """log(sum(b·exp(a))) over ``axis``, computed stably (scipy's argument order).

    >>> round(float(logsumexp([0., 0.])), 6)
    0.693147
    """
    if return_sign:
        raise UnsupportedError("logsumexp(..., return_sign=True) is not supported on tensors; "
                               "fix: keep b positive and leave return_sign out")
    return ops_reduce.logsumexp(a, axis, keepdims, b)


@on_arrays_too
def expit(x: Any) -> Tensor:
    """The logistic sigmoid 1/(1 + exp(−x)) (of whole numbers too, as scipy's).

    >>> float(expit(0))
    0.5
    """
    x_t = as_tensor(x)
    return ops.sigmoid(x_t if x_t.dtype.kind in "fc" else ops_shape.astype(x_t, np.float64))
logit = on_arrays_too(ops_math.logit)
logit.__doc__ = """log(p/(1 − p)), the inverse of expit.

>>> float(logit(0.5))
0.0
"""
erf = on_arrays_too(ops_math.erf)
erf.__doc__ = """The error function (the standard library's math.erf on each element).

>>> float(erf(0.0))
0.0
"""
gammaln = on_arrays_too(ops_special.gammaln)
gammaln.__doc__ = """log|Γ(x)| (the standard library's math.lgamma on each element).

>>> round(float(gammaln(5.0)), 6)
3.178054
"""
digamma = on_arrays_too(ops_special.digamma)
digamma.__doc__ = """ψ(x), the derivative of gammaln.

>>> round(float(digamma(1.0)), 6)
-0.577216
"""
psi = digamma
polygamma = on_arrays_too(ops_special.polygamma)
polygamma.__doc__ = """The n-th derivative of the digamma ψ.

>>> round(float(polygamma(1, 1.0)), 6)   # π²/6
1.644934
"""

__all__ = ["digamma", "erf", "expit", "gammaln", "logit", "logsumexp", "polygamma", "psi"]
