"""The public gradient APIs: PyTorch's ``backward``, TensorFlow's ``gradients`` and
``GradientTape``, the functional ``grad``, and ``custom_gradient``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import (
    ArgumentError,
    NonScalarBackwardError,
    ShapeError,
    TapeError,
    UnconnectedGradientWarning,
    VizgradError,
)
from .engine import BackwardPass, backpropagate
from .ops import Op
from .tensor import (
    Tensor,
    ancestors,
    as_tensor,
    describe,
    no_grad,
    record,
    recording,
    require_floating,
)

UNCONNECTED = ("none", "zero")


def _seed(y: Tensor, grad: Any, what: str) -> np.ndarray:
    """The upstream gradient for root ``y``: ones, or a copy of ``grad`` checked against y's
    shape (a copy: the drawing keeps the seed, and the caller may reuse its array)."""
    if grad is None:
        return np.ones(y.shape, dtype=y.dtype)
    seed = np.array(grad._data if isinstance(grad, Tensor) else grad, dtype=y.dtype)
    if seed.shape != y.shape:
        raise ShapeError(f"{what} has shape {seed.shape} but {describe(y)} has shape {y.shape}; "
                         f"fix: pass an array of shape {y.shape}, e.g. np.ones({y.shape})")
    return seed


def _seeds(targets: list[Tensor], given: Any, many: bool, what: str, role: str) -> list:
    """One seed per target: ones, or the gradients ``given`` (one per target, or, for one
    target given alone, an array of its shape)."""
    if given is None:
        return [_seed(t, None, "") for t in targets]
    if many:
        g_list, _ = _as_list(given)
    elif isinstance(given, (list, tuple)) and len(given) == 1 \
            and np.shape(given) != targets[0].shape:
        g_list = list(given)    # [g] for one target: the old spelling, still accepted
    else:
        g_list = [given]        # one target: an array or nested list of its shape
    if len(g_list) != len(targets):
        raise ArgumentError(f"{what} has {len(g_list)} entries but {role} has {len(targets)}; "
                            f"fix: give one gradient per {role[:-1] if role == 'ys' else role}, "
                            "each of its shape")
    return [_seed(t, g, f"{what}[{i}]" if many else what)
            for i, (t, g) in enumerate(zip(targets, g_list))]


def _unconnected(value: Any) -> str:
    text = getattr(value, "value", value)
    text = str(text).lower()
    if text not in UNCONNECTED:
        raise ArgumentError(f"unconnected_gradients={value!r} is not known; fix: use "
                            "'none' (give None) or 'zero' (give zeros)")
    return text


def backward(y: Tensor, grad: Any = None) -> BackwardPass:
    """Backpropagate from ``y``; leaves with ``requires_grad`` accumulate into ``.grad``.

    >>> from vizgrad import Variable
    >>> x = Variable(2.0); (x * x).backward(); (x * x).backward(); x.grad
    array(8.)
    """
    require_floating(y, "backward() was called on it")
    if not y.requires_grad:
        raise VizgradError(
            f"backward() was called on {describe(y)}, which does not require grad: it was "
            "computed inside vg.no_grad(), or only from tensors that do not require gradients "
            "(constants, detached values), so no gradient can reach a variable. Fix: compute "
            "it outside no_grad(), from vg.Variable(...) (or requires_grad=True) inputs")
    if grad is None and y.size != 1:
        shape = y.shape
        raise NonScalarBackwardError(
            f"backward() without grad needs a scalar, but {describe(y)} has shape {shape}: "
            "the implicit gradient (1) is defined only for a single number. Fix: reduce it "
            f"first, e.g. y.sum().backward(), or pass the upstream gradient, e.g. "
            f"y.backward(np.ones({shape})).")
    seed = _seed(y, grad, "backward(grad=...)")
    result = backpropagate([y], [seed], _is_trainable_leaf, kind="backward")
    grads = result.grads
    for t in result.reached_sources:  # the trainable leaves the walk reached
        g = grads.get(t._id)
        if g is not None:
            if t._grad is None:   # shared with the pass until read: see Tensor.grad
                t._grad, t._grad_shared = g, True
            else:
                t._grad, t._grad_shared = np.asarray(t._grad + g), False
    return result


def _is_trainable_leaf(t: Tensor) -> bool:
    return t._op is None and t.requires_grad


def _as_list(value: Any) -> tuple[list, bool]:
    if isinstance(value, (list, tuple)):
        return list(value), True
    return [value], False


def _checked_sources(xs: Sequence[Any], role: str, api: str) -> list[Tensor]:
    sources = []
    for i, x in enumerate(xs):
        if not isinstance(x, Tensor):
            raise ArgumentError(f"{role}[{i}] is a {type(x).__name__}, not a tensor; "
                                "fix: pass the vg tensors the result was computed from")
        require_floating(x, f"it is {role}[{i}] of {api}")
        sources.append(x)
    return sources


def _refuse_second_order(g: np.ndarray, out: np.ndarray, *values: np.ndarray, of: str,
                         wrt: str) -> np.ndarray:
    raise VizgradError(
        f"cannot differentiate the gradient of {of} with respect to {wrt}: vizgrad gives "
        "first-order gradients only. Fix: to use the gradient as a constant (a plain "
        "number, e.g. in an update w - lr * g), wrap it in vg.stop_gradient(g) or compute it "
        "inside vg.no_grad(); for a second derivative, differentiate the first derivative "
        "written out by hand (e.g. 3 * x**2 for x**3)")


# A gradient computed while recording is recorded as the output of this op, with the
# roots and the source as inputs: it depends on them, so any later differentiation that
# needs to go through it reaches the rule, which refuses (rather than a silent zero).
_GRADIENT = Op("gradient", "∇", None, lambda index: _refuse_second_order,
               ("second derivative (not supported)",), variadic=True)


def _collect(result: BackwardPass, roots: list[Tensor], sources: list[Tensor],
             unconnected: str, kind: str = "vg.gradients") -> list:
    out = []
    for x in sources:
        g = result.grads.get(x._id)
        if g is None:
            if unconnected == "zero":
                _warn_unconnected(f"{kind} with unconnected_gradients='zero'", describe(x),
                                  stacklevel=3)
            out.append(Tensor(np.zeros(x.shape, x.dtype)) if unconnected == "zero" else None)
            continue
        data = np.array(g, copy=True)
        data.flags.writeable = False
        out.append(record(_GRADIENT, (*roots, x), data,
                          {"of": " and ".join(describe(y) for y in roots), "wrt": describe(x)}))
    return out


def gradients(ys: Any, xs: Any, grad_ys: Any = None, stop_gradients: Any = None,
              unconnected_gradients: str = "none") -> list[Tensor | None]:
    """d(sum of ys)/dx for each x in xs (TensorFlow semantics); does not touch ``.grad``.

    >>> from vizgrad import Variable, constant, matmul
    >>> w1 = Variable([[1., 2.]]); y = matmul(w1, constant([[9.], [10.]]))
    >>> gradients(y, [w1])[0].numpy()
    array([[ 9., 10.]])
    """
    unconnected = _unconnected(unconnected_gradients)
    y_list, many = _as_list(ys)
    x_list, _ = _as_list(xs)
    y_list = [as_tensor(y) for y in y_list]
    sources = _checked_sources(x_list, "xs", "vg.gradients()")
    seeds = _seeds(y_list, grad_ys, many, "grad_ys", "ys")
    for y in y_list:
        require_floating(y, "it is in the ys of vg.gradients()")
    stop_list, _ = _as_list(stop_gradients) if stop_gradients is not None else ([], False)
    stops = frozenset(t._id for t in stop_list if isinstance(t, Tensor))
    source_ids = {x._id for x in sources}
    result = backpropagate(y_list, seeds, lambda t: t._id in source_ids, kind="gradients",
                           sources=sources, stops=stops)
    return _collect(result, y_list, sources, unconnected)


class GradientTape:
    """Records the operations run inside ``with`` so ``gradient`` can differentiate them.

    >>> from vizgrad import Variable
    >>> w = Variable([1., 2.])
    >>> with GradientTape() as tape:
    ...     y = (w * w).sum()
    >>> tape.gradient(y, w).numpy()
    array([2., 4.])
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._ops: set[int] = set()
        self._traced: set[int] = set()
        self._watched: list[Tensor] = []
        self._used = False
        self._recording = False
        self._open = False       # inside the with block (stop_recording may pause it)
        self._state = recording()

    def __enter__(self) -> GradientTape:
        self._state = recording()   # the thread that opens the tape is the one it watches
        self._open = True
        self._start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._open = False
        self._stop()

    def _start(self) -> None:
        self._state.tapes.append(self)
        self._recording = True

    def _stop(self) -> None:
        if self in self._state.tapes:
            self._state.tapes.remove(self)
        self._recording = False

    def watch(self, tensor: Any) -> None:
        """Trace ``tensor`` (or a list of them) so gradients with respect to it exist."""
        for t in _as_list(tensor)[0]:
            if not isinstance(t, Tensor):
                raise ArgumentError(f"tape.watch() needs vg tensors, got {type(t).__name__}; "
                                    "fix: wrap it, e.g. vg.constant(value)")
            require_floating(t, "tape.watch() was asked to watch it")
            self._trace(t)

    def _trace(self, t: Tensor) -> None:
        if t._id not in self._traced:
            self._traced.add(t._id)
            self._watched.append(t)

    def watched_variables(self) -> list[Tensor]:
        """The tensors this tape watches."""
        return list(self._watched)

    def _record(self, out: Tensor) -> None:
        traced = self._traced
        hit = False
        for x in out._inputs:
            if x._id in traced:
                hit = True
            elif self.watch_accessed_variables and x._op is None and x.requires_grad:
                self._trace(x)
                hit = True
        if hit:
            traced.add(out._id)
            self._ops.add(out._id)

    @contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Pause this tape inside the block."""
        if not self._recording:
            raise TapeError("stop_recording() works only while the tape is recording; fix: call "
                            "it inside the tape's with block")
        self._stop()
        try:
            yield
        finally:
            if self._open:   # a tape closed meanwhile stays closed
                self._start()

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: str = "none") -> Any:
        """Gradients of ``target`` with respect to ``sources`` through the taped ops only."""
        if self._used and not self.persistent:
            raise TapeError("this GradientTape was already used: a non-persistent tape gives "
                            "gradients once. Fix: GradientTape(persistent=True), or compute all "
                            "gradients in one call: tape.gradient(y, [a, b])")
        unconnected = _unconnected(unconnected_gradients)
        t_list, many = _as_list(target)
        t_list = [as_tensor(t) for t in t_list]
        source_list, was_list = _as_list(sources)
        checked = _checked_sources(source_list, "sources", "tape.gradient()")
        seeds = _seeds(t_list, output_gradients, many, "output_gradients", "target")
        for t in t_list:
            require_floating(t, "it is the target of tape.gradient()")
        self._used = True  # only a call that got this far uses the tape up
        traced = set(self._traced)
        source_ids = {x._id for x in checked if x._id in traced}
        result = backpropagate(t_list, seeds, lambda t: t._id in source_ids, kind="tape",
                               sources=checked, allowed=frozenset(self._ops))
        grads = _collect(result, t_list, checked, unconnected, "tape.gradient")
        return grads if was_list else grads[0]


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The function that returns the gradient of scalar ``f`` at its arguments (JAX style).

    >>> grad(lambda x: x ** 2 + x - 1)(2.0)
    array(5.)
    """
    value_and_gradient = value_and_grad(f, argnums)

    @functools.wraps(f)
    def gradient_of_f(*args: Any) -> Any:
        return value_and_gradient(*args)[1]

    return gradient_of_f


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Like :func:`grad`, but the function returns ``(f(...), gradient)``: one forward pass.

    >>> value_and_grad(lambda x: x ** 2)(3.0)
    (tensor(9., op='power'), array(6.))
    """
    many = not isinstance(argnums, int)
    indices = list(argnums) if many else [argnums]

    @functools.wraps(f)
    def value_and_gradient_of_f(*args: Any) -> Any:
        args = list(args)
        state = recording()
        for i in indices:
            value = args[i]
            if isinstance(value, Tensor) and state.grad_sources:
                _refuse_nested_grad(value, state.grad_sources, f)
            args[i] = Tensor(value._data if isinstance(value, Tensor) else value,
                             requires_grad=False, name=getattr(value, "name", None))
            require_floating(args[i], f"vg.grad differentiates with respect to argument {i} "
                                      f"of {getattr(f, '__name__', 'f')}")
        # while f runs, a vg.grad inside it given these arguments would differentiate
        # a gradient: it looks here to refuse
        state.grad_sources.append(frozenset(args[i]._id for i in indices))
        try:
            y = as_tensor(f(*args))
        finally:
            state.grad_sources.pop()
        if y.size != 1:
            raise NonScalarBackwardError(f"grad(f) needs f to return a scalar, but it returned "
                                         f"shape {y.shape}; fix: return y.sum() or use "
                                         "vg.gradients(y, xs, grad_ys=...)")
        result = gradients(y, [args[i] for i in indices])
        for i, g in zip(indices, result):
            if g is None:
                _warn_unconnected(f"vg.grad({getattr(f, '__name__', 'f')})",
                                  f"argument {i}" + (f" ({args[i].name!r})" if args[i].name
                                                     else ""), stacklevel=3)
        out = [np.zeros(args[i].shape, args[i].dtype) if g is None else g.numpy()
               for i, g in zip(indices, result)]
        return y, (tuple(out) if many else out[0])

    return value_and_gradient_of_f


def _warn_unconnected(api: str, what: str, stacklevel: int) -> None:
    """Warn that ``api`` gives zeros for ``what`` because the output does not depend on it."""
    warnings.warn(
        f"{api}: the output does not depend on {what}, so its gradient is all zeros. If it "
        "should, look for a value taken off the graph on the way (t.numpy(), float(t), "
        "t.item()); if not, silence this with warnings.filterwarnings('ignore', "
        "category=vg.UnconnectedGradientWarning)",
        UnconnectedGradientWarning, stacklevel=stacklevel + 1)


def _refuse_nested_grad(value: Tensor, outer: list[frozenset[int]], f: Callable) -> None:
    """Raise if ``value`` was computed from what an enclosing ``vg.grad`` differentiates."""
    active = frozenset().union(*outer)
    if any(t._id in active for t in ancestors([value])):
        raise VizgradError(
            f"vg.grad({getattr(f, '__name__', 'f')}) was called inside another vg.grad, on "
            "a value that one differentiates: that asks for a second derivative, and vizgrad "
            "gives first-order gradients only. Fix: write the first derivative out by hand "
            "and differentiate that once, e.g. vg.grad(lambda x: 3 * x**2) for x**3")


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Tensor]:
    """Give ``f`` its own gradient: ``f`` returns ``(y, grad_fn)``, ``grad_fn(dy)`` the input grads.

    >>> import vizgrad as vg
    >>> @custom_gradient
    ... def straight_sign(x):
    ...     return vg.sign(x), lambda dy: dy
    >>> x = vg.Variable([-0.5, 2.]); straight_sign(x).sum().backward(); x.grad
    array([1., 1.])
    """
    name = getattr(f, "__name__", "custom")

    @functools.wraps(f)
    def wrapper(*args: Any) -> Tensor:
        inputs = tuple(as_tensor(a) for a in args)
        with no_grad():
            y, grad_fn = f(*inputs)
        y = as_tensor(y)
        op = Op(name, name, None, _custom_rule(grad_fn, name, inputs), ("custom",),
                variadic=True)
        return record(op, inputs, np.asarray(y._data), None)

    return wrapper


def _custom_rule(grad_fn: Callable[..., Any], name: str,
                 inputs: tuple[Tensor, ...]) -> Callable[[int], Callable[..., Any]]:
    # The engine calls the rules of one step one input at a time, in order, with the same
    # upstream array, so grad_fn runs once per step: its results serve the inputs of that
    # step. A rule asked again for an input it has served is a new step (a later pass, which
    # may even hand over the same array with new values), so grad_fn runs again.
    cache: dict[str, Any] = {"g": None, "served": set(), "results": ()}

    def results(g: np.ndarray, index: int) -> tuple:
        if cache["g"] is not g or index in cache["served"]:
            cache["g"], cache["served"] = g, set()
            with no_grad():
                returned = grad_fn(Tensor(g))
            returned = returned if isinstance(returned, (list, tuple)) else (returned,)
            if len(returned) != len(inputs):
                raise VizgradError(f"the grad_fn of custom gradient {name!r} returned "
                                   f"{len(returned)} gradients for {len(inputs)} inputs; fix: "
                                   "return one gradient per input, in order")
            cache["results"] = tuple(None if r is None else np.array(
                r._data if isinstance(r, Tensor) else r) for r in returned)
        cache["served"].add(index)
        return cache["results"]

    def rule_for(index: int) -> Callable[..., Any]:
        return lambda g, out, *saved: results(g, index)[index]

    return rule_for
