"""Notebook 04: y[0] taken after the GradientTape block is not recorded, so its
gradient with respect to w is None.

target: y0_outside
"""

import vizgrad as vg

w = vg.Variable([[1.0, 2.3], [4.5, 6.7]])
x = vg.constant([[1.2], [2.3]])
with vg.GradientTape() as tape:
    y = vg.matmul(w, x)
y0_outside = y[0]
d = tape.gradient(y0_outside, w)    # None
