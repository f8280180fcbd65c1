"""Free energies from Langevin dynamics against exact Boltzmann integrals.

Müller–Brown: seeded overdamped Langevin walkers, started in the three minima, relax to
equilibrium; the basins found must sit on the analytic minima and their free-energy
differences must match exact integrals over the same basins. Double well: a run under a
known static bias, written and read back as a PLUMED COLVAR file, is reweighted to the
unbiased profile.
"""

import numpy as np
import pytest

from tests.potentials import boltzmann_grid
from trajlens.datasets import (
    MUELLER_BROWN_MINIMA,
    double_well,
    langevin_double_well,
    langevin_mueller_brown,
    mueller_brown,
)
from trajlens.fes import estimate, find_basins, kT
from trajlens.fes.reweight import colvar_weights
from trajlens.io import read_colvar, write_colvar

KT_MB = 12.0  # the shallow third minimum (barrier ~8 units) stays a separate basin


@pytest.fixture(scope="module")
def mb_walkers():
    rng = np.random.default_rng(0)
    x0 = MUELLER_BROWN_MINIMA[rng.integers(0, 3, 400)]
    # dt = 1e-4 resolves the stiffest well (curvature ~3e3); 150k steps give each walker
    # tens of B <-> C and several A <-> B/C transitions (checked: populations are flat after
    # ~50k steps), and the first 50k steps are discarded as equilibration
    traj = langevin_mueller_brown(x0, KT_MB, dt=1e-4, n_steps=150_000, stride=100, random_state=1)
    return traj[:, 500:]


def test_langevin_kernel_samples_harmonic_variance():
    # a tilt-free double well with height 0 and a harmonic bias is a harmonic oscillator:
    # <x^2> = kT / k exactly (Euler-Maruyama adds O(k dt) = 1%)
    traj = langevin_double_well(
        np.zeros(64),
        0.5,
        height=0.0,
        bias_k=10.0,
        dt=1e-3,
        n_steps=20000,
        stride=10,
        random_state=0,
    )
    var = np.mean(traj[:, 200:] ** 2)
    assert abs(var - 0.05) < 0.05 * 0.05  # 5%: 1% bias plus ~1% sampling error


@pytest.mark.parametrize("method", ["histogram", "kde"])
def test_mueller_brown_langevin_basins(mb_walkers, method):
    X = mb_walkers.reshape(-1, 2)  # walker after walker: blocks hold whole walkers
    T = KT_MB / kT(1.0)  # the potential's units read as kJ/mol
    surface = estimate(X, bins=70, temperature=T, method=method, bandwidth=0.03)
    basins = find_basins(surface, X, min_barrier=0.5 * KT_MB, n_blocks=20)
    assert len(basins) == 3
    found = np.array([b.minimum for b in basins.basins])
    for minimum in MUELLER_BROWN_MINIMA:
        assert np.min(np.linalg.norm(found - minimum, axis=1)) < 0.05
    gx, gy, p = boltzmann_grid(mueller_brown, KT_MB)
    fine = np.column_stack([gx.reshape(-1), gy.reshape(-1)])
    labels = basins.cell_labels.reshape(-1)[
        np.ravel_multi_index(surface.cell_of(fine), surface.free_energy.shape)
    ]
    exact_pop = np.array([p.reshape(-1)[labels == k].sum() for k in range(3)])
    exact_dF = -KT_MB * np.log(exact_pop / exact_pop.max())
    ours = np.array([b.free_energy for b in basins.basins])
    # the criterion: 0.3 kT (the jackknife error bars are ~0.13 kT)
    assert np.abs(ours - exact_dF).max() < 0.3 * KT_MB
    errors = np.array([b.free_energy_error for b in basins.basins])
    assert errors[0] == 0 and np.all((errors[1:] > 0.01 * KT_MB) & (errors[1:] < 0.3 * KT_MB))


def test_biased_double_well_reweighted_from_colvar(tmp_path):
    height, tilt, k = 5.0, 0.5, 8.0  # kT = 1: a 5 kT barrier, lowered to ~1 kT by the bias
    x0 = np.full(200, -1.0)
    traj = langevin_double_well(
        x0,
        1.0,
        height=height,
        tilt=tilt,
        bias_k=k,
        dt=1e-3,
        n_steps=40000,
        stride=20,
        random_state=3,
    )[:, 200:]
    x = traj.reshape(-1)
    bias = 0.5 * k * x**2
    # a restarted PLUMED run: the second half follows a repeated header
    half = x.size // 2
    path = tmp_path / "COLVAR"
    write_colvar(path, {"time": np.arange(half) * 1.0, "x": x[:half], "bias.bias": bias[:half]})
    write_colvar(
        tmp_path / "part2",
        {"time": np.arange(half, x.size) * 1.0, "x": x[half:], "bias.bias": bias[half:]},
    )
    path.write_text(path.read_text() + (tmp_path / "part2").read_text())
    colvar = read_colvar(path)
    assert colvar.data.shape[0] == x.size
    T = 1.0 / kT(1.0)
    w = colvar_weights(colvar, "bias.bias", T)
    surface = estimate(
        colvar["x"],
        weights=w,
        bins=50,
        range=[(-1.8, 1.8)],
        temperature=T,
        smooth=0.0,
        units="kT",
        n_blocks=20,
    )
    # exact F of each bin: -ln of the Boltzmann integral over the bin
    fine = np.linspace(-1.8, 1.8, 50 * 40 + 1)
    mass = np.exp(-double_well(0.5 * (fine[1:] + fine[:-1]), height, tilt)).reshape(50, 40).sum(1)
    exact = -np.log(mass / mass.max())
    sampled = np.isfinite(surface.error) & (surface.error < 0.1)  # statistically determined bins
    assert sampled[np.argmin(np.abs(surface.centers[0]))]  # the barrier top is among them
    diff = (surface.free_energy - exact)[sampled]
    diff -= np.average(diff, weights=surface.probability[sampled])
    assert np.abs(diff).max() < 0.3
    # without the weights the profile is the biased one, far off
    plain = estimate(
        colvar["x"], bins=50, range=[(-1.8, 1.8)], temperature=T, smooth=0.0, units="kT"
    )
    raw = (plain.free_energy - exact)[sampled]
    assert np.abs(raw - raw.mean()).max() > 1.0


def test_mueller_brown_through_the_colvar_pipeline(mb_walkers, tmp_path):
    # the same walkers as a PLUMED COLVAR file, analysed by the `trajlens project` workflow
    from trajlens.pipeline import compute_colvar

    X = mb_walkers.reshape(-1, 2)
    path = tmp_path / "COLVAR"
    write_colvar(path, {"time": np.arange(X.shape[0]) * 0.01, "x": X[:, 0], "y": X[:, 1]})
    T = KT_MB / kT(1.0)
    result = compute_colvar(path, temperature=T, bins=70, min_barrier=0.5 * KT_MB, n_blocks=20)
    assert result.variables == ["x", "y"] and len(result.basins) == 3
    found = np.array([b.minimum for b in result.basins.basins])
    for minimum in MUELLER_BROWN_MINIMA:
        assert np.min(np.linalg.norm(found - minimum, axis=1)) < 0.05
