"""Streamed PCA against scikit-learn and a direct weighted covariance."""

import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA
from sklearn.utils.estimator_checks import parametrize_with_checks

from trajlens.featurize import backbone_dihedrals, featurize, selection_pair_distances
from trajlens.reduce import PCA, RunningMoments


@pytest.fixture(scope="module")
def ala2_features(ala2):
    spec = backbone_dihedrals(ala2.topology) + selection_pair_distances(
        ala2.topology, "not element H"
    )
    return featurize(ala2, spec)[0]


def test_matches_sklearn_on_alanine_dipeptide(ala2_features):
    X = ala2_features
    ours = PCA(n_components=4).fit(X)
    ref = SklearnPCA(n_components=4, svd_solver="full").fit(X.astype(np.float64))
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-6
    )
    signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1))
    np.testing.assert_allclose(ours.components_, ref.components_ * signs[:, None], atol=1e-6)
    np.testing.assert_allclose(
        ours.transform(X.astype(np.float64)),
        ref.transform(X.astype(np.float64)) * signs,
        atol=1e-6,
    )


def test_streaming_and_lists_equal_one_pass(ala2_features):
    X = ala2_features.astype(np.float64)
    whole = PCA(n_components=3).fit(X)
    streamed = PCA(n_components=3)
    for start in range(0, X.shape[0], 777):
        streamed.partial_fit(X[start : start + 777])
    as_list = PCA(n_components=3).fit([X[:3000], X[3000:]])
    for other in (streamed, as_list):
        np.testing.assert_allclose(other.components_, whole.components_, atol=1e-9)
        np.testing.assert_allclose(other.explained_variance_, whole.explained_variance_, rtol=1e-9)
    out = as_list.transform([X[:10], X[10:30]])
    assert isinstance(out, list) and [o.shape for o in out] == [(10, 3), (20, 3)]


def test_weighted_pca_matches_direct_covariance():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 5)) @ rng.normal(size=(5, 5))
    w = rng.uniform(0.1, 3.0, size=400)
    model = PCA(n_components=5).fit(X, weights=w)
    mean = np.average(X, axis=0, weights=w)
    cov = np.cov(X, rowvar=False, aweights=w)  # numpy's reliability-weight covariance
    evals = np.sort(np.linalg.eigvalsh(cov))[::-1]
    np.testing.assert_allclose(model.mean_, mean, rtol=1e-12)
    np.testing.assert_allclose(model.explained_variance_, evals, rtol=1e-10)
    # integer weights are the same as repeating frames
    counts = rng.integers(1, 4, size=400)
    repeated = PCA(n_components=5).fit(np.repeat(X, counts, axis=0))
    weighted = PCA(n_components=5).fit(X, weights=counts.astype(float))
    np.testing.assert_allclose(weighted.mean_, repeated.mean_, rtol=1e-12)
    np.testing.assert_allclose(weighted._moments.scatter, repeated._moments.scatter, rtol=1e-10)


def test_running_moments_merge_is_order_free():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    a = RunningMoments(4).add(X[:100]).add(X[100:])
    b = RunningMoments(4).add(X[200:]).merge(RunningMoments(4).add(X[:200]))
    np.testing.assert_allclose(a.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(a.covariance(), np.cov(X, rowvar=False), rtol=1e-12)
    np.testing.assert_allclose(b.covariance(), a.covariance(), rtol=1e-12)


@parametrize_with_checks([PCA(n_components=1)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
