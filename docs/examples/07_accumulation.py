"""Notebook 07: backward() on a non-scalar needs the starting gradient; [1, 0, 0]
selects u[0] = v[0]², so v.grad is [2, 0, 0].

target: u
"""

import numpy as np

import vizgrad as vg

v = vg.Variable([1.0, 2.0, 3.0])
u = v * v
u.backward(np.array([1.0, 0.0, 0.0]))
