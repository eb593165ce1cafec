"""Notebook 08: a straight-through sign: sign in the forward pass, the gradient of
clip(x, -1, 1) in the backward pass.

target: loss
"""

import vizgrad as vg


@vg.custom_gradient
def sign_ste(x):
    def grad_fn(dy):
        return dy * (vg.abs(x) <= 1)
    return vg.sign(x), grad_fn


x = vg.Variable([-2.0, -0.5, 0.3, 1.5])
y = sign_ste(x)
loss = vg.reduce_sum(y)
loss.backward()
