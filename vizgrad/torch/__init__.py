"""Draw real PyTorch code: record a forward pass, let PyTorch backpropagate, get a Trace.

``import vizgrad`` never imports this package (nor torch); ``vg.graph``,
``vg.show`` and ``vg.export_svg`` come here when given a torch tensor.

>>> import torch
>>> import vizgrad.torch as vt
>>> w = torch.tensor([2.0, -1.0], requires_grad=True)
>>> with vt.record():
...     loss = (w * w).sum()
>>> loss.backward()
>>> trace = vt.trace_of(loss, names={"w": w, "loss": loss})
>>> [t.name or t.op for t in trace.tensors], trace.totals[0]
(['w', 'mul', 'loss'], array([ 4., -2.], dtype=float32))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch

from ..drawing.trace import Trace
from ..errors import ArgumentError, NonScalarBackwardError, VizgradError
from .convert import trace_of_recording
from .record import RECORDED, Recording, record
from .walk import trace_of_graph

__all__ = ["record", "trace_of", "backward", "Recording", "InPlaceError"]


class InPlaceError(VizgradError, RuntimeError):
    """PyTorch's version counter caught a tensor changed in place after an op saved it."""


def trace_of(t: torch.Tensor, *, names: Mapping[str, Any] | None = None,
             extra: Iterable[Any] = ()) -> Trace:
    """The Trace of ``t``: its ops, values and PyTorch's last backward pass through them.

    >>> import torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> trace_of(x * 3).notes[0].startswith("Intermediate values were not recorded")
    True
    """
    if not isinstance(t, torch.Tensor):
        raise ArgumentError(f"trace_of() needs a torch tensor, got {type(t).__name__}; fix: "
                            "pass the tensor to draw, e.g. vg.graph(loss)")
    try:
        if RECORDED.get(t) is not None:
            return trace_of_recording(t, names=names, extra=extra)
        return trace_of_graph(t, names=names, extra=extra)
    except RuntimeError as error:
        raise explain(error) from error


def backward(loss: torch.Tensor, gradient: torch.Tensor | None = None, **options: Any) -> None:
    """``loss.backward()``, with vizgrad's explanation when PyTorch refuses.

    >>> import torch
    >>> backward(torch.ones(2, requires_grad=True) * 2)
    Traceback (most recent call last):
    ...
    vizgrad.errors.NonScalarBackwardError: backward() on a tensor of shape (2,) ...
    """
    if gradient is None and loss.numel() != 1:
        raise NonScalarBackwardError(
            f"backward() on a tensor of shape {tuple(loss.shape)} needs to know how to weight "
            "its entries: the implicit gradient 1 exists only for a scalar. Fix: reduce it to "
            "a scalar first (loss.sum().backward() or loss.mean().backward()), or pass the "
            "gradient to start from: loss.backward(torch.ones_like(loss)).")
    try:
        loss.backward(gradient, **options)
    except RuntimeError as error:
        raise explain(error) from error


def explain(error: RuntimeError) -> Exception:
    """PyTorch's version-counter error, said in vizgrad's words; any other error unchanged."""
    text = str(error)
    if "modified by an inplace operation" not in text:
        return error
    return InPlaceError(
        "A tensor was changed in place (add_, relu_, x += ..., x[i] = ...) after an op had "
        "saved it for the backward pass, so its gradient would be computed from the wrong "
        "values; PyTorch's version counter noticed and refused. PyTorch says: "
        f"{text.splitlines()[0]} Fix: use the out-of-place form (x = x + 1 instead of "
        "x.add_(1) or x += 1), or .clone() the tensor before changing it.")
