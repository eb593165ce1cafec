"""scipy.stats distributions on tensors: ``norm`` and ``multivariate_normal``.

>>> from vizgrad.scipy.stats import norm
>>> float(norm.cdf(0.0))
0.5
"""

from . import multivariate_normal, norm

__all__ = ["multivariate_normal", "norm"]
