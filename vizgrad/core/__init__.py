"""The autodiff core: tensors, the op table, the backward walk and the gradient APIs.

A new op goes in ``ops.py``: its forward, one vector-Jacobian rule per input and
the formula the explanations show.
"""
