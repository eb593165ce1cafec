"""scipy.signal.convolve on tensors (1-d, 2-d or more; modes 'full', 'valid', 'same').

autograd's extension works too: ``convolve(x, w, axes=([2, 3], [2, 3]), dot_axes=([1], [0]),
mode="valid")`` convolves axes 2 and 3 of both, sums x's axis 1 against w's axis 0, and
keeps the others (first x's, then w's, then the convolved ones).

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
def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto", *,
             axes: Any = None, dot_axes: Any = None) -> Tensor:
    """The convolution of in1 and in2 (in2 flipped, as scipy and numpy define it); autograd's
    ``axes`` and ``dot_axes`` (as in its convnet example) choose the axes.

    >>> convolve([1., 2., 3.], [1., -1.], mode="valid")
    array([1., 1.])
    """
    return ops_special.convolve(in1, in2, mode, axes, dot_axes)


__all__ = ["convolve"]
