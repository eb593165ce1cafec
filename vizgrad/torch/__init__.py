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
from ..errors import ArgumentError, NonScalarBackwardError
from .convert import trace_of_recording
from .record import RECORDED, InPlaceError, Recording, explain, record
from .walk import trace_of_graph

__all__ = ["record", "trace_of", "backward", "Recording", "InPlaceError"]


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
        explained = explain(error)
        if explained is None:
            raise
        raise explained from error


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
        explained = explain(error)
        if explained is None:
            raise
        raise explained from error
