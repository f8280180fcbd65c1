"""Landmarks, classical and metric MDS against independent computations."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.utils.estimator_checks import parametrize_with_checks

from trajlens.reduce import MDS, _kernels, _reference, classical_mds, select_landmarks, smacof
from trajlens.reduce.landmarks import farthest_point_sampling


def test_distance_kernels_match_reference():
    rng = np.random.default_rng(0)
    X = rng.uniform(-4, 4, size=(50, 3))
    Y = rng.uniform(-4, 4, size=(20, 3))
    period = np.array([2 * np.pi, 0.0, 2 * np.pi])
    np.testing.assert_allclose(
        _kernels.pairwise_distances(X, Y, period),
        _reference.pairwise_distances(X, Y, period),
        rtol=1e-12,
    )
    idx, d = _kernels.nearest(X, Y, period)
    ridx, rd = _reference.nearest(X, Y, period)
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_allclose(d, rd, rtol=1e-12)
    # non-periodic distances equal scipy's
    np.testing.assert_allclose(
        _kernels.pairwise_distances(X, Y, np.zeros(3)), cdist(X, Y), rtol=1e-12
    )


def test_farthest_point_sampling_is_greedy_maximin():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    idx = farthest_point_sampling(X, 10, start=0)
    D = cdist(X, X)
    for k in range(1, 10):
        mind = D[:, idx[:k]].min(axis=1)
        assert mind[idx[k]] == pytest.approx(mind.max())


@pytest.mark.parametrize("method", ["fps", "random", "staged"])
def test_landmarks_and_voronoi_weights(method):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 3))
    w = rng.uniform(0.5, 2, size=500)
    lm = select_landmarks(X, 40, method=method, weights=w, random_state=0)
    assert len(np.unique(lm.indices)) == 40
    np.testing.assert_allclose(lm.X, X[lm.indices])
    assign = np.argmin(cdist(X, lm.X), axis=1)
    np.testing.assert_array_equal(lm.assignment, assign)
    np.testing.assert_allclose(lm.weights, np.bincount(assign, weights=w, minlength=40))
    np.testing.assert_allclose(lm.weights.sum(), w.sum())


def test_classical_mds_matches_eigendecomposition():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 5)) * [5, 3, 1, 0.5, 0.1]
    D = cdist(X, X)
    Y, lam = classical_mds(D, 3)
    # independent: the Gram matrix of centred X has the same non-zero eigenvalues
    Xc = X - X.mean(axis=0)
    ref_lam = np.sort(np.linalg.eigvalsh(Xc @ Xc.T))[::-1][:3]
    np.testing.assert_allclose(lam, ref_lam, rtol=1e-9)
    # and the coordinates are the principal-component scores (up to sign)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    ref = Xc @ Vt[:3].T
    signs = np.sign((Y * ref).sum(axis=0))
    np.testing.assert_allclose(Y * signs, ref, atol=1e-8)


def test_landmark_classical_mds_out_of_sample():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2000, 3)) * [4, 2, 1]
    model = MDS(n_components=3, n_landmarks=200, random_state=0).fit(X)
    # landmarks return their fitted coordinates exactly
    np.testing.assert_allclose(model.transform(model.landmarks_), model.embedding_, atol=1e-8)
    # Euclidean input of full rank: landmark MDS is exact, so all distances are preserved
    Y = model.transform(X[:300])
    np.testing.assert_allclose(cdist(Y, Y), cdist(X[:300], X[:300]), atol=1e-6)


def test_smacof_lowers_stress_and_projects_landmarks():
    rng = np.random.default_rng(5)
    t = rng.uniform(0, 3 * np.pi, 300)
    X = np.c_[t * np.cos(t), rng.uniform(0, 5, 300), t * np.sin(t)]
    classical = MDS(n_components=2, n_landmarks=300).fit(X)
    metric = MDS(n_components=2, method="smacof", n_landmarks=300).fit(X)
    assert metric.stress_ < classical.stress_
    # direct check of the reported stress
    D = cdist(X, X)
    _, s, _ = smacof(D, 2, init=classical.embedding_)
    np.testing.assert_allclose(metric.stress_, s, rtol=1e-6)
    # landmarks re-projected land near their fitted place: SMACOF converges to a stationary
    # point of the total stress, which is a stationary point of each landmark's own stress
    err = np.linalg.norm(metric.transform(X) - metric.embedding_, axis=1)
    assert np.median(err) < 0.02 * np.ptp(metric.embedding_)


@parametrize_with_checks([MDS(n_components=1, n_landmarks=20), MDS(method="smacof", max_iter=20)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
