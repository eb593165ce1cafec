"""When a tensor may turn into plain numbers, and the error when it may not.

The rule: a tensor that carries a gradient never turns into plain numbers without
the user asking. numpy and other libraries convert objects they do not know
(``np.asarray(t)``, ``X.dot(t)`` with an ndarray ``X``, ``out[:] = t``,
``np.array([t, u])``, ``scipy.special.logsumexp(t)``): on such a tensor that
would drop it from the graph and leave its gradient silently 0, so the
conversion raises :class:`ConversionError` naming the call, the tensor and the
fix. Explicit exits stay open: ``t.numpy()``, ``float(t)``, ``t.item()``,
``t.data``, and any conversion inside ``vg.no_grad()`` or of a tensor without
gradient.

A tensor *carries a gradient* while recording is on (not inside ``vg.no_grad()``),
its dtype is floating (or complex), and any of these holds:

- ``requires_grad`` is True: a ``vg.Variable``, or recorded from one;
- an open ``GradientTape`` traces it (watched, or computed from a watched tensor);
- it is an argument a running ``vg.grad(f)`` differentiates, or computed from one.

A gradient returned by ``vg.gradients`` or ``tape.gradient`` is a result the program
asked for, so its numbers may be read.

numpy reaches a tensor's numbers through ``__array__`` (``np.asarray``, ``X.dot(t)``,
``out[:] = t``, ``np.array([t, u])``, any library that calls ``np.asarray``) and, to
store one element (``out[i] = t``), through ``__float__``; both check the rule. A
tensor offers no buffer (``memoryview(t)`` is a TypeError), so no other way is open.
``float(t)`` and ``int(t)`` written by the user are explicit and allowed.

>>> import vizgrad as vg
>>> carries_gradient(vg.Variable(1.0)), carries_gradient(vg.constant(1.0))
(True, False)
"""

from __future__ import annotations

import dis
import importlib
import linecache
import os
import re
import sys
import sysconfig
from types import FrameType
from typing import Any

import numpy as np

from ..errors import ConversionError
from .tensor import Tensor, ancestors, describe, recording


def carries_gradient(t: Tensor) -> bool:
    """True when ``t`` carries a gradient (see the module's docstring for exactly when)."""
    state = recording()
    if not state.enabled or t._data.dtype.kind not in "fc":
        return False
    if t.requires_grad:
        # a gradient vg.gradients or a tape returned is a first-order value: nothing flows
        # back through it, so its numbers may be read
        return t._op is None or t._op.name != "gradient"
    if any(t._id in tape._traced for tape in state.tapes):
        return True
    sources = getattr(state, "grad_sources", None)
    if sources:
        active = frozenset().union(*sources)
        return any(x._id in active for x in ancestors([t]))
    return False


_STORE_SUBSCR = dis.opmap["STORE_SUBSCR"]


def stored_into_array(frame: FrameType | None) -> bool:
    """True when ``frame`` is running ``a[i] = ...``: numpy packs a 0-d value with float()."""
    return frame is not None and frame.f_code.co_code[frame.f_lasti] == _STORE_SUBSCR


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # vizgrad itself
    return tuple(os.path.join(os.path.abspath(root), "") for root in roots)


_LIBRARY_ROOTS = _library_roots()


def _is_library(frame: FrameType) -> bool:
    filename = frame.f_code.co_filename
    return filename.startswith("<frozen") or os.path.abspath(filename).startswith(_LIBRARY_ROOTS)


def _public_name(frame: FrameType) -> str | None:
    """``scipy.special.logsumexp`` for a frame of scipy/special/_logsumexp.py:logsumexp."""
    name = frame.f_code.co_name
    if "wrap" in name or name.startswith("<"):
        return None   # a decorator's wrapper: the source line says more
    module = frame.f_globals.get("__name__", "")
    public = ".".join(part for part in module.split(".") if not part.startswith("_"))
    owner = frame.f_locals.get("self")
    if owner is not None:
        label = getattr(owner, "name", None)
        if not isinstance(label, str):
            label = type(owner).__name__.removesuffix("_gen")
        return f"{public}.{label}.{name}"
    return f"{public}.{name}"


def vizgrad_counterpart(name: str) -> str | None:
    """``vizgrad.scipy.special.logsumexp`` for ``scipy.special.logsumexp``, if vizgrad has it."""
    if not name.startswith("scipy."):
        return None
    parts = ["vizgrad", *name.split(".")]
    for split in range(len(parts) - 1, 1, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                found = getattr(found, attribute)
        except AttributeError:
            return None
        return ".".join(parts)
    return None


# vizgrad ops that compute what a scipy function does, for when vizgrad.scipy lacks it
_SCIPY_EQUIVALENTS = {"expit": "vg.sigmoid(x)", "logsumexp": "vg.logsumexp(x, axis)",
                      "softmax": "vg.softmax(x, axis)", "log_softmax": "vg.log_softmax(x, axis)"}


def library_fix(name: str) -> str:
    """What to call instead of library function ``name`` on a tensor."""
    counterpart = vizgrad_counterpart(name)
    if counterpart is not None:
        return f"call {counterpart} instead (same arguments), which records it"
    equivalent = _SCIPY_EQUIVALENTS.get(name.rsplit(".", 1)[-1])
    if equivalent is not None and name.startswith("scipy."):
        return f"call {equivalent} instead, which records it"
    if name.startswith("scipy."):
        return ("write it with numpy functions on the tensor itself (np.exp(t), np.sum(t) ... "
                "record) or vizgrad ops")
    return (f"{name} computes with plain numbers only: to differentiate through it, write "
            "it with numpy functions on the tensor; if it only needs the numbers (plotting, "
            "printing, saving), pass it t.numpy()")


_ASSIGNMENT = re.compile(r"\]\s*(?:[-+*/@%]|//|\*\*)?=(?!=)")


def _variable_name(t: Tensor, frame: FrameType | None) -> str | None:
    if frame is None:
        return None
    for scope in (frame.f_locals, frame.f_globals):
        for key, value in scope.items():
            if value is t and not key.startswith("_"):
                return key
    return None


_MATH_CALL = re.compile(r"\bmath\.(\w+)\(")


def read_by_math(frame: FrameType | None) -> bool:
    """True when the user's line calls a ``math`` function (math.exp(t) reads t with float()),
    unless it asks for the number itself with float(...) or .item()."""
    if frame is None or _is_library(frame):
        return False  # vizgrad's own scalar rules call math on numbers they chose to read
    line = _line(frame)
    return bool(_MATH_CALL.search(line)) and not re.search(r"\bfloat\(|\.item\(\)", line)


def _user_frame(frame: FrameType | None) -> tuple[FrameType | None, FrameType | None]:
    """(the outermost library frame below the user's code, the user's frame)."""
    library, user = None, frame
    while user is not None and _is_library(user):
        library, user = user, user.f_back
    return library, user


def _line(frame: FrameType | None) -> str:
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip() if frame else ""


def user_line() -> str:
    """The line of the user's code that is running, or "".

    >>> isinstance(user_line(), str)
    True
    """
    return _line(_user_frame(sys._getframe(1))[1])


def conversion_error(t: Tensor, frame: FrameType | None, *, element: bool = False
                     ) -> ConversionError:
    """The error for converting ``t`` implicitly; ``frame`` is the converter's caller."""
    library, user = _user_frame(frame)
    line = _line(user)
    call = _public_name(library) if library is not None else None
    variable = _variable_name(t, user)
    who = describe(t) if t.name or variable is None else f"'{variable}'"
    spelled = t.name or variable or "t"
    where = f" (in `{line}`)" if line else ""
    if call is not None and call.startswith("numpy."):
        call = None   # numpy's own Python code converting an argument: the line says more
    if call is not None:
        what, fix = f"{call}{where}", library_fix(call)
    elif element or _ASSIGNMENT.search(line):
        what = f"`{line}`" if line else "an assignment into a numpy array"
        fix = ("collect the values in a list and join them with np.stack(...) (recorded), or "
               "make the array a tensor first, e.g. out = vg.tensor(np.zeros(...)), whose item "
               "assignment is recorded")
    elif re.search(r"\.dot\(", line) and not re.search(r"\b(np|numpy|vg)\.dot\(", line):
        what = f"`{line}`"
        fix = ("np.dot(X, w) or X @ w, which record the product (an ndarray's own .dot method "
               "cannot)")
    elif re.search(r"\b(np|numpy)\.(array|asarray|asanyarray)\(\s*\[", line):
        what = f"`{line}`"
        fix = "np.stack([...]) joins tensors with a recorded op"
    elif re.search(r"\b(np|numpy)\.\w+\(\s*\[", line):
        what = f"`{line}`"
        fix = ("numpy turns a list into one array first, which reads the numbers: stack the "
               "list into one tensor with np.stack([...]) and pass that, e.g. "
               "np.mean(np.stack([a, b]))")
    elif found := _MATH_CALL.search(line):
        what = f"`{line}`"
        name = found.group(1)
        fix = (f"np.{name}({spelled}), which records it" if hasattr(np, name) else
               "numpy functions on the tensor (np.exp(t), np.sqrt(t) ...), which record")
    else:
        what = f"`{line}`" if line else "a library call"
        fix = ("pass the tensor to numpy functions (np.exp(t), np.sum(t), X @ t ... record) "
               "or vizgrad ops instead")
    return ConversionError(
        f"{what} turns {who} into plain numbers, which would drop it from the graph and leave "
        f"its gradient silently 0, so vizgrad refuses. Fix: {fix}; to take the values off the "
        f"graph on purpose: {spelled}.numpy(), or convert inside vg.no_grad()")


def refuse_if_carrying(t: Tensor, depth: int = 2, *, element: bool = False) -> None:
    """Raise ConversionError if ``t`` carries a gradient; ``depth`` frames up is the caller."""
    if carries_gradient(t):
        raise conversion_error(t, sys._getframe(depth), element=element)
