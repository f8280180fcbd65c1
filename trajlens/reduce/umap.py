"""UMAP (umap-learn) fitted on landmarks, with every frame placed by ``transform``.

umap-learn is imported lazily (it takes seconds to import). Periodic features (``period``) are
replaced by their (cos, sin) pair scaled to the circle's radius before UMAP sees them, so that
angles near -pi and pi are neighbours. Per-frame weights bias the landmark draw (random landmarks
are drawn proportionally to the weights); UMAP itself has no sample weights. With a fixed
``random_state`` the fit and the transform are deterministic (umap-learn then runs on one
thread).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.reduce._validation import as_list
from trajlens.reduce.landmarks import fit_inputs


def unwrap_periodic(X: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Replace each periodic column x (period P) by (R cos(2 pi x / P), R sin(2 pi x / P)),
    R = P / (2 pi); other columns are kept. Returns float64 (n, n_features + n_periodic)."""
    X = np.asarray(X, dtype=np.float64)
    if not np.any(period > 0):
        return X
    cols = []
    for k in range(X.shape[1]):
        if period[k] > 0:
            r = period[k] / (2 * np.pi)
            cols += [r * np.cos(X[:, k] / r), r * np.sin(X[:, k] / r)]
        else:
            cols.append(X[:, k])
    return np.stack(cols, axis=1)


def umap_embedding(X, n_components=2, n_neighbors=15, min_dist=0.1, random_state=None, **kw):
    """Fit umap-learn's UMAP on X (n, f); returns the fitted ``umap.UMAP`` object."""
    import umap  # slow to import

    if random_state is not None:
        kw.setdefault("n_jobs", 1)  # umap-learn forces one thread when seeded; say so quietly
    return umap.UMAP(
        n_components=n_components,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        random_state=random_state,
        **kw,
    ).fit(X)


class UMAP(TransformerMixin, BaseEstimator):
    """UMAP on landmarks (umap-learn) with out-of-sample ``transform`` of every frame.

    Parameters
    ----------
    n_components : int, default 2
    n_neighbors : int, default 15
    min_dist : float, default 0.1
    n_landmarks : int, default 5000
        Frames UMAP is fitted on (all frames when there are fewer).
    landmarks : {"random", "fps", "staged"}, default "random"
        Random landmarks follow the density, which UMAP's neighbour graph expects.
    period : None, float or array (n_features,), default None
        Period of each input feature (2*pi for angles; 0 = not periodic).
    n_epochs : int or None, default None
        umap-learn's optimisation epochs (None: its default).
    random_state : int, RandomState or None

    Attributes
    ----------
    landmarks_ : ndarray, shape (n_landmarks, n_features)
    landmark_indices_ : ndarray of int
    embedding_ : ndarray, shape (n_landmarks, n_components)
    umap_ : umap.UMAP
        The fitted umap-learn model.
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 2,
        n_neighbors: int = 15,
        min_dist: float = 0.1,
        n_landmarks: int = 5000,
        landmarks: str = "random",
        period=None,
        n_epochs: int | None = None,
        random_state=None,
    ):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.n_landmarks = n_landmarks
        self.landmarks = landmarks
        self.period = period
        self.n_epochs = n_epochs
        self.random_state = random_state

    def fit(self, X, y=None, weights=None):
        """Fit on frames (n_frames, n_features) or a list of them; optional per-frame weights."""
        _, _, self._period, lm = fit_inputs(self, X, weights, min_samples=3)
        Z = unwrap_periodic(lm.X, self._period)
        seed = self.random_state
        if isinstance(seed, np.random.RandomState):
            seed = int(seed.randint(np.iinfo(np.int32).max))
        self.umap_ = umap_embedding(
            Z,
            self.n_components,
            min(self.n_neighbors, len(Z) - 1),
            self.min_dist,
            seed,
            n_epochs=self.n_epochs,
        )
        self.landmarks_ = lm.X
        self.landmark_indices_ = lm.indices
        self.landmark_weights_ = lm.weights
        self.embedding_ = np.asarray(self.umap_.embedding_, dtype=np.float64)
        return self

    def transform(self, X, chunk: int = 50000):
        """Place frames with umap-learn's transform; a list in gives a list out (float64).

        Frames go to umap-learn in near-equal chunks of at most ``chunk`` rows (each array
        of more than ``chunk`` rows is split into ceil(n / chunk) parts), which bounds the
        memory (with fewer than 4,096 landmarks umap-learn computes the full distance matrix
        of the frames to the landmarks) and keeps umap-learn's epoch count the same for
        every chunk (30 epochs for batches of more than 10,000 frames, else 100). The result
        is deterministic for a fixed ``random_state`` and ``chunk``; a frame's position
        depends (slightly) on the other frames of its chunk, as in umap-learn.
        """
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = []
        for b in blocks:
            b = validate_data(self, b, reset=False, dtype=[np.float64, np.float32])
            parts = np.array_split(np.arange(len(b)), max(1, -(-len(b) // int(chunk))))
            Y = [self.umap_.transform(unwrap_periodic(b[p], self._period)) for p in parts]
            out.append(np.concatenate(Y).astype(np.float64, copy=False))
        return out if was_list else out[0]

    def fit_transform(self, X, y=None, weights=None):
        return self.fit(X, weights=weights).transform(X)
