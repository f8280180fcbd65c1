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
def nearest(X, Y, period):
    """Index (n,) of the nearest row of Y (m, f) to each row of X (n, f), and its distance.

    The sum over features stops as soon as it exceeds the best squared distance so far
    (terms are non-negative, so the result is exact); ties go to the lower index.
    """
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
                if s >= best:
                    break
            if s < best:
                best = s
                bj = j
        idx[i] = bj
        dist[i] = np.sqrt(best)
    return idx, dist


@njit(cache=True, inline="always")
def _dist(X, i, Y, j, period):
    s = 0.0
    for k in range(X.shape[1]):
        d = _wrap(np.float64(X[i, k]) - np.float64(Y[j, k]), period[k])
        s += d * d
    return np.sqrt(s)


@njit(cache=True)
def farthest_point_sampling(X, n_select, period, start):
    """Farthest-point sampling of ``n_select`` rows of X (n, f) from row ``start``.

    Returns ``(indices (n_select,), assignment (n,), mind (n,))``: the chosen rows in order,
    the position (in ``indices``) of each row's nearest chosen row, and the distance to it.
    A row i assigned to centre c can only come closer to a new centre q if
    |q - c| < 2 mind_i (triangle inequality), so other rows are skipped without computing
    their distance; the selection is the same as the plain algorithm's. The distances from
    q to the centres are computed feature by feature over all centres at once (a loop that
    vectorises). Serial: with the pruning each step is cheap, and thousands of parallel
    launches (one per step) would cost more than they save on a shared machine.
    """
    n, f = X.shape
    idx = np.empty(n_select, dtype=np.int64)
    assign = np.zeros(n, dtype=np.int64)
    mind = np.empty(n)
    CT = np.empty((f, n_select))  # centres, feature-major
    inv = np.zeros(f)
    for k in range(f):
        if period[k] > 0.0:
            inv[k] = 1.0 / period[k]
    dcq2 = np.empty(n_select)
    idx[0] = start
    for k in range(f):
        CT[k, 0] = X[start, k]
    for i in range(n):
        mind[i] = _dist(X, i, X, start, period)
    for m in range(1, n_select):
        q = 0
        best = -1.0
        for i in range(n):
            if mind[i] > best:
                best = mind[i]
                q = i
        idx[m] = q
        for c in range(m):
            dcq2[c] = 0.0
        for k in range(f):
            xq = np.float64(X[q, k])
            p = period[k]
            ip = inv[k]
            for c in range(m):
                d = CT[k, c] - xq
                d -= p * np.floor(d * ip + 0.5)  # p = ip = 0: unchanged
                dcq2[c] += d * d
            CT[k, m] = xq
        for i in range(n):
            # skip when |q - c|^2 >= 4 mind_i^2; 1 + 1e-9: a rounding-level margin
            if dcq2[assign[i]] >= 4.0 * mind[i] * mind[i] * (1.0 + 1e-9):
                continue
            d = _dist(X, i, X, q, period)
            if d < mind[i]:
                mind[i] = d
                assign[i] = m
    return idx, assign, mind


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


@njit(cache=True, inline="always")
def _sig_dsig(r, sigma, a, b, c):
    """s(r) and s'(r) together, c = 2^(a/b) - 1; the identity when sigma <= 0."""
    if sigma <= 0.0:
        return r, 1.0
    u = r / sigma
    ua = _pow(u, a)
    t = 1.0 + c * ua
    q = _pow(t, -b / a)
    if u > 0.0:
        # s' = b c u^(a-1) / sigma (1 + c u^a)^(-b/a - 1)
        return 1.0 - q, b * c * (ua / u) / sigma * (q / t)
    return 1.0 - q, (b / sigma if a == 1.0 else 0.0)


@njit(cache=True, inline="always")
def _ipow(x, n):
    r = 1.0
    for _ in range(n):
        r *= x
    return r


@njit(cache=True)
def _sigmoid_form(sigma, a, b):
    """How ``stress_grad`` evaluates the low-dimensional sigmoid.

    Returns ``(fast, a_half, k)``: ``fast`` when sigma > 0, a is an even integer and b/a an
    integer (the usual exponents, e.g. a=2, b=8): then f(d) and f'(d)/d follow from the
    squared distance with one division and no square root.
    """
    if sigma <= 0.0 or a != np.floor(a) or a < 2.0 or a > 32.0 or int(a) % 2 != 0:
        return False, 0, 0
    k = b / a
    if k != np.floor(k) or k < 1.0 or k > 32.0:
        return False, 0, 0
    return True, int(a) // 2, int(k)


#: Gradient buffers of ``stress_grad``: a fixed number (not one per thread), so that the sums
#: and hence the fitted maps do not depend on the number of threads.
N_BLOCKS = 16


@njit(parallel=True, cache=True)
def stress_grad(Y, D, FD, w, sigma, a, b, mix):
    """Weighted sketch-map stress and its gradient.

    stress = sum_{i<j} w_i w_j [(1-mix)(FD_ij - f(d_ij))^2 + mix (D_ij - d_ij)^2] / sum_{i<j} w_i w_j
    with d_ij = |Y_i - Y_j| and f the low-dimensional sigmoid (sigma, a, b); D and FD
    symmetric. Returns ``(stress, grad)``, grad of shape Y.shape.

    Each pair is visited once (j > i) and adds to both gradient rows; rows r and n-1-r go to
    the same block so the blocks carry equal work; each block has its own gradient buffer.
    """
    n, dim = Y.shape
    c = 2.0 ** (a / b) - 1.0 if sigma > 0.0 else 0.0
    fast, ah, kb = _sigmoid_form(sigma, a, b)
    inv_s2 = 1.0 / (sigma * sigma) if sigma > 0.0 else 0.0
    bc = b * c * inv_s2
    half = (n + 1) // 2
    nb = max(1, min(N_BLOCKS, half))
    gbuf = np.zeros((nb, n, dim))
    sbuf = np.zeros(nb)
    for t in prange(nb):
        acc = 0.0
        for r in range(t, half, nb):
            for side in range(2):
                i = r if side == 0 else n - 1 - r
                if side == 1 and i == r:
                    break
                for j in range(i + 1, n):
                    s2 = 0.0
                    for k in range(dim):
                        e = Y[i, k] - Y[j, k]
                        s2 += e * e
                    ww = w[i] * w[j]
                    if fast:
                        # u^2 = d^2/sigma^2, q = (1 + c u^a)^(-b/a), f = 1 - q,
                        # f'(d)/d = b c u^(a-2) / sigma^2 * q / (1 + c u^a)
                        u2 = s2 * inv_s2
                        um = _ipow(u2, ah - 1)
                        it = 1.0 / (1.0 + c * um * u2)
                        q = _ipow(it, kb)
                        r1 = FD[i, j] - (1.0 - q)
                        dfd = bc * um * q * it
                        if mix == 0.0:
                            acc += ww * r1 * r1
                            g = -2.0 * ww * r1 * dfd
                        else:
                            d = np.sqrt(s2)
                            r2 = D[i, j] - d
                            acc += ww * ((1.0 - mix) * r1 * r1 + mix * r2 * r2)
                            g = -2.0 * ww * (1.0 - mix) * r1 * dfd
                            if d > 1e-12:
                                g -= 2.0 * ww * mix * r2 / d
                    else:
                        d = np.sqrt(s2)
                        f, df = _sig_dsig(d, sigma, a, b, c)
                        r1 = FD[i, j] - f
                        r2 = D[i, j] - d
                        acc += ww * ((1.0 - mix) * r1 * r1 + mix * r2 * r2)
                        g = 0.0
                        if d > 1e-12:
                            g = -2.0 * ww * ((1.0 - mix) * r1 * df + mix * r2) / d
                    for k in range(dim):
                        gk = g * (Y[i, k] - Y[j, k])
                        gbuf[t, i, k] += gk
                        gbuf[t, j, k] -= gk
        sbuf[t] = acc
    sw = w.sum()
    norm = 0.5 * (sw * sw - (w * w).sum())
    grad = np.zeros((n, dim))
    for t in range(nb):
        grad += gbuf[t]
    return sbuf.sum() / norm, grad / norm


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


@njit(cache=True, inline="always")
def _point_stress_fast(y, Y, D, FD, w, skip, sigma, a, b, c, mix, fast, ah, kb, inv_s2):
    """sum_{j != skip} w_j [(1-mix)(FD_j - f(|y - Y_j|))^2 + mix (D_j - |y - Y_j|)^2].

    ``fast`` (see ``_sigmoid_form``): f from the squared distance, one division per term.
    """
    n, dim = Y.shape
    acc = 0.0
    for j in range(n):
        if j == skip:
            continue
        s2 = 0.0
        for k in range(dim):
            t = y[k] - Y[j, k]
            s2 += t * t
        if fast:
            u2 = s2 * inv_s2
            q = _ipow(1.0 / (1.0 + c * _ipow(u2, ah)), kb)
            r1 = FD[j] - (1.0 - q)
            if mix == 0.0:
                acc += w[j] * r1 * r1
                continue
            d = np.sqrt(s2)
        else:
            d = np.sqrt(s2)
            r1 = FD[j] - _sig(d, sigma, a, b)
        r2 = D[j] - d
        acc += w[j] * ((1.0 - mix) * r1 * r1 + mix * r2 * r2)
    return acc


@njit(parallel=True, cache=True)
def grid_search(Y, D, FD, w, sigma, a, b, mix, grid, step, n_fine, n_top):
    """For each point i, the best position on a coarse grid refined locally.

    Y : (n, dim) current map; D, FD : (n, n) distances and their high-dim sigmoid;
    grid : (g, dim) coarse nodes with spacing ``step`` (dim,). Point i's stress against the
    other points (its own term excluded) is evaluated exactly at every coarse node; around
    each of the ``n_top`` best nodes a local grid of (2 n_fine + 1)^dim nodes spaced
    step / n_fine (spanning +- one coarse spacing) is evaluated too.
    Returns ``(best_position (n, dim), best_stress (n,), current_stress (n,))``.
    """
    n, dim = Y.shape
    ng = grid.shape[0]
    c = 2.0 ** (a / b) - 1.0 if sigma > 0.0 else 0.0
    fast, ah, kb = _sigmoid_form(sigma, a, b)
    inv_s2 = 1.0 / (sigma * sigma) if sigma > 0.0 else 0.0
    side = 2 * n_fine + 1
    n_local = side**dim
    ntop = min(n_top, ng)
    best_pos = np.empty((n, dim))
    best_val = np.empty(n)
    cur_val = np.empty(n)
    for i in prange(n):
        cur_val[i] = _point_stress_fast(
            Y[i], Y, D[i], FD[i], w, i, sigma, a, b, c, mix, fast, ah, kb, inv_s2
        )
        top_v = np.full(ntop, np.inf)
        top_i = np.zeros(ntop, dtype=np.int64)
        for gidx in range(ng):
            v = _point_stress_fast(
                grid[gidx], Y, D[i], FD[i], w, i, sigma, a, b, c, mix, fast, ah, kb, inv_s2
            )
            if v < top_v[ntop - 1]:
                m = ntop - 1
                while m > 0 and top_v[m - 1] > v:
                    top_v[m] = top_v[m - 1]
                    top_i[m] = top_i[m - 1]
                    m -= 1
                top_v[m] = v
                top_i[m] = gidx
        bv = top_v[0]
        bp = grid[top_i[0]].copy()
        y = np.empty(dim)
        for t in range(ntop):
            centre = grid[top_i[t]]
            for m in range(n_local):
                rest = m
                for k in range(dim):
                    off = rest % side - n_fine
                    rest //= side
                    y[k] = centre[k] + off * step[k] / max(n_fine, 1)
                v = _point_stress_fast(
                    y, Y, D[i], FD[i], w, i, sigma, a, b, c, mix, fast, ah, kb, inv_s2
                )
                if v < bv:
                    bv = v
                    bp[:] = y
        best_pos[i] = bp
        best_val[i] = bv
    return best_pos, best_val, cur_val


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
