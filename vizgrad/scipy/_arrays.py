"""One rule for every ``vizgrad.scipy`` function: tensors in, a recorded tensor out; plain
arrays in, plain numpy values out (what scipy returns)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..core.tensor import Tensor, no_grad


def _holds_tensor(value: Any) -> bool:
    if isinstance(value, Tensor):
        return True
    return isinstance(value, (list, tuple)) and any(_holds_tensor(v) for v in value)


def on_arrays_too(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (made of vizgrad ops) that gives numpy values when no tensor goes in.

    >>> from vizgrad.core.ops import exp
    >>> on_arrays_too(exp)(0.0)
    np.float64(1.0)
    """
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if any(_holds_tensor(v) for v in (*args, *kwargs.values())):
            return function(*args, **kwargs)
        with no_grad():
            result = function(*args, **kwargs)
        return result.numpy()[()]
    return wrapper
