"""Density peaks (numba vs NumPy, vs a brute-force reference), ADP, hierarchical, k-means,
HDBSCAN soft membership."""

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from trajlens.cluster import (
    HDBSCAN,
    AdvancedDensityPeaks,
    DensityPeaks,
    KMeansMicrostates,
    LandmarkHierarchical,
    _kernels,
    _reference,
)


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(600, centers=[[0, 0], [5, 0], [0, 5]], cluster_std=0.8, random_state=0)


def test_kernels_match_numpy_reference():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    dc = 0.7
    rho = _kernels.gaussian_density(X, dc)
    np.testing.assert_allclose(rho, _reference.gaussian_density(X, dc), rtol=1e-12)
    rho[5] = rho[7]  # a tie, broken by index in both
    d1, p1 = _kernels.nearest_higher(X, rho)
    d2, p2 = _reference.nearest_higher(X, rho)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_allclose(d1, d2, rtol=1e-12)
    labels = rng.integers(0, 3, 300)
    np.testing.assert_allclose(
        _kernels.border_density(X, labels, rho, dc, 3),
        _reference.border_density(X, labels, rho, dc, 3),
        rtol=1e-12,
    )


def test_density_peaks_matches_brute_force_reference(blobs):
    # dadapy (the authors' package) pins numpy < 2 and cannot be installed next to mdtraj,
    # so the independent implementation is the brute-force NumPy one in _reference
    X, _ = blobs
    X = X[::3]
    for dc in (0.3, 0.6):
        ours = DensityPeaks(dc=dc, n_clusters=3).fit(X)
        theirs = _reference.density_peaks(X, dc, 3)
        assert adjusted_rand_score(ours.labels_, theirs) == 1.0


def test_density_peaks_automatic_centres(blobs):
    X, y = blobs
    # the k-NN density (k = 20 of 200 points per blob) is noisier than the Gaussian kernel:
    # its peak may sit a sigma (0.8) off the blob centre
    for density, tol in (("gaussian", 0.5), ("knn", 1.0)):
        model = DensityPeaks(density=density).fit(X)
        assert model.n_clusters_ == 3
        # well-separated blobs (6 sigma apart): a handful of tail points may cross
        assert adjusted_rand_score(y, model.labels_) > 0.97
        for centre in model.cluster_centers_:
            assert np.min(np.linalg.norm(centre - [[0, 0], [5, 0], [0, 5]], axis=1)) < tol
    np.testing.assert_array_equal(model.predict(X[:50]), model.labels_[:50])


def test_halo_marks_the_overlap():
    X, _ = make_blobs(800, centers=[[0, 0], [2.5, 0]], cluster_std=0.8, random_state=1)
    model = DensityPeaks(n_clusters=2, halo=True).fit(X)
    halo = model.labels_ == -1
    # halo: density below the cluster's border density, so most of the overlap region
    middle = np.abs(X[:, 0] - 1.25) < 0.3
    assert halo[middle].mean() > 0.7 and halo.mean() < halo[middle].mean()
    assert np.all(model.rho_[halo] < model.rho_[~halo].max())
    X, _ = make_blobs(800, centers=[[0, 0], [6, 0]], cluster_std=0.8, random_state=1)
    apart = DensityPeaks(n_clusters=2, halo=True).fit(X)
    assert np.mean(apart.labels_ == -1) < 0.02  # no border: (almost) no halo


def test_adp_merges_insignificant_peaks():
    rng = np.random.default_rng(0)
    one = rng.normal(size=(1000, 2))  # one Gaussian: noise peaks are not significant
    assert AdvancedDensityPeaks().fit(one).n_clusters_ == 1
    # plain density peaks with a low threshold takes those noise peaks as centres
    assert DensityPeaks(density="knn", delta_factor=1.0).fit(one).n_clusters_ > 1
    close = rng.normal(size=(1000, 2))
    close[:500, 0] += 1.5  # two Gaussians 1.5 sigma apart: a unimodal mixture
    assert AdvancedDensityPeaks().fit(close).n_clusters_ == 1
    X, y = make_blobs(900, centers=[[0, 0], [6, 0], [0, 6]], random_state=2)
    model = AdvancedDensityPeaks().fit(X)
    assert model.n_clusters_ == 3 and adjusted_rand_score(y, model.labels_) > 0.97
    assert model.saddles_.shape == (3, 3)


@pytest.mark.parametrize("method", ["ward", "average", "complete", "single"])
def test_hierarchical_matches_scipy_on_all_points(blobs, method):
    X, _ = blobs
    model = LandmarkHierarchical(n_clusters=3, linkage=method, n_landmarks=10_000).fit(X)
    ref = fcluster(linkage(X, method=method), t=3, criterion="maxclust")
    assert adjusted_rand_score(model.labels_, ref) == 1.0
    assert model.linkage_matrix_.shape == (X.shape[0] - 1, 4)


def test_hierarchical_landmarks_and_distance_cut(blobs):
    X, y = blobs
    model = LandmarkHierarchical(n_clusters=3, n_landmarks=150, random_state=0).fit(X)
    assert model.landmarks_.size == 150
    assert adjusted_rand_score(y, model.labels_) > 0.97  # separated blobs, via the landmarks
    sizes = np.bincount(model.labels_)
    assert np.all(np.diff(sizes) <= 0)
    heights = model.linkage_matrix_[:, 2]
    cut = 0.5 * (heights[-3] + heights[-2])  # between the 3- and 2-cluster merges
    by_distance = LandmarkHierarchical(
        n_clusters=None, distance_threshold=cut, n_landmarks=150, random_state=0
    ).fit(X)
    assert by_distance.n_clusters_ == 3
    np.testing.assert_array_equal(by_distance.labels_, model.labels_)
    np.testing.assert_array_equal(model.predict(X), model.labels_)


def test_kmeans_microstates(blobs):
    X, y = blobs
    model = KMeansMicrostates(n_clusters=30, random_state=0).fit([X[:300], X[300:]])
    assert model.labels_.shape == (600,) and model.counts_.sum() == 600
    # microstates are pure: each holds frames of one blob (separated blobs)
    for k in range(30):
        members = y[model.labels_ == k]
        assert members.size == 0 or np.bincount(members).max() / members.size > 0.95
    assert model.transform(X).shape == (600, 30)
    np.testing.assert_array_equal(model.predict(X), model.labels_)


def test_hdbscan_soft_membership(blobs):
    X, y = blobs
    model = HDBSCAN(min_cluster_size=30).fit(X)
    soft = model.membership()
    assert soft.shape == (600, model.n_clusters_)
    # hdbscan's vectors include the outlier-ness: rows sum to at most 1
    assert np.all(soft >= 0) and np.all(soft.sum(axis=1) <= 1 + 1e-9)
    core = model.probabilities_ > 0.9
    assert np.mean(soft[core].argmax(axis=1) == model.labels_[core]) > 0.98
    new = model.membership(np.array([[0.0, 0.0], [5.0, 0.0]]))
    expected = [
        np.bincount(model.labels_[(y == c) & (model.labels_ >= 0)]).argmax() for c in (0, 1)
    ]
    assert new.argmax(axis=1).tolist() == expected


@parametrize_with_checks(
    [
        DensityPeaks(n_clusters=2),
        AdvancedDensityPeaks(k=5),
        LandmarkHierarchical(n_clusters=2, n_landmarks=50),
        KMeansMicrostates(n_clusters=3, random_state=0),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_hdbscan_membership_after_a_subset_fit(blobs):
    X, _ = blobs
    model = HDBSCAN(min_cluster_size=20, max_fit_samples=200, random_state=0).fit(X)
    with pytest.raises(ValueError, match="pass the frames"):
        model.membership()
    soft = model.membership(X)
    assert soft.shape == (600, model.n_clusters_)
    strong = model.probabilities_ > 0.9
    assert np.mean(soft[strong].argmax(axis=1) == model.labels_[strong]) > 0.95


def test_hdbscan_predicts_in_blocks_as_in_one_call(blobs, monkeypatch):
    import hdbscan

    from trajlens.cluster import hdbscan as wrapper

    X, _ = blobs
    model = HDBSCAN(max_fit_samples=200, random_state=0).fit(X)
    whole, whole_probs = hdbscan.approximate_predict(model.model_, X)
    monkeypatch.setattr(wrapper, "PREDICT_BLOCK", 7)  # many blocks, a ragged last one
    labels, probs = wrapper._predict_in_blocks(model.model_, X)
    np.testing.assert_array_equal(labels, whole)
    np.testing.assert_allclose(probs, whole_probs)
    np.testing.assert_array_equal(model.predict(X), whole)
