"""Notebook 02: gradients(y, [w1, w2]) is [[[9, 10]], None]; w2 is unconnected.

target: y
"""

import vizgrad as vg

w1 = vg.Variable([[1.0, 2.0]])
w2 = vg.Variable([[3.0, 4.0]])
c = vg.constant([[9.0], [10.0]])
y = vg.matmul(w1, c)
grads = vg.gradients(y, [w1, w2])
