"""Plain NumPy twins of the numba kernels in ``_kernels.py`` (for tests only)."""

from __future__ import annotations

import numpy as np


def pairwise_distances(X, Y, period):
    diff = X[:, None, :].astype(np.float64) - Y[None, :, :].astype(np.float64)
    period = np.asarray(period, dtype=np.float64)
    p = np.where(period > 0, period, 1.0)
    wrapped = diff - p * np.floor(diff / p + 0.5)
    diff = np.where(period > 0, wrapped, diff)
    return np.sqrt((diff**2).sum(axis=-1))


def nearest(X, Y, period):
    D = pairwise_distances(X, Y, period)
    idx = np.argmin(D, axis=1)
    return idx, D[np.arange(len(X)), idx]


def sigmoid(r, sigma, a, b):
    if sigma <= 0:
        return np.array(r, dtype=np.float64)
    c = 2.0 ** (a / b) - 1.0
    return 1.0 - (1.0 + c * (r / sigma) ** a) ** (-b / a)


def stress(Y, D, FD, w, sigma, a, b, mix):
    d = np.sqrt(((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1))
    ww = np.outer(w, w)
    terms = (1 - mix) * (FD - sigmoid(d, sigma, a, b)) ** 2 + mix * (D - d) ** 2
    iu = np.triu_indices(len(Y), 1)
    return (ww[iu] * terms[iu]).sum() / ww[iu].sum()


def kernel_average(D, Y, lam):
    e = np.exp(-lam * (D - D.min(axis=1, keepdims=True)))
    return (e @ Y) / e.sum(axis=1, keepdims=True)


def point_stress(y, Y, D, FD, w, sigma, a, b, mix, skip=-1):
    """sum_{j != skip} w_j [(1-mix)(FD_j - f(|y - Y_j|))^2 + mix (D_j - |y - Y_j|)^2]."""
    d = np.sqrt(((Y - y) ** 2).sum(-1))
    terms = w * ((1 - mix) * (FD - sigmoid(d, sigma, a, b)) ** 2 + mix * (D - d) ** 2)
    if skip >= 0:
        terms[skip] = 0.0
    return terms.sum()


def farthest_point_sampling(X, n_select, period, start):
    """Plain farthest-point sampling: indices, nearest chosen (position) and its distance."""
    D = pairwise_distances(X, X, period)
    idx = [start]
    mind = D[start].copy()
    assign = np.zeros(len(X), dtype=np.int64)
    for m in range(1, n_select):
        q = int(np.argmax(mind))
        idx.append(q)
        closer = D[q] < mind
        mind[closer] = D[q][closer]
        assign[closer] = m
    return np.array(idx), assign, mind
