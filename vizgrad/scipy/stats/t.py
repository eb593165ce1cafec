"""Student's t distribution: logpdf and pdf, written with recorded ops (x, df, loc, scale).

>>> import vizgrad as vg
>>> from vizgrad.scipy.stats import t
>>> round(float(t.logpdf(vg.Variable(0.0), 1.0)), 6)   # the Cauchy density at 0: log(1/pi)
-1.14473
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.tensor import Tensor
from ..special import gammaln


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Tensor:
    """log of Student's t density, as scipy.stats.t.logpdf (drawn as the ops it is made of).

    >>> round(float(logpdf(1.0, 3.0)), 6)
    -1.576253
    """
    y = (x - loc) / scale
    half = (df + 1.0) / 2.0
    return (gammaln(half) - gammaln(df / 2.0) - 0.5 * np.log(df * np.pi) - np.log(scale)
            - half * np.log1p(y ** 2 / df))


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Tensor:
    """Student's t density, as scipy.stats.t.pdf.

    >>> round(float(pdf(0.0, 1.0)), 6)
    0.31831
    """
    return np.exp(logpdf(x, df, loc, scale))


__all__ = ["logpdf", "pdf"]
