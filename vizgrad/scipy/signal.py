"""scipy.signal.convolve on tensors (1-d, 2-d or more; modes 'full', 'valid', 'same').

>>> import vizgrad as vg
>>> convolve(vg.Variable([1., 2.]), vg.Variable([1., 1.])).numpy()
array([1., 3., 2.])
"""

from __future__ import annotations

from typing import Any

from ..core import ops_special
from ..core.tensor import Tensor
from ._arrays import on_arrays_too


@on_arrays_too
def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Tensor:
    """The convolution of in1 and in2 (in2 flipped, as scipy and numpy define it).

    >>> convolve([1., 2., 3.], [1., -1.], mode="valid")
    array([1., 1.])
    """
    return ops_special.convolve(in1, in2, mode)


__all__ = ["convolve"]
