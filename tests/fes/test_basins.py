"""Free-energy surfaces and basins against the analytic Müller–Brown potential."""

import numpy as np
import pytest

from tests.potentials import (
    MUELLER_BROWN_MINIMA,
    boltzmann_grid,
    mueller_brown,
    sample_boltzmann,
)
from trajlens.fes import estimate, find_basins, kT, medoids, steepest_descent_labels

# kT in the potential's own energy units: all three minima are sampled, and the shallow
# third minimum (barrier ~8 units) stands 0.6 kT deep
KT_MB = 12.0


@pytest.fixture(scope="module")
def mb_samples():
    return sample_boltzmann(mueller_brown, KT_MB, 300_000, seed=11)


def test_surface_matches_analytic_free_energy(mb_samples):
    # treat the potential's units as kJ/mol: choose T so that R T = KT_MB
    T = KT_MB / kT(1.0)
    surface = estimate(mb_samples, bins=50, temperature=T, smooth=0.0)
    cx, cy = np.meshgrid(*surface.centers, indexing="ij")
    exact = mueller_brown(cx, cy)
    well = surface.free_energy < 3 * KT_MB  # cells with > ~100 samples each
    diff = (surface.free_energy - exact)[well]
    diff -= diff.mean()
    # counting noise of cells with >= 100 samples is <= 0.1 kT; bin averaging adds a little
    assert np.abs(diff).max() < 0.35 * KT_MB
    assert np.sqrt(np.mean(diff**2)) < 0.1 * KT_MB


def test_basins_locate_mueller_brown_minima(mb_samples):
    T = KT_MB / kT(1.0)
    surface = estimate(mb_samples, bins=70, temperature=T, smooth=1.0)
    basins = find_basins(surface, mb_samples, min_barrier=0.5 * KT_MB)
    assert len(basins) == 3
    found = np.array([b.minimum for b in basins.basins])
    for minimum in MUELLER_BROWN_MINIMA:
        # within one bin (~0.04) plus the pull of the smoothing
        assert np.min(np.linalg.norm(found - minimum, axis=1)) < 0.06
    # populations decrease with label and sum to 1 (all frames assigned)
    pops = [b.population for b in basins.basins]
    assert pops == sorted(pops, reverse=True) and abs(sum(pops) - 1) < 1e-12
    # basin free energies against exact Boltzmann integrals over the same basins
    gx, gy, p = boltzmann_grid(mueller_brown, KT_MB)
    fine = np.column_stack([gx.reshape(-1), gy.reshape(-1)])
    cells = np.ravel_multi_index(surface.cell_of(fine), surface.free_energy.shape)
    labels = basins.cell_labels.reshape(-1)[cells]
    exact_pop = np.array([p.reshape(-1)[labels == k].sum() for k in range(3)])
    exact_dF = -KT_MB * np.log(exact_pop / exact_pop.max())
    ours = np.array([b.free_energy for b in basins.basins])
    assert np.abs(ours - exact_dF).max() < 0.3 * KT_MB
    # barriers: the lowest saddle out of each basin is positive and finite
    assert all(0 < b.barrier < 10 * KT_MB for b in basins.basins)
    # with the default 1 kT merge threshold the shallow minimum joins its neighbour
    assert len(find_basins(surface, mb_samples)) == 2


def test_shallow_noise_minima_are_merged():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 2))  # one harmonic basin
    surface = estimate(X, bins=60, smooth=0.0)
    raw_minima = np.unique(steepest_descent_labels(surface.free_energy))
    assert raw_minima[raw_minima >= 0].size > 1  # histogram noise creates spurious minima
    assert len(find_basins(surface, X)) == 1


def test_steepest_descent_on_a_double_well():
    x = np.linspace(-2, 2, 41)
    F = np.add.outer((x**2 - 1) ** 2, 0.5 * x**2)  # minima at x = ±1, y = 0
    roots = steepest_descent_labels(F)
    assert sorted(set(roots.tolist())) == sorted(
        np.ravel_multi_index(([10, 30], [20, 20]), F.shape).tolist()
    )


def test_medoids_pick_central_member():
    X = np.array([[0.0, 0], [1, 0], [2, 0], [10, 10], [11, 10], [12, 10], [50, 50]])
    labels = np.array([0, 0, 0, 1, 1, 1, -1])
    np.testing.assert_array_equal(medoids(X, labels), [1, 4])
