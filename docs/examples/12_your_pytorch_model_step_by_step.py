"""Notebook 12: a PyTorch nn.Sequential, recorded and backpropagated by PyTorch, grouped by layer.

target: loss
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

import vizgrad.torch as vt

model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, -0.5], [0.25, 1.0], [-1.0, 0.5]]))
    model[0].bias.copy_(torch.tensor([0.0, 0.1, -0.1]))
    model[2].weight.copy_(torch.tensor([[1.0, -1.0, 0.5], [-0.5, 0.5, 1.0]]))
    model[2].bias.zero_()
x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]])
labels = torch.tensor([0, 1])

with vt.record():
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
loss.backward()
