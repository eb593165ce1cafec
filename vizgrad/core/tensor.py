"""The Tensor, the recording state, and ``apply`` that records one operation.

A Tensor is thin: its operator methods call the ops in :mod:`vizgrad.core.ops`.
Every recorded tensor keeps the op that made it, its inputs and the input
values as they were when the op ran, so a graph drawn later shows those values.
"""

from __future__ import annotations

import itertools
import math
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentError, DtypeError, InPlaceError, ShapeError, VizgradError

if TYPE_CHECKING:  # pragma: no cover
    from .ops import Op


class _Recording:
    """One thread's recording state: on/off, the active tapes and scopes, and the tensors
    enclosing ``vg.grad`` calls differentiate with respect to."""

    __slots__ = ("enabled", "tapes", "scopes", "scope_path", "grad_sources")

    def __init__(self) -> None:
        self.enabled = True
        self.tapes: list = []
        self.scopes: list[str] = []
        self.scope_path: str | None = None
        self.grad_sources: list[frozenset[int]] = []


class _PerThread(threading.local):
    """Each thread records on its own, as PyTorch's grad mode does: ``no_grad`` or a tape in
    one thread never changes what another records."""

    def __init__(self) -> None:
        self.state = _Recording()


_THREAD = _PerThread()
_ids = itertools.count()


def recording() -> _Recording:
    """The calling thread's recording state.

    >>> recording().enabled
    True
    """
    return _THREAD.state


class _NoGrad:
    """The context manager ``no_grad()`` returns.

    A class rather than @contextmanager: entering it costs far less, and layers and
    gradient checks enter one per call.
    """

    def __enter__(self) -> None:
        state = _THREAD.state
        self.previous = state.enabled
        state.enabled = False

    def __exit__(self, *exc: object) -> None:
        _THREAD.state.enabled = self.previous


def no_grad() -> _NoGrad:
    """Run a block without recording operations.

    >>> x = Variable(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.is_leaf
    True
    """
    return _NoGrad()


class _Scope:
    """The context manager ``scope(name)`` returns (a class for the same reason as _NoGrad)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        state = _THREAD.state
        state.scopes.append(self.name)
        state.scope_path = "/".join(state.scopes)

    def __exit__(self, *exc: object) -> None:
        state = _THREAD.state
        state.scopes.pop()
        state.scope_path = "/".join(state.scopes) or None


def scope(name: str) -> _Scope:
    """Group the operations of a block into a named cluster of the drawing.

    >>> with scope("layer1"):
    ...     y = Variable(1.0) * 2
    >>> y.scope
    'layer1'
    """
    if not isinstance(name, str) or not name:
        raise VizgradError(f"scope() needs a non-empty string name, got {name!r}; "
                           "fix: with vg.scope('layer1'): ...")
    return _Scope(check_name(name, "scope name"))


def check_name(name: Any, what: str = "name") -> Any:
    """``name`` if a drawing can show it exactly (a string of real characters, or None).

    >>> check_name("layer1.W")
    'layer1.W'
    """
    if name is None:
        return None
    if not isinstance(name, str):
        raise ArgumentError(f"a {what} must be a string, got {type(name).__name__} {name!r}; "
                            f"fix: pass a string, e.g. name='w'")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = error.object[error.start:error.end]
        raise ArgumentError(
            f"the {what} {name!r} holds {bad!r} at position {error.start}, half of a "
            "character (a lone surrogate, usually from bytes decoded with "
            "errors='surrogateescape'), which no SVG, HTML or JSON can show; fix: decode "
            "the bytes as text first, e.g. raw.decode('utf-8', errors='replace')") from None
    return name


_FLOAT64 = np.dtype(np.float64)
_NUMERIC_KINDS = "biufc"   # bool, integers, floats, complex: what numpy computes with
_KIND_WORDS = {"U": "text", "S": "bytes", "O": "Python objects", "M": "dates",
               "m": "time spans", "V": "records"}


def _not_numeric(data: Any, array: np.ndarray, name: str | None) -> str:
    """Why a tensor cannot hold ``array`` (text, objects, dates), and the fix."""
    who = f" {name!r}" if name else ""
    shown = repr(data)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return (f"cannot make a tensor{who} from {type(data).__name__} {shown}: numpy reads it as "
            f"{_KIND_WORDS.get(array.dtype.kind, 'non-numbers')} (dtype {array.dtype}), and "
            "tensors hold numbers only; fix: pass numbers, nested lists of numbers or a "
            "numeric numpy array, e.g. [1.0, 2.0]")


def is_floating(dtype: np.dtype) -> bool:
    """True for the dtypes that can carry a gradient."""
    return dtype.kind == "f"


def describe(t: Tensor) -> str:
    """How an error message names a tensor: its name, else what it is."""
    if t.name:
        return f"'{t.name}'"
    return f"the result of {t._op.name}" if t._op is not None else "an unnamed tensor"


def float_fix(t: Tensor) -> str:
    """The fix for a non-floating tensor asked for gradients."""
    example = np.asarray(t._data)
    if example.dtype.kind == "c":
        return ("gradients of complex tensors are not supported: work with the real and "
                "imaginary parts as two float tensors (x.real, x.imag)")
    if example.size <= 8:
        if example.ndim == 0:
            literal = repr(float(example))
        else:
            literal = np.array2string(example.astype(np.float64), separator=", ")
            literal = literal.replace("\n", "").replace(" ", "").replace(",", ", ")
        return (f"create it with floats, e.g. {literal}, or pass dtype=\"float32\" "
                "(or \"float64\")")
    return "create it with floats or pass dtype=\"float32\" (or \"float64\")"


def require_floating(t: Tensor, reason: str) -> None:
    """Raise a DtypeError naming ``t`` if it cannot carry a gradient.

    ``reason`` says why a gradient was asked for, e.g. "it is xs[0] of vg.gradients()".
    """
    if not is_floating(t.dtype):
        kind = {"i": "an integer", "u": "an unsigned integer", "b": "a bool",
                "c": "a complex"}.get(t.dtype.kind, "a non-floating")
        who = describe(t)
        origins = _integer_leaves(t) if t._op is not None else []
        if origins:
            names = ", ".join(f"{describe(leaf)} ({leaf.dtype})" for leaf in origins[:3])
            fix = "; ".join(f"for {describe(leaf)}: {float_fix(leaf)}" for leaf in origins[:3])
            raise DtypeError(
                f"{who[0].upper()}{who[1:]} has {kind} dtype ({t.dtype}), but {reason}: "
                f"gradients exist only for floating-point tensors. It is {t.dtype} because it "
                f"was computed from {names}. Fix: {fix}.")
        raise DtypeError(
            f"{who[0].upper()}{who[1:]} has {kind} dtype ({t.dtype}), but {reason}: gradients "
            f"exist only for floating-point tensors. Fix: {float_fix(t)}.")


def ancestors(roots: Iterable[Tensor]) -> list[Tensor]:
    """Every tensor the roots were computed from (and the roots), in creation order."""
    seen: dict[int, Tensor] = {}
    stack = list(roots)
    while stack:
        t = stack.pop()
        if t._id in seen:
            continue
        seen[t._id] = t
        stack.extend(t._inputs)
    return [seen[i] for i in sorted(seen)]


def _integer_leaves(t: Tensor) -> list[Tensor]:
    """The non-floating leaves ``t`` was computed from, in creation order."""
    return [x for x in ancestors([t]) if x._op is None and not is_floating(x.dtype)]


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    >>> x = Variable(3.0, name="x")
    >>> y = x * x
    >>> y.backward(); x.grad
    array(6.)
    """

    # The values live in ``_array``, read and written through the ``_data`` property, which
    # also keeps ``_value``: the value as a Python float when the tensor is a 0-d float64
    # (else None). Ops computed on Python floats (see ``apply``) set ``_value`` alone and
    # leave ``_array`` and ``_saved_arrays`` None: scalar code makes most of its tensors
    # that way, and a 0-d array costs more than the arithmetic. ``_data`` and ``_saved``
    # make the arrays when first read.
    __slots__ = ("_array", "_value", "_grad", "_grad_shared", "requires_grad", "name", "_op",
                 "_inputs", "_saved_arrays", "_params", "_id", "_scope", "_pass", "_float",
                 "__weakref__")
    __hash__ = object.__hash__

    def __init__(self, data: Any, *, dtype: Any = None, requires_grad: bool = False,
                 name: str | None = None) -> None:
        if isinstance(data, Tensor):
            data = data._data
        name = check_name(name)
        array = np.array(data, dtype=dtype)
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise DtypeError(_not_numeric(data, array, name))
        array.flags.writeable = False
        self._data = array
        self._grad: np.ndarray | None = None
        self.name = name
        self._op = None
        self._inputs: tuple[Tensor, ...] = ()
        self._saved_arrays: tuple | None = ()
        self._params = None
        self._id = next(_ids)
        self._scope = _THREAD.state.scope_path
        self._pass = None
        self._float = None
        self.requires_grad = False
        if requires_grad:
            require_floating(self, "requires_grad=True asks for its gradient")
            self.requires_grad = True

    # -- the values, kept as an array or, for a 0-d float64, maybe as a float alone ----------
    @property
    def _data(self) -> np.ndarray:
        """The values as an array (made from ``_value`` on first read when only that is kept).

        >>> y = Variable(2.0) * 3.0; y._array is None, y._data, y._array is not None
        (True, array(6.), True)
        """
        array = self._array
        if array is None:
            array = self._array = np.array(self._value, dtype=_FLOAT64)  # dtype: faster
        return array

    @_data.setter
    def _data(self, array: np.ndarray) -> None:
        self._array = array
        self._value = array.item() if array.dtype is _FLOAT64 and not array.ndim else None

    @property
    def _saved(self) -> tuple[np.ndarray, ...]:
        """The input values the op ran on, as arrays (made from ``_float`` on first read).

        An input whose ``_value`` is still the float the op read (the same object: a
        changed leaf gets a new one) gives its own array, so the saved value *is* the
        input's, as on numpy's path; a leaf changed since gives an array of the old value.

        >>> x = Variable(2.0); y = x * 3.0; y._saved[0] is x._data, float(y._saved[1])
        (True, 3.0)
        """
        saved = self._saved_arrays
        if saved is None:  # one or two inputs, written out: a drawing reads every tensor's
            floats, inputs = self._float, self._inputs
            a = inputs[0]
            saved = (a._data if a._value is floats[1] else np.array(floats[1], dtype=_FLOAT64),)
            if len(inputs) == 2:
                b = inputs[1]
                saved += (b._data if b._value is floats[2] else
                          np.array(floats[2], dtype=_FLOAT64),)
            self._saved_arrays = saved
        return saved

    # -- attributes -------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The values, as a read-only numpy array; ``t.data += d`` updates a leaf (micrograd).

        >>> w = Variable([1., 2.]); w.data += 1; w.data
        array([2., 3.])
        """
        view = np.asarray(self._data).view(Values)
        view.flags.writeable = False
        return view

    @data.setter
    def data(self, value: Any) -> None:
        # a fresh array: the one recorded ops saved keeps the values their graphs showed
        if self._op is not None:
            raise InPlaceError(
                f"cannot set .data of {describe(self)}: it is the result of a recorded "
                f"{self._op.name}, whose gradient rule reads its value. Fix: make a new tensor, "
                "e.g. t = vg.tensor(values), or change the leaves it was computed from")
        array = np.array(value._data if isinstance(value, Tensor) else value, copy=True)
        try:
            array = array.astype(self._data.dtype, casting="same_kind", copy=False)
        except TypeError as error:
            raise DtypeError(f"cannot set .data of {describe(self)} ({self.dtype}) to "
                             f"{array.dtype} values: {error}; fix: give {self.dtype} values"
                             ) from None
        array.flags.writeable = False
        self._data = array

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, as for numpy."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        """True when no recorded operation made this tensor."""
        return self._op is None

    @property
    def op(self) -> str | None:
        """The name of the operation that made this tensor, or None for a leaf."""
        return None if self._op is None else self._op.name

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from, in argument order."""
        return self._inputs

    @property
    def scope(self) -> str | None:
        """The ``vg.scope`` path this tensor was made in."""
        return self._scope

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self._value is not None:   # a 0-d float64: no array needs making
            return self._value
        if self.size != 1:
            raise ShapeError(f"item() needs a tensor with one element, but {describe(self)} "
                             f"has {self.size}; fix: index it first, e.g. t[0].item()")
        return np.asarray(self._data).item()

    def numpy(self) -> np.ndarray:
        """A writable copy of the values."""
        return np.array(self._data, copy=True)

    def tolist(self) -> Any:
        """The values as nested Python lists (an explicit exit, like ``numpy()``)."""
        return self._data.tolist()

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's value, as PyTorch does.

        >>> f"{Variable(0.12345):.2f}"
        '0.12'
        """
        if not spec:
            return str(self)
        if self.size != 1:
            raise TypeError(f"unsupported format string {spec!r} for {describe(self)} with "
                            f"{self.size} elements; fix: format its entries, e.g. "
                            f"t.numpy().round(4), or one of them, f\"{{t[0]:{spec}}}\"")
        return format(self._data.item(), spec)

    def copy(self) -> Tensor:
        """A recorded copy (numpy's ``x.copy()``): the gradient passes through it.

        >>> Variable([1., 2.]).copy().op
        'copy'
        """
        return ops_assign.copy(self)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value``: recorded as ``setitem``; inside ``vg.no_grad()`` a leaf's values
        change in place (a parameter update).

        Afterwards ``t`` is the ``setitem`` result; what was computed from ``t`` before keeps
        its old value, as in PyTorch.

        >>> h = constant([0., 0., 0.]); w = Variable(2.0, name="w")
        >>> h[1:] = w * 3; h.op, h.numpy()
        ('setitem', array([0., 6., 6.]))
        """
        if not _THREAD.state.enabled:
            self._update_values(lambda new: new.__setitem__(
                index, value._data if isinstance(value, Tensor) else value), "t[...] = ...")
            return
        if self._op is None and conversion.carries_gradient(self):
            name = self.name or "t"
            raise InPlaceError(
                f"`{name}[...] = ...` would change {describe(self)}, a tensor gradients are "
                "taken with respect to, in the middle of recording. Fix: to set its values, "
                "assign inside `with vg.no_grad():` (as in PyTorch); to compute with a changed "
                f"copy, u = {name}.copy(); u[...] = value")
        held = sys.getrefcount(self)   # first: the count is compared with _ONE_HOLDER's
        old = Tensor.__new__(Tensor)
        _move_state(self, old)
        if held > _ONE_HOLDER:   # something besides one variable holds t: maybe a user
            _repoint_users(self, old)   # what was computed from t before saw the old value
        result = ops_assign.setitem(old, index, value)
        name = self.name
        _move_state(result, self)
        self.name, self._grad, self._grad_shared = name, None, False

    def _update_values(self, change: Any, spelled: str) -> None:
        """Change a leaf's values in place, outside recording: a fresh array, so what recorded
        ops saved keeps the values their graphs showed."""
        if self._op is not None:
            raise InPlaceError(
                f"{spelled} inside vg.no_grad() would change {describe(self)}, the result of a "
                f"recorded {self._op.name} whose gradient rule reads its value. Fix: detach it "
                "first (t = t.detach()), or do it outside no_grad, where it is recorded")
        new = np.array(self._data, copy=True)
        change(new)
        new.flags.writeable = False
        self._data = new

    def _in_place(self, ufunc: np.ufunc, other: Any, spelled: str) -> Any:
        """``t -= u`` and friends: a trainable leaf is updated in place inside ``no_grad``
        (PyTorch); anything else while recording becomes ``t = t - u`` (a new tensor)."""
        state = _THREAD.state
        if state.enabled:
            if self._op is None and self.requires_grad:
                name = self.name or "t"
                spelled = spelled.replace("t ", f"{name} ", 1)
                raise InPlaceError(
                    f"`{spelled}` would change {describe(self)}, a trainable tensor, while "
                    "operations are recorded, so the graph could not tell its old value from "
                    f"its new one. Fix: update it inside `with vg.no_grad():` (as in PyTorch), "
                    f"or make a new tensor: {name} = {name} {spelled.split()[1][0]} ...")
            return NotImplemented
        if self._op is not None:
            return NotImplemented
        values = other._data if isinstance(other, Tensor) else other
        self._update_values(lambda new: ufunc(new, values, out=new), spelled)
        return self

    def __iadd__(self, other): return self._in_place(np.add, other, "t += ...")
    def __isub__(self, other): return self._in_place(np.subtract, other, "t -= ...")
    def __imul__(self, other): return self._in_place(np.multiply, other, "t *= ...")
    def __itruediv__(self, other): return self._in_place(np.true_divide, other, "t /= ...")
    def __ipow__(self, other): return self._in_place(np.power, other, "t **= ...")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """``np.asarray(t)``: a copy of the values, refused while ``t`` carries a gradient.

        numpy calls this wherever it converts a tensor it was not asked to record
        (``X.dot(t)``, ``out[:] = t``, ``np.array([t, u])``, scipy functions): see
        :mod:`vizgrad.core.conversion`.

        >>> np.asarray(constant([1., 2.]))
        array([1., 2.])
        """
        conversion.refuse_if_carrying(self)
        return np.array(self._data, dtype=dtype, copy=True)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy ufuncs (``np.exp(t)``, ``array + t``) record the vizgrad op of the same name."""
        return dispatch.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
        """numpy functions (``np.sum(t)``, ``np.concatenate``) record the matching vizgrad op."""
        return dispatch.array_function(func, types, args, kwargs)

    def detach(self) -> Tensor:
        """A new leaf with the same values and no history."""
        return Tensor(self._data, name=self.name)

    @property
    def grad(self) -> np.ndarray | Tensor | None:
        """The gradient ``backward()`` accumulated here (a writable array), or None.

        After ``backward(create_graph=True)`` it is a tensor with its own graph (as in
        PyTorch), which can be differentiated again and drawn with ``vg.show``.
        """
        if self._grad is not None and self._grad_shared:
            # backward() left the array its pass keeps for the drawing: copy it out the first
            # time it is read, so changing .grad never changes a drawing (optimizers read
            # ``_grad`` without copying)
            self._grad = np.array(self._grad, copy=True)
            self._grad_shared = False
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        self._grad = value
        self._grad_shared = False

    def zero_grad(self) -> None:
        """Clear the accumulated gradient."""
        self._grad = None

    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Backpropagate from this tensor, accumulating into leaves' ``.grad`` (PyTorch).

        ``create_graph=True`` records the backward pass: ``.grad`` becomes a tensor
        that can be differentiated again.

        >>> w = Variable([1.0, 2.0]); (w * w).sum().backward(); w.grad
        array([2., 4.])
        """
        from .autodiff import backward
        backward(self, grad, create_graph)

    def __repr__(self) -> str:
        body = np.array2string(np.asarray(self._data), separator=", ", precision=4,
                               threshold=20)
        extras = []
        if self.name:
            extras.append(f"name={self.name!r}")
        if self.dtype != np.float64:
            extras.append(f"dtype={self.dtype}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self._op is not None:
            extras.append(f"op={self._op.name!r}")
        return f"tensor({body}{', ' if extras else ''}{', '.join(extras)})"

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError(f"len() of a 0-d tensor {describe(self)}")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.size != 1:
            raise VizgradError(
                f"the truth value of {describe(self)} with {self.size} elements is "
                "ambiguous; fix: use (t).any() / (t).all() on t.numpy()")
        return bool(np.asarray(self._data))

    def __float__(self) -> float:
        # float(t) is an explicit exit; numpy storing t into an array (out[i] = t) calls it
        # too, and so does math.exp(t)
        frame = sys._getframe(1)
        if conversion.stored_into_array(frame):
            conversion.refuse_if_carrying(self, element=True)
        elif conversion.carries_gradient(self) and conversion.read_by_math(frame):
            conversion.refuse_if_carrying(self)
        return float(self.item())

    def __int__(self) -> int:
        if conversion.stored_into_array(sys._getframe(1)):
            conversion.refuse_if_carrying(self, element=True)
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, but "
                            f"{describe(self)} has dtype {self.dtype}")
        return int(self.item())

    # -- operators: each calls one op (+, -, *, / and ** are the op functions themselves,
    # set below the class) --------------------------------------------------------------
    def __radd__(self, other): return ops.add(other, self)
    def __rsub__(self, other): return ops.subtract(other, self)
    def __rmul__(self, other): return ops.multiply(other, self)
    def __rtruediv__(self, other): return ops.divide(other, self)
    def __rpow__(self, other): return ops.power(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.negative(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __lt__(self, other): return ops.less(self, other)
    def __le__(self, other): return ops.less_equal(self, other)
    def __gt__(self, other): return ops.greater(self, other)
    def __ge__(self, other): return ops.greater_equal(self, other)
    def __eq__(self, other): return ops.equal(self, other)  # type: ignore[override]
    def __ne__(self, other): return ops.not_equal(self, other)  # type: ignore[override]
    def __getitem__(self, index): return ops.getitem(self, index)
    def __mod__(self, other): return ops_math.remainder(self, other)
    def __rmod__(self, other): return ops_math.remainder(other, self)

    # -- methods mirroring the common functions ------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default)."""
        return ops.sum(self, axis, keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default)."""
        return ops.mean(self, axis, keepdims)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient."""
        return ops.max(self, axis, keepdims)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; ties share the gradient."""
        return ops.min(self, axis, keepdims)

    def logsumexp(self, axis: int | tuple[int, ...] | None = None,
                  keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``axis``, computed stably."""
        return ops.logsumexp(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """Same values, new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them when none are given)."""
        return ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def exp(self) -> Tensor:
        """Elementwise ``vg.exp``."""
        return ops.exp(self)

    def log(self) -> Tensor:
        """Elementwise ``vg.log``."""
        return ops.log(self)

    def sqrt(self) -> Tensor:
        """Elementwise ``vg.sqrt``."""
        return ops.sqrt(self)

    def square(self) -> Tensor:
        """Elementwise ``vg.square``."""
        return ops.square(self)

    def abs(self) -> Tensor:
        """Elementwise ``vg.abs``."""
        return ops.abs(self)

    def sin(self) -> Tensor:
        """Elementwise ``vg.sin``."""
        return ops.sin(self)

    def cos(self) -> Tensor:
        """Elementwise ``vg.cos``."""
        return ops.cos(self)

    def tanh(self) -> Tensor:
        """Elementwise ``vg.tanh``."""
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise ``vg.sigmoid``."""
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise ``vg.relu``."""
        return ops.relu(self)

    def sign(self) -> Tensor:
        """Elementwise ``vg.sign``."""
        return ops.sign(self)

    def clip(self, a_min: float | None = None, a_max: float | None = None) -> Tensor:
        """Limit the values to [a_min, a_max]."""
        return ops.clip(self, a_min, a_max)

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
        return ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x − logsumexp(x) along ``axis``, computed stably."""
        return ops.log_softmax(self, axis)

    def prod(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Product over ``axis`` (all axes by default)."""
        return ops_reduce.prod(self, axis, keepdims)

    def var(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            ddof: int = 0) -> Tensor:
        """Variance over ``axis``; ``ddof=1`` divides by n − 1."""
        return ops_reduce.var(self, axis, keepdims, ddof)

    def std(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            ddof: int = 0) -> Tensor:
        """Standard deviation over ``axis``; ``ddof=1`` divides by n − 1."""
        return ops_reduce.std(self, axis, keepdims, ddof)

    def cumsum(self, axis: int | None = None) -> Tensor:
        """Running sum along ``axis`` (flattened when None)."""
        return ops_reduce.cumsum(self, axis)

    def cumprod(self, axis: int | None = None) -> Tensor:
        """Running product along ``axis`` (flattened when None)."""
        return ops_reduce.cumprod(self, axis)

    def dot(self, other: Any) -> Tensor:
        """numpy's dot with ``other``."""
        return ops_linalg.dot(self, other)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        """Sum of the diagonal."""
        return ops_linalg.trace(self, offset, axis1, axis2)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        """The diagonal of the ``axis1``, ``axis2`` planes."""
        return ops_shape.diagonal(self, offset, axis1, axis2)

    def ravel(self) -> Tensor:
        """The values as one flat axis."""
        return ops_shape.ravel(self)

    def flatten(self) -> Tensor:
        """The values as one flat axis (a recorded op; nothing is copied out of the graph)."""
        return ops_shape.ravel(self)

    def squeeze(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        """Drop axes of length 1."""
        return ops_shape.squeeze(self, axis)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Exchange two axes."""
        return ops_shape.swapaxes(self, axis1, axis2)

    def repeat(self, repeats: Any, axis: int | None = None) -> Tensor:
        """Repeat each entry along ``axis``."""
        return ops_shape.repeat(self, repeats, axis)

    def argmax(self, axis: int | None = None) -> np.ndarray:
        """Where the maximum is, as numpy indices (positions carry no gradient)."""
        return np.argmax(self._data, axis=axis)

    def argmin(self, axis: int | None = None) -> np.ndarray:
        """Where the minimum is, as numpy indices (positions carry no gradient)."""
        return np.argmin(self._data, axis=axis)

    def astype(self, dtype: Any, copy: bool = True) -> Tensor:
        """The values in another dtype (float to float keeps the gradient); with
        ``copy=False`` the tensor itself when it has that dtype already, as numpy.

        >>> w = Variable([1., 2.]); w.astype("float64", copy=False) is w
        True
        """
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        return ops_shape.astype(self, dtype)

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed)."""
        return ops.transpose(self, None)


_STATE_SLOTS = tuple(slot for slot in Tensor.__slots__ if slot != "__weakref__")


def _move_state(source: Tensor, target: Tensor) -> None:
    """Give ``target`` everything ``source`` holds as a node of the graph."""
    for slot in _STATE_SLOTS:
        if hasattr(source, slot):
            setattr(target, slot, getattr(source, slot))


class _Probe:
    def __setitem__(self, index: Any, value: Any) -> None:
        self.held = sys.getrefcount(self)


def _one_holder() -> int:
    """What sys.getrefcount says inside ``__setitem__`` of ``t[i] = v`` when one variable
    holds ``t``: a tensor held by no more than that is input to no recorded op, so item
    assignment can skip the search for its users (a scan of the whole heap)."""
    probe = _Probe()
    probe[0] = 0
    return probe.held


_ONE_HOLDER = _one_holder()


def _repoint_users(t: Tensor, old: Tensor) -> None:
    """Make every recorded tensor that has ``t`` among its inputs use ``old`` instead.

    Tensors keep their inputs, not their users, so this asks the garbage collector who
    refers to ``t``: slow on a large heap, but only item assignment needs it.
    """
    import gc
    tuples = [ref for ref in gc.get_referrers(t) if type(ref) is tuple]
    if not tuples:
        return
    for user in gc.get_referrers(*tuples):
        if isinstance(user, Tensor) and any(user._inputs is ref for ref in tuples):
            user._inputs = tuple(old if x is t else x for x in user._inputs)


class Values(np.ndarray):
    """What ``t.data`` returns: the values, read-only. ``t.data += d`` computes a new array
    (which the ``data`` setter then installs), so no array a recorded graph keeps is written.

    >>> v = constant([1., 2.]).data; (v + 1).__class__.__name__, v
    ('ndarray', array([1., 2.]))
    """

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        plain = tuple(x.view(np.ndarray) if isinstance(x, Values) else x for x in inputs)
        if "out" in kwargs:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, Values) else x
                                  for x in kwargs["out"])
        return getattr(ufunc, method)(*plain, **kwargs)

    def _updated(self, ufunc: np.ufunc, other: Any) -> np.ndarray:
        if self.flags.writeable:   # a copy the user made: numpy's own in-place update
            return ufunc(self, other, out=self)
        if isinstance(other, Tensor):
            other = other.data
        result = np.asarray(ufunc(self.view(np.ndarray), other))
        np.broadcast_to(result, self.shape)   # numpy's shape rule for an in-place update
        return result.astype(self.dtype, casting="same_kind", copy=False)

    def __iadd__(self, other): return self._updated(np.add, other)
    def __isub__(self, other): return self._updated(np.subtract, other)
    def __imul__(self, other): return self._updated(np.multiply, other)
    def __itruediv__(self, other): return self._updated(np.true_divide, other)
    def __ipow__(self, other): return self._updated(np.power, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        if not self.flags.writeable:
            raise InPlaceError(
                "t.data is read-only: the graphs recorded so far keep these values. Fix: "
                "`with vg.no_grad(): t[index] = value`, or set all values, t.data = new_values")
        super().__setitem__(index, value)

    def copy(self, order: str = "C") -> np.ndarray:
        return self.view(np.ndarray).copy(order)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def tensor(data: Any, *, dtype: Any = None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """Make a tensor; numpy dtypes, Python floats give float64.

    >>> tensor([[1., 2.]], name="w").shape
    (1, 2)
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, name=name)


def Variable(data: Any, *, dtype: Any = None, name: str | None = None) -> Tensor:
    """A trainable tensor (``requires_grad=True``); must be floating point.

    >>> Variable([1., 2.], name="w").requires_grad
    True
    """
    return Tensor(data, dtype=dtype, requires_grad=True, name=name)


def constant(data: Any, *, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor that does not require gradients.

    >>> constant([[9.], [10.]]).requires_grad
    False
    """
    return Tensor(data, dtype=dtype, requires_grad=False, name=name)


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """``value`` itself if a Tensor, else a constant leaf; a list holding tensors is stacked.

    Dtypes promote as numpy 2 does (NEP 50): a Python number next to a tensor is
    weak, so ``float32 * 0.1`` stays float32 and ``int32 + 1`` int32, while a
    numpy scalar keeps its dtype, so ``float32 * np.float64(0.1)`` is float64.
    Tensors inside a (nested) list or tuple are joined with a recorded ``stack``,
    so gradients reach them.

    >>> x = Variable(1.0); as_tensor([x, x * 2]).op
    'stack'
    >>> as_tensor(0.1, like=Variable(1.0, dtype="float32")).dtype
    dtype('float32')
    """
    if isinstance(value, Tensor):
        return value
    if type(value) is float or type(value) is int:  # the common case, kept fast
        if like is None and type(value) is float or like is not None and like._value is not None:
            # float64, as a float: scalar code wraps a number at every op (y * 0.5)
            return _constant_leaf(None, float(value))
        if like is not None:
            dtype = like._data.dtype
            if dtype.kind != "f":
                dtype = np.result_type(dtype, value)   # numpy's own weak-scalar rule
            return _constant_leaf(np.asarray(value, dtype=dtype))
        return _constant_leaf(np.asarray(value))
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        # other Python scalars (bool, complex, subclasses) are weak too; numpy scalars are not
        dtype = None if like is None else np.result_type(like._data.dtype, value)
        return _constant_leaf(np.asarray(value, dtype=dtype))
    if isinstance(value, (list, tuple)):
        first = _first_tensor(value)
        if first is not None:
            return _stacked(value, first)
    return Tensor(value)


def _first_tensor(items: list | tuple) -> Tensor | None:
    """The first Tensor inside a nested list or tuple, or None."""
    for item in items:
        if isinstance(item, Tensor):
            return item
        if isinstance(item, (list, tuple)):
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _stacked(items: list | tuple, like: Tensor) -> Tensor:
    """A nested list holding tensors as one recorded stack (numbers take ``like``'s dtype)."""
    parts = [_stacked(item, like) if isinstance(item, (list, tuple))
             and _first_tensor(item) is not None else as_tensor(item, like) for item in items]
    return ops.stack(parts)


def _constant_leaf(array: np.ndarray | None, value: float | None = None) -> Tensor:
    """A constant leaf around a fresh array that nothing else holds (no copy, no checks), or,
    with ``array`` None, a 0-d float64 leaf holding ``value`` (its array made when read)."""
    leaf = Tensor.__new__(Tensor)
    if array is None:
        leaf._array, leaf._value = None, value
    else:
        leaf._data = array
    leaf._grad = None
    leaf.requires_grad = False
    leaf.name = None
    leaf._op = None
    leaf._inputs = ()
    leaf._saved_arrays = ()
    leaf._params = None
    leaf._id = next(_ids)
    leaf._scope = _THREAD.state.scope_path
    leaf._pass = None
    leaf._float = None
    return leaf


def record(op: Op, inputs: tuple[Tensor, ...], data: Any, params: dict | None,
           saved: tuple[np.ndarray, ...] | None = None) -> Tensor:
    """Make the output tensor of ``op`` and, when recording, remember how it was made.

    ``saved``: the input values the op ran on, if the caller has them at hand.
    """
    state = _THREAD.state
    out = Tensor.__new__(Tensor)
    out._data = data
    out._grad = None
    out.name = None
    out._id = next(_ids)
    out._scope = state.scope_path
    out._pass = None
    out._float = None  # set by _float_result: (result, *inputs) of an op run on Python floats
    if state.enabled:
        kind = data.dtype.kind
        # complex values in the middle carry gradients too (real inputs, real result)
        out._op = op if kind != "c" else ops.complex_version(op, inputs)
        out._inputs = inputs
        out._saved_arrays = tuple([t._data for t in inputs]) if saved is None else saved
        out._params = params
        requires_grad = False
        for t in inputs:
            if t.requires_grad:
                requires_grad = kind == "f" or kind == "c"
                break
        out.requires_grad = requires_grad
        if state.tapes:
            for tape in state.tapes:
                tape._record(out)
    else:
        out._op = None
        out._inputs = ()
        out._saved_arrays = ()
        out._params = None
        out.requires_grad = False
    return out


def apply(op: Op, inputs: tuple[Tensor, ...], params: dict | None = None) -> Tensor:
    """Run ``op`` forward on the inputs' values with numpy and record it (the op functions
    made by ``unary`` and ``binary`` try Python floats first)."""
    values = tuple([t._data for t in inputs])
    try:
        data = op.forward(*values, **params) if params else op.forward(*values)
    except (ValueError, IndexError) as error:
        shapes = " and ".join(f"{describe(t)} with shape {t.shape}" for t in inputs)
        verb = "cannot combine" if len(inputs) > 1 else "cannot take"
        raise ShapeError(f"{op.name} {verb} {shapes}: {str(error).strip()}. "
                         f"Fix: {op.shape_fix}") from None
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    return record(op, inputs, data, params, values)


# -- the float path -------------------------------------------------------------------------
# An op whose inputs are all 0-d float64 tensors (their _value a float) and that has a form
# on Python floats (ops.scalar_form) runs on floats and is recorded the same way: scalar
# code (micrograd's lessons) makes most of its tensors here, and a numpy call on a 0-d array
# costs ten times the arithmetic. numpy computes what floats would not (errors, infinities,
# NaN keep numpy's values and warnings). The op functions take this path before ``apply``,
# written out: it runs once per scalar op, and each Python call it saves is a sixth of it.
def unary(op: Op) -> Callable[[Any], Tensor]:
    """The function of a one-input op: on Python floats for a 0-d float64, else ``apply``.

    >>> from vizgrad.core.ops import OPS
    >>> unary(OPS["negative"])(Variable(2.0))._float
    (-2.0, 2.0)
    """
    def function(a: Any) -> Tensor:
        a_t = as_tensor(a)
        fa = a_t._value
        scalar = op.scalar
        if fa is not None and scalar is not None:
            try:
                result = scalar(fa)
            except (ArithmeticError, ValueError):
                result = math.nan
            if result - result == 0:   # not an inf or a NaN
                return _float_result(op, (a_t,), (result, fa))
        return apply(op, (a_t,))
    return function


def binary(op: Op) -> Callable[[Any, Any], Tensor]:
    """The function of a two-input op: numbers become tensors (``as_tensor``), then the op
    runs on Python floats when both are 0-d float64, else through ``apply``.

    >>> from vizgrad.core.ops import OPS
    >>> binary(OPS["multiply"])(Variable(2.0), 3)._float
    (6.0, 2.0, 3.0)
    """
    def function(a: Any, b: Any) -> Tensor:
        a_t = a if isinstance(a, Tensor) else as_tensor(a, b if isinstance(b, Tensor) else None)
        b_t = b if isinstance(b, Tensor) else as_tensor(b, a_t)
        fa, fb = a_t._value, b_t._value
        scalar = op.scalar
        if fa is not None and fb is not None and scalar is not None:
            try:
                result = scalar(fa, fb)
            except (ArithmeticError, ValueError):
                result = math.nan
            if result - result == 0:
                # _float_result(op, (a_t, b_t), (result, fa, fb)) written out: +, -, *, /
                # are most of scalar code, and this call would be a tenth of their cost
                state = _THREAD.state
                out = Tensor.__new__(Tensor)
                out._array, out._value, out._saved_arrays = None, result, None
                out._grad = out.name = out._pass = out._params = None
                out._id = next(_ids)
                out._scope = state.scope_path
                if not state.enabled:
                    out._op, out._inputs, out._saved_arrays, out._float = None, (), (), None
                    out.requires_grad = False
                    return out
                out._op = op
                out._inputs = (a_t, b_t)
                out._float = (result, fa, fb)
                out.requires_grad = a_t.requires_grad or b_t.requires_grad
                if state.tapes:
                    for tape in state.tapes:
                        tape._record(out)
                return out
        return apply(op, (a_t, b_t))
    return function


def _float_result(op: Op, inputs: tuple[Tensor, ...], floats: tuple[float, ...]) -> Tensor:
    """``record`` for an op run on floats. ``floats``: the result, then the inputs' values,
    kept as floats: backpropagation runs the op's rules on them, and ``_data`` and
    ``_saved`` make arrays of them when read."""
    state = _THREAD.state
    out = Tensor.__new__(Tensor)
    out._array, out._value, out._saved_arrays = None, floats[0], None
    out._grad = out.name = out._pass = out._params = None
    out._id = next(_ids)
    out._scope = state.scope_path
    if not state.enabled:
        out._op, out._inputs, out._saved_arrays, out._float = None, (), (), None
        out.requires_grad = False
        return out
    out._op = op
    out._inputs = inputs
    out._float = floats
    out.requires_grad = inputs[0].requires_grad or (len(inputs) == 2 and inputs[1].requires_grad)
    if state.tapes:
        for tape in state.tapes:
            tape._record(out)
    return out


# the operator methods above call into the op modules
from . import (  # noqa: E402, I001
    conversion, dispatch, ops, ops_assign, ops_linalg, ops_math, ops_reduce, ops_shape)

# x + y, x - y, x * y, x / y and x ** y call the op function directly: a method that only
# calls it would cost one more Python call per operation of scalar code
Tensor.__add__ = ops.add
Tensor.__sub__ = ops.subtract
Tensor.__mul__ = ops.multiply
Tensor.__truediv__ = ops.divide
Tensor.__pow__ = ops.power
