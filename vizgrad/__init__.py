"""vizgrad: reverse-mode automatic differentiation you can see.

>>> import vizgrad as vg
>>> x, y = vg.Variable(3.0, name="x"), vg.Variable(4.0, name="y")
>>> f = x * x * y + y + 2
>>> f.backward(); (x.grad, y.grad)
(array(24.), array(10.))
"""

from __future__ import annotations

from . import nn, optim
from .core import ops as ops  # vg.ops, the op table module
from .core.autodiff import (
    GradientTape,
    backward,
    custom_gradient,
    elementwise_grad,
    grad,
    gradients,
    hessian,
    hvp,
    jacobian,
    value_and_grad,
)
from .core.engine import BackwardPass, Step
from .core.forward import jvp
from .core.gradcheck import gradcheck
from .core.ops import (
    OPS,
    abs,
    add,
    broadcast_to,
    clip,
    clip_by_value,
    concatenate,
    conv2d,
    cos,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log_softmax,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_sum,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    stack,
    stop_gradient,
    subtract,
    sum,
    tanh,
    transpose,
    where,
)
from .core.ops_linalg import cross, dot, einsum, inner, kron, outer, tensordot, trace
from .core.ops_math import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    ceil,
    cosh,
    erf,
    exp2,
    expm1,
    floor,
    fmax,
    fmin,
    hypot,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logit,
    mod,
    reciprocal,
    remainder,
    sinc,
    sinh,
    tan,
)
from .core.ops_reduce import cumprod, cumsum, logsumexp, prod, reduce_prod, std, var
from .core.ops_shape import (
    array_split,
    astype,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    column_stack,
    diag,
    diagonal,
    diff,
    expand_dims,
    flatten,
    flip,
    fliplr,
    flipud,
    hsplit,
    hstack,
    moveaxis,
    pad,
    ravel,
    repeat,
    roll,
    rot90,
    sort,
    split,
    squeeze,
    swapaxes,
    tile,
    tril,
    triu,
    vsplit,
    vstack,
)
from .core.tensor import Tensor, Variable, constant, no_grad, scope, tensor
from .drawing.api import caller_names, export_svg, graph
from .drawing.graph import Graph
from .drawing.options import set_options
from .errors import (
    ArgumentError,
    ConversionError,
    DtypeError,
    GradcheckError,
    InPlaceError,
    NonScalarBackwardError,
    RenderError,
    ShapeError,
    TapeError,
    UnconnectedGradientWarning,
    UnsupportedError,
    VizgradError,
)
from .optim import clip_by_global_norm


def show(y, **options):  # noqa: ANN001, ANN201 - imported lazily: ipywidgets is slow to import
    """A notebook widget that draws ``y``'s graph and steps through backpropagation."""
    from .frontends.widget import show as _show
    return _show(y, **options)


def explore(f, **inputs):  # noqa: ANN001, ANN201
    """A slider per input of ``f``, its drawing, and the gradient's prediction vs the change."""
    from .frontends.explore import explore as _explore
    return _explore(f, **inputs)


def export_html(y, path, step=0, **options):  # noqa: ANN001, ANN201
    """Write one self-contained HTML page that steps through ``y``'s backward pass, offline."""
    from .frontends.html import export_html as _export_html
    if options.get("names") is None and not isinstance(y, Graph):
        options["names"] = caller_names()  # the page names the target as the caller does
    return _export_html(y, path, step=step, **options)


def load_ipython_extension(ipython) -> None:  # noqa: ANN001
    """``%load_ext vizgrad`` registers the ``%vizgrad`` magics."""
    from .frontends.magic import load_ipython_extension as _load
    _load(ipython)

__version__ = "0.1.0"

__all__ = [
    "ArgumentError", "BackwardPass", "ConversionError", "DtypeError", "GradcheckError",
    "GradientTape", "Graph", "InPlaceError",
    "graph", "explore", "export_html", "export_svg", "show",
    "NonScalarBackwardError", "OPS", "RenderError", "ShapeError", "Step", "TapeError", "Tensor",
    "Variable", "VizgradError", "abs", "add", "backward", "broadcast_to", "clip",
    "clip_by_global_norm", "clip_by_value", "concatenate", "constant", "conv2d", "cos",
    "custom_gradient", "divide", "equal", "exp", "grad", "gradcheck", "gradients", "greater",
    "greater_equal", "less", "less_equal", "log", "log_softmax", "logsumexp", "matmul", "max",
    "maximum", "mean", "min", "minimum", "multiply", "negative", "nn", "no_grad", "not_equal",
    "optim", "power", "reduce_max", "reduce_mean", "reduce_min", "reduce_sum", "relu",
    "reshape", "scope", "sigmoid", "sign", "sin", "softmax", "sqrt", "square", "stack",
    "set_options",
    "stop_gradient", "subtract", "sum", "tanh", "tensor", "transpose", "where",
    "UnconnectedGradientWarning", "UnsupportedError", "value_and_grad",
    # higher order and forward mode
    "elementwise_grad", "hessian", "hvp", "jacobian", "jvp",
    # elementwise math
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "ceil", "cosh",
    "erf", "exp2", "expm1", "floor", "fmax", "fmin", "hypot", "log10", "log1p", "log2",
    "logaddexp", "logaddexp2", "logit", "mod", "reciprocal", "remainder", "sinc", "sinh", "tan",
    # reductions and running totals
    "cumprod", "cumsum", "prod", "reduce_prod", "std", "var",
    # products
    "cross", "dot", "einsum", "inner", "kron", "outer", "tensordot", "trace",
    # shapes
    "array_split", "astype", "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "diag",
    "diagonal", "diff", "expand_dims", "flatten", "flip", "fliplr", "flipud", "hsplit",
    "hstack", "moveaxis", "pad", "ravel", "repeat", "roll", "rot90", "sort", "split",
    "squeeze", "swapaxes", "tile", "tril", "triu", "vsplit", "vstack",
]
