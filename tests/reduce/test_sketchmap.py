"""Sketch-map: kernels against NumPy, optimiser quality against random restarts, projection."""

import copy

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from trajlens.reduce import SketchMap, _kernels, _reference
from trajlens.reduce.landmarks import pairwise_distances
from trajlens.reduce.sketchmap import sigmoid, sketchmap, sketchmap_stress

HIGH = (1.0, 8.0, 2.0)
LOW = (1.0, 2.0, 8.0)


def test_sigmoid_definition():
    r = np.linspace(0, 5, 51)
    for sigma, a, b in [(1.0, 8, 2), (2.0, 2, 8), (0.7, 3, 5)]:
        s = sigmoid(r, sigma, a, b)
        # s(sigma) = 1/2 by construction, s(0) = 0, s -> 1
        assert sigmoid(np.array([sigma]), sigma, a, b)[0] == pytest.approx(0.5, abs=1e-14)
        assert s[0] == 0.0 and s[-1] > 0.5 and np.all(np.diff(s) >= 0)
        np.testing.assert_allclose(
            _kernels.sigmoid(r[None, :], sigma, a, b)[0], _reference.sigmoid(r, sigma, a, b),
            rtol=1e-12, atol=1e-15,  # 1 - (1+x)^-k cancels near r = 0: absolute 1 ulp
        )  # fmt: skip


@pytest.mark.parametrize(
    ("mix", "low"),
    # (1, 2, 8): the squared-distance fast path; (1, 3, 5) and sigma 0: the general one
    [(0.0, LOW), (0.3, LOW), (0.0, (1.0, 3.0, 5.0)), (0.3, (1.0, 3.0, 5.0)), (1.0, (0, 1, 1))],
)
def test_stress_and_gradient_match_reference(mix, low):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(41, 5))  # odd: the middle row of the paired-row blocks is used once
    D = pairwise_distances(X, X)
    FD = _kernels.sigmoid(D, *HIGH)
    Y = rng.normal(size=(41, 2))
    w = rng.uniform(0.5, 2, 41)
    s, g = _kernels.stress_grad(Y, D, FD, w, *low, mix)
    assert s == pytest.approx(_reference.stress(Y, D, FD, w, *low, mix), rel=1e-12)
    # central finite differences of the NumPy stress (h small against |Y| ~ 1)
    h = 1e-6
    num = np.zeros_like(Y)
    for i in range(5):
        for k in range(2):
            Yp, Ym = Y.copy(), Y.copy()
            Yp[i, k] += h
            Ym[i, k] -= h
            num[i, k] = (
                _reference.stress(Yp, D, FD, w, *low, mix)
                - _reference.stress(Ym, D, FD, w, *low, mix)
            ) / (2 * h)
    np.testing.assert_allclose(g[:5], num[:5], rtol=1e-5, atol=1e-9)
    assert sketchmap_stress(Y, D, w, HIGH, low, mix) == pytest.approx(s, rel=1e-12)


@pytest.mark.parametrize(("mix", "low"), [(0.0, LOW), (0.2, LOW), (0.0, (1.0, 3.0, 5.0))])
def test_grid_search_matches_reference(mix, low):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 4))
    D = pairwise_distances(X, X)
    FD = _kernels.sigmoid(D, *HIGH)
    Y = rng.normal(size=(30, 2))
    w = rng.uniform(0.5, 2, 30)
    grid = np.array([[x, y] for x in np.linspace(-2, 2, 5) for y in np.linspace(-2, 2, 5)])
    step = np.array([1.0, 1.0])
    pos, best, cur = _kernels.grid_search(Y, D, FD, w, *low, mix, grid, step, 2, 3)
    for i in range(30):
        ref = [_reference.point_stress(g, Y, D[i], FD[i], w, *low, mix, skip=i) for g in grid]
        cur_ref = _reference.point_stress(Y[i], Y, D[i], FD[i], w, *low, mix, skip=i)
        assert cur[i] == pytest.approx(cur_ref, rel=1e-12)
        # the reported value is the exact stress at the reported position, no worse than
        # the best coarse node, and the position lies within one spacing of a coarse node
        at = _reference.point_stress(pos[i], Y, D[i], FD[i], w, *low, mix, skip=i)
        assert best[i] == pytest.approx(at, rel=1e-12)
        assert best[i] <= min(ref) * (1 + 1e-12)
        assert np.abs(grid - pos[i]).max(axis=1).min() <= 1.0 + 1e-12


def test_farthest_point_sampling_kernel_matches_reference():
    rng = np.random.default_rng(4)
    X = rng.uniform(-4, 4, size=(400, 3))
    period = np.array([2 * np.pi, 0.0, 2 * np.pi])
    idx, assign, mind = _kernels.farthest_point_sampling(X, 40, period, 7)
    ridx, rassign, rmind = _reference.farthest_point_sampling(X, 40, period, 7)
    # the triangle-inequality pruning skips only frames that cannot change
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_array_equal(assign, rassign)
    np.testing.assert_allclose(mind, rmind, rtol=1e-12)


def test_kernel_average_matches_reference():
    rng = np.random.default_rng(1)
    D = rng.uniform(0, 3, size=(30, 12))
    Y = rng.normal(size=(12, 2))
    np.testing.assert_allclose(
        _kernels.kernel_average(D, Y, 2.5), _reference.kernel_average(D, Y, 2.5), rtol=1e-12
    )


def _curved_sheet(n, rng):
    """Points on a rolled 2-D sheet (swiss roll), rotated into 30 dimensions, small noise."""
    u = rng.uniform(-1, 1, (n, 2))
    t = 1.5 * np.pi * (1 + u[:, 0])
    P = np.c_[t * np.cos(t), 3 * u[:, 1], t * np.sin(t), np.zeros((n, 27))]
    Q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    return P @ Q.T + 0.05 * rng.normal(size=(n, 30))


@pytest.fixture(scope="module")
def sheet():
    X = _curved_sheet(200, np.random.default_rng(2))
    return X, SketchMap(n_landmarks=200, random_state=0).fit(X)


@pytest.fixture(scope="module")
def phipsi(ala2):
    import mdtraj as md

    X = np.c_[md.compute_phi(ala2)[1][:, 0], md.compute_psi(ala2)[1][:, 0]]
    return X, SketchMap(n_landmarks=200, period=2 * np.pi, random_state=0).fit(X)


def _random_restarts(model, n=10):
    D = pairwise_distances(model.landmarks_, model.landmarks_, model._period)
    return [
        sketchmap(D, 2, model.landmark_weights_, model.high_, model.low_, init="random",
                  n_global=1, max_iter=150, random_state=k)[1]
        for k in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("case", ["sheet", "phipsi"])
def test_fitted_stress_within_10_percent_of_best_random_restart(case, request):
    _, model = request.getfixturevalue(case)
    best = min(_random_restarts(model))
    # the criterion: the default optimiser is as good as the best of 10 restarts
    assert model.stress_ <= 1.10 * best, (model.stress_, best)
    D = pairwise_distances(model.landmarks_, model.landmarks_, model._period)
    assert model.stress_ == pytest.approx(
        sketchmap_stress(model.embedding_, D, model.landmark_weights_, model.high_, model.low_),
        rel=1e-10,
    )


def test_global_search_lowers_stress_from_same_start(sheet):
    _, model = sheet
    D = pairwise_distances(model.landmarks_, model.landmarks_)
    w = model.landmark_weights_
    results = []
    for seed in range(2):
        grad = sketchmap(D, 2, w, model.high_, model.low_, init="random", n_global=0,
                         random_state=seed)[1]  # fmt: skip
        glob = sketchmap(D, 2, w, model.high_, model.low_, init="random", n_global=2,
                         random_state=seed)[1]  # fmt: skip
        results.append(glob / grad)
    # from random starts L-BFGS alone stalls in folded maps; the grid search unfolds them
    # (about 0.4x seen); 0.8 leaves room for seed-to-seed variation
    assert max(results) < 0.8, results


@pytest.mark.parametrize("case", ["sheet", "phipsi"])
def test_landmarks_project_onto_their_fitted_positions(case, request):
    _, model = request.getfixturevalue(case)
    err = np.linalg.norm(model.transform(model.landmarks_) - model.embedding_, axis=1)
    extent = np.ptp(model.embedding_, axis=0).max()
    # fitted positions are stationary points of each landmark's own stress, up to the
    # L-BFGS convergence of the fit; a few landmarks may sit in a shallow second minimum
    assert np.median(err) < 1e-3 * extent
    assert np.mean(err < 0.02 * extent) > 0.95


def test_out_of_sample_and_kernel_projection(phipsi):
    X, model = phipsi
    lm_stress = model.stress(model.landmarks_, model.embedding_, model.landmark_weights_)
    assert lm_stress == pytest.approx(model.stress_, rel=1e-8)
    Y = model.transform(X[::20])
    # new frames sit close to where their nearest landmark sits (phi/psi is 2-D, so the map
    # is nearly isometric at short range)
    assert Y.shape == (len(X[::20]), 2)
    nn = np.argmin(pairwise_distances(X[::20], model.landmarks_, 2 * np.pi), axis=1)
    gap = np.linalg.norm(Y - model.embedding_[nn], axis=1)
    assert np.median(gap) < 0.1 * np.ptp(model.embedding_, axis=0).max()
    # kernel average: with a kernel much sharper than the landmark spacing, each landmark's
    # own term dominates (others weigh < exp(-50)) and it returns the landmark's position
    D = pairwise_distances(model.landmarks_, model.landmarks_, 2 * np.pi)
    np.fill_diagonal(D, np.inf)
    sharp = copy.deepcopy(model)
    sharp.kernel_lambda_ = 50.0 / D.min()
    np.testing.assert_allclose(sharp.transform_kernel(model.landmarks_), model.embedding_,
                               atol=1e-9 * np.ptp(model.embedding_))  # fmt: skip
    # the default kernel is smooth: frames land near their minimised positions on average
    Yk = model.transform_kernel(X[::20])
    assert np.median(np.linalg.norm(Yk - Y, axis=1)) < 0.1 * np.ptp(model.embedding_)


@parametrize_with_checks([SketchMap(n_landmarks=30, max_iter=20, smacof_iter=5, grid_size=5)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
