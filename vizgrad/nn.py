"""Just enough of a neural-network library to train a small model in a tutorial."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .core import ops
from .core.tensor import Tensor, Variable, as_tensor, describe, scope
from .errors import ArgumentError, DtypeError, ShapeError


class Module:
    """Base class: ``parameters()`` finds every Variable in the attributes."""

    def parameters(self) -> list[Tensor]:
        """All trainable tensors of this module and its sub-modules, in order."""
        found: list[Tensor] = []
        for value in vars(self).values():
            found.extend(_parameters_in(value))
        unique = {id(p): p for p in found}
        return list(unique.values())

    def zero_grad(self) -> None:
        """Clear the gradients of every parameter."""
        for p in self.parameters():
            p.zero_grad()

    def __call__(self, x: Any) -> Tensor:
        return self.forward(x)

    def forward(self, x: Any) -> Tensor:  # pragma: no cover - overridden
        """The computation of this module."""
        raise NotImplementedError


def _parameters_in(value: Any) -> Iterator[Tensor]:
    if isinstance(value, Tensor) and value.requires_grad:
        yield value
    elif isinstance(value, Module):
        yield from value.parameters()
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _parameters_in(item)


class Linear(Module):
    """y = x @ W + b, with W of shape (n_in, n_out), initialised uniformly in ±1/√n_in.

    >>> Linear(3, 2)(np.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(self, n_in: int, n_out: int, *, name: str = "linear",
                 seed: int | None = None) -> None:
        rng = np.random.default_rng(seed)
        bound = 1 / np.sqrt(n_in)
        self.name = name
        self.n_in = n_in
        self.W = Variable(rng.uniform(-bound, bound, (n_in, n_out)), name=f"{name}.W")
        self.b = Variable(np.zeros(n_out), name=f"{name}.b")

    def forward(self, x: Any) -> Tensor:
        """x @ W + b."""
        x = as_tensor(x)
        if x.shape[-1:] != (self.n_in,):
            raise ShapeError(f"{self.name} expects inputs with {self.n_in} features in the last "
                             f"axis, but {describe(x)} has shape {x.shape}; fix: reshape the "
                             f"input to (batch, {self.n_in})")
        with scope(self.name):
            return x @ self.W + self.b


class MLP(Module):
    """Linear layers with tanh between them (not after the last).

    >>> MLP(2, [8, 1], seed=0)(np.zeros((5, 2))).shape
    (5, 1)
    """

    def __init__(self, n_in: int, layer_sizes: Sequence[int], *, seed: int | None = 0) -> None:
        sizes = [n_in, *layer_sizes]
        rng = np.random.default_rng(seed)
        self.layers = [Linear(a, b, name=f"layer{i + 1}", seed=int(rng.integers(2**31)))
                       for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def forward(self, x: Any) -> Tensor:
        """Apply the layers in turn."""
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                with scope(layer.name):
                    x = ops.tanh(x)
        return x


def mse(pred: Any, target: Any) -> Tensor:
    """Mean squared error.

    >>> mse(Tensor([1., 2.]), [1., 4.]).item()
    2.0
    """
    pred = as_tensor(pred)
    target = as_tensor(target, pred)
    if pred.shape != target.shape:
        raise ShapeError(f"mse needs pred and target of the same shape, got {describe(pred)} "
                         f"{pred.shape} and {describe(target)} {target.shape}; fix: reshape "
                         "one of them")
    diff = pred - target
    return ops.mean(diff * diff)


def cross_entropy(logits: Any, labels: Any) -> Tensor:
    """Mean negative log-likelihood of integer class ``labels`` under softmax(logits).

    >>> round(cross_entropy(Tensor([[0., 0.]]), [1]).item(), 4)
    0.6931
    """
    logits = as_tensor(logits)
    label_array = np.asarray(labels._data if isinstance(labels, Tensor) else labels)
    if label_array.dtype.kind not in "iu":
        raise DtypeError(f"cross_entropy needs integer class labels, got dtype "
                         f"{label_array.dtype}; fix: labels.astype(int)")
    if logits.ndim != 2 or label_array.shape != (logits.shape[0],):
        raise ShapeError(f"cross_entropy needs logits (batch, classes) and labels (batch,), got "
                         f"{describe(logits)} {logits.shape} and labels {label_array.shape}")
    if label_array.size and (label_array.min() < 0 or label_array.max() >= logits.shape[1]):
        raise ArgumentError(f"labels must lie in 0..{logits.shape[1] - 1} for "
                            f"{logits.shape[1]} classes; got {label_array.min()}.."
                            f"{label_array.max()}")
    picked = ops.log_softmax(logits, axis=1)[np.arange(logits.shape[0]), label_array]
    return -ops.mean(picked)
