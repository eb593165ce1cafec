"""scipy functions that record gradients, as ``autograd.scipy`` provides them.

``vizgrad.scipy.special`` (logsumexp, expit, logit, gammaln, digamma, erf),
``vizgrad.scipy.stats.norm`` (logpdf, pdf, cdf), ``vizgrad.scipy.stats.multivariate_normal``
(logpdf) and ``vizgrad.scipy.signal`` (convolve). On tensors each records vizgrad ops; on
plain arrays it returns plain numpy results, as scipy would. scipy itself is not needed.

>>> from vizgrad.scipy.special import logsumexp
>>> import vizgrad as vg
>>> logsumexp(vg.Variable([0., 0.])).op
'logsumexp'
"""

from . import signal, special, stats

__all__ = ["signal", "special", "stats"]
