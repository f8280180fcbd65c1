"""Surface estimators: KDE against scipy, bandwidth rules, periodic wrap, units, block errors."""

import numpy as np
import pytest
from scipy.stats import gaussian_kde

from trajlens.exceptions import InputError
from trajlens.fes import estimate, find_basins, kT
from trajlens.fes.surface import block_error, select_bandwidth


def test_kde_matches_scipy_gaussian_kde_1d():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.3, 3000), rng.normal(1.2, 0.5, 2000)])
    w = rng.uniform(0.5, 1.5, x.size)
    s = estimate(
        x, weights=w, bins=400, range=[(-3, 4)], method="kde", bandwidth="scott", units="kT"
    )
    ref = gaussian_kde(x, bw_method="scott", weights=w)
    c = s.centers[0]
    p_ref = ref(c) * (c[1] - c[0])
    # scipy's weighted covariance carries the unbiased (n_eff - 1) correction, ours does not
    assert np.allclose(s.bandwidth, np.sqrt(ref.covariance[0, 0]), rtol=1e-3)
    # binned KDE: the data are binned to 7/400 = 0.0175, against h ~ 0.19: error O((bin/h)^2)
    keep = p_ref > 1e-4
    assert np.allclose(s.probability[keep] / p_ref[keep], 1, atol=0.01)


def test_silverman_and_scott_rules():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1000, 2)) * [1.0, 3.0]
    scott = select_bandwidth(X, "scott")
    silver = select_bandwidth(X, "silverman")
    std = X.std(axis=0)
    assert np.allclose(scott, std * 1000 ** (-1 / 6))
    assert np.allclose(silver, std * (1000 * 4 / 4) ** (-1 / 6))
    with pytest.raises(InputError, match="bandwidth"):
        select_bandwidth(X, "wide")


def test_periodic_surface_wraps_a_basin_across_pi():
    rng = np.random.default_rng(2)
    phi = np.angle(np.exp(1j * rng.normal(np.pi, 0.4, 20000)))  # centred on the seam
    psi = rng.normal(0.0, 0.4, 20000)
    X = np.column_stack([phi, psi])
    s = estimate(X, bins=40, range=[(-np.pi, np.pi), (-np.pi, np.pi)], periodic=(True, False))
    assert s.is_periodic == (True, False)
    basins = find_basins(s, X)
    assert len(basins) == 1  # one basin, not two halves at -pi and +pi
    centre = basins.basins[0].centre
    assert abs(abs(centre[0]) - np.pi) < 0.05 and abs(centre[1]) < 0.05
    flat = estimate(X, bins=40, range=[(-np.pi, np.pi), (-np.pi, np.pi)], periodic=False)
    assert len(find_basins(flat, X)) == 2  # without wrapping the seam splits it


def test_units_and_conversion():
    rng = np.random.default_rng(3)
    x = rng.normal(size=5000)
    kj = estimate(x, bins=30, temperature=310.0)
    kcal = estimate(x, bins=30, temperature=310.0, units="kcal/mol")
    kt = estimate(x, bins=30, temperature=310.0, units="kT")
    fin = np.isfinite(kj.free_energy)
    assert np.allclose(kcal.free_energy[fin] * 4.184, kj.free_energy[fin])
    assert np.allclose(kt.free_energy[fin] * kT(310.0), kj.free_energy[fin])
    assert np.isclose(kt.kT, 1.0) and np.isclose(kcal.kT, kT(310.0) / 4.184)
    assert np.allclose(kj.to_units("kT").free_energy[fin], kt.free_energy[fin])
    with pytest.raises(InputError, match="--units"):
        estimate(x, units="eV")


def test_block_errors_match_the_scatter_of_independent_runs():
    # independent samples: the block error of F must match the spread over repeated runs
    rng = np.random.default_rng(4)
    runs = [
        estimate(rng.normal(size=4000), bins=20, range=[(-3, 3)], smooth=0, units="kT", n_blocks=10)
        for _ in range(40)
    ]
    F = np.array([r.free_energy for r in runs])
    err = np.nanmean([r.error for r in runs], axis=0)
    middle = slice(6, 14)  # well-sampled bins
    spread = F[:, middle].std(axis=0)
    # ratio of two noisy estimates of the same error: 40 runs -> ~15% scatter each
    assert np.allclose(err[middle] / spread, 1, atol=0.35)
    assert np.allclose(block_error(np.array([1.0, 3.0])), 1.0)


def test_bad_weights_are_rejected():
    x = np.arange(10.0)
    with pytest.raises(InputError, match="weights"):
        estimate(x, weights=np.ones(9))
    with pytest.raises(InputError, match="weights"):
        estimate(x, weights=-np.ones(10))


def test_periodic_kde_sums_the_periodic_images():
    rng = np.random.default_rng(5)
    x = np.angle(np.exp(1j * rng.normal(3.0, 0.5, 3000)))  # wraps across +-pi
    s = estimate(x, bins=360, method="kde", bandwidth=0.2, periodic=True, units="kT")
    c = s.centers[0]
    # exact periodic Gaussian KDE: the kernel summed over images x + 2 pi m
    d = c[:, None] - x[None, :]
    dens = sum(np.exp(-0.5 * ((d + 2 * np.pi * m) / 0.2) ** 2) for m in (-1, 0, 1)).sum(axis=1)
    p = dens / dens.sum()
    keep = p > 1e-4
    # binned to 2 pi / 360 = 0.017 against h = 0.2
    assert np.allclose(s.probability[keep] / p[keep], 1, atol=0.01)
    assert abs(s.probability[0] / s.probability[-1] - p[0] / p[-1]) < 0.02  # no edge at the seam


def test_three_dimensional_grid_and_basins():
    rng = np.random.default_rng(6)
    centres = np.array([[0, 0, 0], [3, 0, 0], [0, 3, 3]], dtype=float)
    X = np.concatenate(
        [rng.normal(c, 0.5, (n, 3)) for c, n in zip(centres, (6000, 3000, 1000), strict=True)]
    )
    s = estimate(X, bins=24, method="kde", bandwidth="silverman", units="kT")
    assert s.free_energy.shape == (24, 24, 24) and s.bandwidth.shape == (3,)
    basins = find_basins(s, X)
    assert len(basins) == 3
    np.testing.assert_allclose([b.population for b in basins.basins], [0.6, 0.3, 0.1], atol=0.01)
    found = np.array([b.centre for b in basins.basins])
    np.testing.assert_allclose(found, centres, atol=0.1)
