"""Density-peak clustering (Rodriguez & Laio 2014) and its saddle-aware variant (ADP).

Rodriguez & Laio, Science 344, 1492 (2014): cluster centres are points of high local
density ρ that lie far (δ) from any point of higher density; every other point joins the
cluster of its nearest neighbour of higher density; a point whose density is below the
highest density on its cluster's border is *halo* (label -1 when ``halo=True``).

Advanced Density Peaks, after d'Errico, Facco, Laio & Rodriguez, Inf. Sci. 560, 476
(2021): log-densities from k-nearest neighbours with their errors; peaks are the local
maxima of log ρ - σ; two clusters are merged unless both peaks stand above the saddle
between them by Z times the combined error.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.cluster import _kernels
from trajlens.reduce._validation import as_list


def _pairwise_cutoff(X: np.ndarray, fraction: float, random_state: int = 0) -> float:
    """d_c such that on average ``fraction`` of the points lie within d_c (R&L's 1-2% rule)."""
    rng = np.random.default_rng(random_state)
    n = X.shape[0]
    sub = X[rng.choice(n, min(n, 2000), replace=False)]
    sq = np.sum(sub * sub, axis=1)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * sub @ sub.T, 0.0))
    d = d[np.triu_indices(sub.shape[0], 1)]
    return float(np.quantile(d, fraction))


def _assign(parent: np.ndarray, rho: np.ndarray, centres: np.ndarray) -> np.ndarray:
    n = rho.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    labels[centres] = np.arange(centres.size)
    order = np.lexsort((np.arange(n), -rho))  # decreasing density, ties by index
    for i in order:
        if labels[i] < 0:
            labels[i] = labels[parent[i]]
    return labels


def _log_ball_volume(d: int) -> float:
    return d / 2 * np.log(np.pi) - gammaln(d / 2 + 1)


class DensityPeaks(ClusterMixin, BaseEstimator):
    """Density-peak clustering (Rodriguez & Laio 2014), numba kernels, O(n²) time.

    Parameters
    ----------
    density : {"gaussian", "knn"}, default "gaussian"
        ``gaussian``: ρ_i = Σ_j exp(-(d_ij/d_c)²); ``knn``: ρ_i ∝ 1 / r_k(i)^d.
    dc : float or None
        Cutoff distance (data units); None picks the ``dc_fraction`` quantile of the
        pairwise distances (R&L's rule: each point sees 1–2% of the others).
    dc_fraction : float, default 0.02
    k : int, default 20
        Neighbours for ``density="knn"``.
    n_clusters : int or None
        Take the ``n_clusters`` points with the largest γ = ρ̂·δ̂ (normalised) as centres.
        None chooses automatically: points with δ > ``delta_factor`` · d_c and ρ above the
        median.
    delta_factor : float, default 4.0
    halo : bool, default False
        Label halo points -1 (noise).

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
    core_ : ndarray of bool, shape (n_samples,)
        False for halo points.
    rho_, delta_ : ndarray, shape (n_samples,)
        Local density and distance to the nearest point of higher density.
    parent_ : ndarray of int
        Index of that nearest higher-density point (-1 for the densest).
    centres_ : ndarray of int, shape (n_clusters,)
        Indices of the cluster centres.
    cluster_centers_ : ndarray, shape (n_clusters, n_features)
    dc_ : float
    n_clusters_ : int
    """

    def __init__(
        self,
        density: str = "gaussian",
        dc: float | None = None,
        dc_fraction: float = 0.02,
        k: int = 20,
        n_clusters: int | None = None,
        delta_factor: float = 4.0,
        halo: bool = False,
    ):
        self.density = density
        self.dc = dc
        self.dc_fraction = dc_fraction
        self.k = k
        self.n_clusters = n_clusters
        self.delta_factor = delta_factor
        self.halo = halo

    def fit(self, X, y=None):
        blocks, _ = as_list(X)
        X = validate_data(self, np.concatenate(blocks), dtype=np.float64, ensure_min_samples=2)
        X = np.ascontiguousarray(X)
        n, d = X.shape
        if self.density not in ("gaussian", "knn"):
            raise ValueError(f"density: expected 'gaussian' or 'knn', got {self.density!r}")
        if self.dc is not None and not self.dc > 0:
            raise ValueError(f"dc: expected a positive distance, got {self.dc}")
        if not 0 < self.dc_fraction < 1:
            raise ValueError(f"dc_fraction: expected a value in (0, 1), got {self.dc_fraction}")
        if self.n_clusters is not None and not 1 <= self.n_clusters <= n:
            raise ValueError(f"n_clusters: expected 1..{n}, got {self.n_clusters}")
        dc = float(self.dc) if self.dc is not None else _pairwise_cutoff(X, self.dc_fraction)
        if dc <= 0:
            dc = 1.0  # all points identical
        if self.density == "gaussian":
            rho = _kernels.gaussian_density(X, dc)
        else:
            k = int(min(max(self.k, 1), n - 1))
            dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
            r = np.maximum(dist[:, -1], 1e-300)
            rho = np.exp(np.log(k) - np.log(n) - _log_ball_volume(d) - d * np.log(r))
        delta, parent = _kernels.nearest_higher(X, rho)
        if self.n_clusters is not None:
            gamma = (rho / rho.max()) * (delta / delta.max())
            centres = np.sort(np.argsort(-gamma, kind="stable")[: self.n_clusters])
        else:
            centres = np.flatnonzero((delta > self.delta_factor * dc) & (rho > np.median(rho)))
            top = int(np.lexsort((np.arange(n), -rho))[0])
            centres = np.union1d(centres, [top])
        # order clusters by decreasing peak density
        centres = centres[np.lexsort((centres, -rho[centres]))]
        labels = _assign(parent, rho, centres)
        m = centres.size
        core = np.ones(n, dtype=bool)
        if m > 1:
            rb = _kernels.border_density(X, labels, rho, dc, m)
            core = rho >= rb[labels]
        self.rho_, self.delta_, self.parent_ = rho, delta, parent
        self.dc_ = dc
        self.centres_ = centres
        self.cluster_centers_ = X[centres]
        self.core_ = core
        self.labels_ = np.where(core | (not self.halo), labels, -1)
        self.n_clusters_ = int(m)
        self._X_fit = X
        self._labels_fit = labels
        return self

    def predict(self, X):
        """Cluster of new points: that of their nearest neighbour of higher density among the
        fitted points (for new points, their nearest fitted neighbour)."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        nn = NearestNeighbors(n_neighbors=1).fit(self._X_fit)
        out = []
        for block in blocks:
            block = validate_data(self, block, reset=False, dtype=np.float64)
            idx = nn.kneighbors(block, return_distance=False)[:, 0]
            out.append(self._labels_fit[idx])
        return out if was_list else out[0]


def knn_log_density(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k-nearest-neighbour log-density and its error.

    Returns
    -------
    log_rho : ndarray, shape (n,)
        log(k / (n V_d r_k^d)).
    error : ndarray, shape (n,)
        1/sqrt(k), the relative error of a k-neighbour count.
    neighbours : ndarray of int, shape (n, k)
        The k nearest neighbours of each point (itself excluded), nearest first.
    """
    n, d = X.shape
    dist, idx = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    r = np.maximum(dist[:, -1], 1e-300)
    log_rho = np.log(k) - np.log(n) - _log_ball_volume(d) - d * np.log(r)
    # the point itself is normally its own first neighbour; drop it (duplicates may swap)
    neighbours = np.array([row[row != i][:k] for i, row in enumerate(idx)])
    return log_rho, np.full(n, 1.0 / np.sqrt(k)), neighbours


#: Threshold on the likelihood-ratio statistic D_k of the adaptive-k test: chi2(1) at
#: alpha = 1e-6, dadapy's default (Rodriguez et al., JCTC 14, 1206, 2018).
DTHR = 23.92812698


def twonn_dimension(r1: np.ndarray, r2: np.ndarray, fraction: float = 0.9) -> float:
    """Intrinsic dimension by TWO-NN (Facco, d'Errico, Rodriguez & Laio, Sci. Rep. 7, 12140, 2017).

    With mu = r2 / r1 the ratio of second to first neighbour distances, -log(1 - F(mu)) =
    d log(mu); d is the slope of that line through the origin, fitted over the smallest
    ``fraction`` of the mu (dadapy's ``compute_id_2NN``, algorithm "base").

    Parameters
    ----------
    r1, r2 : ndarray, shape (n,)
        Distances of each point to its first and second nearest neighbours.
    fraction : float, default 0.9

    Returns
    -------
    float
        The intrinsic dimension (nan when fewer than 3 usable points).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.asarray(r2, dtype=np.float64) / np.asarray(r1, dtype=np.float64)
    n = mu.size
    mu = mu[np.isfinite(mu) & (mu > 1.0)]
    n_eff = int(n * fraction)
    if mu.size < 3 or n_eff < 3:
        return float("nan")
    x = np.sort(np.log(mu))[: min(n_eff, mu.size)]
    y = -np.log(1.0 - np.arange(1, x.size + 1) / n)
    return float(np.sum(x * y) / np.sum(x * x))


def pak_density(
    X: np.ndarray,
    maxk: int = 100,
    intrinsic_dim: float | None = None,
    dthr: float = DTHR,
) -> dict:
    """Point-adaptive k-NN (PAk) log-density with its error (Rodriguez et al., JCTC 2018).

    For each point, the neighbourhood grows while the density in it is statistically
    constant (k*, see :func:`trajlens.cluster._kernels.adaptive_k`), and the log-density
    is the maximum-likelihood F of a density varying as exp(F + a l) over the k* shells, in
    the intrinsic dimension (TWO-NN by default). The error of F is sqrt((4k* + 2) /
    (k* (k* - 1))), the asymptotic standard error of that fit.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
    maxk : int, default 100
        Largest neighbourhood considered.
    intrinsic_dim : float, optional
        Dimension of the volumes; TWO-NN estimate by default.
    dthr : float
        Threshold of the adaptive-k test.

    Returns
    -------
    dict
        ``log_density`` (n,), normalised so exp(log_density) integrates to 1 over the
        intrinsic manifold, in inverse data units to the power d; ``error`` (n,); ``kstar``
        (n,); ``intrinsic_dim``; ``distances`` and ``neighbours`` (n, maxk + 1), each point
        first.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    m = int(min(maxk, n - 1))
    dist, idx = NearestNeighbors(n_neighbors=m).fit(X).kneighbors()  # itself excluded
    dist = np.hstack([np.zeros((n, 1)), dist])
    idx = np.hstack([np.arange(n)[:, None], idx]).astype(np.int64)
    # duplicate points: a floor on the distances keeps every volume positive
    positive = dist[:, 1:][dist[:, 1:] > 0]
    floor = 1e-9 * (positive.min() if positive.size else 1.0)
    dist[:, 1:] = np.maximum(dist[:, 1:], floor)
    dim = intrinsic_dim
    if dim is None:
        dim = twonn_dimension(dist[:, 1], dist[:, 2]) if m >= 2 else float("nan")
        if not np.isfinite(dim) or dim <= 0:
            dim = float(X.shape[1])
    dim = float(dim)
    kstar = np.minimum(_kernels.adaptive_k(dist, idx, dim, float(dthr)), m)
    kstar = np.maximum(kstar, min(2, m))
    log_prefactor = float(_log_ball_volume(dim))
    log_rho = _kernels.pak_log_density(dist, kstar, dim, log_prefactor) - np.log(n)
    with np.errstate(divide="ignore"):
        err = np.sqrt((4.0 * kstar + 2.0) / (kstar * (kstar - 1.0)))
    return {
        "log_density": log_rho,
        "error": err,
        "kstar": kstar,
        "intrinsic_dim": dim,
        "distances": dist,
        "neighbours": idx,
    }


class AdvancedDensityPeaks(ClusterMixin, BaseEstimator):
    """Advanced Density Peaks (d'Errico, Facco, Laio & Rodriguez, Inf. Sci. 560, 476, 2021).

    1. Log-densities log ρ_i with errors ε_i by the point-adaptive k-NN estimator (PAk),
       in the TWO-NN intrinsic dimension (:func:`pak_density`).
    2. Putative peaks: points whose g = log ρ - ε is the largest in their k*-neighbourhood,
       and which lie in no k*-neighbourhood of a point of larger g. Every other point,
       by decreasing g, joins the cluster of its nearest already-assigned neighbour.
    3. Saddles: between clusters a and b, the border point of largest g, with log-density
       log ρ_ab and error ε_ab (see :func:`trajlens.cluster._kernels.adp_borders`).
    4. Merging: a and b are merged when log ρ_a - log ρ_ab < Z (ε_a + ε_ab) or
       log ρ_b - log ρ_ab < Z (ε_b + ε_ab), highest saddle first; the less significant peak
       joins the other and the merged cluster keeps the higher saddle to every third one.
       This follows dadapy's ``compute_clustering_ADP``.

    Parameters
    ----------
    k : int, default 100
        Largest neighbourhood (the adaptive k* is at most this).
    Z : float, default 1.65
        Significance of a peak above its saddle, in combined standard errors.
    halo : bool, default False
        Label -1 the points whose log-density is below their cluster's highest saddle.
    intrinsic_dim : float or None
        Dimension of the PAk volumes; None: TWO-NN estimate.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
    log_density_, log_density_error_ : ndarray, shape (n_samples,)
        PAk log-density (normalised) and its standard error.
    kstar_ : ndarray of int, shape (n_samples,)
    intrinsic_dim_ : float
    centres_ : ndarray of int, shape (n_clusters,)
        The surviving peaks, densest first (cluster i has peak ``centres_[i]``).
    saddles_, saddle_errors_ : ndarray, shape (n_clusters, n_clusters)
        log ρ of the saddle between clusters and its error (-inf and 0 where they do not
        touch).
    n_clusters_ : int
    """

    def __init__(self, k: int = 100, Z: float = 1.65, halo: bool = False, intrinsic_dim=None):
        self.k = k
        self.Z = Z
        self.halo = halo
        self.intrinsic_dim = intrinsic_dim

    def fit(self, X, y=None):
        blocks, _ = as_list(X)
        X = validate_data(self, np.concatenate(blocks), dtype=np.float64, ensure_min_samples=3)
        X = np.ascontiguousarray(X)
        n = X.shape[0]
        if not self.k >= 2:
            raise ValueError(f"k: expected >= 2, got {self.k}")
        if self.Z < 0:
            raise ValueError(f"Z: expected >= 0, got {self.Z}")
        if self.intrinsic_dim is not None and not self.intrinsic_dim > 0:
            raise ValueError(f"intrinsic_dim: expected > 0, got {self.intrinsic_dim}")
        pak = pak_density(X, self.k, self.intrinsic_dim)
        log_rho, err, kstar = pak["log_density"], pak["error"], pak["kstar"]
        nbr = pak["neighbours"]
        g = log_rho - err
        # peaks: the largest g of their own k*-neighbourhood ...
        cols = np.arange(nbr.shape[1])
        inside = (cols[None, :] >= 1) & (cols[None, :] <= kstar[:, None])
        g_nbr = np.where(inside, g[nbr], -np.inf)
        is_max = g >= g_nbr.max(axis=1)
        # ... and in no k*-neighbourhood of a point with larger g
        dominated = np.zeros(n, dtype=bool)
        rows, where = np.nonzero(inside & (g[:, None] > g[nbr]))
        dominated[nbr[rows, where]] = True
        centres = np.flatnonzero(is_max & ~dominated)
        if centres.size == 0:
            centres = np.array([int(np.argmax(g))])
        labels = np.full(n, -1, dtype=np.int64)
        labels[centres] = np.arange(centres.size)
        order = np.lexsort((np.arange(n), -g))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        for i in order:
            if labels[i] >= 0:
                continue
            assigned = labels[nbr[i, 1:]]
            hit = np.flatnonzero(assigned >= 0)
            if hit.size:
                labels[i] = assigned[hit[0]]
            else:  # no assigned point among the k neighbours: the nearest one before it
                before = order[: rank[i]]
                d2 = np.sum((X[before] - X[i]) ** 2, axis=1)
                labels[i] = labels[before[np.argmin(d2)]]
        m = centres.size
        is_centre = np.zeros(n, dtype=bool)
        is_centre[centres] = True
        border = _kernels.adp_borders(nbr, kstar, labels, g, is_centre, m)
        touch = border >= 0
        sad = np.where(touch, log_rho[np.maximum(border, 0)], -np.inf)
        sad_err = np.where(touch, err[np.maximum(border, 0)], 0.0)
        np.fill_diagonal(sad, -np.inf)
        peak, peak_err = log_rho[centres], err[centres]
        alive = np.ones(m, dtype=bool)
        merged_into = np.arange(m)
        while True:
            both = alive[:, None] & alive[None, :] & np.isfinite(sad)
            weak = (peak[:, None] - sad < self.Z * (peak_err[:, None] + sad_err)) | (
                peak[None, :] - sad < self.Z * (peak_err[None, :] + sad_err)
            )
            candidates = np.triu(both & weak, 1)
            if not candidates.any():
                break
            p, q = np.unravel_index(np.argmax(np.where(candidates, sad, -np.inf)), sad.shape)
            c_p = (peak[p] - sad[p, q]) / (peak_err[p] + sad_err[p, q])
            c_q = (peak[q] - sad[p, q]) / (peak_err[q] + sad_err[p, q])
            keep, drop = (q, p) if c_p < c_q else (p, q)
            alive[drop] = False
            merged_into[merged_into == drop] = keep
            higher = sad[drop] > sad[keep]
            sad[keep, higher] = sad[higher, keep] = sad[drop, higher]
            sad_err[keep, higher] = sad_err[higher, keep] = sad_err[drop, higher]
            sad[drop, :] = sad[:, drop] = -np.inf
            sad[keep, keep] = -np.inf
        survivors = np.flatnonzero(alive)
        survivors = survivors[np.lexsort((survivors, -peak[survivors]))]
        final = np.full(m, -1, dtype=np.int64)
        final[survivors] = np.arange(survivors.size)
        labels = final[merged_into[labels]]
        saddles = sad[np.ix_(survivors, survivors)]
        if self.halo and survivors.size > 1:
            threshold = saddles.max(axis=1)
            labels = np.where(log_rho < threshold[labels], -1, labels)
        self.labels_ = labels
        self.log_density_ = log_rho
        self.log_density_error_ = err
        self.kstar_ = kstar
        self.intrinsic_dim_ = pak["intrinsic_dim"]
        self.centres_ = centres[survivors]
        self.saddles_ = saddles
        self.saddle_errors_ = sad_err[np.ix_(survivors, survivors)]
        self.n_clusters_ = int(survivors.size)
        self._X_fit = X
        return self

    def predict(self, X):
        """Cluster of new points: that of their nearest fitted point."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        nn = NearestNeighbors(n_neighbors=1).fit(self._X_fit)
        out = []
        for block in blocks:
            block = validate_data(self, block, reset=False, dtype=np.float64)
            out.append(self.labels_[nn.kneighbors(block, return_distance=False)[:, 0]])
        return out if was_list else out[0]
