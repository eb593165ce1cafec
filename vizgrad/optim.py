"""Optimizers with PyTorch's update rules, and gradient clipping.

An update replaces a parameter's array instead of writing into it, so a graph
recorded before the step keeps the values it had. The optimizer's own state
(momentum, Adam's moments) is updated in place: nothing else refers to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .core.tensor import Tensor, describe, require_floating
from .errors import ArgumentError


class Optimizer:
    """Base class: holds the parameters, ``zero_grad`` and ``minimize``."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ArgumentError("the optimizer got no parameters; fix: pass a list of "
                                "vg.Variable, e.g. SGD([w, b], lr=0.1) or model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise ArgumentError(f"parameter {i} is a {type(p).__name__}, not a tensor; fix: "
                                    "pass vg.Variable objects")
            require_floating(p, "it was given to an optimizer")
            if not p.requires_grad:
                raise ArgumentError(f"parameter {i} ({describe(p)}) does not require gradients; "
                                    "fix: make it with vg.Variable(...) or requires_grad=True")
        if lr <= 0:
            raise ArgumentError(f"learning rate must be positive, got lr={lr}")
        self.lr = lr
        self._previous: dict[int, np.ndarray] = {}

    def _descend(self, p: Tensor, delta: Any) -> None:
        """Give ``p`` the new values p − delta, written into ``delta`` (a fresh array)."""
        delta = np.asarray(delta)  # a 0-d result comes back from numpy as a scalar
        if delta.shape == p.shape and delta.dtype == p.dtype:
            new = np.subtract(p._data, delta, out=delta)
        else:
            new = (p._data - delta).astype(p.dtype, copy=False)
        # Keep the values p had before this step until its next step. Then they are
        # let go (see _forget_previous) just before the next new array is made, and the
        # allocator hands that memory straight back: a training loop does not grow and
        # trim the heap, and page-fault fresh memory, at every step.
        self._previous[id(p)] = p._data
        p._data = new

    def _forget_previous(self, p: Tensor) -> None:
        """Let go of the values ``p`` had before its last step (see _descend)."""
        self._previous.pop(id(p), None)

    def zero_grad(self) -> None:
        """Clear every parameter's ``.grad``."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:  # pragma: no cover - overridden
        """Update the parameters from their ``.grad``."""
        raise NotImplementedError

    def minimize(self, loss: Tensor) -> None:
        """Zero the gradients, backpropagate ``loss`` (summed if not a scalar) and step.

        >>> import vizgrad as vg
        >>> w = vg.Variable([2., 3.]); vg.optim.SGD([w], lr=1).minimize(w * w); w.numpy()
        array([-2., -3.])
        """
        self.zero_grad()
        loss.backward(None if loss.size == 1 else np.ones(loss.shape, loss.dtype))
        self.step()


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (PyTorch's rule)."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = momentum
        self._velocity: dict[int, np.ndarray] = {}

    def step(self) -> None:
        """p ← p − lr·v with v ← momentum·v + grad."""
        for p in self.params:
            g = p._grad   # read, never written: no need for the copy that p.grad makes
            if g is None:
                continue
            self._forget_previous(p)
            if self.momentum:
                v = self._velocity.get(id(p))
                if v is None:
                    v = self._velocity[id(p)] = np.array(g, copy=True)
                else:
                    v *= self.momentum
                    v += g
                g = v
            self._descend(p, self.lr * g)


class Adam(Optimizer):
    """Adam with bias correction (PyTorch's rule)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        self.betas = betas
        self.eps = eps
        self._moments: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}

    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        beta1, beta2 = self.betas
        for p in self.params:
            g = p._grad   # read, never written: no need for the copy that p.grad makes
            if g is None:
                continue
            self._forget_previous(p)
            m, v, t = self._moments.get(id(p), (np.zeros_like(g), np.zeros_like(g), 0))
            t += 1
            self._moments[id(p)] = (m, v, t)
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * np.square(g)
            denominator = np.sqrt(v)
            denominator /= math.sqrt(1 - beta2**t)
            denominator += self.eps
            step = m * (self.lr / (1 - beta1**t))
            step /= denominator
            self._descend(p, step)


def clip_by_global_norm(grads: Sequence[Any], clip_norm: float) -> tuple[list[Any], float]:
    """Scale all gradients by clip_norm / max(global_norm, clip_norm) (TensorFlow).

    >>> clipped, norm = clip_by_global_norm([np.array([3., 4.])], 1.0); norm
    5.0
    """
    if clip_norm <= 0:
        raise ArgumentError(f"clip_norm must be positive, got {clip_norm}")
    arrays = [None if g is None else np.asarray(g._data if isinstance(g, Tensor) else g)
              for g in grads]
    norm = float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64)))
                             for a in arrays if a is not None)))
    scale = clip_norm / max(norm, clip_norm)
    clipped: list[Any] = []
    for g, a in zip(grads, arrays):
        if a is None:
            clipped.append(None)
        elif isinstance(g, Tensor):
            clipped.append(Tensor((a * scale).astype(a.dtype, copy=False), name=g.name))
        else:
            clipped.append((a * scale).astype(a.dtype, copy=False))
    return clipped, norm
