"""Which features separate the basins, and which carry the slowest dynamics.

Scores per feature (column of the feature matrix):

- ``fisher``: between-basin over within-basin variance, sum_k n_k (m_k - m)^2 / sum_k n_k s_k^2
  (the one-dimensional LDA criterion);
- ``hlda``: the one-dimensional harmonic LDA criterion of Mendels, Piccini & Parrinello
  (J. Phys. Chem. Lett. 9, 2776, 2018): sum_k (m_k - mbar)^2 * sum_k 1/s_k^2, the within-basin
  scatter being the harmonic (not arithmetic) mean of the basins' variances, so that a
  narrow basin is not drowned by a broad one;
- ``mutual_info``: mutual information (nats) between the feature and the basin label
  (scikit-learn's k-nearest-neighbour estimator, ``mutual_info_classif``);
- ``tica``: |correlation| of the feature with the slowest TICA component (``lag`` frames, pairs
  never across trajectories).

The multivariate versions (:class:`LDA`, :class:`HLDA`) are estimators whose components are
linear CVs (see :mod:`trajlens.cvs.builders`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.exceptions import InputError
from trajlens.reduce._linear import LinearProjectionMixin
from trajlens.reduce._validation import as_list

SCORES = ("fisher", "hlda", "mutual_info", "tica")


def _class_stats(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None):
    """Per-class weighted mean (k, f), covariance (k, f, f) and weight (k,) for labels >= 0."""
    classes = np.unique(y[y >= 0])
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    means, covs, pops = [], [], []
    for c in classes:
        m = y == c
        wc = w[m]
        Xc = X[m].astype(np.float64)
        mu = np.average(Xc, axis=0, weights=wc)
        Z = Xc - mu
        covs.append((Z * wc[:, None]).T @ Z / wc.sum())
        means.append(mu)
        pops.append(wc.sum())
    return classes, np.array(means), np.array(covs), np.array(pops)


def _concat(values) -> np.ndarray:
    if isinstance(values, (list, tuple)):
        return np.concatenate([np.asarray(v).reshape(-1) for v in values])
    return np.asarray(values).reshape(-1)


def _check_labels(X, labels, weights=None):
    blocks, _ = as_list(X)
    Xa = np.concatenate([np.asarray(b, dtype=np.float64) for b in blocks])
    y = _concat(labels).astype(np.int64)
    if y.shape != (Xa.shape[0],):
        raise InputError(
            f"labels: expected one basin label per frame ({Xa.shape[0]}), got shape {y.shape}"
        )
    w = None
    if weights is not None:
        w = _concat(weights).astype(np.float64)
        if w.shape != y.shape:
            raise InputError(f"weights: expected {y.shape[0]} per-frame weights, got {w.shape}")
    classes = np.unique(y[y >= 0])
    if classes.size < 2:
        raise InputError(
            f"labels: need frames in at least 2 basins (labels >= 0), got {classes.size} "
            f"class{'' if classes.size == 1 else 'es'}"
        )
    for c in classes:
        if np.count_nonzero(y == c) < 2:
            raise InputError(f"labels: basin {c} has fewer than 2 frames")
    return Xa, y, w


def fisher_scores(X, labels, weights=None) -> np.ndarray:
    """Per-feature Fisher ratio sum_k n_k (m_k - m)^2 / sum_k n_k s_k^2, shape (n_features,).

    Frames with label -1 (no basin) are ignored; ``weights`` are per-frame weights.
    """
    X, y, w = _check_labels(X, labels, weights)
    _, means, covs, pops = _class_stats(X, y, w)
    var = np.diagonal(covs, axis1=1, axis2=2)
    mu = np.average(means, axis=0, weights=pops)
    between = (pops[:, None] * (means - mu) ** 2).sum(0)
    within = (pops[:, None] * var).sum(0)
    return between / np.maximum(within, 1e-300)


def hlda_scores(X, labels, weights=None) -> np.ndarray:
    """Per-feature harmonic-LDA ratio sum_k (m_k - mbar)^2 * sum_k 1/s_k^2, shape (n_features,)."""
    X, y, w = _check_labels(X, labels, weights)
    _, means, covs, _ = _class_stats(X, y, w)
    var = np.diagonal(covs, axis1=1, axis2=2)
    mbar = means.mean(0)
    between = ((means - mbar) ** 2).sum(0)
    inv_within = (1.0 / np.maximum(var, 1e-300)).sum(0)
    return between * inv_within


def mutual_info_scores(X, labels, random_state=0, n_samples: int = 5000) -> np.ndarray:
    """Mutual information (nats) between each feature and the basin label, (n_features,).

    scikit-learn's ``mutual_info_classif`` (k-nearest-neighbour estimate, k=3) on at most
    ``n_samples`` frames drawn at random from those in a basin.
    """
    from sklearn.feature_selection import mutual_info_classif

    X, y, _ = _check_labels(X, labels)
    keep = np.flatnonzero(y >= 0)
    rng = np.random.default_rng(random_state)
    if keep.size > n_samples:
        keep = np.sort(rng.choice(keep, n_samples, replace=False))
    return mutual_info_classif(X[keep], y[keep], random_state=random_state)


def tica_scores(X, lag: int = 1, n_components: int = 1) -> np.ndarray:
    """Absolute correlation of each feature with the slowest TICA component(s), (n_features,).

    With ``n_components > 1`` the largest absolute correlation over the slowest components.
    """
    from trajlens.reduce import TICA

    blocks, _ = as_list(X)
    model = TICA(lag=lag, n_components=n_components, scaling=None).fit(blocks)
    Xa = np.concatenate([np.asarray(b, np.float64) for b in blocks])
    Y = model.transform(Xa)
    Xc = Xa - Xa.mean(0)
    Yc = Y - Y.mean(0)
    sx = np.sqrt((Xc**2).sum(0))
    sy = np.sqrt((Yc**2).sum(0))
    corr = (Xc.T @ Yc) / np.maximum(np.outer(sx, sy), 1e-300)
    return np.abs(corr).max(axis=1)


@dataclass
class FeatureRanking:
    """Scores of every feature, and their order.

    Attributes
    ----------
    labels : list of str
        PLUMED labels of the features (column order).
    scores : dict of str -> ndarray (n_features,)
        ``fisher``, ``hlda``, ``mutual_info``, ``tica`` (those computed).
    by : str
        The score the ranking is sorted by.
    order : ndarray of int
        Feature indices, best first.
    """

    labels: list[str]
    scores: dict[str, np.ndarray]
    by: str
    order: np.ndarray

    def to_table(self) -> dict[str, np.ndarray]:
        """Rows best first: ``rank``, ``feature`` (PLUMED label), one column per score."""
        table = {
            "rank": np.arange(1, len(self.order) + 1),
            "feature": np.array(self.labels, dtype=object)[self.order],
        }
        for name, values in self.scores.items():
            table[name] = values[self.order]
        return table

    def top(self, n: int = 10) -> list[str]:
        return [self.labels[i] for i in self.order[:n]]

    def to_csv(self, path) -> None:
        table = self.to_table()
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(list(table))
            for i in range(len(self.order)):
                writer.writerow(
                    [
                        f"{v[i]:.6g}" if isinstance(v[i], (float, np.floating)) else str(v[i])
                        for v in table.values()
                    ]
                )


def rank_features(
    X,
    labels,
    feature_labels=None,
    *,
    by: str = "hlda",
    scores=SCORES,
    lag: int = 1,
    weights=None,
    random_state=0,
) -> FeatureRanking:
    """Score every feature for separating basins (and slow dynamics) and rank them.

    Parameters
    ----------
    X : ndarray (n_frames, n_features) or list of them (one per trajectory)
    labels : ndarray of int (n_frames,) or list of them
        Basin of each frame (-1: none), for example ``BasinSet.frame_labels``.
    feature_labels : FeatureSpec or sequence of str, optional
        PLUMED labels of the columns (``spec.labels``); ``f0, f1, ...`` if None.
    by : str
        Score to sort by (one of ``scores``).
    scores : sequence of str
        Which of ``fisher``, ``hlda``, ``mutual_info``, ``tica`` to compute.
    lag : int
        TICA lag in frames.
    weights : per-frame weights, optional (Fisher and HLDA).
    random_state : int
        Seeds the mutual-information estimate.
    """
    scores = tuple(scores)
    bad = [s for s in scores if s not in SCORES]
    if bad:
        raise InputError(f"scores: unknown {bad}; expected some of {SCORES}")
    if by not in scores:
        raise InputError(f"by: expected one of the computed scores {scores}, got {by!r}")
    blocks, _ = as_list(X)
    n_features = np.asarray(blocks[0]).shape[1]
    if feature_labels is None:
        names = [f"f{k}" for k in range(n_features)]
    else:
        names = list(getattr(feature_labels, "labels", feature_labels))
    if len(names) != n_features:
        raise InputError(f"feature_labels: {len(names)} labels for {n_features} features")
    out: dict[str, np.ndarray] = {}
    for name in scores:
        if name == "fisher":
            out[name] = fisher_scores(blocks, labels, weights)
        elif name == "hlda":
            out[name] = hlda_scores(blocks, labels, weights)
        elif name == "mutual_info":
            out[name] = mutual_info_scores(blocks, labels, random_state)
        else:
            out[name] = tica_scores(blocks, lag)
    order = np.argsort(-out[by], kind="stable")
    return FeatureRanking(labels=names, scores=out, by=by, order=order)


class _DiscriminantBase(LinearProjectionMixin, TransformerMixin, BaseEstimator):
    harmonic = False

    def __init__(self, n_components: int | None = None, reg: float = 1e-6):
        self.n_components = n_components
        self.reg = reg

    def fit(self, X, y, weights=None):
        """Fit on frames X (n_frames, n_features) with basin labels y (-1: ignored).

        Parameters
        ----------
        X : ndarray or list of ndarray
        y : ndarray of int or list of them
        weights : per-frame weights, optional
        """
        blocks, _ = as_list(X)
        blocks = [
            validate_data(self, b, reset=k == 0, dtype=[np.float64, np.float32])
            for k, b in enumerate(blocks)
        ]
        Xa, ya, w = _check_labels(blocks, y, weights)
        self.classes_, means, covs, pops = _class_stats(Xa, ya, w)
        k, f = means.shape
        n = k - 1 if self.n_components is None else int(self.n_components)
        if not 1 <= n <= min(k - 1, f):
            raise ValueError(
                f"n_components: expected 1..{min(k - 1, f)} for {k} basins, got {self.n_components}"
            )
        scale = np.trace(covs.sum(0)) / (k * f)
        ridge = float(self.reg) * max(scale, 1e-300) * np.eye(f)
        if self.harmonic:
            sw_inv = sum(np.linalg.inv(c + ridge) for c in covs)
            sw = np.linalg.inv(sw_inv)
            centre = means.mean(0)
            sb = sum(np.outer(m - centre, m - centre) for m in means)
        else:
            p = pops / pops.sum()
            sw = np.einsum("k,kij->ij", p, covs) + ridge
            centre = p @ means
            sb = sum(pk * np.outer(m - centre, m - centre) for pk, m in zip(p, means, strict=True))
        sw = 0.5 * (sw + sw.T)
        evals, evecs = scipy.linalg.eigh(0.5 * (sb + sb.T), sw)
        order = np.argsort(evals)[::-1][:n]
        V = evecs[:, order]
        V /= np.linalg.norm(V, axis=0)
        V *= np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(n)])
        self.components_ = V.T
        self.eigenvalues_ = evals[order]
        self.mean_ = np.average(Xa[ya >= 0], axis=0, weights=None if w is None else w[ya >= 0])
        self.class_means_ = means
        return self

    def fit_transform(self, X, y=None, weights=None):
        return self.fit(X, y, weights=weights).transform(X)

    def transform(self, X):
        check_is_fitted(self)
        return super().transform(X)


class LDA(_DiscriminantBase):
    """Fisher linear discriminant analysis of basins: components solve S_b v = l S_w v.

    S_w is the population-weighted mean of the basins' covariances, S_b the weighted scatter of
    their means. Components are unit vectors (largest loading positive) in feature space;
    ``transform`` gives ``(x - mean_) @ components_.T``.

    Parameters
    ----------
    n_components : int or None
        At most n_basins - 1 (None: that).
    reg : float
        Ridge added to S_w, relative to its mean variance (singular covariances).

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
    eigenvalues_ : ndarray (n_components,)
    mean_ : ndarray (n_features,)
        Mean of the frames in a basin.
    classes_ : ndarray of int
    class_means_ : ndarray (n_basins, n_features)
    """


class HLDA(_DiscriminantBase):
    """Harmonic LDA (Mendels, Piccini & Parrinello, J. Phys. Chem. Lett. 9, 2776, 2018).

    As :class:`LDA` but S_w^-1 = sum_k Sigma_k^-1 (the within-basin scatter is the harmonic mean
    of the basins' covariances) and S_b = sum_k (m_k - mbar)(m_k - mbar)^T; for two basins the
    component is proportional to (Sigma_A^-1 + Sigma_B^-1)(m_A - m_B).
    """

    harmonic = True
