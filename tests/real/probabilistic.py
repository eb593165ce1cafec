"""Log densities as probabilistic programs call them: scipy.stats on the model's values.

Modelled on HIPS autograd, examples/gaussian_process.py and examples/black_box_svi.py
(github.com/HIPS/autograd, MIT licence): a GP's log marginal likelihood with an RBF
kernel and ``mvn.logpdf``, and the reparameterised variational objective with
``norm.logpdf`` in the target density.
"""

import numpy as np
from scipy.stats import multivariate_normal as mvn
from scipy.stats import norm


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs**2, axis=2))


def log_marginal_likelihood(params, x, y):
    mean = params[0]
    cov_params = params[2:]
    noise_scale = np.exp(params[1]) + 0.0001
    cov_y_y = rbf_covariance(cov_params, x, x) + noise_scale * np.eye(len(y))
    prior_mean = mean * np.ones(len(y))
    return mvn.logpdf(y, prior_mean, cov_y_y)


def log_posterior(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    prior = norm.logpdf(log_sigma, 0, 1.35)
    likelihood = norm.logpdf(mu, 0, np.exp(log_sigma))
    return prior + likelihood


def variational_objective(params, D, samples_noise, logprob):
    mean, log_std = params[:D], params[D:]
    samples = samples_noise * np.exp(log_std) + mean
    entropy = 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
    return -(entropy + np.mean(logprob(samples, 0)))
