"""Multidimensional scaling: classical (Torgerson) and metric (SMACOF), on landmarks.

For large inputs the map is fitted on landmarks (``trajlens.reduce.landmarks``) and every
frame is placed out-of-sample: by the landmark-MDS formula (de Silva & Tenenbaum 2004) for
classical MDS, which returns the landmarks' own coordinates exactly, and by minimising the
frame's metric stress against the landmarks for SMACOF.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.reduce import _kernels
from trajlens.reduce._validation import as_list
from trajlens.reduce.landmarks import fit_inputs, pairwise_distances

METHODS = ("classical", "smacof")


def classical_mds(D: np.ndarray, n_components: int = 2):
    """Classical MDS of a distance matrix.

    B = -1/2 J D^2 J (J the centring matrix) is diagonalised; coordinates are
    V_k sqrt(lambda_k) for the largest eigenvalues (negative ones clipped to zero).

    Parameters
    ----------
    D : ndarray, shape (n, n)
        Symmetric distances.
    n_components : int

    Returns
    -------
    Y : ndarray, shape (n, n_components)
    eigenvalues : ndarray, shape (n_components,)
    """
    D2 = np.asarray(D, dtype=np.float64) ** 2
    B = D2 - D2.mean(axis=0) - D2.mean(axis=1)[:, None] + D2.mean()
    B *= -0.5
    lam, V = np.linalg.eigh(0.5 * (B + B.T))
    order = np.argsort(lam)[::-1][:n_components]
    lam, V = lam[order], V[:, order]
    V = V * np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])])
    return V * np.sqrt(np.clip(lam, 0, None)), lam


def landmark_mds_transform(D_new: np.ndarray, D_landmarks: np.ndarray, Y: np.ndarray, eig):
    """Place points by landmark MDS: y = -1/2 L# (delta - mean column of D_landmarks^2).

    ``L#`` has rows Y_k / lambda_k; a landmark's own distances return its coordinates.
    """
    pinv = Y / np.where(eig > 0, eig, np.inf)[None, :]
    mu = (np.asarray(D_landmarks) ** 2).mean(axis=0)
    return -0.5 * (np.asarray(D_new) ** 2 - mu) @ pinv


def smacof(D, n_components=2, weights=None, init=None, max_iter=300, tol=1e-6, random_state=None):
    """Weighted metric MDS by SMACOF (Guttman transform) minimising sum w_i w_j (D_ij - d_ij)^2.

    Returns ``(Y (n, n_components), stress, n_iter)`` with the normalised stress
    sum_{i<j} w_i w_j (D_ij - d_ij)^2 / sum_{i<j} w_i w_j.
    """
    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.ascontiguousarray(np.maximum(w, 1e-12 * max(w.max(), 1e-300)))
    S = w.sum()
    if init is None:
        Y = check_random_state(random_state).uniform(-1, 1, size=(n, n_components)) * D.std()
    else:
        Y = np.array(init, dtype=np.float64)
    # V = diag(S w) - w w^T for pair weights w_i w_j; with weighted-centred Y the Guttman
    # transform V^+ B(Z) Z is simply (B(Z) Z)_i / (S w_i)
    Y = np.ascontiguousarray(Y - (w @ Y) / S)
    stress = float(_kernels.stress_grad(Y, D, D, w, 0.0, 1.0, 1.0, 1.0)[0])
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (returned)
        Y = _kernels.guttman_bz(Y, D, w) / (S * w[:, None])
        new = float(_kernels.stress_grad(Y, D, D, w, 0.0, 1.0, 1.0, 1.0)[0])
        done = stress - new < tol * stress
        stress = new
        if done:
            break
    return Y, stress, n_iter


class MDS(TransformerMixin, BaseEstimator):
    """Classical or metric (SMACOF) MDS fitted on landmarks, with out-of-sample projection.

    Parameters
    ----------
    n_components : int, default 2
    method : {"classical", "smacof"}, default "classical"
    n_landmarks : int, default 1000
        Landmarks the map is fitted on (all frames when there are fewer).
    landmarks : {"fps", "random", "staged"}, default "fps"
    period : None, float or array (n_features,), default None
        Period of each feature (2*pi for angles; 0 = not periodic).
    max_iter : int, default 300
        SMACOF iterations.
    random_state : int, RandomState or None

    Attributes
    ----------
    landmarks_ : ndarray, shape (n_landmarks, n_features)
    landmark_indices_ : ndarray of int, shape (n_landmarks,)
    landmark_weights_ : ndarray, shape (n_landmarks,)
        Voronoi weights (per-frame weights summed over each landmark's cell).
    embedding_ : ndarray, shape (n_landmarks, n_components)
        Map of the landmarks.
    eigenvalues_ : ndarray, shape (n_components,)
        Classical-MDS eigenvalues of the landmarks.
    stress_ : float
        Normalised metric stress of the landmark map (Voronoi-weighted).
    n_iter_ : int
        SMACOF iterations (1 for classical MDS).
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 2,
        method: str = "classical",
        n_landmarks: int = 1000,
        landmarks: str = "fps",
        period=None,
        max_iter: int = 300,
        random_state=None,
    ):
        self.n_components = n_components
        self.method = method
        self.n_landmarks = n_landmarks
        self.landmarks = landmarks
        self.period = period
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None, weights=None):
        """Fit on frames (n_frames, n_features) or a list of them; optional per-frame weights."""
        if self.method not in METHODS:
            raise ValueError(f"method: expected one of {METHODS}, got {self.method!r}")
        Xa, w, self._period, lm = fit_inputs(self, X, weights, min_samples=2)
        D = pairwise_distances(lm.X, lm.X, self._period)
        Y, eig = classical_mds(D, self.n_components)
        lw = lm.weights if w is not None or len(lm.indices) < len(Xa) else np.ones(len(lm.X))
        if self.method == "smacof":
            Y, stress, n_iter = smacof(D, self.n_components, lw, init=Y, max_iter=self.max_iter)
        else:
            n_iter = 1
            Yc = np.ascontiguousarray(Y)
            stress = float(_kernels.stress_grad(Yc, D, D, lw, 0.0, 1.0, 1.0, 1.0)[0])
        self.landmarks_ = lm.X
        self.landmark_indices_ = lm.indices
        self.landmark_weights_ = lm.weights
        self.embedding_ = Y
        self.eigenvalues_ = eig
        self.stress_ = stress
        self.n_iter_ = n_iter
        self._D = D
        return self

    def transform(self, X):
        """Place frames out-of-sample; a list in gives a list out (float64)."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = []
        for b in blocks:
            b = validate_data(self, b, reset=False, dtype=[np.float64, np.float32])
            Dn = pairwise_distances(b, self.landmarks_, self._period)
            if self.method == "classical":
                Y = landmark_mds_transform(Dn, self._D, self.embedding_, self.eigenvalues_)
            else:
                Y, _ = _kernels.project_points(
                    Dn, Dn, self.embedding_, self.landmark_weights_, 0.0, 1.0, 1.0, 1.0,
                    np.empty((0, self.n_components)), np.empty(0), 1.0, 100, 1e-10,
                )  # fmt: skip
            out.append(Y)
        return out if was_list else out[0]

    def fit_transform(self, X, y=None, weights=None):
        return self.fit(X, weights=weights).transform(X)
