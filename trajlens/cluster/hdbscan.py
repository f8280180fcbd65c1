"""HDBSCAN (the hdbscan package) on a projection, with subsampled fits for large inputs."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.reduce._validation import as_list


class HDBSCAN(ClusterMixin, BaseEstimator):
    """Density-based clustering with noise (label -1), through the ``hdbscan`` package.

    For more than ``max_fit_samples`` frames the tree is built on a seeded random subset
    and every frame is then labelled with ``hdbscan.approximate_predict``, so the cost stays
    bounded for millions of frames.

    Parameters
    ----------
    min_cluster_size : int or None, default None
        Smallest cluster; None picks max(20, 1% of the frames used for the fit).
    min_samples : int or None, default None
        Density smoothing (hdbscan's default: equal to ``min_cluster_size``).
    max_fit_samples : int, default 20000
        Frames used to build the cluster tree.
    random_state : int, RandomState or None
        Seed for the subset.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_frames,)
        Cluster of each frame (all trajectories concatenated), -1 for noise.
    probabilities_ : ndarray of float, shape (n_frames,)
        Strength of membership in [0, 1].
    n_clusters_ : int
    """

    def __init__(
        self,
        min_cluster_size: int | None = None,
        min_samples: int | None = None,
        max_fit_samples: int = 20000,
        random_state=None,
    ):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_fit_samples = max_fit_samples
        self.random_state = random_state

    def fit(self, X, y=None):
        import hdbscan

        blocks, _ = as_list(X)
        X = validate_data(self, np.concatenate(blocks), dtype=np.float64)
        if self.max_fit_samples < 2:
            raise ValueError(f"max_fit_samples: expected >= 2, got {self.max_fit_samples}")
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        if n > self.max_fit_samples:
            subset = np.sort(rng.choice(n, self.max_fit_samples, replace=False))
        else:
            subset = np.arange(n)
        size = self.min_cluster_size
        if size is None:
            size = max(20, subset.size // 100)
        size = int(min(max(size, 2), max(subset.size, 2)))
        model = hdbscan.HDBSCAN(
            min_cluster_size=size,
            min_samples=self.min_samples,
            prediction_data=True,
        )
        if subset.size < 3:
            labels, probs = np.full(n, -1), np.zeros(n)
        else:
            model.fit(X[subset])
            if subset.size == n:
                labels, probs = model.labels_, model.probabilities_
            else:
                labels, probs = _predict_in_blocks(model, X)
        self.model_ = model
        self.fit_on_subset_ = bool(subset.size < n)
        self.min_cluster_size_ = size
        self.labels_ = np.asarray(labels, dtype=np.int64)
        self.probabilities_ = np.asarray(probs, dtype=np.float64)
        self.n_clusters_ = int(self.labels_.max() + 1) if self.labels_.size else 0
        return self

    def predict(self, X):
        """Labels of new frames (``hdbscan.approximate_predict``)."""

        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = []
        for block in blocks:
            block = validate_data(self, block, reset=False, dtype=np.float64)
            labels, _ = _predict_in_blocks(self.model_, block)
            out.append(np.asarray(labels, dtype=np.int64))
        return out if was_list else out[0]

    def membership(self, X=None):
        """Soft membership of frames in each cluster (hdbscan's membership vectors).

        Parameters
        ----------
        X : array, shape (n_samples, n_features), or list of arrays, optional
            New frames (``hdbscan.membership_vector``). Without it, the frames the tree was
            built on (``hdbscan.all_points_membership_vectors``).

        Returns
        -------
        ndarray of float64, shape (n_samples, n_clusters_)
            Each row: the probability that the frame belongs to each cluster; rows sum to
            at most 1, the rest being the chance that the frame is noise.
        """
        import hdbscan

        check_is_fitted(self)
        k = self.n_clusters_
        if X is None:
            if self.fit_on_subset_:
                raise ValueError(
                    "membership: the tree was built on a subset of the frames "
                    "(max_fit_samples); pass the frames as X"
                )
            if k == 0:
                return np.zeros((self.labels_.size, 0))
            out = np.asarray(hdbscan.all_points_membership_vectors(self.model_), dtype=np.float64)
            return out.reshape(-1, k)
        blocks, was_list = as_list(X)
        out = []
        for block in blocks:
            block = validate_data(self, block, reset=False, dtype=np.float64)
            if k == 0:
                out.append(np.zeros((block.shape[0], 0)))
            else:
                out.append(
                    np.asarray(
                        hdbscan.membership_vector(self.model_, block), dtype=np.float64
                    ).reshape(-1, k)
                )
        return out if was_list else out[0]


#: frames per ``approximate_predict`` call: hdbscan's query allocates per-call arrays of
#: (frames × min_samples) and more, so one call on a million frames took ~9.7 GB of memory
PREDICT_BLOCK = 50_000


def _predict_in_blocks(model, X):
    """``hdbscan.approximate_predict`` over blocks of rows, so memory is set by the block."""
    import hdbscan

    labels = np.empty(X.shape[0], dtype=np.int64)
    probs = np.empty(X.shape[0], dtype=np.float64)
    for start in range(0, X.shape[0], PREDICT_BLOCK):
        stop = min(start + PREDICT_BLOCK, X.shape[0])
        labels[start:stop], probs[start:stop] = hdbscan.approximate_predict(model, X[start:stop])
    return labels, probs
