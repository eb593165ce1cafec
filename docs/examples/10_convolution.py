"""Notebook 10: L = sum(conv2d(x, k)) for a 3×3 input and a 2×2 kernel;
∂L/∂k = [[12, 16], [24, 28]], ∂L/∂x = [[1, 3, 2], [4, 10, 6], [3, 7, 4]].

target: L
"""

import numpy as np

import vizgrad as vg

x = vg.Variable(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
k = vg.Variable([[[[1.0, 2.0], [3.0, 4.0]]]])
y = vg.conv2d(x, k)
L = vg.reduce_sum(y)
L.backward()
