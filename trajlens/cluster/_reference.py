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


def adaptive_k(dist, nbr, dim, dthr):
    """Plain-Python twin of ``_kernels.adaptive_k``."""
    n, cols = dist.shape
    kstar = np.empty(n, dtype=np.int64)
    for i in range(n):
        j = 4
        while j < cols:
            ksel = j - 1
            vi, vj = dist[i, ksel] ** dim, dist[nbr[i, j], ksel] ** dim
            dl = -2.0 * ksel * (np.log(vi) + np.log(vj) - 2.0 * np.log(vi + vj) + np.log(4.0))
            if dl > dthr:
                break
            j += 1
        kstar[i] = j - 1
    return kstar


def pak_log_density(dist, kstar, dim, log_prefactor):
    """``_kernels.pak_log_density`` by a general-purpose root finder (scipy's ``root``,
    MINPACK's hybrid method) on the likelihood's gradient, an independent check of the
    Newton iteration."""
    from scipy.optimize import root

    out = np.empty(dist.shape[0])
    for i in range(dist.shape[0]):
        k = int(kstar[i])
        r = dist[i, : k + 1]
        v = np.exp(log_prefactor) * (r[1:] ** dim - r[:-1] ** dim)
        ll = np.arange(1, k + 1)
        start = np.log(k) - log_prefactor - dim * np.log(r[k])

        def gradient(p, v=v, ll=ll, k=k):
            e = v * np.exp(p[0] + p[1] * ll)
            return [k - e.sum(), ll.sum() - (ll * e).sum()]

        res = root(gradient, [start, 0.0], method="hybr", tol=1e-12)
        out[i] = res.x[0]
    return out


def adp_borders(nbr, kstar, labels, g, is_centre, n_clusters):
    """Plain-Python twin of ``_kernels.adp_borders``."""
    best = np.full((n_clusters, n_clusters), -np.inf)
    index = np.full((n_clusters, n_clusters), -1, dtype=np.int64)
    for p1 in range(nbr.shape[0]):
        if is_centre[p1]:
            continue
        c = labels[p1]
        outside = [p for p in nbr[p1, 1 : kstar[p1] + 1] if labels[p] != c]
        if not outside:
            continue
        p2 = outside[0]
        cp = labels[p2]
        ahead = list(nbr[p2, 1:])
        stop = ahead.index(p1) if p1 in ahead else len(ahead)
        if any(labels[p] == c for p in ahead[:stop]):
            continue
        if g[p1] > best[c, cp]:
            best[c, cp] = best[cp, c] = g[p1]
            index[c, cp] = index[cp, c] = p1
    return index
