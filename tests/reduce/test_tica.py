"""TICA against deeptime's TICA on the same data."""

import numpy as np
import pytest
from deeptime.decomposition import TICA as DeeptimeTICA
from sklearn.utils.estimator_checks import parametrize_with_checks

from trajlens.featurize import backbone_dihedrals, featurize
from trajlens.reduce import TICA


def _ar_process(rng, n):
    """Linear AR(1) with known slow/fast modes, mixed into 4 correlated features."""
    x = np.zeros((n, 4))
    A = np.diag([0.99, 0.9, 0.5, 0.1])
    M = np.array([[1, 0.5, 0, 0.2], [0.3, 1, 0.4, 0], [0, 0.2, 1, 0.5], [0.1, 0, 0.3, 1.0]])
    for t in range(1, n):
        x[t] = A @ x[t - 1] + rng.normal(size=4)
    return x @ M


@pytest.fixture(scope="module")
def ar_data():
    rng = np.random.default_rng(7)
    return [_ar_process(rng, 3000), _ar_process(rng, 1500)]


def _match(ours, ref_model, data, ref_data=None):
    ts = ref_model.timescales()[: len(ours.timescales_)]
    # 1e-4 relative is the tolerance; both solve the same float64 eigenproblem
    np.testing.assert_allclose(ours.timescales_, ts, rtol=1e-4)
    a = ref_model.transform(data[0])[:, : ours.components_.shape[0]]
    b = ours.transform(data[0])
    signs = np.sign((a * b).sum(axis=0))
    np.testing.assert_allclose(b * signs, a, atol=1e-6 * np.abs(a).max())


@pytest.mark.parametrize("scaling", ["kinetic_map", "commute_map", None])
def test_matches_deeptime_on_ar_process(ar_data, scaling):
    ref = DeeptimeTICA(lagtime=5, dim=3, scaling=scaling).fit(ar_data).fetch_model()
    ours = TICA(lag=5, n_components=3, scaling=scaling).fit(ar_data)
    _match(ours, ref, ar_data)


def test_matches_deeptime_on_alanine_dipeptide(ala2):
    X = featurize(ala2, backbone_dihedrals(ala2.topology))[0].astype(np.float64)
    data = [X[:6000], X[6000:]]
    ref = DeeptimeTICA(lagtime=10, dim=2).fit(data).fetch_model()
    ours = TICA(lag=10, n_components=2).fit(data)
    _match(ours, ref, data)


def test_never_pairs_across_trajectories(ar_data):
    a, b = ar_data
    joined = TICA(lag=5).fit(np.concatenate([a, b]))
    split = TICA(lag=5).fit([a, b])
    assert split.n_pairs_ == joined.n_pairs_ - 5
    # split equals explicit concatenation of the within-trajectory pairs via weights:
    # zero weight on the 5 pairs starting in `a`'s tail removes the cross-boundary pairs
    w = np.ones(len(a) + len(b))
    w[len(a) - 5 : len(a)] = 0.0
    masked = TICA(lag=5).fit(np.concatenate([a, b]), weights=w)
    np.testing.assert_allclose(masked.eigenvalues_, split.eigenvalues_, rtol=1e-10)


def test_weights_match_repetition(ar_data):
    a = ar_data[0]
    # weight 2 on every pair equals the unweighted estimate (normalisation)
    one = TICA(lag=3).fit(a)
    two = TICA(lag=3).fit(a, weights=np.full(len(a), 2.0))
    np.testing.assert_allclose(one.eigenvalues_, two.eigenvalues_, rtol=1e-12)


def test_nonreversible_and_commute_map(ar_data):
    ref = DeeptimeTICA(lagtime=5, dim=3).fit(ar_data).fetch_model()
    nonrev = TICA(lag=5, n_components=3, reversible=False).fit(ar_data)
    # stationary AR data: the non-reversible estimate is close to the reversible one
    np.testing.assert_allclose(nonrev.timescales_, ref.timescales()[:3], rtol=0.1)
    cm = TICA(lag=5, n_components=3, scaling="commute_map").fit(ar_data)
    none = TICA(lag=5, n_components=3, scaling=None).fit(ar_data)
    t = 1 + cm.timescales_  # deeptime's t = 1 - lag / ln|lambda| (frames, dt = 1)
    expected = np.sqrt(0.5 * t * np.maximum(np.tanh(np.pi * (t - 5) / 5 + 1), 0) / 2)
    np.testing.assert_allclose(
        np.linalg.norm(cm.components_, axis=1) / np.linalg.norm(none.components_, axis=1),
        expected,
        rtol=1e-10,
    )


@parametrize_with_checks([TICA(n_components=1)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
