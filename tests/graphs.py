"""Graphs several test modules draw."""

import vizgrad as vg


def sin_chain(ops: int) -> vg.Tensor:
    """y = sin(sin(...sin(x))) with ``ops`` sines: one op per node, no fan-out."""
    x = vg.Variable(0.5, name="x")
    y = x
    for _ in range(ops):
        y = vg.sin(y)
    return y
