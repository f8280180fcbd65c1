"""Time-lagged independent component analysis (TICA).

Pairs (x_t, x_{t+lag}) are formed inside each trajectory only (never across the boundary
between two trajectories, as deeptime's ``timeshifted_split``). Instantaneous and time-lagged
covariances are accumulated in float64; the reversible estimate symmetrises them (means over
both ends of the pairs, C00 <- (C00 + Ctt)/2, C0t <- (C0t + Ct0)/2), the non-reversible one
uses them as they are. The generalised eigenproblem C0t v = lambda C00 v is solved by
whitening C00 (dropping directions with eigenvalues below ``epsilon``), following deeptime.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import validate_data

from trajlens.reduce._linear import LinearProjectionMixin
from trajlens.reduce._validation import as_list, as_weights

SCALINGS = (None, "kinetic_map", "commute_map")


class LaggedMoments:
    """Float64 sums over time-lagged pairs (x, y) = (x_t, x_{t+lag}), weighted by w_t."""

    def __init__(self, n_features: int, shift: np.ndarray):
        self.shift = shift
        self.w = 0.0
        self.sx = np.zeros(n_features)
        self.sy = np.zeros(n_features)
        self.sxx = np.zeros((n_features, n_features))
        self.sxy = np.zeros((n_features, n_features))
        self.syy = np.zeros((n_features, n_features))
        self.n_pairs = 0

    def add(self, X: np.ndarray, lag: int, weights: np.ndarray | None = None):
        if X.shape[0] <= lag:
            return self
        Z = np.asarray(X, dtype=np.float64) - self.shift
        x, y = Z[:-lag], Z[lag:]
        w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, np.float64)[:-lag]
        xw = x * w[:, None]
        yw = y * w[:, None]
        self.w += w.sum()
        self.sx += xw.sum(0)
        self.sy += yw.sum(0)
        self.sxx += xw.T @ x
        self.sxy += xw.T @ y
        self.syy += yw.T @ y
        self.n_pairs += x.shape[0]
        return self

    def merge(self, other: LaggedMoments) -> LaggedMoments:
        """Add the sums of another block accumulated with the same ``shift`` (in place)."""
        if not np.array_equal(self.shift, other.shift):
            raise ValueError("LaggedMoments.merge: both must be accumulated with the same shift")
        self.w += other.w
        self.sx += other.sx
        self.sy += other.sy
        self.sxx += other.sxx
        self.sxy += other.sxy
        self.syy += other.syy
        self.n_pairs += other.n_pairs
        return self

    def covariances(self, reversible: bool):
        """``(mean_x, mean_y, C00, C0t, Ctt)`` without Bessel's correction (as deeptime)."""
        W = self.w
        if reversible:
            m = (self.sx + self.sy) / (2 * W)
            c00 = (self.sxx + self.syy) / (2 * W) - np.outer(m, m)
            c0t = (self.sxy + self.sxy.T) / (2 * W) - np.outer(m, m)
            return m + self.shift, m + self.shift, c00, c0t, c00
        mx, my = self.sx / W, self.sy / W
        c00 = self.sxx / W - np.outer(mx, mx)
        c0t = self.sxy / W - np.outer(mx, my)
        ctt = self.syy / W - np.outer(my, my)
        return mx + self.shift, my + self.shift, c00, c0t, ctt


def _canonical_signs(V: np.ndarray) -> np.ndarray:
    """Columns flipped so that each has its largest-magnitude entry positive."""
    idx = np.argmax(np.abs(V), axis=0)
    return V * np.sign(V[idx, np.arange(V.shape[1])])


def tica_eig(c00: np.ndarray, c0t: np.ndarray, epsilon: float = 1e-6, reversible: bool = True):
    """Solve C0t v = lambda C00 v; eigenvalues by decreasing |lambda|, vectors as columns.

    Directions of C00 with eigenvalue below ``epsilon`` are removed before whitening. For the
    non-reversible estimate the whitened C0t is not symmetric; its (real) eigen-pairs ordered
    by decreasing |lambda| are returned, as the real part of any complex ones.
    """
    s, U = np.linalg.eigh(c00)
    order = np.argsort(s)[::-1]
    s, U = s[order], U[:, order]
    keep = s > epsilon
    if not np.any(keep):
        raise ValueError("TICA: all input features are constant (no variance above epsilon)")
    L = U[:, keep] / np.sqrt(s[keep])
    ct = L.T @ c0t @ L
    if reversible:
        lam, R = np.linalg.eigh(0.5 * (ct + ct.T))
        # by decreasing |lambda|, as deeptime: a negative eigenvalue of large magnitude is
        # a process whose correlation still persists at the lag (implied timescale uses |lambda|)
        order = np.argsort(np.abs(lam))[::-1]
    else:
        lam, R = np.linalg.eig(ct)
        order = np.argsort(np.abs(lam))[::-1]
        lam, R = lam.real, R.real
    lam, R = lam[order], R[:, order]
    V = _canonical_signs(L @ R)
    return lam, V


def implied_timescales(eigenvalues: np.ndarray, lag: float) -> np.ndarray:
    """t_i = -lag / ln|lambda_i| (in the units of ``lag``)."""
    with np.errstate(divide="ignore"):
        return -lag / np.log(np.abs(eigenvalues))


def tica(
    X,
    lag: int = 1,
    n_components: int = 2,
    reversible: bool = True,
    scaling: str | None = "kinetic_map",
    epsilon: float = 1e-6,
    weights=None,
):
    """TICA as a function: returns ``(mean (f,), components (k, f), eigenvalues (k,))``.

    ``components`` are rows such that ``(x - mean) @ components.T`` is the projection, scaled as
    requested (kinetic map: by lambda; commute map: by sqrt of the damped timescale / 2).
    """
    model = TICA(
        lag=lag, n_components=n_components, reversible=reversible, scaling=scaling, epsilon=epsilon
    ).fit(X, weights=weights)
    return model.mean_, model.components_, model.eigenvalues_


class TICA(LinearProjectionMixin, TransformerMixin, BaseEstimator):
    """Time-lagged independent component analysis.

    Parameters
    ----------
    lag : int, default 1
        Lag time in frames. Pairs never span two trajectories.
    n_components : int, default 2
    reversible : bool, default True
        Symmetrised (reversible) covariance estimate; ``False`` for the non-reversible one.
    scaling : {"kinetic_map", "commute_map", None}, default "kinetic_map"
        Kinetic map scales the components by their eigenvalues (Noé & Clementi 2015);
        commute map by sqrt(t_i/2), t_i = 1 - lag/ln|lambda_i| in frames, with timescales
        below the lag damped (Noé et al. 2016),
        as deeptime; None leaves unit-variance components.
    epsilon : float, default 1e-6
        Eigenvalue cut-off of C00 (directions with smaller variance are removed).
    dt : float, default 1.0
        Time between frames (for ``timescales_``; ps for trajlens' trajectories).

    Attributes
    ----------
    mean_ : ndarray, shape (n_features,)
        Mean removed before projection (of the instantaneous frames).
    components_ : ndarray, shape (n_components, n_features)
    eigenvalues_ : ndarray, shape (n_components,)
        Autocorrelations at ``lag`` of the components.
    timescales_ : ndarray, shape (n_components,)
        Implied timescales -lag dt / ln|lambda|.
    cov_00_, cov_0t_ : ndarray, shape (n_features, n_features)
    n_pairs_ : int
    n_features_in_ : int
    """

    def __init__(
        self,
        lag: int = 1,
        n_components: int = 2,
        reversible: bool = True,
        scaling: str | None = "kinetic_map",
        epsilon: float = 1e-6,
        dt: float = 1.0,
    ):
        self.lag = lag
        self.n_components = n_components
        self.reversible = reversible
        self.scaling = scaling
        self.epsilon = epsilon
        self.dt = dt

    def _check_params(self):
        for name in ("lag", "n_components"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}: expected a positive integer, got {v!r}")
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling: expected one of {SCALINGS}, got {self.scaling!r}")

    def fit(self, X, y=None, weights=None):
        """Fit on an array (n_frames, n_features) or a list of them (one per trajectory).

        Parameters
        ----------
        X : ndarray or list of ndarray
        y : ignored
        weights : ndarray or list of ndarray, optional
            Per-frame weights; pair (t, t+lag) gets the weight of frame t.
        """
        self._check_params()
        blocks, _ = as_list(X)
        ws = as_weights(weights, blocks)
        blocks = [
            validate_data(self, b, reset=k == 0, dtype=[np.float64, np.float32])
            for k, b in enumerate(blocks)
        ]
        shift = blocks[0].mean(axis=0).astype(np.float64)
        mom = LaggedMoments(blocks[0].shape[1], shift)
        for k, b in enumerate(blocks):
            mom.add(b, self.lag, None if ws is None else ws[k])
        if mom.n_pairs < 2:
            raise ValueError(
                f"TICA needs at least 2 time-lagged pairs at lag={self.lag}; got "
                f"n_samples={sum(b.shape[0] for b in blocks)} in {len(blocks)} trajectories"
            )
        return self._fit_moments(mom)

    def _fit_moments(self, mom: LaggedMoments):
        """Finish the fit from accumulated lagged sums (shared with trajlens.parallel)."""
        mx, _, c00, c0t, _ = mom.covariances(self.reversible)
        lam, V = tica_eig(c00, c0t, self.epsilon, self.reversible)
        k = min(self.n_components, lam.shape[0])
        lam, V = lam[:k], V[:, :k]
        ts = implied_timescales(lam, self.lag)
        if self.scaling == "kinetic_map":
            V = V * lam[None, :]
        elif self.scaling == "commute_map":
            # deeptime's and PyEMMA's convention: t = 1 - lag / ln|lambda| (one frame more than
            # the implied timescale), damped below the lag (Noé & Clementi 2016, sec. 2.5)
            t = 1.0 + ts
            reg = 0.5 * t * np.maximum(np.tanh(np.pi * ((t - self.lag) / self.lag) + 1), 0)
            V = V * np.sqrt(reg / 2)[None, :]
        self.mean_ = mx
        self.components_ = V.T
        self.eigenvalues_ = lam
        self.timescales_ = ts * self.dt
        self.cov_00_, self.cov_0t_ = c00, c0t
        self.n_pairs_ = mom.n_pairs
        return self
