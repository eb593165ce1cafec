"""``vg.graph`` and ``vg.export_svg``: a tensor (vizgrad's or PyTorch's) to a Graph or a file.

A PyTorch tensor is recorded by :mod:`vizgrad.torch` (imported only then), a
vizgrad tensor by :mod:`vizgrad.drawing.record`; both give a Trace, and one
builder draws either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core.engine import BackwardPass
from .build import build_graph
from .graph import Graph, paused_gc
from .record import trace_of_tensor
from .trace import Trace


def is_torch_tensor(value: Any) -> bool:
    """True for a PyTorch tensor, found without importing torch.

    >>> import numpy as np
    >>> is_torch_tensor(np.ones(2))
    False
    """
    return type(value).__module__.split(".")[0] == "torch"


def trace_of(y: Any, *, names: Mapping[str, Any] | None = None, extra: Sequence[Any] = (),
             backward_pass: BackwardPass | None = None, mode: str = "reverse",
             seed: Mapping[Any, Any] | None = None) -> Trace:
    """The Trace of ``y``, a vizgrad or a PyTorch tensor."""
    if is_torch_tensor(y):
        if mode != "reverse":
            from ..errors import ArgumentError
            raise ArgumentError("forward mode draws vizgrad tensors only; fix: write the "
                                "computation with vizgrad, or use mode='reverse'")
        from ..torch import trace_of as torch_trace_of
        return torch_trace_of(y, names=names, extra=extra)
    return trace_of_tensor(y, names=names, extra=extra, backward_pass=backward_pass,
                           mode=mode, seed=seed)


def graph(y: Any, *, names: Mapping[str, Any] | None = None, extra: Sequence[Any] = (),
          backward_pass: BackwardPass | None = None, max_values: int | None = None,
          mode: str = "reverse", seed: Mapping[Any, Any] | None = None) -> Graph:
    """The graph that made ``y``, with the backward pass last run from it.

    ``mode="forward"`` steps forward mode instead: ``seed`` gives the tangent of the
    inputs that move (by tensor or name, e.g. ``{"x1": 1.0}``), and each step pushes
    the tangents through one op, in the order the ops ran, on the same drawing.

    ``names``: a namespace (``locals()``) whose variable names label unnamed tensors.
    ``extra``: more tensors to draw; those not leading to ``y`` are greyed.
    ``max_values``: show every entry of tensors with at most this many (default 16).
    If no backward pass has run from ``y``, one is run now (``.grad`` is not touched).

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> vg.graph(f).find("x").grad
    '6'
    """
    with paused_gc():
        trace = trace_of(y, names=names, extra=extra, backward_pass=backward_pass, mode=mode,
                         seed=seed)
        return build_graph(trace, max_values=max_values)


def export_svg(y: Any, path: str | Path, step: int | None = None, *,
               names: Mapping[str, Any] | None = None, max_values: int | None = None,
               **options: Any) -> Path:
    """Write the drawing of ``y`` at ``step`` (None: the last step) to an SVG file."""
    return graph(y, names=names, max_values=max_values).save_svg(path, step, **options)
