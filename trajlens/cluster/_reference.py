"""Plain NumPy twins of the density-peak kernels, and a brute-force Rodriguez–Laio run."""

from __future__ import annotations

import numpy as np


def _dist(X):
    return np.sqrt(np.maximum(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1), 0.0))


def gaussian_density(X, dc):
    D = _dist(X)
    K = np.exp(-((D / dc) ** 2))
    return K.sum(axis=1) - 1.0


def nearest_higher(X, rho):
    n = X.shape[0]
    D = _dist(X)
    idx = np.arange(n)
    higher = (rho[None, :] > rho[:, None]) | (
        (rho[None, :] == rho[:, None]) & (idx[None, :] < idx[:, None])
    )
    masked = np.where(higher, D, np.inf)
    parent = np.argmin(masked, axis=1)
    delta = masked[idx, parent]
    top = ~np.isfinite(delta)
    parent[top] = -1
    delta[top] = D[top].max(axis=1)
    return delta, parent


def border_density(X, labels, rho, dc, n_clusters):
    D = _dist(X)
    pair = (D < dc) & (labels[:, None] != labels[None, :])
    mean = 0.5 * (rho[:, None] + rho[None, :])
    out = np.zeros(n_clusters)
    for c in range(n_clusters):
        rows = pair[labels == c]
        if rows.any():
            out[c] = mean[labels == c][rows].max()
    return out


def density_peaks(X, dc, n_clusters):
    """Brute-force Rodriguez & Laio (2014) with the ``n_clusters`` largest rho·delta as centres."""
    rho = gaussian_density(X, dc)
    delta, parent = nearest_higher(X, rho)
    gamma = (rho / rho.max()) * (delta / delta.max())
    centres = np.argsort(-gamma, kind="stable")[:n_clusters]
    labels = np.full(X.shape[0], -1)
    labels[centres] = np.arange(n_clusters)
    order = np.lexsort((np.arange(X.shape[0]), -rho))
    for i in order:
        if labels[i] < 0:
            labels[i] = labels[parent[i]]
    return labels
