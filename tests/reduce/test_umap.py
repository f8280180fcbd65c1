"""UMAP on landmarks: quality (trustworthiness), determinism, periodic inputs."""

import numpy as np
import pytest
from sklearn.manifold import trustworthiness
from sklearn.utils.estimator_checks import parametrize_with_checks

from trajlens.reduce import UMAP
from trajlens.reduce.umap import unwrap_periodic


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6, size=(4, 10))
    labels = rng.integers(0, 4, 1200)
    return centres[labels] + rng.normal(size=(1200, 10)), labels


def test_landmark_fit_and_transform_quality(blobs):
    X, labels = blobs
    model = UMAP(n_landmarks=300, n_epochs=100, random_state=0).fit(X)
    assert model.embedding_.shape == (300, 2)
    Y = model.transform(X)
    # 4 well-separated Gaussian blobs: neighbourhoods are preserved (sklearn's example
    # digits reach ~0.9; separated blobs give higher); 0.85 is a loose floor for 300 landmarks
    assert trustworthiness(X, Y, n_neighbors=10) > 0.85
    # each blob maps to its own region: nearest-centroid in the map recovers the labels
    cents = np.array([Y[labels == k].mean(axis=0) for k in range(4)])
    pred = np.argmin(((Y[:, None, :] - cents[None]) ** 2).sum(-1), axis=1)
    assert np.mean(pred == labels) > 0.95


def test_deterministic_for_fixed_random_state(blobs):
    X, _ = blobs
    a = UMAP(n_landmarks=200, n_epochs=50, random_state=3).fit(X)
    b = UMAP(n_landmarks=200, n_epochs=50, random_state=3).fit(X)
    np.testing.assert_array_equal(a.landmark_indices_, b.landmark_indices_)
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    np.testing.assert_array_equal(a.transform(X[:50]), b.transform(X[:50]))


def test_chunked_transform_is_deterministic_and_as_good(blobs):
    X, _ = blobs
    model = UMAP(n_landmarks=300, n_epochs=100, random_state=0).fit(X)
    a = model.transform(X, chunk=500)  # 3 chunks of 400 frames
    np.testing.assert_array_equal(a, model.transform(X, chunk=500))
    # same 0.85 floor as the unchunked transform: chunks change the negative samples only
    assert trustworthiness(X, a, n_neighbors=10) > 0.85
    # a list in gives a list out, each array chunked on its own
    parts = model.transform([X[:700], X[700:]], chunk=500)
    assert [p.shape for p in parts] == [(700, 2), (500, 2)]


def test_periodic_features_become_circles():
    x = np.array([[-np.pi + 0.01, 1.0], [np.pi - 0.01, 1.0]])
    Z = unwrap_periodic(x, np.array([2 * np.pi, 0.0]))
    assert Z.shape == (2, 3)
    # the chord between the two angles is 0.02 rad long on a unit circle
    assert np.linalg.norm(Z[0] - Z[1]) == pytest.approx(2 * np.sin(0.01), rel=1e-9)


# umap-learn's transform optimises the new points as one batch with a shared random stream,
# so a point's position depends on the other points transformed with it
_UMAP_BATCH = "umap-learn's transform is batch-dependent (shared negative sampling)"


@parametrize_with_checks(
    [UMAP(n_landmarks=40, n_neighbors=5, n_epochs=20, random_state=0)],
    expected_failed_checks=lambda est: {
        "check_methods_subset_invariance": _UMAP_BATCH,
        "check_methods_sample_order_invariance": _UMAP_BATCH,
    },
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
