"""One hierarchy for every error vizgrad raises.

Each message says what went wrong, which tensor (by name) and how to fix it.
"""

from __future__ import annotations


class VizgradError(Exception):
    """Base class of every vizgrad error."""


class DtypeError(VizgradError, TypeError):
    """A tensor's dtype cannot carry a gradient (integer, bool, complex)."""


class ShapeError(VizgradError, ValueError):
    """Shapes that do not broadcast, multiply or match."""


class NonScalarBackwardError(VizgradError, RuntimeError):
    """``backward()`` without ``grad`` on a tensor that is not a scalar."""


class TapeError(VizgradError, RuntimeError):
    """A GradientTape used in a way TensorFlow forbids."""


class ArgumentError(VizgradError, ValueError):
    """An argument with a value vizgrad does not accept."""


class GradcheckError(VizgradError, AssertionError):
    """Analytic and numerical gradients disagree."""


class RenderError(VizgradError, RuntimeError):
    """Graphviz could not lay out or render a graph."""


class UnsupportedError(VizgradError, TypeError):
    """A numpy function or argument with no vizgrad op behind it (no gradient could pass)."""


class ConversionError(VizgradError, TypeError):
    """A tensor that carries a gradient turned into plain numbers without being asked to
    (``np.asarray(t)``, ``X.dot(t)``, ``out[:] = t``, a scipy function on ``t``)."""


class InPlaceError(VizgradError, RuntimeError):
    """A change in place that would make a recorded graph or a gradient wrong."""


class UnconnectedGradientWarning(UserWarning):
    """A gradient asked for is zero because the output does not depend on that input."""
