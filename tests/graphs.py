"""Graphs several test modules draw."""

import numpy as np

import vizgrad as vg


def sin_chain(ops: int) -> vg.Tensor:
    """y = sin(sin(...sin(x))) with ``ops`` sines: one op per node, no fan-out."""
    x = vg.Variable(0.5, name="x")
    y = x
    for _ in range(ops):
        y = vg.sin(y)
    return y


def recurrence(steps: int) -> vg.Tensor:
    """h = tanh(h @ W + x) over ``steps`` steps of 4-vectors, backpropagated from the last h
    summed: W and x are used by every step (backpropagation through time)."""
    rng = np.random.default_rng(0)
    w = vg.Variable(rng.normal(size=(4, 4)) * 0.5, name="W")
    x = vg.constant(rng.normal(size=4), name="x")
    h = vg.constant(np.zeros(4), name="h0")
    for _ in range(steps):
        h = vg.tanh(h @ w + x)
    loss = h.sum()
    loss.backward()
    return loss
