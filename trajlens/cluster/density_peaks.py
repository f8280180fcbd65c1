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


class AdvancedDensityPeaks(ClusterMixin, BaseEstimator):
    """Saddle-aware density peaks (after d'Errico et al. 2021), with a fixed k.

    Peaks are the points whose g = log ρ - σ is the largest in their k-neighbourhood and
    which lie in no neighbourhood of a point with larger g. Every other point joins the
    cluster of its nearest point of larger g. The saddle between two clusters is the
    largest log ρ over border points (points with a k-neighbour in the other cluster).
    Clusters a and b merge (highest saddle first) unless both log ρ_a - log ρ_ab and
    log ρ_b - log ρ_ab exceed Z (σ_peak + σ_saddle). dadapy's PAk density with adaptive k
    is replaced by the plain k-NN estimate here.

    Parameters
    ----------
    k : int, default 30
        Neighbours for the density and its error (σ = 1/sqrt(k)).
    Z : float, default 1.65
        Significance of a peak above its saddle, in combined standard errors.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
    log_density_, log_density_error_ : ndarray, shape (n_samples,)
    centres_ : ndarray of int, shape (n_clusters,)
        The surviving peaks, densest first.
    saddles_ : ndarray, shape (n_clusters, n_clusters)
        log ρ of the saddle between clusters (-inf when they do not touch).
    n_clusters_ : int
    """

    def __init__(self, k: int = 30, Z: float = 1.65):
        self.k = k
        self.Z = Z

    def fit(self, X, y=None):
        blocks, _ = as_list(X)
        X = validate_data(self, np.concatenate(blocks), dtype=np.float64, ensure_min_samples=3)
        X = np.ascontiguousarray(X)
        n = X.shape[0]
        if self.k < 1:
            raise ValueError(f"k: expected >= 1, got {self.k}")
        if self.Z < 0:
            raise ValueError(f"Z: expected >= 0, got {self.Z}")
        k = int(min(self.k, n - 1))
        log_rho, err, nbr = knn_log_density(X, k)
        g = log_rho - err
        is_max = g >= g[nbr].max(axis=1)
        higher_nbr = np.zeros(n, dtype=bool)  # i lies in the neighbourhood of a point with larger g
        bigger = g[:, None] > g[nbr]  # point i beats its neighbour nbr[i, m]
        np.logical_or.at(higher_nbr, nbr[bigger], True)
        centres = np.flatnonzero(is_max & ~higher_nbr)
        if centres.size == 0:
            centres = np.array([int(np.argmax(g))])
        _, parent = _kernels.nearest_higher(X, g)
        centres = centres[np.lexsort((centres, -g[centres]))]
        labels = _assign(parent, g, centres)
        m = centres.size
        # saddles: log ρ and σ of the densest border point between each pair of clusters
        sad = np.full((m, m), -np.inf)
        sad_err = np.zeros((m, m))
        a = np.repeat(labels, k)
        b = labels[nbr.reshape(-1)]
        i_of = np.repeat(np.arange(n), k)
        j_of = nbr.reshape(-1)
        cross = a != b
        for i, j, la, lb in zip(i_of[cross], j_of[cross], a[cross], b[cross], strict=True):
            point = i if log_rho[i] <= log_rho[j] else j  # the lower side of the border pair
            if log_rho[point] > sad[la, lb]:
                sad[la, lb] = sad[lb, la] = log_rho[point]
                sad_err[la, lb] = sad_err[lb, la] = err[point]
        peak = log_rho[centres].copy()
        peak_err = err[centres].copy()
        alive = np.ones(m, dtype=bool)
        parent_c = np.arange(m)
        while True:
            best = None
            for p in range(m):
                for q in range(p + 1, m):
                    if not (alive[p] and alive[q]) or not np.isfinite(sad[p, q]):
                        continue
                    s, se = sad[p, q], sad_err[p, q]
                    weak = (peak[p] - s < self.Z * (peak_err[p] + se)) or (
                        peak[q] - s < self.Z * (peak_err[q] + se)
                    )
                    if weak and (best is None or s > best[0]):
                        best = (s, p, q)
            if best is None:
                break
            _, p, q = best
            keep, drop = (p, q) if peak[p] >= peak[q] else (q, p)
            alive[drop] = False
            parent_c[parent_c == drop] = keep
            for r in range(m):
                if sad[drop, r] > sad[keep, r]:
                    sad[keep, r] = sad[r, keep] = sad[drop, r]
                    sad_err[keep, r] = sad_err[r, keep] = sad_err[drop, r]
            sad[keep, keep] = -np.inf
        survivors = np.flatnonzero(alive)
        survivors = survivors[np.argsort(-peak[survivors], kind="stable")]
        final = np.full(m, -1)
        final[survivors] = np.arange(survivors.size)
        self.labels_ = final[parent_c[labels]].astype(np.int64)
        self.log_density_ = log_rho
        self.log_density_error_ = err
        self.centres_ = centres[survivors]
        self.saddles_ = sad[np.ix_(survivors, survivors)]
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
