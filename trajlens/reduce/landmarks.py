"""Landmark selection shared by MDS, sketch-map and UMAP.

Three selections (as in the sketch-map tools of Ceriotti, Tribello & Parrinello):

- ``"fps"``: farthest-point sampling, which covers the data evenly, outliers included;
- ``"random"``: uniform (or weight-proportional) random frames, which follow the density;
- ``"staged"``: farthest-point sampling of ``sqrt(n_landmarks * n_frames)`` candidates, then
  ``n_landmarks`` of them drawn with probability proportional to (Voronoi weight)^gamma,
  between the two extremes.

Each landmark carries a Voronoi weight: the number (or summed per-frame weight) of frames
nearest to it. Distances may be periodic per feature (``period``, for example 2*pi for angles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from trajlens.exceptions import InputError
from trajlens.reduce import _kernels
from trajlens.reduce._validation import as_list, as_weights

METHODS = ("fps", "random", "staged")


def as_period(period, n_features: int) -> np.ndarray:
    """Per-feature period (n_features,) float64: 0 for none; a scalar applies to all features."""
    if period is None:
        return np.zeros(n_features)
    p = np.asarray(period, dtype=np.float64)
    if p.ndim == 0:
        p = np.full(n_features, float(p))
    if p.shape != (n_features,) or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise InputError(
            f"period: expected None, a non-negative number or {n_features} of them, got {period!r}"
        )
    return np.ascontiguousarray(p)


def pairwise_distances(X, Y, period=None, chunk: int = 20000) -> np.ndarray:
    """Euclidean distances between frames, with periodic features wrapped.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
    Y : ndarray, shape (m, n_features)
    period : None, float or ndarray of shape (n_features,)
        Period of each feature (0 = not periodic), in the features' units (radians for angles).

    Returns
    -------
    ndarray of float64, shape (n, m)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    p = as_period(period, X.shape[1])
    if X.shape[0] <= chunk:
        return _kernels.pairwise_distances(X, Y, p)
    return np.concatenate(
        [_kernels.pairwise_distances(X[s : s + chunk], Y, p) for s in range(0, len(X), chunk)]
    )


def farthest_point_sampling(X, n_landmarks: int, period=None, start: int = 0) -> np.ndarray:
    """Indices (n_landmarks,) of frames chosen by farthest-point sampling from ``start``."""
    return _fps(X, n_landmarks, period, start)[0]


def _fps(X, n_landmarks: int, period, start: int):
    """Farthest-point sampling: ``(indices, assignment (n,), distance to nearest (n,))``."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    p = as_period(period, X.shape[1])
    return _kernels.farthest_point_sampling(X, int(n_landmarks), p, int(start))


def voronoi_weights(X, landmarks_X, period=None, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi weights of landmarks: summed weight (or count) of the frames nearest each.

    Returns ``(weights (n_landmarks,), assignment (n_frames,))``.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    L = np.ascontiguousarray(landmarks_X, dtype=np.float64)
    p = as_period(period, X.shape[1])
    assign, _ = _kernels.nearest(X, L, p)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    return np.bincount(assign, weights=w, minlength=L.shape[0]).astype(np.float64), assign


@dataclass
class Landmarks:
    """Selected landmarks.

    Attributes
    ----------
    indices : ndarray of int, shape (n_landmarks,)
        Row indices into the (concatenated) frames.
    X : ndarray of float64, shape (n_landmarks, n_features)
    weights : ndarray of float64, shape (n_landmarks,)
        Voronoi weights (summed frame weights of each landmark's cell).
    assignment : ndarray of int, shape (n_frames,)
        Nearest landmark of every frame.
    """

    indices: np.ndarray
    X: np.ndarray
    weights: np.ndarray
    assignment: np.ndarray


def select_landmarks(
    X,
    n_landmarks: int,
    method: str = "fps",
    period=None,
    weights=None,
    random_state=None,
    gamma: float = 0.5,
) -> Landmarks:
    """Choose landmarks among the rows of X and compute their Voronoi weights.

    Parameters
    ----------
    X : ndarray, shape (n_frames, n_features)
    n_landmarks : int
        Number of landmarks; all frames are used when ``n_landmarks >= n_frames``.
    method : {"fps", "random", "staged"}
    period : None, float or ndarray (n_features,)
    weights : ndarray (n_frames,), optional
        Per-frame weights; random selection draws proportionally to them and the Voronoi
        weights sum them.
    random_state : int, RandomState or None
        Seeds the first FPS point, random draws and the staged draw.
    gamma : float, default 0.5
        Exponent of the Voronoi weights in the staged draw (0 = uniform over candidates).
    """
    if method not in METHODS:
        raise InputError(f"landmarks: expected one of {', '.join(METHODS)}, got {method!r}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    if isinstance(n_landmarks, bool) or int(n_landmarks) < 1:
        raise InputError(f"n_landmarks: expected a positive integer, got {n_landmarks!r}")
    rng = check_random_state(random_state)
    m = min(int(n_landmarks), n)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if m == n:
        idx = np.arange(n)
    elif method == "fps":
        idx, assign, _ = _fps(X, m, period, int(rng.randint(n)))
        # farthest-point sampling already knows every frame's nearest landmark
        vw = np.bincount(assign, weights=w, minlength=m).astype(np.float64)
        return Landmarks(indices=idx, X=X[idx], weights=vw, assignment=assign)
    elif method == "random":
        p = None if w is None or w.sum() <= 0 else w / w.sum()
        idx = np.sort(rng.choice(n, size=m, replace=False, p=p))
    else:
        n_cand = min(n, max(m, int(np.sqrt(float(m) * n))))
        cand, cassign, _ = _fps(X, n_cand, period, int(rng.randint(n)))
        cw = np.bincount(cassign, weights=w, minlength=n_cand).astype(np.float64)
        prob = cw**gamma
        prob = prob / prob.sum() if prob.sum() > 0 else None
        if prob is not None and np.count_nonzero(prob) < m:
            prob = None
        idx = cand[rng.choice(n_cand, size=m, replace=False, p=prob)]
    vw, assign = voronoi_weights(X, X[idx], period, w)
    return Landmarks(indices=np.asarray(idx), X=X[idx], weights=vw, assignment=assign)


def fit_inputs(estimator, X, weights, min_samples: int):
    """Validate the inputs of a landmark estimator's ``fit`` and pick its landmarks.

    Shared by MDS, sketch-map and UMAP: ``X`` is one array or a list (one per trajectory),
    ``weights`` per-frame weights in the same layout. Uses the estimator's ``period``,
    ``n_landmarks``, ``landmarks`` and ``random_state``.

    Returns
    -------
    X : ndarray of float64, shape (n_frames, n_features)
        All frames, trajectories concatenated.
    weights : ndarray of float64 or None
    period : ndarray of float64, shape (n_features,)
    landmarks : Landmarks
    """
    blocks, _ = as_list(X)
    ws = as_weights(weights, blocks)
    blocks = [
        validate_data(estimator, b, reset=k == 0, dtype=[np.float64, np.float32])
        for k, b in enumerate(blocks)
    ]
    Xa = np.concatenate([np.asarray(b, dtype=np.float64) for b in blocks])
    w = None if ws is None else np.concatenate(ws)
    if Xa.shape[0] < min_samples:
        name = type(estimator).__name__
        raise ValueError(
            f"{name} needs at least {min_samples} samples, got n_samples={Xa.shape[0]}"
        )
    period = as_period(estimator.period, Xa.shape[1])
    lm = select_landmarks(
        Xa, estimator.n_landmarks, estimator.landmarks, period, w, estimator.random_state
    )
    return Xa, w, period, lm
