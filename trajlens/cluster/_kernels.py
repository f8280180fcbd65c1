"""Numba kernels of density-peak clustering: arrays in, no validation (see _reference.py)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, parallel=True)
def gaussian_density(X, dc):
    """rho_i = sum_{j != i} exp(-(d_ij / dc)^2); X (n, d) float64 -> (n,) float64."""
    n, d = X.shape
    rho = np.zeros(n)
    inv = 1.0 / (dc * dc)
    for i in numba.prange(n):
        acc = 0.0
        for j in range(n):
            if j == i:
                continue
            s = 0.0
            for k in range(d):
                t = X[i, k] - X[j, k]
                s += t * t
            acc += np.exp(-s * inv)
        rho[i] = acc
    return rho


@numba.njit(cache=True, parallel=True)
def nearest_higher(X, rho):
    """Distance to and index of the nearest point of higher density.

    Ties in ``rho`` are broken by index (lower index counts as higher), so the order is
    total. The densest point gets its largest distance to any point and index -1.
    """
    n, d = X.shape
    delta = np.empty(n)
    parent = np.empty(n, dtype=np.int64)
    for i in numba.prange(n):
        best = np.inf
        arg = -1
        far = 0.0
        for j in range(n):
            if j == i:
                continue
            s = 0.0
            for k in range(d):
                t = X[i, k] - X[j, k]
                s += t * t
            if s > far:
                far = s
            if rho[j] > rho[i] or (rho[j] == rho[i] and j < i):
                if s < best:
                    best = s
                    arg = j
        if arg < 0:
            delta[i] = np.sqrt(far)
        else:
            delta[i] = np.sqrt(best)
        parent[i] = arg
    return delta, parent


@numba.njit(cache=True)
def border_density(X, labels, rho, dc, n_clusters):
    """Per cluster: the highest mean density (rho_i + rho_j) / 2 over pairs i in the cluster,
    j in another cluster, closer than dc (0 where the cluster has no border)."""
    n, d = X.shape
    out = np.zeros(n_clusters)
    dc2 = dc * dc
    for i in range(n):
        for j in range(i + 1, n):
            if labels[i] == labels[j]:
                continue
            s = 0.0
            for k in range(d):
                t = X[i, k] - X[j, k]
                s += t * t
            if s < dc2:
                m = 0.5 * (rho[i] + rho[j])
                if m > out[labels[i]]:
                    out[labels[i]] = m
                if m > out[labels[j]]:
                    out[labels[j]] = m
    return out
