"""A character-level vanilla RNN with its hand-written backward pass.

Modelled on Andrej Karpathy's min-char-rnn.py (gist.github.com/karpathy/
d4dee566867f8291f086, BSD licence): the forward pass builds dicts of per-step states
(one-hot inputs written into np.zeros, np.copy of the previous hidden state, a softmax
by hand, ``loss +=``), then the backward pass accumulates into arrays made with
np.zeros_like. ``forward`` is the first half alone, as a user keeps it when vizgrad
does the backward pass.
"""

import numpy as np


def forward(inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size):
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    return loss, xs, hs, ps


def lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size):
    loss, xs, hs, ps = forward(inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size)
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]
