"""Advanced Density Peaks: PAk densities and TWO-NN against dadapy's numbers, the kernels
against their NumPy/scipy twins, densities against analytic Gaussian mixtures, and the
saddle-significance test."""

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.metrics import adjusted_rand_score

from trajlens.cluster import AdvancedDensityPeaks, _kernels, _reference, pak_density
from trajlens.cluster.density_peaks import DTHR, _log_ball_volume, twonn_dimension

#: Written by tests/cluster/make_dadapy_reference.py (dadapy 0.3.4 in a separate venv)
DADAPY = Path(__file__).with_name("data") / "dadapy_adp.npz"


@pytest.fixture(scope="module")
def dadapy():
    return dict(np.load(DADAPY))


def test_twonn_and_pak_match_dadapy(dadapy):
    X = dadapy["X"]
    # dadapy's Data(maxk=100) counts the point itself: 99 neighbours
    ours = pak_density(X, maxk=99)
    # same estimator, same data: equal to rounding
    assert ours["intrinsic_dim"] == pytest.approx(float(dadapy["intrinsic_dim"]), rel=1e-8)
    np.testing.assert_array_equal(ours["kstar"], dadapy["kstar"])
    np.testing.assert_allclose(ours["error"], dadapy["log_den_err"], rtol=1e-12)
    # dadapy stops its Newton iteration at a gradient of 1e-3, ours runs to convergence
    np.testing.assert_allclose(ours["log_density"], dadapy["log_den"], atol=5e-4)


@pytest.mark.parametrize("Z", [1.65, 0.5])
def test_adp_labels_match_dadapy(dadapy, Z):
    model = AdvancedDensityPeaks(k=99, Z=Z).fit(dadapy["X"])
    for key in (f"labels_Z{Z}", f"labels_pure_Z{Z}"):  # dadapy's compiled and Python ADP
        ref = dadapy[key]
        assert model.n_clusters_ == ref.max() + 1
        assert adjusted_rand_score(ref, model.labels_) == 1.0


def test_kernels_match_their_references():
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(size=(150, 2)), rng.normal(3.0, 0.5, size=(100, 2))])
    p = pak_density(X, maxk=40)
    d = p["intrinsic_dim"]
    kstar = _reference.adaptive_k(p["distances"], p["neighbours"], d, DTHR)
    np.testing.assert_array_equal(np.minimum(kstar, 40), p["kstar"])
    # the Newton maximiser against scipy's L-BFGS-B on the same likelihood
    ref = _reference.pak_log_density(p["distances"], p["kstar"], d, float(_log_ball_volume(d)))
    np.testing.assert_allclose(p["log_density"], ref - np.log(X.shape[0]), atol=1e-5)
    labels = (X[:, 0] > 1.5).astype(np.int64) + (X[:, 1] > 1.5)
    g = p["log_density"] - p["error"]
    centre = np.zeros(X.shape[0], dtype=bool)
    centre[[0, 1]] = True
    args = (p["neighbours"], p["kstar"], labels, g, centre, 3)
    np.testing.assert_array_equal(_kernels.adp_borders(*args), _reference.adp_borders(*args))


def test_twonn_dimension_of_a_plane_and_a_cube():
    rng = np.random.default_rng(1)
    from sklearn.neighbors import NearestNeighbors

    for dim, X in (
        (2, rng.uniform(size=(4000, 2)) @ rng.normal(size=(2, 6))),  # a plane in 6-D
        (3, rng.uniform(size=(4000, 3))),
    ):
        dist, _ = NearestNeighbors(n_neighbors=2).fit(X).kneighbors()
        # TWO-NN's standard error at n = 4000 is about d / sqrt(n) ~ 0.05; edges bias it low
        assert twonn_dimension(dist[:, 0], dist[:, 1]) == pytest.approx(dim, abs=0.15)


def test_pak_density_matches_an_analytic_mixture():
    rng = np.random.default_rng(2)
    means, sds, w = [[0.0, 0.0], [3.0, 1.0]], [1.0, 0.5], [0.7, 0.3]
    n = 3000
    comp = rng.choice(2, size=n, p=w)
    X = np.array(means)[comp] + rng.normal(size=(n, 2)) * np.array(sds)[comp, None]
    true = np.log(
        sum(
            wi * multivariate_normal(m, s**2).pdf(X) for wi, m, s in zip(w, means, sds, strict=True)
        )
    )
    p = pak_density(X, intrinsic_dim=2.0)
    z = (p["log_density"] - true) / p["error"]
    bulk = true > np.quantile(true, 0.1)  # the sparse tails carry the k-NN boundary bias
    # the stated errors are honest: deviations of about one error, little bias
    assert abs(np.mean(z[bulk])) < 0.3
    assert 0.6 < np.sqrt(np.mean(z[bulk] ** 2)) < 1.4
    # adaptive k: larger neighbourhoods where the density is flat than at the small peak
    assert p["kstar"].mean() > 30


def test_adp_merges_only_insignificant_saddles():
    rng = np.random.default_rng(3)
    one = rng.normal(size=(1500, 2))  # one Gaussian: every extra peak is noise
    assert AdvancedDensityPeaks().fit(one).n_clusters_ == 1
    two = np.concatenate(
        [rng.normal(size=(800, 2)), rng.normal(size=(800, 2)) + np.array([4.0, 0])]
    )
    model = AdvancedDensityPeaks().fit(two)
    truth = np.repeat([0, 1], 800)
    # 4 sigma apart: the saddle is ~2 log-units below the peaks, many errors. The tails
    # overlap (2.3% of points lie past x = 2), so compare with the best possible split
    best = adjusted_rand_score(truth, two[:, 0] > 2.0)
    assert model.n_clusters_ == 2 and adjusted_rand_score(truth, model.labels_) > best - 0.03
    a = model.log_density_[model.centres_]
    assert np.all(a - model.saddles_[0, 1] > 1.65 * model.log_density_error_[model.centres_])
    # Z = 0 keeps noise peaks; raising Z only ever merges
    counts = [AdvancedDensityPeaks(Z=z).fit(two).n_clusters_ for z in (0.0, 1.0, 1.65, 10.0)]
    assert counts[0] > 2 and counts == sorted(counts, reverse=True) and counts[-1] == 1
    halo = AdvancedDensityPeaks(halo=True).fit(two)
    # halo: below the saddle's log-density. Near the dividing line most points are, but
    # not all (off the axis joining the peaks the density at x = 2 +- 0.5 can exceed it)
    middle = np.abs(two[:, 0] - 2.0) < 0.5
    assert np.mean(halo.labels_[middle] == -1) > 0.6 and np.mean(halo.labels_ == -1) < 0.3
    assert np.all(halo.log_density_[halo.labels_ == -1] < halo.saddles_[0, 1])
