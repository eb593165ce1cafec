"""Notebook 01: f = x·x·y + y + 2 at x = 3, y = 4, so ∂f/∂x = 24 and ∂f/∂y = 10.

target: f
"""

import vizgrad as vg

x = vg.Variable(3.0)
y = vg.Variable(4.0)
f = x * x * y + y + 2
