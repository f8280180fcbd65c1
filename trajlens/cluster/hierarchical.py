"""Hierarchical clustering on landmarks (scipy), and k-means microstates for large N."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.reduce._validation import as_list

METHODS = ("ward", "average", "complete", "single")


class LandmarkHierarchical(ClusterMixin, BaseEstimator):
    """Agglomerative clustering of landmarks; every frame follows its nearest landmark.

    Landmarks are a seeded random subset of ``n_landmarks`` frames (all frames when there
    are fewer); scipy's ``linkage`` builds the tree on them and it is cut into
    ``n_clusters`` clusters or at ``distance_threshold``.

    Parameters
    ----------
    n_clusters : int or None, default 2
    distance_threshold : float or None
        Cut height (the linkage's distance units); give this or ``n_clusters``.
    linkage : {"ward", "average", "complete", "single"}, default "ward"
    n_landmarks : int, default 2000
    random_state : int, RandomState or None

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
        0, 1, ... by decreasing size.
    landmarks_ : ndarray of int, shape (n_landmarks,)
        Indices of the landmark frames.
    landmark_labels_ : ndarray of int
    linkage_matrix_ : ndarray, shape (n_landmarks - 1, 4)
        scipy linkage matrix, for ``scipy.cluster.hierarchy.dendrogram``.
    n_clusters_ : int
    """

    def __init__(
        self,
        n_clusters: int | None = 2,
        distance_threshold: float | None = None,
        linkage: str = "ward",
        n_landmarks: int = 2000,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.distance_threshold = distance_threshold
        self.linkage = linkage
        self.n_landmarks = n_landmarks
        self.random_state = random_state

    def fit(self, X, y=None):
        blocks, _ = as_list(X)
        X = validate_data(self, np.concatenate(blocks), dtype=np.float64, ensure_min_samples=2)
        if self.linkage not in METHODS:
            raise ValueError(f"linkage: expected one of {', '.join(METHODS)}, got {self.linkage!r}")
        if (self.n_clusters is None) == (self.distance_threshold is None):
            raise ValueError("give exactly one of n_clusters and distance_threshold")
        if self.n_clusters is not None and self.n_clusters < 1:
            raise ValueError(f"n_clusters: expected >= 1, got {self.n_clusters}")
        if self.n_landmarks < 2:
            raise ValueError(f"n_landmarks: expected >= 2, got {self.n_landmarks}")
        n = X.shape[0]
        rng = check_random_state(self.random_state)
        if n > self.n_landmarks:
            marks = np.sort(rng.choice(n, self.n_landmarks, replace=False))
        else:
            marks = np.arange(n)
        Z = linkage(X[marks], method=self.linkage)
        if self.n_clusters is not None:
            raw = fcluster(Z, t=min(self.n_clusters, marks.size), criterion="maxclust")
        else:
            raw = fcluster(Z, t=self.distance_threshold, criterion="distance")
        _, raw = np.unique(raw, return_inverse=True)
        sizes = np.bincount(raw)
        rank = np.empty_like(sizes)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(sizes.size)
        mark_labels = rank[raw]
        nn = NearestNeighbors(n_neighbors=1).fit(X[marks])
        self._nn = nn
        idx = nn.kneighbors(X, return_distance=False)[:, 0]
        self.landmarks_ = marks
        self.landmark_labels_ = mark_labels.astype(np.int64)
        self.linkage_matrix_ = Z
        self.labels_ = self.landmark_labels_[idx]
        self.n_clusters_ = int(sizes.size)
        return self

    def predict(self, X):
        """Cluster of new frames: that of their nearest landmark."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = []
        for block in blocks:
            block = validate_data(self, block, reset=False, dtype=np.float64)
            out.append(
                self.landmark_labels_[self._nn.kneighbors(block, return_distance=False)[:, 0]]
            )
        return out if was_list else out[0]


class KMeansMicrostates(ClusterMixin, TransformerMixin, BaseEstimator):
    """k-means microstates for many frames (scikit-learn's MiniBatchKMeans).

    Parameters
    ----------
    n_clusters : int, default 100
    batch_size : int, default 4096
    max_iter : int, default 100
    random_state : int, RandomState or None

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
    cluster_centers_ : ndarray, shape (n_clusters, n_features)
    inertia_ : float
    counts_ : ndarray of int, shape (n_clusters,)
    """

    def __init__(
        self, n_clusters: int = 100, batch_size: int = 4096, max_iter: int = 100, random_state=None
    ):
        self.n_clusters = n_clusters
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        blocks, _ = as_list(X)
        X = validate_data(self, np.concatenate(blocks), dtype=np.float64)
        if not 1 <= self.n_clusters <= X.shape[0]:
            raise ValueError(f"n_clusters: expected 1..{X.shape[0]}, got {self.n_clusters}")
        km = MiniBatchKMeans(
            n_clusters=self.n_clusters,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            n_init=3,
            random_state=self.random_state,
        ).fit(X)
        self.model_ = km
        self.cluster_centers_ = km.cluster_centers_
        self.labels_ = km.labels_.astype(np.int64)
        self.inertia_ = float(km.inertia_)
        self.n_iter_ = int(km.n_iter_)
        self.counts_ = np.bincount(self.labels_, minlength=self.n_clusters)
        return self

    def predict(self, X):
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = [
            self.model_.predict(validate_data(self, b, reset=False, dtype=np.float64)).astype(
                np.int64
            )
            for b in blocks
        ]
        return out if was_list else out[0]

    def transform(self, X):
        """Distance of each frame to every microstate centre, shape (n_samples, n_clusters)."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = [
            self.model_.transform(validate_data(self, b, reset=False, dtype=np.float64))
            for b in blocks
        ]
        return out if was_list else out[0]
