"""Notebook 05: s = reduce_sum(X), y = s² + s − 1; every entry of ∂y/∂X is 2s + 1.

target: y
"""

import numpy as np

import vizgrad as vg

X = vg.Variable(np.random.default_rng(0).normal(size=(3, 3)))
s = vg.reduce_sum(X)
y = s**2 + s - 1
