"""The normal distribution: logpdf, pdf and cdf, each one op differentiable in x, loc, scale.

>>> import vizgrad as vg
>>> logpdf(vg.Variable(0.0), 0.0, 1.0).op
'norm_logpdf'
"""

from __future__ import annotations

from ...core import ops_special
from .._arrays import on_arrays_too

logpdf = on_arrays_too(ops_special.norm_logpdf)
pdf = on_arrays_too(ops_special.norm_pdf)
cdf = on_arrays_too(ops_special.norm_cdf)

__all__ = ["cdf", "logpdf", "pdf"]
