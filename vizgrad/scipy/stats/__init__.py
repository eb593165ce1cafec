"""scipy.stats distributions on tensors: ``norm``, ``multivariate_normal`` and ``t``.

>>> from vizgrad.scipy.stats import norm
>>> float(norm.cdf(0.0))
0.5
"""

from . import multivariate_normal, norm, t

__all__ = ["multivariate_normal", "norm", "t"]
