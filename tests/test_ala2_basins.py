"""Alanine dipeptide: basins of the PCA pipeline against a direct φ/ψ count."""

from __future__ import annotations

import mdtraj as md
import numpy as np
import pytest

from trajlens.fes import estimate, find_basins
from trajlens.io import atomic_output_dir
from trajlens.pipeline import compute_project, read_rows, write_basin_frames

#: Known vacuum minima (degrees): C7eq and C5/β (αR holds ~0.5% here and C7ax is not sampled)
REGIONS = {"C7eq": (-80.0, 70.0), "C5": (-150.0, 155.0)}


@pytest.fixture(scope="module")
def project(ala2_files):
    traj, top = ala2_files
    return compute_project([traj], top, n_blocks=10, n_representatives=5)


def test_pca_basins_match_a_direct_phi_psi_count(project, ala2):
    phi = md.compute_phi(ala2)[1][:, 0]
    psi = md.compute_psi(ala2)[1][:, 0]
    X = np.column_stack([phi, psi])
    # the direct count: frames in each Ramachandran region, the regions being the watershed
    # basins of the φ/ψ free-energy surface itself (periodic in both angles)
    rama = estimate(X, bins=60, range=[(-np.pi, np.pi)] * 2, periodic=True)
    regions = find_basins(rama, X)
    basins = project.basins
    assert len(basins) == len(regions) == 2
    for b in basins.basins:
        members = basins.frame_labels == b.label
        centre = np.degrees(
            [
                np.angle(np.mean(np.exp(1j * phi[members]))),
                np.angle(np.mean(np.exp(1j * psi[members]))),
            ]
        )
        name = min(REGIONS, key=lambda r: np.abs((centre - REGIONS[r] + 180) % 360 - 180).max())
        assert np.abs((centre - REGIONS[name] + 180) % 360 - 180).max() < 25, (name, centre)
        # the φ/ψ region holding most of this basin's frames
        region = np.bincount(regions.frame_labels[members], minlength=2).argmax()
        direct = np.mean(regions.frame_labels == region)
        # within two of the basin's block-analysis error bars (~0.011)
        assert b.population_error > 0.002
        assert abs(b.population - direct) < 2 * b.population_error, (name, b.population, direct)
    pops = sorted(b.population for b in basins.basins)
    assert 0.6 < pops[1] < 0.85 and 0.15 < pops[0] < 0.4  # C7eq ~75%, C5 ~25%


def test_representative_frames_are_lowest_free_energy_members(project, tmp_path):
    basins = project.basins
    coords = np.concatenate(project.projection)[:, :2]
    F = basins.surface.free_energy[basins.surface.cell_of(coords)]
    traj_idx, frame_idx = project.frame_index
    with atomic_output_dir(tmp_path / "out") as folder:
        rows = [int(i) for b in basins.basins for i in b.lowest]
        frames = read_rows(project.trajectories, rows, traj_idx, frame_idx)
        assert write_basin_frames(basins, frames, folder)
    for b in basins.basins:
        assert b.lowest.size == 5
        assert np.all(basins.frame_labels[b.lowest] == b.label)
        members = np.flatnonzero(basins.frame_labels == b.label)
        assert F[b.lowest].max() <= np.sort(F[members])[4] + 1e-12  # none lower left out
        xtc = md.load(
            str(tmp_path / "out" / f"basin_{b.label}.xtc"), top=project.trajectories.top_path
        )
        assert xtc.n_frames == 5
        first = project.trajectories.read_frames(0, [int(frame_idx[b.lowest[0]])])
        np.testing.assert_allclose(xtc.xyz[0], first.xyz[0], atol=1e-3)  # xtc precision


def test_plumed_input_lists_the_basins(project):
    table = project.basins.to_table()
    lines = [line for line in project.plumed.splitlines() if line.startswith("# basin ")]
    assert len(lines) == len(project.basins)
    for i, line in enumerate(lines):
        assert line.startswith(f"# basin {i}: population {table['population'][i]:.3f}")
        pc1 = float(line.split("pc1=")[1].split(",")[0])
        assert np.isclose(pc1, table["centre_PC1"][i], rtol=1e-9)


@pytest.fixture(scope="module")
def torus(ala2_files):
    traj, top = ala2_files
    # the surface on φ/ψ themselves: a periodic KDE (Silverman's bandwidth, ~7 and 11
    # degrees here) on 5-degree bins
    return compute_project(
        [traj],
        top,
        fes_on="dihedrals",
        fes_method="kde",
        bandwidth="silverman",
        bins=72,
        n_blocks=10,
        n_representatives=5,
    )


def test_phi_psi_basins_are_ramachandran_regions_with_direct_counts(torus, project, ala2):
    # φ/ψ from mdtraj, independently of trajlens' featurizer
    phi = np.degrees(md.compute_phi(ala2)[1][:, 0])
    s = torus.surface
    assert s.is_periodic == (True, True) and s.labels == ("phi_ALA2", "psi_ALA2")
    names = []
    for b in torus.basins.basins:
        m = np.degrees(b.minimum)
        name = min(REGIONS, key=lambda r: np.abs((m - REGIONS[r] + 180) % 360 - 180).max())
        assert np.abs((m - REGIONS[name] + 180) % 360 - 180).max() < 25, (name, m)
        names.append(name)
    assert sorted(names) == ["C5", "C7eq"]
    # direct count: the C7eq/C5 dividing line runs at φ ≈ -110 degrees (the watershed
    # boundary lies between -105 and -115 for every ψ band of the sampled region); C5/β is
    # φ < -110, C7eq the rest. PII (ψ ≈ 140, φ ≈ -80) is a shoulder of C7eq here.
    direct = {"C5": np.mean(phi < -110), "C7eq": np.mean(phi >= -110)}
    for name, b in zip(names, torus.basins.basins, strict=True):
        members = torus.basins.frame_labels == b.label
        assert np.mean((phi[members] < -110) == (name == "C5")) > 0.97
        # within two block-analysis (jackknife) error bars, ~0.009 here
        assert 0.002 < b.population_error < 0.03
        assert abs(b.population - direct[name]) < 2 * b.population_error, (name, b, direct)
    # the φ/ψ basins and the PCA basins are the same two states with the same populations
    pca = sorted(b.population for b in project.basins.basins)
    ours = sorted(torus.basins.basins, key=lambda b: b.population)
    for p, b in zip(pca, ours, strict=True):
        assert abs(p - b.population) < 2 * b.population_error


def test_alpha_r_is_sampled_but_not_a_free_energy_basin(ala2):
    # αR (φ ≈ -70, ψ ≈ -40) is visited, but in this vacuum amber14 run F rises from C7eq
    # down to αR: on the raw, unsmoothed 5-degree histogram every local minimum there is a
    # noise dimple under 1 kT deep, or an isolated cell, each holding < 0.5% of the frames,
    # which the basin rules (1 kT, 0.5%) rightly merge or drop. C7ax (φ > 0) is never
    # visited. So the two basins above are all this trajectory supports.
    phi = np.degrees(md.compute_phi(ala2)[1][:, 0])
    psi = np.degrees(md.compute_psi(ala2)[1][:, 0])
    box = (phi > -110) & (phi < -30) & (psi > -90) & (psi < -10)
    assert 0.001 < box.mean() < 0.005 and np.all(phi < 0)
    X = np.radians(np.column_stack([phi, psi]))
    s = estimate(X, bins=72, range=[(-np.pi, np.pi)] * 2, periodic=True, smooth=0, units="kT")
    raw = find_basins(s, X, min_barrier=0.0, min_population=0.0)
    dimples = [b for b in raw.basins if box[raw.frame_labels == b.label].all()]
    assert len(dimples) >= 1
    for b in dimples:
        assert b.population < 0.005
        assert b.barrier < s.kT or not np.isfinite(b.barrier)


def ramachandran_region(phi_deg, psi_deg):
    """Textbook Ramachandran regions (degrees), fixed before looking at any basin.

    αR: φ < 0 and −120 < ψ < 50; C7ax/αL: φ > 0; the remaining φ < 0 frames are the
    extended region, split at φ = −110 into C5/β (below) and PII/C7eq (above).
    """
    phi_deg, psi_deg = np.asarray(phi_deg), np.asarray(psi_deg)
    alpha = (phi_deg < 0) & (psi_deg > -120) & (psi_deg < 50)
    return np.where(
        phi_deg > 0, "C7ax", np.where(alpha, "aR", np.where(phi_deg < -110, "C5", "PII/C7eq"))
    )


def test_implicit_water_basins_include_alpha_r():
    """In OBC2 water αR is a basin: the PCA pipeline finds it with the direct count's population."""
    from trajlens.io import example_files

    traj, top = example_files("ala2_obc2")
    result = compute_project([traj], top, n_blocks=10)
    t = md.load(str(traj), top=str(top))
    phi = np.degrees(md.compute_phi(t)[1][:, 0])
    psi = np.degrees(md.compute_psi(t)[1][:, 0])
    region = ramachandran_region(phi, psi)
    basins = result.basins
    found = {}
    for b in basins.basins:
        if b.population < 0.05:  # small side basins (C7eq, ~1%) are not compared here
            continue
        members = basins.frame_labels == b.label
        names, counts = np.unique(region[members], return_counts=True)
        name = names[counts.argmax()]
        assert counts.max() > 0.9 * members.sum(), (b.label, dict(zip(names, counts, strict=True)))
        assert name not in found, f"two large basins in {name}"
        found[name] = b
    assert set(found) == {"aR", "C5", "PII/C7eq"}, sorted(found)
    for name, b in found.items():
        direct = np.mean(region == name)
        # within two block-analysis error bars of the direct count
        assert abs(b.population - direct) < 2 * b.population_error, (name, b.population, direct)
    assert 0.2 < found["aR"].population < 0.5
