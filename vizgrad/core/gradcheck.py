"""Compare analytic gradients with central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import GradcheckError
from .autodiff import gradients
from .tensor import Tensor, as_tensor, is_floating, no_grad


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """True when every floating input's gradient matches central differences.

    The output is projected on a fixed random direction, so every entry of the
    Jacobian takes part. Raises GradcheckError naming the input, the index and
    both values.

    >>> import vizgrad as vg
    >>> gradcheck(lambda x: vg.tanh(x) * x, [vg.tensor([0.3, -1.2])])
    True
    """
    tensors = [as_tensor(x) for x in inputs]
    tensors = [Tensor(t._data, name=t.name) for t in tensors]
    y = as_tensor(f(*tensors))
    direction = np.random.default_rng(0).uniform(0.5, 1.5, size=y.shape).astype(y.dtype)
    checked = [i for i, t in enumerate(tensors) if is_floating(t.dtype)]
    analytic = gradients(y, [tensors[i] for i in checked], grad_ys=direction)

    def projected(values: list[np.ndarray]) -> float:
        with no_grad():
            out = as_tensor(f(*[Tensor(v) for v in values]))
        return float(np.sum(np.asarray(out._data, dtype=np.float64) * direction))

    base = [np.array(t._data) for t in tensors]
    for position, i in enumerate(checked):
        g = analytic[position]
        g = np.zeros(tensors[i].shape) if g is None else np.asarray(g._data)
        label = tensors[i].name or f"input {i}"
        for index in np.ndindex(*tensors[i].shape):
            plus = [b.copy() for b in base]
            minus = [b.copy() for b in base]
            plus[i][index] += eps
            minus[i][index] -= eps
            numeric = (projected(plus) - projected(minus)) / (2 * eps)
            value = float(g[index])
            if not abs(value - numeric) <= atol + rtol * abs(numeric):
                raise GradcheckError(
                    f"gradient of {label!s} at index {index}: analytic {value:.6g} but "
                    f"numerical {numeric:.6g} (eps={eps}; both are of the output weighted by "
                    "a fixed random direction, so every output entry counts); check the op's "
                    "gradient rule, or use float64 inputs and a larger eps for float32")
    return True
