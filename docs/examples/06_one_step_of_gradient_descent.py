"""Notebook 06: one SGD step (lr 1) on cost = Y[1] * Y takes w from [2, 3] to [-4, -25].

The drawing is of the step's backward pass, with the values from before the step.

target: cost
"""

import vizgrad as vg

X = vg.constant([-1.0, -2.0])
w = vg.Variable([2.0, 3.0])
Y = w * X
cost = Y[1] * Y
vg.optim.SGD([w], lr=1).minimize(cost)
