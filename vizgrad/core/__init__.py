"""The autodiff core: tensors, the op table, the backward walk and the gradient APIs.

A new op goes in ``ops.py``: its forward, one vector-Jacobian rule per input and
the formula the explanations show.
"""

# The tensor module loads first: at its end it loads the op modules, which need a
# complete Tensor (whichever vizgrad module a program imports first).
from . import tensor as tensor  # noqa: E402
