"""The table of operations: each forward sits right above its vector-Jacobian rules.

A rule receives the upstream gradient ``g``, the op's output ``out`` and the
input values, and returns that input's gradient *before* un-broadcasting;
the engine sums broadcast axes away once, centrally (``unbroadcast``).
``None`` as a rule means the input carries no gradient (indices, conditions).
Each rule also has a short formula that the step explanation shows.

Complex values may appear in the middle of a computation with real inputs and
a real result. A complex tensor's gradient is then dL/dRe − i·dL/dIm (the
convention of JAX and HIPS autograd), so a holomorphic op's rule is its real
rule unchanged; ops listed in ``COMPLEX_SAFE`` have rules that hold for complex
values, and backpropagating through any other op of complex values is a clear
error naming it (see ``complex_version``).
"""

from __future__ import annotations

import builtins
import math
import operator
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ShapeError, VizgradError
from .tensor import Tensor, apply, as_tensor, binary, unary

Rule = Callable[..., Any]


@dataclass(frozen=True, eq=False)
class Op:
    """One differentiable operation: forward, one rule per input, and how to draw it."""

    name: str
    symbol: str
    forward: Callable[..., Any] | None
    rules: tuple[Rule | None, ...] | Callable[[int], Rule | None] = ()
    formulas: tuple[str, ...] = ()
    shape_fix: str = "check the shapes of the inputs"
    elementwise: bool = False
    variadic: bool = field(default=False)
    # the same op on Python floats, used when every input is a 0-d float64 tensor (see
    # scalar_form): the forward, and one rule per input with the table's calling convention
    scalar: Callable[..., float] | None = field(default=None, repr=False)
    scalar_rules: tuple[Rule | None, ...] | None = field(default=None, repr=False)

    def rule(self, index: int) -> Rule | None:
        """The vector-Jacobian rule for input ``index``."""
        if callable(self.rules):
            return self.rules(index)
        return self.rules[index]

    def formula(self, index: int) -> str:
        """The local derivative of input ``index``, as text for the explanation."""
        if index < len(self.formulas):
            return self.formulas[index]
        return self.formulas[-1] if self.formulas else ""


OPS: dict[str, Op] = {}
BROADCAST_FIX = ("make the shapes broadcast (numpy rules: trailing axes equal or 1), "
                 "e.g. reshape one of them")


def defop(name: str, symbol: str, forward: Callable[..., Any], *rules: Rule | None,
          formulas: Sequence[str] = (), shape_fix: str = BROADCAST_FIX,
          elementwise: bool = False) -> Op:
    """Add an op to the table."""
    op = Op(name, symbol, forward, tuple(rules), tuple(formulas), shape_fix, elementwise)
    OPS[name] = op
    return op


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = [extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1]
    summed = grad.sum(axis=(*range(extra), *stretched))
    return summed if summed.shape == shape else summed.reshape(shape)


def _binary(op: Op) -> Callable[[Any, Any], Tensor]:
    function = binary(op)
    function.__name__ = op.name
    function.__doc__ = f"Elementwise {op.name} with numpy broadcasting, recorded for gradients."
    return function


def _unary(op: Op) -> Callable[[Any], Tensor]:
    function = unary(op)
    function.__name__ = op.name
    function.__doc__ = f"Elementwise {op.name}, recorded for gradients."
    return function


# -- elementwise, two inputs -----------------------------------------------
add = _binary(defop("add", "+", np.add, lambda g, out, a, b: g, lambda g, out, a, b: g,
                    formulas=("1", "1"), elementwise=True))
subtract = _binary(defop("subtract", "−", np.subtract,
                         lambda g, out, a, b: g, lambda g, out, a, b: -g,
                         formulas=("1", "−1"), elementwise=True))
multiply = _binary(defop("multiply", "×", np.multiply,
                         lambda g, out, a, b: g * b, lambda g, out, a, b: g * a,
                         formulas=("b", "a"), elementwise=True))
divide = _binary(defop("divide", "÷", np.divide,
                       lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b,
                       formulas=("1/b", "−a/b²"), elementwise=True))


def _power_base(g, out, a, b):
    # b·a^(b−1) is 0·inf at a = 0, b = 0; d(a^0)/da is 0 everywhere (PyTorch, autograd)
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * b * np.power(a, np.where(b == 0, 1, b - 1))


def _power_exponent(g, out, a, b):
    # a^b·ln a; at a = 0 the limit along b is taken as 0 (PyTorch, autograd); for a < 0,
    # a^b is not real-differentiable in b, so the log's nan says so, as in both
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * out * np.log(np.where(a == 0, 1, a))


power = _binary(defop("power", "^", np.power, _power_base, _power_exponent,
                      formulas=("b·a^(b−1)", "a^b·ln a"), elementwise=True))
maximum = _binary(defop("maximum", "max", np.maximum,
                        lambda g, out, a, b: g * ((a > b) + 0.5 * (a == b)),
                        lambda g, out, a, b: g * ((b > a) + 0.5 * (a == b)),
                        formulas=("[a > b]", "[b > a]"), elementwise=True))
minimum = _binary(defop("minimum", "min", np.minimum,
                        lambda g, out, a, b: g * ((a < b) + 0.5 * (a == b)),
                        lambda g, out, a, b: g * ((b < a) + 0.5 * (a == b)),
                        formulas=("[a < b]", "[b < a]"), elementwise=True))

# -- comparisons: recorded so they are drawn, but carry no gradient ------------
less = _binary(defop("less", "<", np.less, None, None))
less_equal = _binary(defop("less_equal", "≤", np.less_equal, None, None))
greater = _binary(defop("greater", ">", np.greater, None, None))
greater_equal = _binary(defop("greater_equal", "≥", np.greater_equal, None, None))
equal = _binary(defop("equal", "==", np.equal, None, None))
not_equal = _binary(defop("not_equal", "≠", np.not_equal, None, None))

# -- elementwise, one input --------------------------------------------------
negative = _unary(defop("negative", "−", np.negative, lambda g, out, a: -g,
                        formulas=("−1",), elementwise=True))
exp = _unary(defop("exp", "exp", np.exp, lambda g, out, a: g * out,
                   formulas=("exp(x)",), elementwise=True))
log = _unary(defop("log", "log", np.log, lambda g, out, a: g / a,
                   formulas=("1/x",), elementwise=True))
sqrt = _unary(defop("sqrt", "√", np.sqrt, lambda g, out, a: g / (2 * out),
                    formulas=("1/(2√x)",), elementwise=True))
square = _unary(defop("square", "x²", np.square, lambda g, out, a: g * 2 * a,
                      formulas=("2x",), elementwise=True))
def _conjugate(z: Any) -> Any:
    """The complex conjugate; recorded (its gradient is the conjugate of the upstream)."""
    return apply(_conj, (z,)) if isinstance(z, Tensor) else np.conj(z)


_conj = Op("conjugate", "conj", np.conj, (lambda g, out, z: _conjugate(g),), ("conj",))


def _abs_rule(g, out, a):
    if a.dtype.kind != "c":
        return g * np.sign(a)
    # d|z| is conj(z)/|z| in the convention above; 0 at z = 0, as sign(0) is
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(out == 0, 0, g * _conjugate(a) / out)


abs = _unary(defop("abs", "|x|", np.abs, _abs_rule, formulas=("sign(x)",), elementwise=True))
sin = _unary(defop("sin", "sin", np.sin, lambda g, out, a: g * np.cos(a),
                   formulas=("cos(x)",), elementwise=True))
cos = _unary(defop("cos", "cos", np.cos, lambda g, out, a: -g * np.sin(a),
                   formulas=("−sin(x)",), elementwise=True))
tanh = _unary(defop("tanh", "tanh", np.tanh, lambda g, out, a: g * (1 - out * out),
                    formulas=("1 − tanh²(x)",), elementwise=True))


def _sigmoid(a):
    # exp of a negative number only, so large |a| never overflows
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


sigmoid = _unary(defop("sigmoid", "σ", _sigmoid, lambda g, out, a: g * out * (1 - out),
                       formulas=("σ(x)(1 − σ(x))",), elementwise=True))
relu = _unary(defop("relu", "relu", lambda a: np.maximum(a, 0).astype(a.dtype, copy=False),
                    lambda g, out, a: g * (a > 0), formulas=("[x > 0]",), elementwise=True))
sign = _unary(defop("sign", "sign", np.sign, lambda g, out, a: np.zeros_like(g),
                    formulas=("0",), elementwise=True))
_identity = defop("stop_gradient", "stop", lambda a: a, None)


# -- the same ops on Python floats -----------------------------------------------------
# A 0-d float64 tensor (the scalar code of micrograd-style lessons) is computed with plain
# float arithmetic: a numpy call on a 0-d array costs ten times the arithmetic. The result
# is the same op, recorded the same way, drawn the same way. Whatever floats do differently
# from numpy (an error, an inf or a NaN, a complex power) falls back to numpy's path.
def scalar_form(op: Op, forward: Callable[..., float], *rules: Rule | None) -> None:
    """Give ``op`` a forward and rules on Python floats (rules as in the table: g, out, *inputs).

    A rule of None means: this input's gradient is taken on numpy's path.

    >>> OPS["tanh"].scalar(0.0), OPS["multiply"].scalar_rules[0](1.0, 6.0, 2.0, 3.0)
    (0.0, 3.0)
    """
    object.__setattr__(op, "scalar", forward)
    object.__setattr__(op, "scalar_rules", rules)


def _real_power(a: float, b: float) -> float:
    if a < 0 and b != int(b):  # floats make a complex number here, numpy a NaN
        raise ValueError("complex power")
    return a ** b


def _power_base_float(g: float, out: float, a: float, b: float) -> float:
    return g * b * _real_power(a, 1.0 if b == 0 else b - 1)


def _sigmoid_float(a: float) -> float:
    e = math.exp(-a if a >= 0 else a)  # as _sigmoid: exp of a negative number only
    return 1 / (1 + e) if a >= 0 else e / (1 + e)


def _identity_rule(g: float, out: float, a: float, b: float = 0.0) -> float:
    return g


# the forwards of +, -, *, / are the operator module's functions: no Python frame per op
scalar_form(OPS["add"], operator.add, _identity_rule, _identity_rule)
scalar_form(OPS["subtract"], operator.sub, _identity_rule, lambda g, out, a, b: -g)
scalar_form(OPS["multiply"], operator.mul, lambda g, out, a, b: g * b,
            lambda g, out, a, b: g * a)
scalar_form(OPS["divide"], operator.truediv, lambda g, out, a, b: g / b,
            lambda g, out, a, b: -g * out / b)
scalar_form(OPS["power"], _real_power, _power_base_float, None)  # d/db: numpy's path
scalar_form(OPS["negative"], operator.neg, lambda g, out, a: -g)
scalar_form(OPS["exp"], math.exp, lambda g, out, a: g * out)
scalar_form(OPS["log"], math.log, lambda g, out, a: g / a)
scalar_form(OPS["sqrt"], math.sqrt, lambda g, out, a: g / (2 * out))
scalar_form(OPS["square"], lambda a: a * a, lambda g, out, a: g * 2 * a)
scalar_form(OPS["sin"], math.sin, lambda g, out, a: g * math.cos(a))
scalar_form(OPS["cos"], math.cos, lambda g, out, a: -g * math.sin(a))
scalar_form(OPS["tanh"], math.tanh, lambda g, out, a: g * (1 - out * out))
scalar_form(OPS["sigmoid"], _sigmoid_float, lambda g, out, a: g * out * (1 - out))
scalar_form(OPS["relu"], lambda a: a if a > 0 or a != a else 0.0,
            lambda g, out, a: g * (a > 0))


def stop_gradient(x: Any) -> Tensor:
    """The same values, but no gradient flows back through it.

    >>> x = Tensor(2.0, requires_grad=True); stop_gradient(x * x).op
    'stop_gradient'
    """
    return apply(_identity, (as_tensor(x),))


# -- clip and where ------------------------------------------------------------
def _clip_forward(a, a_min, a_max):
    return np.clip(a, a_min, a_max)


_clip = defop("clip", "clip", _clip_forward,
              lambda g, out, a, a_min, a_max: g * np.logical_and(
                  a >= (-np.inf if a_min is None else a_min),
                  a <= (np.inf if a_max is None else a_max)),
              formulas=("[lo ≤ x ≤ hi]",), elementwise=True)


def clip(x: Any, a_min: float | None = None, a_max: float | None = None) -> Tensor:
    """Limit values to [a_min, a_max]; the gradient is 1 inside and 0 outside.

    >>> clip(Tensor([-2., 0.5, 3.]), -1, 1).numpy()
    array([-1. ,  0.5,  1. ])
    """
    if a_min is None and a_max is None:
        raise VizgradError("clip() needs a_min or a_max; fix: clip(x, -1.0, 1.0)")
    return apply(_clip, (as_tensor(x),), {"a_min": a_min, "a_max": a_max})


def clip_by_value(t: Any, clip_value_min: float, clip_value_max: float) -> Tensor:
    """TensorFlow's name for :func:`clip`."""
    return clip(t, clip_value_min, clip_value_max)


_where = defop("where", "where", np.where, None,
               lambda g, out, c, a, b: g * c, lambda g, out, c, a, b: g * np.logical_not(c),
               formulas=("", "[cond]", "[not cond]"), elementwise=True)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y``; gradients go to the chosen side.

    >>> where(Tensor([True, False]), 1., 2.).numpy()
    array([1., 2.])
    """
    cond = as_tensor(condition)
    if cond.dtype != np.bool_:
        cond = Tensor(np.asarray(cond._data).astype(bool))
    x_t = x if isinstance(x, Tensor) else as_tensor(x, y if isinstance(y, Tensor) else None)
    y_t = y if isinstance(y, Tensor) else as_tensor(y, x_t)
    return apply(_where, (cond, x_t, y_t))


# -- reductions ------------------------------------------------------------------
def _axis(axis: Any) -> Any:
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """The reduced axes as a tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        return (int(axis) % ndim,)
    return tuple(int(ax) % ndim for ax in axis)


def _expand(g: np.ndarray, a: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    """Put back the reduced axes of ``g`` (as length 1) so it broadcasts against ``a``."""
    if keepdims:
        return g
    shape = list(a.shape)
    for ax in _axes(axis, a.ndim):
        shape[ax] = 1
    return g.reshape(shape)


def _spread(g: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``g`` broadcast to ``a``'s shape, as a new array (faster than np.broadcast_to)."""
    if isinstance(g, Tensor):   # a backward pass being recorded: the recorded broadcast
        return broadcast_to(g, a.shape)
    out = np.empty(a.shape, dtype=g.dtype)
    out[...] = g
    return out


def _sum_rule(g, out, a, axis, keepdims):
    return _spread(_expand(g, a, axis, keepdims), a)


def _mean_rule(g, out, a, axis, keepdims):
    if axis is None:   # g has one element: it broadcasts as it is
        return _spread(g / a.size, a)
    count = math.prod(a.shape[ax] for ax in _axes(axis, a.ndim))
    return _spread(_expand(g, a, axis, keepdims) / count, a)


def _extreme_rule(g, out, a, axis, keepdims):
    # ties share the gradient equally, as in TensorFlow
    hit = a == _expand(out, a, axis, keepdims)
    return _expand(g, a, axis, keepdims) * hit / hit.sum(axis=axis, keepdims=True)


def _logsumexp_forward(a, axis, keepdims):
    top = a.max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.exp(a - top).sum(axis=axis, keepdims=True)) + top
    return out if keepdims else out.reshape([n for i, n in enumerate(a.shape)
                                             if i not in _axes(axis, a.ndim)])


def _logsumexp_rule(g, out, a, axis, keepdims):
    return _expand(g, a, axis, keepdims) * np.exp(a - _expand(out, a, axis, keepdims))


_REDUCE_FIX = "use an axis between -ndim and ndim-1"
_sum = defop("sum", "Σ", lambda a, axis, keepdims: a.sum(axis=axis, keepdims=keepdims),
             _sum_rule, formulas=("1",), shape_fix=_REDUCE_FIX)
def _mean_forward(a, axis, keepdims):
    total = a.sum(axis=axis, keepdims=keepdims)   # raises first for a bad axis
    if axis is None:
        return total / a.size
    return total / math.prod(a.shape[ax] for ax in _axes(axis, a.ndim))


_mean = defop("mean", "mean", _mean_forward, _mean_rule, formulas=("1/n",),
              shape_fix=_REDUCE_FIX)
_max = defop("max", "max", lambda a, axis, keepdims: a.max(axis=axis, keepdims=keepdims),
             _extreme_rule, formulas=("[x is the max]",), shape_fix=_REDUCE_FIX)
_min = defop("min", "min", lambda a, axis, keepdims: a.min(axis=axis, keepdims=keepdims),
             _extreme_rule, formulas=("[x is the min]",), shape_fix=_REDUCE_FIX)
_logsumexp = defop("logsumexp", "logΣexp", _logsumexp_forward, _logsumexp_rule,
                   formulas=("softmax(x)",), shape_fix=_REDUCE_FIX)


def _reducer(op: Op, doc: str) -> Callable[..., Tensor]:
    def function(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply(op, (as_tensor(x),), {"axis": _axis(axis), "keepdims": bool(keepdims)})
    function.__name__ = op.name
    function.__doc__ = doc
    return function


sum = _reducer(_sum, "Sum over ``axis`` (all axes by default).\n\n"
                     ">>> sum(Tensor([[1., 2.], [3., 4.]]), axis=0).numpy()\narray([4., 6.])")
mean = _reducer(_mean, "Mean over ``axis`` (all axes by default).")
max = _reducer(_max, "Maximum over ``axis``; ties share the gradient.")
min = _reducer(_min, "Minimum over ``axis``; ties share the gradient.")
logsumexp = _reducer(_logsumexp, "log(sum(exp(x))) over ``axis``, computed stably.")
reduce_sum, reduce_mean, reduce_max, reduce_min = sum, mean, max, min


def _softmax_forward(a, axis):
    shifted = np.exp(a - a.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _log_softmax_forward(a, axis):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


_softmax = defop("softmax", "softmax", _softmax_forward,
                 lambda g, out, a, axis: out * (g - (g * out).sum(axis=axis, keepdims=True)),
                 formulas=("diag(s) − s sᵀ",), shape_fix=_REDUCE_FIX)
_log_softmax = defop("log_softmax", "log softmax", _log_softmax_forward,
                     lambda g, out, a, axis: g - np.exp(out) * g.sum(axis=axis, keepdims=True),
                     formulas=("I − softmax(x)",), shape_fix=_REDUCE_FIX)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
    return apply(_softmax, (as_tensor(x),), {"axis": axis})


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along ``axis``, computed stably."""
    return apply(_log_softmax, (as_tensor(x),), {"axis": axis})


# -- shapes --------------------------------------------------------------------
_reshape = defop("reshape", "reshape", lambda a, shape: np.reshape(a, shape),
                 lambda g, out, a, shape: np.reshape(g, a.shape), formulas=("1",),
                 shape_fix="ask for a shape with the same number of elements (one -1 allowed)")


def reshape(x: Any, shape: Any) -> Tensor:
    """Same values, new shape."""
    shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
    return apply(_reshape, (as_tensor(x),), {"shape": shape})


def _transpose_rule(g, out, a, axes):
    # the inverse permutation of the axes as non-negative numbers: argsort of (-1, 0) is wrong
    return np.transpose(g, None if axes is None else np.argsort([ax % a.ndim for ax in axes]))


_transpose = defop("transpose", "ᵀ", lambda a, axes: np.transpose(a, axes), _transpose_rule,
                   formulas=("1",), shape_fix="give a permutation of all the axes")


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them by default)."""
    return apply(_transpose, (as_tensor(x),), {"axes": None if axes is None else tuple(axes)})


_broadcast_to = defop("broadcast_to", "broadcast",
                      lambda a, shape: np.broadcast_to(a, shape),
                      lambda g, out, a, shape: g, formulas=("1",))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Repeat ``x`` along new or length-1 axes, as numpy broadcasting does."""
    return apply(_broadcast_to, (as_tensor(x),), {"shape": tuple(shape)})


def _along(axis: int, ndim: int, index: Any) -> tuple:
    """The index that picks ``index`` (an int or a slice) along ``axis``, all else whole."""
    return (slice(None),) * (axis % ndim) + (index,)


def _concatenate_rule(index: int) -> Rule:
    def rule(g, out, *parts, axis):
        if axis is None:   # the parts were flattened, then joined
            start = builtins.sum(p.size for p in parts[:index])
            return g[start:start + parts[index].size].reshape(parts[index].shape)
        start = builtins.sum(p.shape[axis] for p in parts[:index])
        return g[_along(axis, g.ndim, slice(start, start + parts[index].shape[axis]))]
    return rule


def _stack_rule(index: int) -> Rule:
    return lambda g, out, *parts, axis: g[_along(axis, g.ndim, index)]


_concatenate = Op("concatenate", "concat", lambda *parts, axis: np.concatenate(parts, axis=axis),
                  _concatenate_rule, ("1",),
                  "give tensors whose shapes agree except along the axis", variadic=True)
_stack = Op("stack", "stack", lambda *parts, axis: np.stack(parts, axis=axis),
            _stack_rule, ("1",), "give tensors of the same shape", variadic=True)
OPS["concatenate"] = _concatenate
OPS["stack"] = _stack


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return apply(_concatenate, tuple(as_tensor(t) for t in tensors), {"axis": axis})


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return apply(_stack, tuple(as_tensor(t) for t in tensors), {"axis": axis})


# -- indexing --------------------------------------------------------------------
def _scatter_forward(g, index, shape, advanced):
    grad = np.zeros(shape, dtype=g.dtype)
    if advanced:
        np.add.at(grad, index, g)  # repeated indices add up
    else:
        grad[index] = g
    return grad


# The gradient of indexing, as an op of its own: a backward pass that is recorded (for
# second derivatives) records it, and its own gradient is the indexing again. Every
# rule that sums gradients into picked entries uses it (see scatter_add); it is not in
# the table, as no program calls it.
_scatter = Op("scatter_add", "scatter", _scatter_forward,
              (lambda g, out, values, index, shape, advanced: g[index],),
              ("1 at the entries it was put into",))


def scatter_add(values: Any, index: Any, shape: tuple[int, ...], advanced: bool) -> Any:
    """Zeros of ``shape`` with ``values`` added at ``index`` (a recorded op for a tensor).

    >>> scatter_add(np.array([1., 2., 3.]), ([0, 0, 2],), (3,), True)
    array([3., 0., 3.])
    """
    if isinstance(values, Tensor):
        return apply(_scatter, (values,), {"index": index, "shape": tuple(shape),
                                           "advanced": advanced})
    return _scatter_forward(values, index, shape, advanced)


def _getitem_rule(g, out, a, index, advanced):
    if isinstance(g, Tensor):
        return scatter_add(g, index, a.shape, advanced)
    grad = np.zeros(a.shape, dtype=g.dtype)
    if advanced:
        np.add.at(grad, index, g)  # repeated indices add up
    else:
        grad[index] = g
    return grad


_getitem = defop("getitem", "[ ]", lambda a, index, advanced: a[index], _getitem_rule,
                 formulas=("1 at the picked entries, 0 elsewhere",),
                 shape_fix="use indices inside the tensor's shape")


def _plain_index(part: Any) -> Any:
    if isinstance(part, Tensor):
        return np.asarray(part._data)
    if isinstance(part, list):
        return np.asarray(part)
    return part


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: basic, integer-array and boolean-mask indexing, all differentiable."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(_plain_index(p) for p in parts)
    advanced = builtins.any(isinstance(p, np.ndarray) for p in parts)
    plain = parts if isinstance(index, tuple) else parts[0]
    return apply(_getitem, (as_tensor(x),), {"index": plain, "advanced": advanced})


# -- matrix product ------------------------------------------------------------------
def _matmul_left(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:   # (..., m, k) @ (k,)
        return np.expand_dims(g, -1) * b
    if a.ndim == 1:   # (k,) @ (..., k, n)
        return np.matmul(np.expand_dims(g, -2), b.swapaxes(-1, -2))[..., 0, :]
    return np.matmul(g, b.swapaxes(-1, -2))


def _matmul_right(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:   # (k,) @ (..., k, n)
        return np.expand_dims(a, -1) * np.expand_dims(g, -2)
    if b.ndim == 1:   # (..., m, k) @ (k,)
        return np.matmul(a.swapaxes(-1, -2), np.expand_dims(g, -1))[..., 0]
    return np.matmul(a.swapaxes(-1, -2), g)


_matmul = defop("matmul", "@", np.matmul, _matmul_left, _matmul_right,
                formulas=("g·bᵀ", "aᵀ·g"),
                shape_fix="the inner dimensions must agree: (m, k) @ (k, n); "
                          "transpose or reshape one side")


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy's rules (batched, 1-d vectors).

    >>> matmul(Tensor([[1., 2.]]), Tensor([[9.], [10.]])).numpy()
    array([[29.]])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_matmul, (a_t, as_tensor(b, a_t)))


# -- convolution -------------------------------------------------------------------
def _windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """All kh×kw patches of x (N, C, H, W) as a view (N, C, Ho, Wo, kh, kw)."""
    view = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return view[:, :, ::stride, ::stride]


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    if not padding:
        return x
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _conv2d_forward(x, w, stride, padding):
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("conv2d needs x of shape (N, C, H, W) and w of shape (O, C, kh, kw) "
                         "with the same C")
    patches = _windows(_pad(x, padding), w.shape[2], w.shape[3], stride)
    return np.einsum("nchwij,ocij->nohw", patches, w, optimize=True)


def _windows_of_tensor(x: Tensor, kh: int, kw: int, stride: int, padding: int) -> Tensor:
    """:func:`_windows` of the padded ``x`` as recorded indexing (for a recorded backward)."""
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho = (x.shape[2] - kh) // stride + 1
    wo = (x.shape[3] - kw) // stride + 1
    rows = (np.arange(ho) * stride)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(wo) * stride)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    return x[:, :, rows, cols]


def _conv2d_input_rule(g, out, x, w, stride, padding):
    kh, kw = w.shape[2], w.shape[3]
    ho, wo = g.shape[2], g.shape[3]
    h, wd = x.shape[2], x.shape[3]
    if isinstance(g, Tensor):
        padded_shape = (x.shape[0], x.shape[1], h + 2 * padding, wd + 2 * padding)
        total = None
        for i in range(kh):
            for j in range(kw):
                term = scatter_add(np.einsum("nohw,oc->nchw", g, w[:, :, i, j]),
                                   (slice(None), slice(None), slice(i, i + stride * ho, stride),
                                    slice(j, j + stride * wo, stride)), padded_shape, False)
                total = term if total is None else total + term
        return total[:, :, padding:padding + h, padding:padding + wd]
    padded = np.zeros(_pad(x, padding).shape, dtype=g.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride] += np.einsum(
                "nohw,oc->nchw", g, w[:, :, i, j], optimize=True)
    return padded[:, :, padding:padding + h, padding:padding + wd]


def _conv2d_weight_rule(g, out, x, w, stride, padding):
    if isinstance(x, Tensor) or isinstance(g, Tensor):
        patches = _windows_of_tensor(as_tensor(x), w.shape[2], w.shape[3], stride, padding)
        return np.einsum("nohw,nchwij->ocij", g, patches)
    patches = _windows(_pad(x, padding), w.shape[2], w.shape[3], stride)
    return np.einsum("nohw,nchwij->ocij", g, patches, optimize=True)


_conv2d = defop("conv2d", "conv", _conv2d_forward, _conv2d_input_rule, _conv2d_weight_rule,
                formulas=("full convolution of g with w", "correlation of x with g"),
                shape_fix="x is (N, C, H, W), w is (O, C, kh, kw), C must agree and the "
                          "kernel must fit inside the padded input")


def conv2d(x: Any, w: Any, stride: int = 1, padding: int = 0) -> Tensor:
    """2-d cross-correlation (as in deep learning), NCHW input, OIHW weight."""
    if int(stride) < 1 or int(padding) < 0:
        raise ShapeError(f"conv2d needs stride >= 1 and padding >= 0, got stride={stride}, "
                         f"padding={padding}")
    x_t = as_tensor(x)
    return apply(_conv2d, (x_t, as_tensor(w, x_t)), {"stride": int(stride),
                                                     "padding": int(padding)})


# -- complex values in the middle ------------------------------------------------------------
# The ops whose rules hold for complex values as written (holomorphic or linear, or, for abs,
# written for both); a new op joins by adding its name once its rules handle complex values.
COMPLEX_SAFE = {"add", "subtract", "multiply", "divide", "power", "negative", "exp", "log",
                "sqrt", "square", "abs", "sin", "cos", "tanh", "sum", "mean", "reshape",
                "transpose", "broadcast_to", "concatenate", "stack", "getitem", "matmul",
                "where", "conv2d", "stop_gradient"}
# the real part, for a recorded backward pass through complex values (not in the table:
# programs take real parts before vizgrad sees them); its gradient is the real upstream
_real = Op("real", "Re", np.real, (lambda g, out, z: g,), ("1",))
_COMPLEX_VERSIONS: weakref.WeakKeyDictionary[Op, Op] = weakref.WeakKeyDictionary()


def complex_version(op: Op, inputs: Sequence[Tensor]) -> Op:
    """The op to record for a complex output: real inputs get the real part of their
    gradient, and an op without complex rules refuses clearly when backpropagated.

    >>> complex_version(OPS["exp"], [Tensor(1j)]) is OPS["exp"]
    True
    """
    if op.name in COMPLEX_SAFE and all(t._data.dtype.kind == "c" for t in inputs):
        return op
    version = _COMPLEX_VERSIONS.get(op)
    if version is None:
        version = Op(op.name, op.symbol, op.forward, lambda index: _complex_rule(op, index),
                     op.formulas, op.shape_fix, op.elementwise, op.variadic)
        _COMPLEX_VERSIONS[op] = version
    return version


def _complex_rule(op: Op, index: int) -> Rule | None:
    rule = op.rule(index)
    if rule is None:
        return None
    safe = op.name in COMPLEX_SAFE

    def complex_rule(g, out, *values, **params):
        if not safe:
            raise VizgradError(
                f"cannot backpropagate through {op.name} of complex values: its gradient "
                "rule holds for real numbers only. Fix: apply it to real tensors, e.g. to "
                "vg.abs(z) or to the real and imaginary parts, before it")
        c = rule(g, out, *values, **params)
        # a real input's gradient is the real part (dL/dx of a real x)
        if values[index].dtype.kind == "c":
            return c
        return apply(_real, (c,)) if isinstance(c, Tensor) else np.real(c)

    return complex_rule
