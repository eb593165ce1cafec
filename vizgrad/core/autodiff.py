"""The public gradient APIs: PyTorch's ``backward``, TensorFlow's ``gradients`` and
``GradientTape``, the functional ``grad``, and ``custom_gradient``.
"""

from __future__ import annotations

import functools
import sys
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


def backward(y: Tensor, grad: Any = None, create_graph: bool = False) -> BackwardPass:
    """Backpropagate from ``y``; leaves with ``requires_grad`` accumulate into ``.grad``.

    ``create_graph=True`` (PyTorch's argument) records the backward pass, so ``.grad``
    is then a tensor with its own graph: differentiate it again, or draw it.

    >>> from vizgrad import Variable
    >>> x = Variable(2.0); (x * x).backward(); (x * x).backward(); x.grad
    array(8.)
    >>> x = Variable(2.0); (x ** 3).backward(create_graph=True); x.grad
    tensor(12., requires_grad=True, op='gradient')
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
    result = backpropagate([y], [seed], _is_trainable_leaf, kind="backward",
                           create_graph=create_graph, leaf_sources=True)
    recorded, result.tensor_grads = result.tensor_grads, None
    grads = result.grads
    for t in result.reached_sources:  # the trainable leaves the walk reached
        if recorded is not None:      # a tensor with a graph: .grad is that tensor
            g_t = recorded.get(t._id)
            if g_t is not None:
                g_t = _as_result(g_t)
                t._grad, t._grad_shared = (g_t if t._grad is None else t._grad + g_t), False
            continue
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


# A gradient made with its graph ends in this pass-through op: the drawing shows where the
# gradient computation ends (grad), differentiating it again goes straight through, and it
# marks a value the program asked for as a gradient, which may be turned into numbers
# (np.asarray(g)) like any first-order result (see conversion.carries_gradient).
_GRADIENT = Op("gradient", "grad", lambda a: a, (lambda g, out, a: g,), ("1",))


def _as_result(g: Tensor) -> Tensor:
    """A recorded gradient as the program receives it (see _GRADIENT)."""
    return record(_GRADIENT, (g,), g._data, None)


def _collect(result: BackwardPass, sources: list[Tensor], unconnected: str,
             kind: str = "vg.gradients") -> list:
    """The gradient of each source: a tensor with its own graph when the pass recorded one,
    else a constant leaf holding a copy."""
    recorded = result.tensor_grads
    result.tensor_grads = None   # the root keeps its pass; the pass need not keep these
    out = []
    for x in sources:
        if recorded is not None and x._id in recorded:
            out.append(_as_result(recorded[x._id]))
            continue
        g = result.grads.get(x._id)
        if g is None:
            if unconnected == "zero":
                _warn_unconnected(f"{kind} with unconnected_gradients='zero'", describe(x))
            out.append(Tensor(np.zeros(x.shape, x.dtype)) if unconnected == "zero" else None)
            continue
        out.append(Tensor(np.array(g, copy=True)))
    return out


def _wants_graph(create_graph: bool | None) -> bool:
    """``create_graph`` as given, or by default: whenever operations are being recorded."""
    return recording().enabled if create_graph is None else bool(create_graph)


def gradients(ys: Any, xs: Any, grad_ys: Any = None, stop_gradients: Any = None,
              unconnected_gradients: str = "none",
              create_graph: bool | None = None) -> list[Tensor | None]:
    """d(sum of ys)/dx for each x in xs (TensorFlow semantics); does not touch ``.grad``.

    ``create_graph``: record the gradient computation, so each result is a tensor that
    can be differentiated again and drawn (PyTorch's ``autograd.grad`` argument). By
    default it is on whenever operations are recorded (not inside ``vg.no_grad()``), as
    TensorFlow's symbolic gradients are; False gives constant leaves.

    >>> from vizgrad import Variable, constant, matmul
    >>> w1 = Variable([[1., 2.]]); y = matmul(w1, constant([[9.], [10.]]))
    >>> gradients(y, [w1])[0].numpy()
    array([[ 9., 10.]])
    >>> x = Variable(2.0); dx, = gradients(x ** 3, [x]); gradients(dx, [x])[0].item()
    12.0
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
                           sources=sources, stops=stops, create_graph=_wants_graph(create_graph))
    return _collect(result, sources, unconnected)


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
                 unconnected_gradients: str = "none", create_graph: bool | None = None) -> Any:
        """Gradients of ``target`` with respect to ``sources`` through the taped ops only.

        The gradient computation is itself recorded (unless inside ``vg.no_grad()`` or
        ``create_graph=False``), so an enclosing tape can differentiate it again:

        >>> from vizgrad import Variable
        >>> x = Variable(2.0)
        >>> with GradientTape() as outer:
        ...     with GradientTape() as inner:
        ...         y = x ** 3
        ...     dy_dx = inner.gradient(y, x)
        >>> outer.gradient(dy_dx, x).item()
        12.0
        """
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
                               sources=checked, allowed=frozenset(self._ops),
                               create_graph=_wants_graph(create_graph))
        grads = _collect(result, checked, unconnected, "tape.gradient")
        return grads if was_list else grads[0]


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, *,
         argnum: int | Sequence[int] | None = None) -> Callable[..., Any]:
    """The function that returns the gradient of scalar ``f`` at its arguments (JAX style).

    Called inside another ``vg.grad`` (or a GradientTape), it returns a tensor with its own
    graph, so gradients of gradients work, to any order:

    >>> grad(lambda x: x ** 2 + x - 1)(2.0)
    array(5.)
    >>> grad(grad(lambda x: x ** 3))(2.0), grad(grad(grad(lambda x: x ** 3)))(2.0)
    (array(12.), array(6.))

    ``argnum=`` is HIPS autograd's spelling of ``argnums``.
    """
    value_and_gradient = value_and_grad(f, argnums, argnum=argnum)

    @functools.wraps(f)
    def gradient_of_f(*args: Any) -> Any:
        return value_and_gradient(*args)[1]

    return gradient_of_f


def elementwise_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, *,
                     argnum: int | Sequence[int] | None = None) -> Callable[..., Any]:
    """The gradient of the sum of ``f``'s outputs (HIPS autograd's ``elementwise_grad``).

    For an elementwise ``f`` that is each entry's own derivative; nested, higher ones:

    >>> elementwise_grad(lambda x: x ** 3)(np.array([1., 2.]))
    array([ 3., 12.])
    >>> elementwise_grad(elementwise_grad(lambda x: x ** 3))(np.array([1., 2.]))
    array([ 6., 12.])
    """
    @functools.wraps(f)
    def summed(*args: Any) -> Any:
        return np.sum(f(*args))

    return grad(summed, argnums, argnum=argnum)


# An argument of a nested vg.grad is a fresh tensor made from the outer one by this
# pass-through op: the inner gradient then counts only the paths through it (never the
# outer variable's other uses, the "perturbation confusion" of nested derivatives), and
# the outer gradient still flows through it.
_ARGUMENT = Op("argument", "arg", lambda a: a, (lambda g, out, a: g,), ("1",))


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, *,
                   argnum: int | Sequence[int] | None = None) -> Callable[..., Any]:
    """Like :func:`grad`, but the function returns ``(f(...), gradient)``: one forward pass.

    >>> value_and_grad(lambda x: x ** 2)(3.0)
    (tensor(9., op='power'), array(6.))
    """
    if argnum is not None:  # HIPS autograd's spelling
        argnums = argnum
    many = not isinstance(argnums, int)
    indices = list(argnums) if many else [argnums]

    @functools.wraps(f)
    def value_and_gradient_of_f(*args: Any) -> Any:
        args = list(args)
        state = recording()
        # inside another vg.grad or a tape, the gradient must itself be differentiable
        nested = state.enabled and bool(state.grad_sources or state.tapes)
        what = getattr(f, "__name__", "f")
        leaves: dict[int, list[tuple[str, Tensor]]] = {}
        for i in indices:
            # a dict, list or tuple of arrays (autograd's parameters) is differentiated leaf
            # by leaf, each leaf named by its key, and its gradient has the same shape
            value = args[i]
            top = None if isinstance(value, dict) else _argument_name(f, i) or f"args[{i}]"
            named = _leaves(value, top) if _is_container(value) else [(None, value)]
            made = [(name, _argument(leaf, nested, name, f"argument {i} of {what}"))
                    for name, leaf in named]
            leaves[i] = made
            args[i] = _rebuild(args[i], iter([t for _, t in made]))
        sources = [t for i in indices for _, t in leaves[i]]
        state.grad_sources.append(frozenset(t._id for t in sources))
        try:
            y = as_tensor(f(*args))
        finally:
            state.grad_sources.pop()
        if y.size != 1:
            raise NonScalarBackwardError(f"grad(f) needs f to return a scalar, but it returned "
                                         f"shape {y.shape}; fix: return y.sum() or use "
                                         "vg.gradients(y, xs, grad_ys=...)")
        result = iter(gradients(y, sources, create_graph=nested))
        out = []
        for i in indices:
            found = []
            for name, t in leaves[i]:
                g = next(result)
                if g is None:
                    _warn_unconnected(f"vg.grad({what})", f"argument {i}"
                                      + (f" ({name!r})" if name else ""))
                    g = np.zeros(t.shape, t.dtype)
                    found.append(Tensor(g) if nested else g)
                else:
                    found.append(g if nested else g.numpy())
            out.append(_rebuild(args[i], iter(found)))
        return y, (tuple(out) if many else out[0])

    return value_and_gradient_of_f


def _argument(value: Any, nested: bool, name: str | None, what: str) -> Tensor:
    """The tensor ``vg.grad`` differentiates with respect to, made from one argument (or
    one leaf of a dict, list or tuple of them)."""
    if nested and isinstance(value, Tensor):
        made = record(_ARGUMENT, (value,), value._data, None)
        made.name = value.name
    else:
        made = Tensor(value._data if isinstance(value, Tensor) else value,
                      requires_grad=False, name=getattr(value, "name", None) or name)
    require_floating(made, f"vg.grad differentiates with respect to {what}"
                           + (f" ({name!r})" if name else ""))
    return made


def _is_container(value: Any) -> bool:
    """A dict, or a list or tuple holding arrays, tensors or containers: autograd's way of
    passing many parameters. A list of plain numbers stays one array, as before."""
    if isinstance(value, dict):
        return True
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, (np.ndarray, Tensor, dict)) or _is_container(item)
                   for item in value)
    return False


def _leaves(value: Any, name: str | None) -> list[tuple[str | None, Any]]:
    """(name, leaf) for every array in ``value``, in order, named by the keys and positions
    on the way: ``W`` for a dict's key, ``layer1.W`` below it, ``params[1][0]`` in lists."""
    if not _is_container(value):
        return [(name, value)]
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in
                _leaves(item, str(key) if name is None else f"{name}.{key}")]
    return [leaf for k, item in enumerate(value) for leaf in _leaves(item, f"{name}[{k}]")]


def _rebuild(template: Any, values: Iterator[Any]) -> Any:
    """``template``'s dicts, lists and tuples with its leaves replaced by ``values``."""
    if not _is_container(template):
        return next(values)
    if isinstance(template, dict):
        return {key: _rebuild(item, values) for key, item in template.items()}
    return type(template)(_rebuild(item, values) for item in template)


def _argument_name(f: Callable[..., Any], i: int) -> str | None:
    """The name of ``f``'s positional parameter ``i`` (``params``), if it has one."""
    code = getattr(f, "__code__", None)
    if code is None or i >= code.co_argcount:
        return None
    return code.co_varnames[i]


def _warn_unconnected(api: str, what: str) -> None:
    """Warn that ``api`` gives zeros for ``what`` because the output does not depend on it;
    the warning points at the first line outside this module (the user's call)."""
    frame, stacklevel = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(
        f"{api}: the output does not depend on {what}, so its gradient is all zeros. If it "
        "should, look for a value taken off the graph on the way (t.numpy(), float(t), "
        "t.item()); if not, silence this with warnings.filterwarnings('ignore', "
        "category=vg.UnconnectedGradientWarning)",
        UnconnectedGradientWarning, stacklevel=stacklevel)


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
        op = Op(name, name, _custom_forward(f), _custom_rule(grad_fn, name, inputs),
                ("custom",), variadic=True)
        return record(op, inputs, np.asarray(y._data), None)

    return wrapper


def _custom_forward(f: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """``f``'s value alone, on arrays: how a numerical check runs the op again."""
    def forward(*values: np.ndarray) -> np.ndarray:
        with no_grad():
            y, _ = f(*[Tensor(v) for v in values])
        return np.asarray(as_tensor(y)._data)
    return forward


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
            if isinstance(g, Tensor):   # a recorded backward pass: grad_fn's ops are recorded
                returned = grad_fn(g)
                returned = returned if isinstance(returned, (list, tuple)) else (returned,)
                _check_count(returned, inputs, name)
                cache["results"] = tuple(returned)
                cache["served"].add(index)
                return cache["results"]
            with no_grad():
                returned = grad_fn(Tensor(g))
            returned = returned if isinstance(returned, (list, tuple)) else (returned,)
            _check_count(returned, inputs, name)
            cache["results"] = tuple(None if r is None else np.array(
                r._data if isinstance(r, Tensor) else r) for r in returned)
        cache["served"].add(index)
        return cache["results"]

    def rule_for(index: int) -> Callable[..., Any]:
        return lambda g, out, *saved: results(g, index)[index]

    return rule_for


def _check_count(returned: Sequence[Any], inputs: tuple[Tensor, ...], name: str) -> None:
    if len(returned) != len(inputs):
        raise VizgradError(f"the grad_fn of custom gradient {name!r} returned "
                           f"{len(returned)} gradients for {len(inputs)} inputs; fix: "
                           "return one gradient per input, in order")


def jacobian(f: Callable[..., Any], argnums: int = 0,
             mode: str = "reverse") -> Callable[..., Any]:
    """The function that returns the Jacobian of ``f`` with respect to argument ``argnums``.

    Its shape is ``f(x).shape + x.shape`` (autograd's and JAX's layout). ``mode="reverse"``
    runs one backward pass per output entry (JAX's ``jacrev``), ``mode="forward"`` one
    forward pass per input entry (``jacfwd``): the cheaper is the one with fewer passes.
    Inside ``vg.grad`` or another ``jacobian`` (``hessian`` is one) the result is a tensor
    that can be differentiated again.

    >>> import vizgrad as vg
    >>> jacobian(lambda x: x * x)(vg.tensor([1., 2.]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"jacobian(mode={mode!r}) is not known; fix: mode='reverse' (one "
                            "pass per output entry) or mode='forward' (one per input entry)")

    @functools.wraps(f)
    def jacobian_of_f(*args: Any) -> Any:
        args = list(args)
        state = recording()
        nested = state.enabled and bool(state.grad_sources or state.tapes)
        value = args[argnums]
        if nested and isinstance(value, Tensor):
            x = record(_ARGUMENT, (value,), value._data, None)
        else:
            x = Tensor(value._data if isinstance(value, Tensor) else value,
                       name=getattr(value, "name", None))
        require_floating(x, f"vg.jacobian differentiates with respect to argument {argnums} "
                            f"of {getattr(f, '__name__', 'f')}")
        args[argnums] = x
        state.grad_sources.append(frozenset([x._id]))
        try:
            y = as_tensor(f(*args))
        finally:
            state.grad_sources.pop()
        if mode == "forward":
            return _forward_jacobian(y, x)
        rows = []
        for k in range(y.size):
            pick = np.zeros(y.size, y.dtype)
            pick[k] = 1
            g = gradients(y, [x], grad_ys=pick.reshape(y.shape), create_graph=nested)[0]
            rows.append(Tensor(np.zeros(x.shape, x.dtype)) if g is None else g)
        if nested:
            from .ops import reshape, stack
            return reshape(stack(rows), y.shape + x.shape) if rows else Tensor(
                np.zeros(y.shape + x.shape, x.dtype))
        return np.array([r.numpy() for r in rows], dtype=x.dtype).reshape(y.shape + x.shape)

    return jacobian_of_f


def _forward_jacobian(y: Tensor, x: Tensor) -> np.ndarray:
    """One forward pass per entry of ``x``: column k is J·e_k."""
    from .forward import forward_pass
    columns = []
    for k in range(x.size):
        pick = np.zeros(x.size, x.dtype)
        pick[k] = 1
        tangent = forward_pass(y, {x._id: pick.reshape(x.shape)}).tangents.get(y._id)
        columns.append(np.zeros(y.shape, y.dtype) if tangent is None else tangent)
    if not columns:
        return np.zeros(y.shape + x.shape, y.dtype)
    return np.stack([np.reshape(c, -1) for c in columns], axis=-1).reshape(y.shape + x.shape)


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The function that returns the Hessian of scalar ``f``: the Jacobian of its gradient.

    Its shape is ``x.shape + x.shape``.

    >>> import vizgrad as vg
    >>> hessian(lambda x: (x[0] ** 2) * x[1])(vg.tensor([1., 3.]))
    array([[6., 2.],
           [2., 0.]])
    """
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[..., Any], x: Any, v: Any) -> tuple[Tensor, np.ndarray]:
    """``f(x)`` and the Hessian-vector product H·v, without forming H (PyTorch's signature).

    One backward pass records the gradient, a second differentiates ``gradient · v``:
    the cost of two gradients, whatever the size of x.

    >>> import vizgrad as vg
    >>> value, product = hvp(lambda x: (x ** 3).sum(), vg.tensor([1., 2.]), [1., 0.])
    >>> value.item(), product
    (9.0, array([6., 0.]))
    """
    x_t = Tensor(x._data if isinstance(x, Tensor) else x, name=getattr(x, "name", None))
    require_floating(x_t, f"vg.hvp differentiates {getattr(f, '__name__', 'f')} with respect "
                          "to x")
    direction = np.asarray(v._data if isinstance(v, Tensor) else v, dtype=x_t.dtype)
    if direction.shape != x_t.shape:
        raise ShapeError(f"v has shape {direction.shape} but x has shape {x_t.shape}; fix: "
                         f"give v of x's shape {x_t.shape}")
    y = as_tensor(f(x_t))
    if y.size != 1:
        raise NonScalarBackwardError(f"hvp(f, x, v) needs f to return a scalar, but it "
                                     f"returned shape {y.shape}; fix: return y.sum()")
    g = gradients(y, [x_t], create_graph=True)[0]
    if g is None:
        return y, np.zeros(x_t.shape, x_t.dtype)
    product = gradients(g, [x_t], grad_ys=direction, create_graph=False)[0]
    return y, np.zeros(x_t.shape, x_t.dtype) if product is None else product.numpy()
