"""Notebook 03: the fix for an integer w1 is floats; an integer input that is not
differentiated may stay an integer.

target: y
"""

import vizgrad as vg

w1 = vg.Variable([[1.0, 2.0]])      # vg.Variable([[1, 2]]) raises TypeError
x = vg.constant([[9], [10]])        # int64, never differentiated
y = vg.matmul(w1, x)
grads = vg.gradients(y, [w1])
