"""Numba kernels for projections: arrays and scalars in, no validation.

Conventions (CONVENTIONS.md, habit 3): ``cache=True``, ``prange`` over points, no fastmath,
float64 arithmetic. ``period`` is one value per input feature: 0 for an ordinary coordinate,
P > 0 for a periodic one (differences wrapped into [-P/2, P/2), for example 2*pi for angles).
Each kernel has a plain NumPy twin in ``_reference.py`` that the tests compare it to.

Sigmoids (Ceriotti, Tribello & Parrinello, PNAS 108, 13023, 2011)::

    s(r) = 1 - (1 + (2^(a/b) - 1) (r/sigma)^a)^(-b/a)

``sigma <= 0`` means the identity s(r) = r (metric MDS).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _wrap(d, p):
    if p > 0.0:
        d -= p * np.floor(d / p + 0.5)
    return d


@njit(parallel=True, cache=True)
def pairwise_distances(X, Y, period):
    """Euclidean distances (n, m) between rows of X (n, f) and Y (m, f), periodic per feature."""
    n, m, f = X.shape[0], Y.shape[0], X.shape[1]
    out = np.empty((n, m))
    for i in prange(n):
        for j in range(m):
            s = 0.0
            for k in range(f):
                d = _wrap(np.float64(X[i, k]) - np.float64(Y[j, k]), period[k])
                s += d * d
            out[i, j] = np.sqrt(s)
    return out


@njit(parallel=True, cache=True)
def update_min_distance(X, y, period, mind):
    """mind[i] = min(mind[i], |X[i] - y|) in place (one farthest-point-sampling step)."""
    n, f = X.shape
    for i in prange(n):
        s = 0.0
        for k in range(f):
            d = _wrap(np.float64(X[i, k]) - np.float64(y[k]), period[k])
            s += d * d
        r = np.sqrt(s)
        if r < mind[i]:
            mind[i] = r


@njit(parallel=True, cache=True)
def nearest(X, Y, period):
    """Index (n,) of the nearest row of Y (m, f) to each row of X (n, f), and its distance."""
    n, m, f = X.shape[0], Y.shape[0], X.shape[1]
    idx = np.empty(n, dtype=np.int64)
    dist = np.empty(n)
    for i in prange(n):
        best = np.inf
        bj = 0
        for j in range(m):
            s = 0.0
            for k in range(f):
                d = _wrap(np.float64(X[i, k]) - np.float64(Y[j, k]), period[k])
                s += d * d
            if s < best:
                best = s
                bj = j
        idx[i] = bj
        dist[i] = np.sqrt(best)
    return idx, dist


@njit(cache=True, inline="always")
def _pow(x, e):
    """x**e, by repeated multiplication when e is a small integer (common sigmoid exponents)."""
    if e == np.floor(e) and abs(e) <= 16.0:
        n = int(abs(e))
        r = 1.0
        for _ in range(n):
            r *= x
        return 1.0 / r if e < 0 else r
    return x**e


@njit(cache=True, inline="always")
def _sig(r, sigma, a, b):
    if sigma <= 0.0:
        return r
    c = 2.0 ** (a / b) - 1.0
    u = r / sigma
    return 1.0 - _pow(1.0 + c * _pow(u, a), -b / a)


@njit(cache=True, inline="always")
def _dsig(r, sigma, a, b):
    if sigma <= 0.0:
        return 1.0
    c = 2.0 ** (a / b) - 1.0
    u = r / sigma
    if u <= 0.0:
        return b / sigma if a == 1.0 else 0.0
    return b * c * _pow(u, a - 1.0) / sigma * _pow(1.0 + c * _pow(u, a), -b / a - 1.0)


@njit(parallel=True, cache=True)
def sigmoid(r, sigma, a, b):
    """s(r) elementwise for a 2-D array r."""
    out = np.empty_like(r)
    for i in prange(r.shape[0]):
        for j in range(r.shape[1]):
            out[i, j] = _sig(r[i, j], sigma, a, b)
    return out


@njit(parallel=True, cache=True)
def stress_grad(Y, D, FD, w, sigma, a, b, mix):
    """Weighted sketch-map stress and its gradient.

    stress = sum_{i<j} w_i w_j [(1-mix)(FD_ij - f(d_ij))^2 + mix (D_ij - d_ij)^2] / sum_{i<j} w_i w_j
    with d_ij = |Y_i - Y_j| and f the low-dimensional sigmoid (sigma, a, b).
    Returns ``(stress, grad)``, grad of shape Y.shape.
    """
    n, dim = Y.shape
    grad = np.zeros((n, dim))
    rows = np.zeros(n)
    for i in prange(n):
        acc = 0.0
        for j in range(n):
            if j == i:
                continue
            s = 0.0
            for k in range(dim):
                t = Y[i, k] - Y[j, k]
                s += t * t
            d = np.sqrt(s)
            ww = w[i] * w[j]
            r1 = FD[i, j] - _sig(d, sigma, a, b)
            r2 = D[i, j] - d
            acc += ww * ((1.0 - mix) * r1 * r1 + mix * r2 * r2)
            if d > 1e-12:
                g = -2.0 * ww * ((1.0 - mix) * r1 * _dsig(d, sigma, a, b) + mix * r2) / d
                for k in range(dim):
                    grad[i, k] += g * (Y[i, k] - Y[j, k])
        rows[i] = acc
    sw = w.sum()
    norm = 0.5 * (sw * sw - (w * w).sum())
    # each pair appears twice in rows and contributes to both gradient rows
    return 0.5 * rows.sum() / norm, grad / norm


@njit(cache=True, inline="always")
def _point_stress(y, Y, D, FD, w, sigma, a, b, mix, table, dmax):
    """sum_j w_j [(1-mix)(FD_j - f(|y - Y_j|))^2 + mix (D_j - |y - Y_j|)^2] for one point.

    f is read from ``table`` (linear interpolation on [0, dmax]) when it is non-empty.
    """
    n, dim = Y.shape
    nt = table.shape[0]
    acc = 0.0
    for j in range(n):
        s = 0.0
        for k in range(dim):
            t = y[k] - Y[j, k]
            s += t * t
        d = np.sqrt(s)
        if nt > 0:
            x = d / dmax * (nt - 1)
            if x >= nt - 1:
                fd = table[nt - 1]
            else:
                i0 = int(x)
                fr = x - i0
                fd = table[i0] * (1.0 - fr) + table[i0 + 1] * fr
        else:
            fd = _sig(d, sigma, a, b)
        r1 = FD[j] - fd
        r2 = D[j] - d
        acc += w[j] * ((1.0 - mix) * r1 * r1 + mix * r2 * r2)
    return acc


@njit(cache=True, inline="always")
def _point_grad(y, Y, D, FD, w, sigma, a, b, mix, g):
    n, dim = Y.shape
    for k in range(dim):
        g[k] = 0.0
    acc = 0.0
    for j in range(n):
        s = 0.0
        for k in range(dim):
            t = y[k] - Y[j, k]
            s += t * t
        d = np.sqrt(s)
        r1 = FD[j] - _sig(d, sigma, a, b)
        r2 = D[j] - d
        acc += w[j] * ((1.0 - mix) * r1 * r1 + mix * r2 * r2)
        if d > 1e-12:
            c = -2.0 * w[j] * ((1.0 - mix) * r1 * _dsig(d, sigma, a, b) + mix * r2) / d
            for k in range(dim):
                g[k] += c * (y[k] - Y[j, k])
    return acc


@njit(cache=True)
def _refine(y, Y, D, FD, w, sigma, a, b, mix, n_iter, tol):
    """Gradient descent with backtracking on the stress of one point; y updated in place."""
    dim = y.shape[0]
    g = np.empty(dim)
    trial = np.empty(dim)
    f0 = _point_grad(y, Y, D, FD, w, sigma, a, b, mix, g)
    step = 1.0
    gn = 0.0
    for k in range(dim):
        gn += g[k] * g[k]
    if gn > 0.0:
        step = 0.1 / np.sqrt(gn)
    empty = np.empty(0)
    for _ in range(n_iter):
        gn = 0.0
        for k in range(dim):
            gn += g[k] * g[k]
        if gn <= 0.0:
            break
        accepted = False
        for _b in range(30):
            for k in range(dim):
                trial[k] = y[k] - step * g[k]
            f1 = _point_stress(trial, Y, D, FD, w, sigma, a, b, mix, empty, 1.0)
            if f1 < f0 - 1e-4 * step * gn:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            break
        for k in range(dim):
            y[k] = trial[k]
        rel = (f0 - f1) / max(f0, 1e-300)
        f0 = _point_grad(y, Y, D, FD, w, sigma, a, b, mix, g)
        step *= 2.0
        if rel < tol:
            break
    return f0


@njit(parallel=True, cache=True)
def grid_search(Y, D, FD, w, sigma, a, b, mix, grid, table, dmax):
    """For each point i, the grid node minimising its stress against the other points.

    Y : (n, dim) current map; D, FD : (n, n) distances and their high-dim sigmoid; grid :
    (g, dim) candidate positions. Point i's own term is excluded (weight w_i set aside).
    Returns ``(best_index (n,), best_stress (n,), current_stress (n,))`` with f tabulated.
    """
    n = Y.shape[0]
    ng = grid.shape[0]
    best_idx = np.empty(n, dtype=np.int64)
    best_val = np.empty(n)
    cur_val = np.empty(n)
    for i in prange(n):
        wi = w.copy()
        wi[i] = 0.0
        cur_val[i] = _point_stress(Y[i], Y, D[i], FD[i], wi, sigma, a, b, mix, table, dmax)
        bv = np.inf
        bi = 0
        for gidx in range(ng):
            v = _point_stress(grid[gidx], Y, D[i], FD[i], wi, sigma, a, b, mix, table, dmax)
            if v < bv:
                bv = v
                bi = gidx
        best_idx[i] = bi
        best_val[i] = bv
    return best_idx, best_val, cur_val


@njit(cache=True)
def point_stress_exact(y, Y, D, FD, w, sigma, a, b, mix):
    """Exact stress of one point (no table) against all rows of Y."""
    return _point_stress(y, Y, D, FD, w, sigma, a, b, mix, np.empty(0), 1.0)


@njit(parallel=True, cache=True)
def project_points(D, FD, Y, w, sigma, a, b, mix, grid, table, dmax, n_iter, tol):
    """Out-of-sample positions of new points by minimising their stress against landmarks.

    D, FD : (n_new, n_landmarks) high-dim distances and their sigmoid; Y : (n_landmarks, dim)
    landmark map; grid : (g, dim) start candidates, evaluated with the tabulated f; the better
    of the best node and the position of the nearest landmark (in D) is refined by gradient
    descent with backtracking. Returns ``(positions (n_new, dim), stress (n_new,))``.
    """
    n = D.shape[0]
    dim = Y.shape[1]
    ng = grid.shape[0]
    out = np.empty((n, dim))
    st = np.empty(n)
    for i in prange(n):
        bv = np.inf
        bi = 0
        for gidx in range(ng):
            v = _point_stress(grid[gidx], Y, D[i], FD[i], w, sigma, a, b, mix, table, dmax)
            if v < bv:
                bv = v
                bi = gidx
        # start from the better of the best grid node and the nearest landmark's position
        y1 = Y[np.argmin(D[i])].copy()
        if ng > 0:
            v = _point_stress(y1, Y, D[i], FD[i], w, sigma, a, b, mix, table, dmax)
            if bv < v:
                y1 = grid[bi].copy()
        f1 = _refine(y1, Y, D[i], FD[i], w, sigma, a, b, mix, n_iter, tol)
        for k in range(dim):
            out[i, k] = y1[k]
        st[i] = f1 / w.sum()
    return out, st


@njit(parallel=True, cache=True)
def kernel_average(D, Y, lam):
    """X(x) = sum_i Y_i exp(-lam D_i(x)) / sum_i exp(-lam D_i(x)) for each row of D (n, m)."""
    n, m = D.shape
    dim = Y.shape[1]
    out = np.zeros((n, dim))
    for i in prange(n):
        dmin = np.inf
        for j in range(m):
            if D[i, j] < dmin:
                dmin = D[i, j]
        z = 0.0
        for j in range(m):
            e = np.exp(-lam * (D[i, j] - dmin))
            z += e
            for k in range(dim):
                out[i, k] += e * Y[j, k]
        for k in range(dim):
            out[i, k] /= z
    return out


@njit(parallel=True, cache=True)
def guttman_bz(Y, D, w):
    """(B Z)_i = sum_j w_i w_j D_ij / d_ij (Y_i - Y_j): the SMACOF majorisation product."""
    n, dim = Y.shape
    out = np.zeros((n, dim))
    for i in prange(n):
        for j in range(n):
            if j == i:
                continue
            s = 0.0
            for k in range(dim):
                t = Y[i, k] - Y[j, k]
                s += t * t
            d = np.sqrt(s)
            if d > 1e-12:
                c = w[i] * w[j] * D[i, j] / d
                for k in range(dim):
                    out[i, k] += c * (Y[i, k] - Y[j, k])
    return out
