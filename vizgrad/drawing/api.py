"""``vg.graph`` and ``vg.export_svg``: a tensor (vizgrad's or PyTorch's) to a Graph or a file.

Which recorder turns a value into a Trace is decided by what the value is,
most specific first (``RECORDERS``): a PyTorch tensor is recorded by
:mod:`vizgrad.torch` (imported only then), a vizgrad tensor by
:mod:`vizgrad.drawing.record`; both give a Trace, and one builder draws either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..core.engine import BackwardPass
from ..core.tensor import Tensor
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


def _torch_trace(y: Any, *, names: Mapping[str, Any] | None, extra: Sequence[Any],
                 backward_pass: BackwardPass | None) -> Trace:
    from ..torch import trace_of as torch_trace_of
    return torch_trace_of(y, names=names, extra=extra)


def _torch_elements(value: Any) -> int:
    return value.numel()


def _vizgrad_elements(value: Any) -> int:
    return value.size


@dataclass(frozen=True)
class Recorder:
    """What kind of value it draws, how to make its Trace, and how many numbers a value holds."""

    kind: str                                  # "PyTorch", "vizgrad": for messages
    applies: Callable[[Any], bool]
    trace: Callable[..., Trace]                # (y, names=, extra=, backward_pass=) -> Trace
    elements: Callable[[Any], int]             # 1 for a scalar


# which recorder draws a value, most specific first; another kind of value is one more entry
RECORDERS: list[Recorder] = [
    Recorder("PyTorch", is_torch_tensor, _torch_trace, _torch_elements),
    Recorder("vizgrad", lambda value: isinstance(value, Tensor), trace_of_tensor,
             _vizgrad_elements),
]


def recorder_of(value: Any) -> Recorder | None:
    """The recorder that draws ``value``, or None when it is nothing vizgrad can draw.

    >>> import vizgrad as vg
    >>> recorder_of(vg.Variable(1.0)).kind, recorder_of("loss")
    ('vizgrad', None)
    """
    return next((r for r in RECORDERS if r.applies(value)), None)


def drawable(value: Any) -> bool:
    """True for a tensor some recorder can draw (a model or an optimizer is not one).

    >>> import vizgrad as vg
    >>> drawable(vg.Variable(1.0)), drawable([1.0])
    (True, False)
    """
    return recorder_of(value) is not None


def is_scalar(value: Any) -> bool:
    """A drawable tensor of one element: what ``%%vizgrad`` and ``vizgrad export`` draw from.

    >>> import vizgrad as vg
    >>> is_scalar(vg.Variable(1.0)), is_scalar(vg.Variable([1.0, 2.0])), is_scalar(3.0)
    (True, False, False)
    """
    found = recorder_of(value)
    return found is not None and found.elements(value) == 1


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
             backward_pass: BackwardPass | None = None) -> Trace:
    """The Trace of ``y``, by the recorder for what ``y`` is (a vizgrad or a PyTorch tensor)."""
    found = recorder_of(y)
    trace = found.trace if found is not None else trace_of_tensor  # it says what is wrong
    return trace(y, names=names, extra=extra, backward_pass=backward_pass)


def graph(y: Any, *, names: Mapping[str, Any] | None = None, extra: Sequence[Any] = (),
          backward_pass: BackwardPass | None = None, max_values: int | None = None,
          depth: int | None = None) -> Graph:
    """The graph that made ``y``, with the backward pass last run from it.

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
        trace = trace_of(y, names=names, extra=extra, backward_pass=backward_pass)
        return build_graph(trace, max_values=max_values, depth=depth)


def export_svg(y: Any, path: str | Path, step: int | None = None, *,
               names: Mapping[str, Any] | None = None, max_values: int | None = None,
               depth: int | None = None, **options: Any) -> Path:
    """Write the drawing of ``y`` at ``step`` (None: the last step) to an SVG file."""
    drawing = graph(y, names=names, max_values=max_values, depth=depth)
    return drawing.save_svg(path, step, **options)
