"""numpy functions on tensors (NEP 13 ``__array_ufunc__``, NEP 18 ``__array_function__``).

``np.exp(t)``, ``np.sum(t, axis=0)``, ``array @ t`` and ``np.concatenate([a, t])``
call the vizgrad op of the same name, so plain numpy code records a graph. A
numpy function with no vizgrad op raises :class:`UnsupportedError` naming it and
the nearest supported ones: it never silently turns a tensor into a constant.
Functions whose result carries no gradient anyway (``np.shape``, ``np.argmax``,
``np.isnan``, ``np.zeros_like``...) run on the values and return numpy arrays.
``np.asarray(t)`` gives the values too: what it returns is off the graph.

>>> import vizgrad as vg
>>> np.sum(np.exp(vg.Variable([0., 0.])), axis=0).op
'sum'
"""

from __future__ import annotations

import difflib
import inspect
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import UnsupportedError
from . import ops, ops_assign, ops_linalg, ops_math, ops_reduce, ops_shape, ops_special
from .conversion import carries_gradient, library_fix, user_line
from .tensor import Tensor, as_tensor

UFUNCS: dict[np.ufunc, Callable[..., Any]] = {
    np.add: ops.add, np.subtract: ops.subtract, np.multiply: ops.multiply,
    np.divide: ops.divide, np.power: ops.power, np.maximum: ops.maximum,
    np.minimum: ops.minimum, np.fmax: ops_math.fmax, np.fmin: ops_math.fmin,
    np.less: ops.less, np.less_equal: ops.less_equal, np.greater: ops.greater,
    np.greater_equal: ops.greater_equal, np.equal: ops.equal, np.not_equal: ops.not_equal,
    np.negative: ops.negative, np.positive: as_tensor, np.exp: ops.exp, np.log: ops.log,
    np.sqrt: ops.sqrt, np.square: ops.square, np.absolute: ops.abs, np.fabs: ops.abs,
    np.sin: ops.sin, np.cos: ops.cos, np.tanh: ops.tanh, np.sign: ops.sign,
    np.matmul: ops.matmul, np.remainder: ops_math.remainder, np.arctan2: ops_math.arctan2,
    np.hypot: ops_math.hypot, np.logaddexp: ops_math.logaddexp,
    np.logaddexp2: ops_math.logaddexp2,
    np.rad2deg: ops_math.rad2deg, np.degrees: ops_math.rad2deg,
    np.deg2rad: ops_math.deg2rad, np.radians: ops_math.deg2rad,
    **{getattr(np, name): getattr(ops_math, name) for name in [
        "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
        "log2", "log10", "log1p", "expm1", "exp2", "reciprocal", "floor", "ceil"]},
}

# ``ufunc.reduce`` and ``ufunc.accumulate`` (default axis 0, as numpy's)
UFUNC_METHODS: dict[tuple[np.ufunc, str], Callable[..., Any]] = {
    (np.add, "reduce"): lambda x, axis=0, keepdims=False: ops.sum(x, axis, keepdims),
    (np.multiply, "reduce"): lambda x, axis=0, keepdims=False: ops_reduce.prod(x, axis,
                                                                                keepdims),
    (np.maximum, "reduce"): lambda x, axis=0, keepdims=False: ops.max(x, axis, keepdims),
    (np.minimum, "reduce"): lambda x, axis=0, keepdims=False: ops.min(x, axis, keepdims),
    (np.add, "accumulate"): lambda x, axis=0: ops_reduce.cumsum(x, axis),
    (np.multiply, "accumulate"): lambda x, axis=0: ops_reduce.cumprod(x, axis),
}

def _convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """np.convolve: 1-d only, and the longer input goes first (numpy's 'same' keeps its length)."""
    a_t, v_t = as_tensor(a), as_tensor(v)
    if a_t.ndim != 1 or v_t.ndim != 1:
        raise UnsupportedError("np.convolve takes 1-d inputs; fix: vizgrad.scipy.signal."
                               "convolve(a, b) for more axes")
    first, second = (v, a) if v_t.shape[0] > a_t.shape[0] else (a, v)
    return ops_special.convolve(first, second, mode)


def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """np.where(c, x, y) records where; np.where(c) alone gives the indices, as numpy does."""
    if x is None and y is None:
        return np.where(_values(condition))
    return ops.where(condition, x, y)


def _astype(x: Any, dtype: Any, copy: bool = True) -> Tensor:
    """np.astype(t, dtype, copy=False) gives t itself when the dtype is already right."""
    return as_tensor(x).astype(dtype, copy=copy)


FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: ops.sum, np.mean: ops.mean, np.max: ops.max, np.amax: ops.max, np.min: ops.min,
    np.amin: ops.min, np.prod: ops_reduce.prod, np.var: ops_reduce.var,
    np.std: ops_reduce.std, np.cumsum: ops_reduce.cumsum, np.cumprod: ops_reduce.cumprod,
    np.clip: ops.clip, np.where: _where, np.reshape: ops.reshape,
    np.transpose: ops.transpose, np.broadcast_to: ops.broadcast_to,
    np.concatenate: ops.concatenate, np.stack: ops.stack, np.linalg.norm: ops_linalg.norm,
    np.sinc: ops_math.sinc,   # a function in numpy, not a ufunc
    np.nan_to_num: ops_math.nan_to_num, np.convolve: _convolve,
    **{getattr(np.linalg, name): getattr(ops_linalg, name) for name in [
        "inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd",
        *(["svdvals"] if hasattr(np.linalg, "svdvals") else [])]},
    np.fill_diagonal: ops_assign.fill_diagonal,
    **{getattr(np, name): getattr(ops_linalg, name) for name in [
        "dot", "inner", "outer", "tensordot", "einsum", "kron", "cross", "trace"]},
    **{getattr(np, name): getattr(ops_shape, name) for name in [
        "squeeze", "expand_dims", "ravel", "swapaxes", "moveaxis", "flip", "fliplr", "flipud",
        "rot90", "roll", "repeat", "tile", "pad", "split", "array_split", "hsplit", "vsplit",
        "hstack", "vstack", "column_stack", "diag", "diagonal", "triu", "tril", "sort",
        "atleast_1d", "atleast_2d", "atleast_3d", "diff", "append", "rollaxis",
        "dsplit", "partition", "select", "gradient", "linspace"]},
    np.astype: _astype, np.copy: lambda a, order="K", subok=False: as_tensor(a).copy(),
}

# no gradient could flow through these results (shapes, indices, booleans, fresh arrays):
# they run on the values and return plain numpy results
VALUE_FUNCTIONS = {np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort,
                   np.allclose, np.isclose, np.array_equal, np.any, np.all, np.count_nonzero,
                   np.nonzero, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
                   np.result_type}
VALUE_UFUNCS = {np.isnan, np.isfinite, np.isinf, np.signbit, np.logical_and, np.logical_or,
                np.logical_not, np.logical_xor}

# keyword arguments that change nothing vizgrad computes when left at these values
_HARMLESS = {"out": (None,), "dtype": (None,), "order": ("C", "K", "A"), "optimize": None,
             "kind": None, "casting": ("same_kind",)}


def _numpy_name(function: Any, method: str = "__call__") -> str:
    if isinstance(function, np.ufunc) and getattr(np, function.__name__, None) is not function:
        # a ufunc from another library (scipy.special.expit): named where it lives
        special = sys.modules.get("scipy.special")
        if special is not None and getattr(special, function.__name__, None) is function:
            name = f"scipy.special.{function.__name__}"
            return name if method == "__call__" else f"{name}.{method}"
    module = getattr(function, "__module__", None) or "numpy"
    prefix = "np." + module[len("numpy."):] + "." if module.startswith("numpy.") else "np."
    name = f"{prefix}{function.__name__}"
    return name if method == "__call__" else f"{name}.{method}"


def _supported_names() -> dict[str, str]:
    """Each supported numpy spelling by its last part ("mean" -> "np.mean")."""
    names = [_numpy_name(f) for f in [*UFUNCS, *FUNCTIONS]]
    names += [_numpy_name(u, m) for u, m in UFUNC_METHODS]
    return {name.removeprefix("np."): name for name in sorted(names)}


# what to write instead, where the spelling alone does not lead there
_ALTERNATIVES = {
    "np.fmod": ["np.remainder"], "np.round": ["np.floor", "np.ceil"],
    "np.around": ["np.floor", "np.ceil"], "np.rint": ["np.floor", "np.ceil"],
    "np.average": ["np.mean", "np.sum"], "np.median": ["np.sort"],
    "np.nansum": ["np.sum"], "np.nanmean": ["np.mean"], "np.nanmax": ["np.max"],
    "np.nanmin": ["np.min"], "np.cumulative_sum": ["np.cumsum"],
    "np.cumulative_prod": ["np.cumprod"], "np.true_divide": ["np.divide"],
    "np.linalg.pinv": ["np.linalg.solve", "np.linalg.inv"],
    "np.linalg.lstsq": ["np.linalg.solve"], "np.linalg.matrix_power": ["np.matmul"],
}


def unsupported(name: str) -> UnsupportedError:
    """The error for a numpy function vizgrad has no op for, with the nearest supported ones."""
    if not name.startswith("np."):
        return UnsupportedError(
            f"{name} has no vizgrad op, so it cannot record a gradient through a tensor. "
            f"Fix: {library_fix(name)}; or call {name} on t.numpy() to work on the values "
            "off the graph (no gradient flows through that)")
    names = _supported_names()
    bare = name.removeprefix("np.").removeprefix("linalg.").removeprefix("fft.")
    if name.startswith("np.linalg."):   # a linalg function: the nearest linalg ones
        names = {key.removeprefix("linalg."): value for key, value in names.items()
                 if value.startswith("np.linalg.")}
    nearest = _ALTERNATIVES.get(name, []) + [
        names[n] for n in difflib.get_close_matches(bare, list(names), n=5, cutoff=0.6)]
    if not nearest and name.startswith("np.linalg."):
        nearest = list(names.values())
    nearest = list(dict.fromkeys(nearest))[:None if name.startswith("np.linalg.") else 5]
    hint = (f"The nearest supported: {', '.join(nearest)}. " if nearest else
            "See the op list in the README (vg.ops.OPS has them all). ")
    return UnsupportedError(
        f"{name} has no vizgrad op, so it cannot record a gradient through a tensor. {hint}"
        f"Fix: use a supported function, or call {name} on t.numpy() to work on the values "
        "off the graph (no gradient flows through that).")


_PARAMETERS: dict[Callable[..., Any], set[str] | None] = {}


def _accepted(handler: Callable[..., Any]) -> set[str] | None:
    """The keyword names ``handler`` takes (None: any)."""
    if handler not in _PARAMETERS:
        parameters = inspect.signature(handler).parameters.values()
        named = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        # the first parameter is the tensor itself, given by position
        _PARAMETERS[handler] = None if any(p.kind is p.VAR_KEYWORD for p in parameters) else set(
            named[1:])
    return _PARAMETERS[handler]


def _checked_kwargs(name: str, handler: Callable[..., Any], kwargs: dict) -> dict:
    """The keyword arguments to pass on; a clear error for ``out=`` and the unsupported ones."""
    if not kwargs:
        return kwargs
    out = kwargs.get("out")
    if out is not None and not (isinstance(out, tuple) and all(o is None for o in out)):
        line = user_line()
        where = f" (in `{line}`)" if line else ""
        raise UnsupportedError(
            f"{name}(..., out=...){where} would write into an existing array, but a vizgrad "
            "tensor never changes after it is made (the graph keeps its values), and a numpy "
            f"array cannot hold one. Fix: y = {name}(...) without out=; for a += t on a numpy "
            "array a, write a = a + t")
    accepted = _accepted(handler)
    passed = {}
    for key, value in kwargs.items():
        if accepted is None or key in accepted:
            passed[key] = value
            continue
        harmless = _HARMLESS.get(key, ())
        if key in _HARMLESS and (harmless is None or value in harmless or
                                 (isinstance(value, tuple) and all(v is None for v in value))):
            continue
        options = (f"the keywords {', '.join(sorted(accepted))}" if accepted else
                   "no keywords")
        raise UnsupportedError(f"{name}(..., {key}=...) is not supported on tensors: "
                               f"vizgrad's {name} takes {options}. Fix: leave {key} out")
    return passed


def _values(item: Any) -> Any:
    """``item`` with every tensor replaced by its values (inside lists and tuples too)."""
    if isinstance(item, Tensor):
        return item._data
    if isinstance(item, (list, tuple)):
        return type(item)(_values(x) for x in item)
    if isinstance(item, dict):
        return {key: _values(value) for key, value in item.items()}
    return item




def _into_plain_arrays(inputs: tuple, kwargs: dict) -> bool:
    """True for ``a -= t`` and other ``out=`` calls that write into plain numpy arrays from
    tensors without a gradient (cs231n's hand-written ``dx[...] -= num_pos``): values only."""
    out = kwargs.get("out")
    outs = out if isinstance(out, tuple) else (out,)
    return (out is not None and all(o is None or type(o) is np.ndarray for o in outs)
            and any(o is not None for o in outs)
            and not any(isinstance(x, Tensor) and carries_gradient(x) for x in inputs))


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Run a numpy ufunc on tensors as the matching vizgrad op (Tensor.__array_ufunc__)."""
    if _into_plain_arrays(inputs, kwargs):
        return getattr(ufunc, method)(*_values(inputs), **kwargs)
    if method == "__call__":
        handler = UFUNCS.get(ufunc)
        if handler is None and ufunc in VALUE_UFUNCS:
            return ufunc(*_values(inputs), **_values(kwargs))
    else:
        handler = UFUNC_METHODS.get((ufunc, method))
    name = _numpy_name(ufunc, method)
    if handler is None:
        raise unsupported(name)
    return handler(*inputs, **_checked_kwargs(name, handler, kwargs))


def array_function(function: Callable[..., Any], types: tuple, args: tuple,
                   kwargs: dict) -> Any:
    """Run a numpy function on tensors as the matching vizgrad op (Tensor.__array_function__)."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented
    handler = FUNCTIONS.get(function)
    if handler is None:
        if function in VALUE_FUNCTIONS:
            return function(*_values(args), **_values(kwargs))
        raise unsupported(_numpy_name(function))
    return handler(*args, **_checked_kwargs(_numpy_name(function), handler, kwargs))
