"""Principal component analysis from streamed, weighted float64 moments."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import validate_data

from trajlens.reduce._linear import LinearProjectionMixin
from trajlens.reduce._moments import RunningMoments
from trajlens.reduce._validation import as_list, as_weights


def pca_from_moments(moments: RunningMoments, n_components: int):
    """Eigen-decomposition of the covariance: ``(components, variances, total_variance)``.

    Components are rows, ordered by decreasing variance, each with its largest-magnitude
    loading positive (a deterministic sign).
    """
    cov = moments.covariance()
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals = np.clip(evals[order], 0.0, None)
    evecs = evecs[:, order].T
    signs = np.sign(evecs[np.arange(evecs.shape[0]), np.argmax(np.abs(evecs), axis=1)])
    evecs *= signs[:, None]
    return evecs[:n_components], evals[:n_components], float(np.trace(cov))


class PCA(LinearProjectionMixin, TransformerMixin, BaseEstimator):
    """PCA whose covariance is accumulated in float64 over chunks and trajectories.

    Accepts one array or a list of arrays (one per trajectory) and optional per-frame
    weights (for example from reweighting a biased run). ``partial_fit`` streams blocks.

    Parameters
    ----------
    n_components : int, default 2
        Number of components kept.

    Attributes
    ----------
    mean_ : ndarray, shape (n_features,)
        Weighted mean of the inputs.
    components_ : ndarray, shape (n_components, n_features)
        Principal axes (rows), by decreasing variance.
    explained_variance_ : ndarray, shape (n_components,)
        Variance along each axis (unbiased, ddof=1 when unweighted, as scikit-learn).
    explained_variance_ratio_ : ndarray, shape (n_components,)
    n_samples_seen_ : int
    n_features_in_ : int
    """

    def __init__(self, n_components: int = 2):
        self.n_components = n_components

    def _check_params(self):
        n = self.n_components
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n_components: expected a positive integer, got {n!r}")

    def _accumulate(self, X, weights, reset: bool):
        if reset:
            self._check_params()
        blocks, _ = as_list(X)
        ws = as_weights(weights, blocks)
        for k, block in enumerate(blocks):
            block = validate_data(
                self, block, reset=reset and k == 0, dtype=[np.float64, np.float32]
            )
            if reset and k == 0:
                self._moments = RunningMoments(block.shape[1])
                self.n_samples_seen_ = 0
            self._moments.add(block, None if ws is None else ws[k])
            self.n_samples_seen_ += block.shape[0]
        return self

    def _finish(self):
        if self.n_components > self.n_features_in_:
            raise ValueError(
                f"n_components={self.n_components} must be <= n_features={self.n_features_in_}"
            )
        if self.n_samples_seen_ < 2:
            raise ValueError(f"PCA needs at least 2 samples, got n_samples={self.n_samples_seen_}")
        comps, var, total = pca_from_moments(self._moments, self.n_components)
        self.mean_ = self._moments.mean.copy()
        self.components_ = comps
        self.explained_variance_ = var
        self.explained_variance_ratio_ = var / total if total > 0 else np.zeros_like(var)
        return self

    def fit(self, X, y=None, weights=None):
        """Fit on an array (n_frames, n_features) or a list of them.

        Parameters
        ----------
        X : ndarray or list of ndarray
        y : ignored
        weights : ndarray or list of ndarray, optional
            Per-frame non-negative weights, same layout as ``X``.
        """
        return self._accumulate(X, weights, reset=True)._finish()

    def partial_fit(self, X, y=None, weights=None):
        """Add a block of frames to the accumulated moments and refit."""
        first = not hasattr(self, "_moments")
        return self._accumulate(X, weights, reset=first)._finish()
