"""``vg.graph`` and ``vg.export_svg``: a tensor or a value to a Graph or a file.

A PyTorch tensor is recorded by :mod:`vizgrad.torch` (imported only then), a
micrograd-style value by :mod:`vizgrad.micrograd`, a vizgrad tensor by
:mod:`vizgrad.drawing.record`; each gives a Trace, and one builder draws any.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..core.engine import BackwardPass
from ..core.tensor import Tensor
from ..errors import ArgumentError
from .build import build_graph
from .graph import Graph, paused_gc
from .record import trace_of_tensor
from .trace import Trace


def is_torch_tensor(value: Any) -> bool:
    """True for a PyTorch tensor (not a model, an optimizer or a device); never imports torch.

    >>> import numpy as np
    >>> is_torch_tensor(np.ones(2))
    False
    """
    torch = sys.modules.get("torch")  # a torch tensor exists only once torch is imported
    tensor_type = getattr(torch, "Tensor", None)
    return tensor_type is not None and isinstance(value, tensor_type)


def is_micrograd_value(value: Any) -> bool:
    """True for a micrograd-style value (``data``, ``grad``, ``_prev``, ``_op``, ``_backward``).

    >>> is_micrograd_value(3.0)
    False
    """
    from ..micrograd import is_value
    return is_value(value)


Recorder = Callable[[Any, "Mapping[str, Any] | None", Sequence[Any], "BackwardPass | None"],
                    Trace]


def _vizgrad_trace(y: Any, names: Mapping[str, Any] | None, extra: Sequence[Any],
                   backward_pass: BackwardPass | None) -> Trace:
    return trace_of_tensor(y, names=names, extra=extra, backward_pass=backward_pass)


def _torch_trace(y: Any, names: Mapping[str, Any] | None, extra: Sequence[Any],
                 backward_pass: BackwardPass | None) -> Trace:
    from ..torch import trace_of as torch_trace_of  # imports torch: only for a torch tensor
    return torch_trace_of(y, names=names, extra=extra)


def _micrograd_trace(y: Any, names: Mapping[str, Any] | None, extra: Sequence[Any],
                     backward_pass: BackwardPass | None) -> Trace:
    from ..micrograd import trace_of as micrograd_trace_of
    return micrograd_trace_of(y, names=names, extra=extra)


# Which recorder draws a value: the first whose check says yes, most specific first. A
# recorder for another engine is one more (check, recorder) pair here.
RECORDERS: list[tuple[Callable[[Any], bool], Recorder]] = [
    (lambda y: isinstance(y, Tensor), _vizgrad_trace),
    (is_torch_tensor, _torch_trace),
    (is_micrograd_value, _micrograd_trace),
]


def recorder_of(y: Any) -> Recorder | None:
    """The recorder that draws ``y`` (None: vizgrad cannot draw it).

    >>> recorder_of("loss") is None
    True
    """
    return next((recorder for check, recorder in RECORDERS if check(y)), None)


def is_drawable(y: Any) -> bool:
    """True for anything ``vg.graph`` draws: a vizgrad or PyTorch tensor, a micrograd value.

    >>> import vizgrad as vg
    >>> is_drawable(vg.Variable(1.0)), is_drawable([1.0])
    (True, False)
    """
    return recorder_of(y) is not None


def size_of(y: Any) -> int:
    """How many entries a drawable value has (a micrograd value is one number).

    >>> import vizgrad as vg
    >>> size_of(vg.Variable([1.0, 2.0]))
    2
    """
    if is_torch_tensor(y):
        return y.numel()
    return 1 if is_micrograd_value(y) else y.size


def torch_recording(source: str) -> AbstractContextManager:
    """``vizgrad.torch.record()`` when code that is about to run uses PyTorch, else nothing.

    >>> with torch_recording("x = 1"):
    ...     pass
    """
    if "torch" not in sys.modules and ("torch" not in source or find_spec("torch") is None):
        return nullcontext()
    from ..torch import record
    return record()


def trace_of(y: Any, *, names: Mapping[str, Any] | None = None, extra: Sequence[Any] = (),
             backward_pass: BackwardPass | None = None, mode: str = "reverse",
             seed: Mapping[Any, Any] | None = None) -> Trace:
    """The Trace of ``y``: a vizgrad or PyTorch tensor, or a micrograd-style value.

    ``mode="forward"`` (with ``seed``) is for vizgrad tensors, whose ops vizgrad knows.
    """
    if (mode != "reverse" or seed) and isinstance(y, Tensor):
        return trace_of_tensor(y, names=names, extra=extra, backward_pass=backward_pass,
                               mode=mode, seed=seed)
    recorder = recorder_of(y)
    if recorder is not None and (mode != "reverse" or seed):
        raise ArgumentError(f"forward mode draws vizgrad tensors only, not a "
                            f"{type(y).__name__}; fix: write the computation with vizgrad "
                            "tensors, or leave mode and seed out for backpropagation")
    if recorder is None:
        raise ArgumentError(
            f"graph() needs a tensor, got {type(y).__name__}; fix: pass the value you want to "
            "differentiate, e.g. vg.graph(loss), where loss is a vizgrad or PyTorch tensor or "
            "a micrograd-style Value (with data, grad, _prev, _op and _backward)")
    return recorder(y, names, extra, backward_pass)


def graph(y: Any, *, names: Mapping[str, Any] | None = None, extra: Sequence[Any] = (),
          backward_pass: BackwardPass | None = None, max_values: int | None = None,
          mode: str = "reverse", seed: Mapping[Any, Any] | None = None,
          depth: int | None = None) -> Graph:
    """The graph that made ``y``, with the backward pass last run from it.

    ``mode="forward"`` steps forward mode instead: ``seed`` gives the tangent of the
    inputs that move (by tensor or name, e.g. ``{"x1": 1.0}``), and each step pushes
    the tangents through one op, in the order the ops ran, on the same drawing.

    ``names``: a namespace (``locals()``) whose variable names label unnamed tensors.
    ``extra``: more tensors to draw; those not leading to ``y`` are greyed.
    ``max_values``: show every entry of tensors with at most this many (default 16).
    ``depth``: groups (scopes, PyTorch modules) nested deeper than this start
    collapsed, as torchview's ``depth``: 0 draws each top-level group as one box,
    1 opens those and collapses the groups inside them.
    If no backward pass has run from ``y``, one is run now (``.grad`` is not touched).

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> vg.graph(f).find("x").grad
    '6'
    """
    with paused_gc():
        trace = trace_of(y, names=names, extra=extra, backward_pass=backward_pass, mode=mode,
                         seed=seed)
        return build_graph(trace, max_values=max_values, depth=depth)


def caller_names(depth: int = 1) -> dict[str, Any]:
    """The variables of the code ``depth`` calls above the caller, to name its tensors.

    >>> loss = 1.0
    >>> def export(): return caller_names()
    >>> export()["loss"]
    1.0
    """
    frame = sys._getframe(depth + 1)
    return {**frame.f_globals, **frame.f_locals}


def export_svg(y: Any, path: str | Path, step: int | None = None, *,
               names: Mapping[str, Any] | None = None, max_values: int | None = None,
               depth: int | None = None, **options: Any) -> Path:
    """Write the drawing of ``y`` at ``step`` (None: the whole pass) to ``path``.

    ``.svg`` writes SVG, ``.png`` a PNG; other suffixes are refused. ``names``: the
    caller's variables name the tensors when it is not given. ``depth``: as in ``graph``.
    """
    if names is None:
        names = caller_names()
    drawing = graph(y, names=names, max_values=max_values, depth=depth)
    return drawing.save_svg(path, step, **options)
