"""A multi-layer perceptron for classification, with an L2 prior.

Modelled on HIPS autograd, examples/neural_net.py (github.com/HIPS/autograd, MIT
licence): the same functions and numpy calls, ported to plain numpy as a user would,
with logsumexp from scipy.
"""

import numpy as np
from scipy.special import logsumexp


def init_random_params(scale, layer_sizes, rs=None):
    rs = rs if rs is not None else np.random.RandomState(0)
    return [(scale * rs.randn(m, n), scale * rs.randn(n))
            for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    flattened = np.concatenate([np.ravel(p) for layer in params for p in layer])
    return np.dot(flattened, flattened)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik
