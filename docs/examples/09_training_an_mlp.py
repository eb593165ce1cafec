"""Notebook 09: one training step of a 2-8-2 MLP on two moons, grouped by scope.

target: loss
"""

import numpy as np

import vizgrad as vg

rng = np.random.default_rng(0)
angle = rng.uniform(0, np.pi, 200)
labels = rng.integers(0, 2, 200)
upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
points = vg.constant(np.where(labels[:, None] == 0, upper, lower)
                     + rng.normal(0, 0.2, (200, 2)))

model = vg.nn.MLP(2, [8, 2], seed=0)
logits = model(points)
with vg.scope("loss"):
    loss = vg.nn.cross_entropy(logits, labels)
vg.optim.Adam(model.parameters(), lr=0.05).minimize(loss)
