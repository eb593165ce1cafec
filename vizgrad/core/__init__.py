"""The autodiff core: tensors, the op table, the backward walk and the gradient APIs.

A new op is one ``defop`` into the one table ``ops.OPS``: its forward, one
vector-Jacobian rule per input and the formula the explanations show. The table
is filled by ``ops.py`` (the basics: arithmetic, sum, matmul, indexing, conv2d),
``ops_math.py`` (more elementwise functions), ``ops_reduce.py`` (prod, var,
cumsum...), ``ops_linalg.py`` (dot, einsum, np.linalg...), ``ops_shape.py`` (flip,
pad, split...) and ``ops_special.py`` (scipy's gammaln, normal densities,
convolve). ``dispatch.py`` maps numpy's functions onto them, so ``np.exp(t)``
records ``exp``.
"""

# The tensor module loads first: at its end it loads the op modules, which need a
# complete Tensor (whichever vizgrad module a program imports first).
from . import tensor as tensor  # noqa: E402
