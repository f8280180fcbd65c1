"""Sketch-map (Ceriotti, Tribello & Parrinello, PNAS 108, 13023, 2011; Tribello, Ceriotti &
Parrinello, PNAS 109, 5196, 2012).

The map Y of landmarks minimises the weighted stress

    sum_{i<j} w_i w_j [(1 - mix)(F(D_ij) - f(d_ij))^2 + mix (D_ij - d_ij)^2] / sum_{i<j} w_i w_j

where D are (optionally periodic) high-dimensional distances, d low-dimensional ones, and F, f
the sigmoids s(r) = 1 - (1 + (2^(a/b) - 1)(r/sigma)^a)^(-b/a) with their own (sigma, a, b).
The optimiser starts from classical MDS, refines with metric MDS (SMACOF), minimises the
sketch-map stress with L-BFGS (numba stress and gradient), then alternates a pointwise global
search (each point tried at every node of a coarse grid covering the map and on a finer grid
around its best nodes, moves kept when they lower the stress) with L-BFGS, to escape the
local minima a sigmoid stress is full of, until a cycle gains less than ``global_tol``.
On 1,000 landmarks this reaches a lower stress than the reference C++ sketch-map (dimred with
its grid search) on the same landmarks (``benchmarks/sketchmap.py``).

New frames are placed out-of-sample by minimising their own stress against the landmarks
(grid, then local refinement), or by the smooth kernel average
X(x) = sum_i Y_i exp(-lambda D_i(x)) / sum_i exp(-lambda D_i(x)) that PLUMED can evaluate.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from trajlens.reduce import _kernels
from trajlens.reduce._validation import as_list
from trajlens.reduce.landmarks import fit_inputs, pairwise_distances
from trajlens.reduce.mds import classical_mds, smacof

PROJECTIONS = ("minimize", "kernel")


def sigmoid(r, sigma: float, a: float, b: float) -> np.ndarray:
    """s(r) = 1 - (1 + (2^(a/b) - 1)(r/sigma)^a)^(-b/a); the identity when sigma <= 0."""
    r = np.asarray(r, dtype=np.float64)
    if sigma <= 0:
        return r.copy()
    return 1.0 - (1.0 + (2.0 ** (a / b) - 1.0) * (r / sigma) ** a) ** (-b / a)


def sketchmap_stress(
    Y, D, weights=None, high=(1.0, 8.0, 2.0), low=(1.0, 2.0, 8.0), mix: float = 0.0
) -> float:
    """Stress of any map Y (n, dim) of points with high-dimensional distances D (n, n).

    Parameters
    ----------
    Y : ndarray, shape (n, n_components)
    D : ndarray, shape (n, n)
        High-dimensional distances (for example from ``landmarks.pairwise_distances``).
    weights : ndarray, shape (n,), optional
        Point weights (Voronoi weights of landmarks); uniform if None.
    high, low : (sigma, a, b)
        Sigmoid parameters for high- and low-dimensional distances.
    mix : float in [0, 1]
        Fraction of metric-MDS stress mixed in.
    """
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    D = np.ascontiguousarray(D, dtype=np.float64)
    w = np.ones(len(Y)) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    FD = _kernels.sigmoid(D, *map(float, high))
    return float(_kernels.stress_grad(Y, D, FD, w, *map(float, low), float(mix))[0])


def _grid(Y: np.ndarray, size: int, margin: float = 0.1, with_step: bool = False):
    """Nodes (size^dim, dim) of a grid covering Y with a margin; and the spacing (dim,)."""
    lo, hi = Y.min(axis=0), Y.max(axis=0)
    pad = margin * (hi - lo) + 1e-9
    axes = [np.linspace(a - p, b + p, size) for a, b, p in zip(lo, hi, pad, strict=True)]
    mesh = np.meshgrid(*axes, indexing="ij")
    nodes = np.ascontiguousarray(np.stack([m.ravel() for m in mesh], axis=1))
    if not with_step:
        return nodes
    step = np.array([(ax[-1] - ax[0]) / max(size - 1, 1) for ax in axes])
    return nodes, step


def _table(grid: np.ndarray, low, n: int = 4096):
    dmax = float(np.linalg.norm(grid.max(axis=0) - grid.min(axis=0))) * 1.01 + 1e-12
    r = np.linspace(0.0, dmax, n)[None, :]
    return np.ascontiguousarray(_kernels.sigmoid(r, *low)[0]), dmax


def _lbfgs(Y, D, FD, w, low, mix, max_iter):
    shape = Y.shape

    def fun(y):
        s, g = _kernels.stress_grad(y.reshape(shape), D, FD, w, *low, mix)
        return s, g.ravel()

    opts = {"maxiter": max_iter, "ftol": 1e-10, "gtol": 1e-12}
    # BLAS threads spinning between L-BFGS steps starve numba's threads (20x slower on 2 cores)
    with threadpool_limits(1, user_api="blas"):
        res = minimize(fun, Y.ravel(), jac=True, method="L-BFGS-B", options=opts)
    return np.ascontiguousarray(res.x.reshape(shape)), float(res.fun), int(res.nit)


def global_search(Y, D, FD, w, low, mix, grid_size: int = 12, n_fine: int = 3, n_top: int = 3):
    """One pointwise global search: move each point to its best grid position if that helps.

    Each point's stress against the others is evaluated on a ``grid_size``^dim grid covering
    the map, and on a finer local grid (spacing / ``n_fine``, +- one coarse spacing) around
    its ``n_top`` best nodes (coarse to fine), for all points in parallel against the current map. The moves
    are then applied one by one, largest gain first, each kept only if it still lowers that
    point's exact stress given the moves already made. Returns ``(Y, n_moved)``.
    """
    Y = Y.copy()
    grid, step = _grid(Y, grid_size, with_step=True)
    best, best_val, cur = _kernels.grid_search(
        Y, D, FD, w, *low, mix, grid, step, int(n_fine), int(n_top)
    )
    gain = cur - best_val
    moved = 0
    for i in np.argsort(-gain):
        if gain[i] <= 1e-12 * max(cur[i], 1e-300):
            break
        wi = w.copy()
        wi[i] = 0.0
        now = _kernels.point_stress_exact(Y[i], Y, D[i], FD[i], wi, *low, mix)
        new = _kernels.point_stress_exact(best[i], Y, D[i], FD[i], wi, *low, mix)
        if new < now:
            Y[i] = best[i]
            moved += 1
    return Y, moved


def sketchmap(
    D,
    n_components: int = 2,
    weights=None,
    high=(1.0, 8.0, 2.0),
    low=(1.0, 2.0, 8.0),
    mix: float = 0.0,
    init="mds",
    smacof_iter: int = 50,
    max_iter: int = 100,
    n_global: int = 5,
    grid_size: int = 12,
    random_state=None,
    global_tol: float = 1e-3,
):
    """Fit a sketch-map of points with distance matrix D.

    Parameters
    ----------
    D : ndarray, shape (n, n)
        High-dimensional distances between the landmarks.
    n_components : int
    weights : ndarray, shape (n,), optional
        Landmark weights (Voronoi weights); uniform if None.
    high, low : (sigma, a, b)
        Sigmoids of the high- and low-dimensional distances.
    mix : float in [0, 1]
        Fraction of metric-MDS stress in the objective.
    init : "mds", "random" or ndarray (n, n_components)
        Starting map. "mds" is classical MDS refined by ``smacof_iter`` SMACOF iterations;
        "random" a uniform random map of the classical-MDS extent.
    smacof_iter, max_iter : int
        SMACOF iterations; L-BFGS iterations per gradient stage.
    n_global : int
        Most cycles of pointwise global grid search + L-BFGS after the first L-BFGS (0 =
        gradient minimisation only).
    grid_size : int
        Coarse-grid nodes per map dimension in the global search (refined locally around
        each point's 3 best nodes at a third of the spacing).
    random_state : int, RandomState or None
    global_tol : float
        Stop the global cycles once one lowers the stress by less than this fraction.

    Returns
    -------
    Y : ndarray, shape (n, n_components)
    stress : float
    n_iter : int
        L-BFGS iterations in all.
    """
    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.ascontiguousarray(np.maximum(w, 1e-12 * max(w.max(), 1e-300)))
    high = tuple(map(float, high))
    low = tuple(map(float, low))
    FD = _kernels.sigmoid(D, *high)
    if isinstance(init, str) and init == "mds":
        Y, _ = classical_mds(D, n_components)
        if smacof_iter > 0:
            Y, _, _ = smacof(D, n_components, w, init=Y, max_iter=smacof_iter)
    elif isinstance(init, str) and init == "random":
        Y0, _ = classical_mds(D, n_components)
        ext = np.ptp(Y0, axis=0) + 1e-9
        Y = check_random_state(random_state).uniform(-0.5, 0.5, size=(n, n_components)) * ext
    else:
        Y = np.asarray(init, dtype=np.float64)
        if Y.shape != (n, n_components):
            raise ValueError(f"init: expected shape {(n, n_components)}, got {Y.shape}")
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    Y, stress, n_iter = _lbfgs(Y, D, FD, w, low, mix, max_iter)
    for _ in range(n_global):
        Yg, moved = global_search(Y, D, FD, w, low, mix, grid_size)
        if moved == 0:
            break
        Yg, sg, nit = _lbfgs(Yg, D, FD, w, low, mix, max_iter)
        n_iter += nit
        if sg >= stress:
            break
        gain = (stress - sg) / stress
        Y, stress = Yg, sg
        if gain < global_tol:
            break
    return Y, stress, n_iter


def project(
    D_new, Y, D_landmarks=None, weights=None, high=(1.0, 8.0, 2.0), low=(1.0, 2.0, 8.0),
    mix=0.0, grid_size=20, n_iter=100,
):  # fmt: skip
    """Out-of-sample positions of new points, each minimising its stress to the landmarks.

    Parameters
    ----------
    D_new : ndarray, shape (n_new, n_landmarks)
        Distances from the new points to the landmarks.
    Y : ndarray, shape (n_landmarks, n_components)
        Landmark map.
    weights : ndarray (n_landmarks,), optional
    grid_size : int
        Grid nodes per dimension for the global start (0: start from the nearest landmark only).

    Returns
    -------
    positions : ndarray, shape (n_new, n_components)
    stress : ndarray, shape (n_new,)
        Each point's stress (weight-normalised) at its position.
    """
    D_new = np.ascontiguousarray(D_new, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    w = np.ones(len(Y)) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    high = tuple(map(float, high))
    low = tuple(map(float, low))
    FD = _kernels.sigmoid(D_new, *high)
    if grid_size > 0:
        grid = _grid(Y, grid_size)
        table, dmax = _table(grid, low)
    else:
        grid, table, dmax = np.empty((0, Y.shape[1])), np.empty(0), 1.0
    return _kernels.project_points(
        D_new, FD, Y, w, *low, float(mix), grid, table, dmax, int(n_iter), 1e-10
    )


def choose_kernel_lambda(D: np.ndarray, Y: np.ndarray) -> float:
    """lambda of the kernel average chosen by leave-one-out prediction of the landmarks.

    Candidates are c / (median nearest-landmark distance), c in 1, 2, 4, ..., 256; for each,
    every landmark's position is predicted from the others and the lambda with the smallest
    median error is returned.
    """
    D = np.array(D, dtype=np.float64)
    np.fill_diagonal(D, np.inf)
    if len(D) < 3:
        return 1.0
    nn = max(float(np.median(D.min(axis=1))), 1e-12)
    Dc = np.where(np.isfinite(D), D, 1e300)
    best, best_err = 1.0 / nn, np.inf
    for c in 2.0 ** np.arange(9):
        pred = _kernels.kernel_average(Dc, np.ascontiguousarray(Y), c / nn)
        err = float(np.median(np.linalg.norm(pred - Y, axis=1)))
        if err < best_err:
            best, best_err = c / nn, err
    return best


class SketchMap(TransformerMixin, BaseEstimator):
    """Sketch-map fitted on landmarks, with out-of-sample projection of every frame.

    Parameters
    ----------
    n_components : int, default 2
    n_landmarks : int, default 1000
        Landmarks the map is fitted on (all frames when there are fewer).
    landmarks : {"fps", "random", "staged"}, default "staged"
    period : None, float or array (n_features,), default None
        Period of each input feature (2*pi for angles in radians; 0 = not periodic).
    sigma : float or None, default None
        Sigmoid switching distance, in input units, used for both sigmoids unless
        ``sigma_low`` is given. None: 0.5 times the median landmark distance.
    a_high, b_high : float, default 8, 2
        High-dimensional sigmoid exponents (A, B).
    sigma_low : float or None, default None
        Low-dimensional sigma (defaults to ``sigma``).
    a_low, b_low : float, default 2, 8
        Low-dimensional sigmoid exponents (a, b).
    mix : float, default 0.0
        Fraction of metric-MDS stress mixed into the objective.
    init : {"mds", "random"}, default "mds"
    n_global : int, default 5
        Most pointwise global-search cycles (0 = gradient-only); they stop early once a
        cycle lowers the stress by less than ``global_tol``.
    grid_size : int, default 12
        Coarse-grid nodes per map dimension in the global search (refined around each
        point's best nodes).
    max_iter : int, default 100
        L-BFGS iterations per gradient stage.
    smacof_iter : int, default 50
    projection : {"minimize", "kernel"}, default "minimize"
        How ``transform`` places frames: per-point stress minimisation, or the kernel average.
    kernel_lambda : float or None, default None
        lambda of the kernel average (1/input units); None: chosen by leave-one-out
        prediction of the landmarks (:func:`choose_kernel_lambda`).
    project_grid_size : int, default 10
        Grid nodes per map dimension for the start of out-of-sample minimisation (0: start
        from the nearest landmark only).
    random_state : int, RandomState or None
    global_tol : float, default 1e-3
        The global-search cycles stop once one lowers the stress by less than this fraction.

    Attributes
    ----------
    landmarks_ : ndarray, shape (n_landmarks, n_features)
    landmark_indices_ : ndarray of int
    landmark_weights_ : ndarray, shape (n_landmarks,)
    embedding_ : ndarray, shape (n_landmarks, n_components)
    stress_ : float
        Weighted sketch-map stress of the fitted landmark map.
    sigma_ : float
    kernel_lambda_ : float
    n_iter_ : int
        L-BFGS iterations of the fit.
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 2,
        n_landmarks: int = 1000,
        landmarks: str = "staged",
        period=None,
        sigma: float | None = None,
        a_high: float = 8.0,
        b_high: float = 2.0,
        sigma_low: float | None = None,
        a_low: float = 2.0,
        b_low: float = 8.0,
        mix: float = 0.0,
        init: str = "mds",
        n_global: int = 5,
        grid_size: int = 12,
        max_iter: int = 100,
        smacof_iter: int = 50,
        projection: str = "minimize",
        kernel_lambda: float | None = None,
        project_grid_size: int = 10,
        random_state=None,
        global_tol: float = 1e-3,
    ):
        self.n_components = n_components
        self.n_landmarks = n_landmarks
        self.landmarks = landmarks
        self.period = period
        self.sigma = sigma
        self.a_high = a_high
        self.b_high = b_high
        self.sigma_low = sigma_low
        self.a_low = a_low
        self.b_low = b_low
        self.mix = mix
        self.init = init
        self.n_global = n_global
        self.grid_size = grid_size
        self.max_iter = max_iter
        self.smacof_iter = smacof_iter
        self.projection = projection
        self.kernel_lambda = kernel_lambda
        self.project_grid_size = project_grid_size
        self.random_state = random_state
        self.global_tol = global_tol

    @property
    def high_(self):
        return (self.sigma_, float(self.a_high), float(self.b_high))

    @property
    def low_(self):
        s = self.sigma_ if self.sigma_low is None else float(self.sigma_low)
        return (s, float(self.a_low), float(self.b_low))

    def fit(self, X, y=None, weights=None):
        """Fit on frames (n_frames, n_features) or a list of them; optional per-frame weights."""
        if self.projection not in PROJECTIONS:
            raise ValueError(f"projection: expected one of {PROJECTIONS}, got {self.projection!r}")
        if not 0.0 <= float(self.mix) <= 1.0:
            raise ValueError(f"mix: expected a number in [0, 1], got {self.mix!r}")
        _, _, self._period, lm = fit_inputs(self, X, weights, min_samples=3)
        D = pairwise_distances(lm.X, lm.X, self._period)
        off = D[~np.eye(len(D), dtype=bool)]
        med = float(np.median(off)) if off.size else 1.0
        self.sigma_ = float(self.sigma) if self.sigma is not None else 0.5 * med
        if not self.sigma_ > 0:
            self.sigma_ = 1.0
        Y, stress, self.n_iter_ = sketchmap(
            D,
            self.n_components,
            lm.weights,
            self.high_,
            self.low_,
            float(self.mix),
            self.init,
            self.smacof_iter,
            self.max_iter,
            self.n_global,
            self.grid_size,
            self.random_state,
            float(self.global_tol),
        )
        self.kernel_lambda_ = (
            float(self.kernel_lambda)
            if self.kernel_lambda is not None
            else choose_kernel_lambda(D, Y)
        )
        self.landmarks_ = lm.X
        self.landmark_indices_ = lm.indices
        self.landmark_weights_ = lm.weights
        self.embedding_ = Y
        self.stress_ = stress
        return self

    def _distances(self, b):
        return pairwise_distances(b, self.landmarks_, self._period)

    def transform(self, X, chunk: int = 50000):
        """Place frames out-of-sample (``projection``); a list in gives a list out (float64)."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = []
        for b in blocks:
            b = validate_data(self, b, reset=False, dtype=[np.float64, np.float32])
            parts = []
            for s in range(0, max(len(b), 1), chunk):
                Dn = self._distances(b[s : s + chunk])
                if self.projection == "kernel":
                    parts.append(_kernels.kernel_average(Dn, self.embedding_, self.kernel_lambda_))
                else:
                    pos, _ = project(
                        Dn, self.embedding_, None, self.landmark_weights_, self.high_,
                        self.low_, float(self.mix), self.project_grid_size,
                    )  # fmt: skip
                    parts.append(pos)
            out.append(np.concatenate(parts) if parts else np.empty((0, self.n_components)))
        return out if was_list else out[0]

    def transform_kernel(self, X):
        """Kernel-averaged positions X(x) = sum_i Y_i exp(-lambda D_i) / sum_i exp(-lambda D_i)."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = [
            _kernels.kernel_average(
                self._distances(validate_data(self, b, reset=False)),
                self.embedding_,
                self.kernel_lambda_,
            )
            for b in blocks
        ]
        return out if was_list else out[0]

    def stress(self, X, Y, weights=None) -> float:
        """Sketch-map stress (this model's sigmoids) of a map Y (n, dim) of frames X (n, f)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        D = pairwise_distances(X, X, self._period)
        return sketchmap_stress(Y, D, weights, self.high_, self.low_, float(self.mix))

    def fit_transform(self, X, y=None, weights=None):
        return self.fit(X, weights=weights).transform(X)
