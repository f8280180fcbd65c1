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


@numba.njit(cache=True, parallel=True)
def adaptive_k(dist, nbr, dim, dthr):
    """Point-adaptive neighbourhood size k* (PAk; dadapy's ``_compute_kstar``).

    ``dist`` and ``nbr`` (n, m + 1) hold each point's m nearest neighbours, the point itself
    first (distance 0). k grows from 3 while the ball volumes of the k-th neighbour around i
    and around its (k+1)-th neighbour are consistent with one density (likelihood-ratio
    statistic D_k <= ``dthr``); k* is the last k that passed (at most m).
    """
    n, cols = dist.shape
    kstar = np.empty(n, dtype=np.int64)
    log4 = np.log(4.0)
    for i in numba.prange(n):
        j = 4
        while j < cols:
            ksel = j - 1
            vi = dist[i, ksel] ** dim
            vj = dist[nbr[i, j], ksel] ** dim
            dl = -2.0 * ksel * (np.log(vi) + np.log(vj) - 2.0 * np.log(vi + vj) + log4)
            if dl > dthr:
                break
            j += 1
        kstar[i] = j - 1
    return kstar


@numba.njit(cache=True)
def _pak_likelihood(b, a, v):
    s = 0.0
    for sh in range(v.size):
        t = b + a * (sh + 1)
        s += t - v[sh] * np.exp(t)
    return s


@numba.njit(cache=True, parallel=True)
def pak_log_density(dist, kstar, dim, log_prefactor):
    """PAk log-density (unnormalised: counts per unit volume) of every point.

    Maximises L(F, a) = sum_{l=1..k*} (F + a l) - v_l exp(F + a l) over F (the log-density
    at the point) and a (its slope across the neighbourhood), with v_l the volume of the
    shell between the (l-1)-th and l-th neighbours: Newton steps with backtracking, from
    the plain k*-NN estimate. Points with a zero shell volume keep the k*-NN estimate.
    """
    n = dist.shape[0]
    out = np.empty(n)
    for i in numba.prange(n):
        k = kstar[i]
        v = np.empty(k)
        ok = True
        for sh in range(k):
            r0 = dist[i, sh]
            r1 = dist[i, sh + 1]
            v[sh] = np.exp(log_prefactor + dim * np.log(r1)) * (1.0 - (r0 / r1) ** dim)
            if not v[sh] > 1e-300:
                ok = False
        b = np.log(k) - log_prefactor - dim * np.log(dist[i, k])
        if not ok:
            out[i] = b
            continue
        a = 0.0
        current = _pak_likelihood(b, a, v)
        for _ in range(200):
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            for sh in range(k):
                jf = sh + 1.0
                e = v[sh] * np.exp(b + a * jf)
                s0 += e
                s1 += jf * e
                s2 += jf * jf * e
            gb = k - s0
            ga = 0.5 * k * (k + 1) - s1
            det = s0 * s2 - s1 * s1
            if not det > 0:
                break
            # Newton step: the Hessian is -[[s0, s1], [s1, s2]]
            db = (s2 * gb - s1 * ga) / det
            da = (s0 * ga - s1 * gb) / det
            if gb * db + ga * da < 1e-12:  # Newton decrement: L within 1e-12 of its maximum
                break
            step = 1.0
            improved = False
            for _ in range(60):
                trial = _pak_likelihood(b + step * db, a + step * da, v)
                if trial >= current:
                    improved = True
                    break
                step *= 0.5
            if not improved:
                break
            b += step * db
            a += step * da
            current = trial
        out[i] = b
    return out


@numba.njit(cache=True)
def adp_borders(nbr, kstar, labels, g, is_centre, n_clusters):
    """Saddle point between each pair of clusters (dadapy's ``_find_borders_between_clusters``).

    A point p of cluster c is on the border with c' when the first point of its
    k*-neighbourhood outside c lies in c' and p is, among the points of c, the nearest to
    that neighbour. The saddle between c and c' is the border point of largest ``g``.
    Returns its index (n_clusters, n_clusters), -1 where the clusters do not touch.
    """
    n, cols = nbr.shape
    best = np.full((n_clusters, n_clusters), -np.inf)
    index = np.full((n_clusters, n_clusters), -1, dtype=np.int64)
    for p1 in range(n):
        if is_centre[p1]:
            continue
        c = labels[p1]
        other = -1
        for k in range(1, kstar[p1] + 1):
            p2 = nbr[p1, k]
            if labels[p2] != c:
                other = p2
                break
        if other < 0:
            continue
        cp = labels[other]
        for k in range(1, cols):
            po = nbr[other, k]
            if po == p1:
                break
            if labels[po] == c:
                other = -1
                break
        if other >= 0 and g[p1] > best[c, cp]:
            best[c, cp] = g[p1]
            best[cp, c] = g[p1]
            index[c, cp] = p1
            index[cp, c] = p1
    return index
