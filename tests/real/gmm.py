"""A Gaussian mixture model's log-likelihood, parameters in a dict.

Modelled on HIPS autograd, examples/gmm.py (github.com/HIPS/autograd, MIT licence):
log proportions normalised with logsumexp, covariances from square-root factors,
one multivariate normal log density per cluster, zip over the parameter arrays,
np.vstack of the per-cluster terms.
"""

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal as mvn


def init_gmm_params(num_components, D, scale, rs):
    return {"log proportions": rs.randn(num_components) * scale,
            "means": rs.randn(num_components, D) * scale,
            "lower triangles": np.zeros((num_components, D, D)) + np.eye(D)}


def log_normalize(x):
    return x - logsumexp(x)


def unpack_gmm_params(params):
    normalized_log_proportions = log_normalize(params["log proportions"])
    return normalized_log_proportions, params["means"], params["lower triangles"]


def gmm_log_likelihood(params, data):
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(*unpack_gmm_params(params)):
        cov = np.dot(cov_sqrt.T, cov_sqrt)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))
