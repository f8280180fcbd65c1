"""Mergeable, weighted running moments in float64 (Chan, Golub & LeVeque's update).

Used to stream means and covariances over chunks, trajectories and (later) workers: two
``RunningMoments`` built on disjoint data merge into the moments of the union.
"""

from __future__ import annotations

import numpy as np


class RunningMoments:
    """Weighted mean and scatter matrix accumulated chunk by chunk.

    Attributes
    ----------
    weight : float
        Sum of weights W (the number of frames if unweighted).
    weight2 : float
        Sum of squared weights (for the unbiased covariance of reliability weights).
    mean : ndarray of float64, shape (n_features,)
    scatter : ndarray of float64, shape (n_features, n_features)
        Sum of w (x - mean)(x - mean)^T.
    """

    def __init__(self, n_features: int):
        self.weight = 0.0
        self.weight2 = 0.0
        self.mean = np.zeros(n_features)
        self.scatter = np.zeros((n_features, n_features))

    def add(self, X: np.ndarray, weights: np.ndarray | None = None) -> RunningMoments:
        """Add a block of frames X (n, n_features) with optional weights (n,)."""
        X = np.asarray(X, dtype=np.float64)
        if X.shape[0] == 0:
            return self
        if weights is None:
            w = float(X.shape[0])
            w2 = w
            mean = X.mean(axis=0)
            centred = X - mean
            scatter = centred.T @ centred
        else:
            weights = np.asarray(weights, dtype=np.float64)
            w = float(weights.sum())
            if w <= 0:
                return self
            w2 = float(np.dot(weights, weights))
            mean = weights @ X / w
            centred = X - mean
            scatter = (centred * weights[:, None]).T @ centred
        other = RunningMoments(X.shape[1])
        other.weight, other.weight2, other.mean, other.scatter = w, w2, mean, scatter
        return self.merge(other)

    def merge(self, other: RunningMoments) -> RunningMoments:
        """Combine with the moments of another, disjoint block (in place)."""
        if other.weight == 0:
            return self
        if self.weight == 0:
            self.weight, self.weight2 = other.weight, other.weight2
            self.mean, self.scatter = other.mean.copy(), other.scatter.copy()
            return self
        total = self.weight + other.weight
        delta = other.mean - self.mean
        self.scatter = (
            self.scatter
            + other.scatter
            + np.outer(delta, delta) * (self.weight * other.weight / total)
        )
        self.mean = self.mean + delta * (other.weight / total)
        self.weight = total
        self.weight2 += other.weight2
        return self

    def covariance(self) -> np.ndarray:
        """Unbiased covariance, scatter / (W - W2 / W); equals ddof=1 when unweighted."""
        denom = self.weight - self.weight2 / self.weight
        if denom <= 0:
            raise ValueError("covariance needs more than one frame of non-zero weight")
        return self.scatter / denom
