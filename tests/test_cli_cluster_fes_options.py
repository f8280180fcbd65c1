"""``trajlens project`` options of issue 5: --cluster (and its parameters), --units,
--fes-method/--bandwidth, --fes-on dihedrals; and the representative structures written
per basin as PDB and XTC."""

from __future__ import annotations

import csv
import json

import mdtraj as md
import numpy as np
import pytest

from tests.conftest import run_cli
from trajlens.exceptions import InputError
from trajlens.pipeline import compute_project


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli5") / "out"
    proc = run_cli(
        "project", "--example", "ala2", "--stride", "4", "--out", str(out), "--quiet",
        "--cluster", "adp", "--adp-z", "1.65", "--units", "kT", "--fes-method", "kde",
        "--bandwidth", "silverman", "--fes-on", "dihedrals", "--bins", "72",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def test_cli_writes_phi_psi_basins_in_kT(cli_run):
    with open(cli_run / "basins.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2  # C7eq and C5 (see tests/test_ala2_basins.py)
    for key in ("free_energy_kT", "barrier_kT", "F_min_kT", "free_energy_error_kT"):
        assert key in rows[0]
    minima = np.degrees(
        [[float(r["phi_ALA2_min_rad"]), float(r["psi_ALA2_min_rad"])] for r in rows]
    )
    assert np.all(minima[:, 0] < 0)
    # ΔF in kT of the two basins: -ln(p1 / p0)
    p = [float(r["population"]) for r in rows]
    assert float(rows[1]["free_energy_kT"]) == pytest.approx(-np.log(p[1] / p[0]), abs=1e-3)
    summary = json.loads((cli_run / "summary.json").read_text())
    assert "free_energy_kT" in summary["basins"][0]


def test_cli_writes_medoid_and_lowest_frames_as_pdb_and_xtc(cli_run):
    top = str(cli_run / "basin_0.pdb")
    for k in range(2):
        medoid_pdb = md.load(str(cli_run / f"basin_{k}.pdb"))
        medoid_xtc = md.load(str(cli_run / f"basin_{k}_medoid.xtc"), top=top)
        assert medoid_xtc.n_frames == 1
        np.testing.assert_allclose(medoid_xtc.xyz, medoid_pdb.xyz, atol=2e-3)  # xtc/pdb precision
        lowest_xtc = md.load(str(cli_run / f"basin_{k}.xtc"), top=top)
        lowest_pdb = md.load(str(cli_run / f"basin_{k}_lowest.pdb"))
        assert lowest_xtc.n_frames == lowest_pdb.n_frames == 10
        np.testing.assert_allclose(lowest_xtc.xyz, lowest_pdb.xyz, atol=2e-3)


def test_cli_rejects_a_bad_bandwidth(tmp_path):
    proc = run_cli(
        "project", "--example", "ala2", "--out", str(tmp_path / "o"), "--bandwidth", "wide"
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("trajlens: error: --bandwidth")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("cluster", "params", "expected"),
    [
        ("hdbscan", {"min_cluster_size": 30}, None),
        ("density-peaks", {"n_clusters": 3}, 3),
        ("adp", {"Z": 1.65}, None),
        ("hierarchical", {"n_clusters": 4, "linkage": "average"}, 4),
        ("kmeans", {"n_clusters": 7}, 7),
    ],
)
def test_every_cluster_method_runs_in_the_pipeline(ala2_short, cluster, params, expected):
    traj, top = ala2_short
    result = compute_project([traj], top, cluster=cluster, cluster_params=params, n_blocks=0)
    labels = result.clusters
    assert labels.shape == (600,) and labels.min() >= -1
    n = int(labels.max()) + 1
    if expected is not None:
        assert n == expected
    else:
        assert 1 <= n <= 10  # 600 frames of two Ramachandran basins


def test_unknown_cluster_method_and_bad_parameter(ala2_short):
    traj, top = ala2_short
    with pytest.raises(InputError, match="--cluster"):
        compute_project([traj], top, cluster="dbscan")
    with pytest.raises(InputError, match="--cluster kmeans"):
        compute_project([traj], top, cluster="kmeans", cluster_params={"Z": 1.0})


def test_units_scale_energies_and_min_barrier_stays_in_kj_per_mol(ala2_short):
    traj, top = ala2_short
    kj = compute_project([traj], top, n_blocks=0, min_barrier=2.0)
    kcal = compute_project([traj], top, n_blocks=0, min_barrier=2.0, units="kcal/mol")
    assert kcal.surface.units == "kcal/mol"
    # the same 2 kJ/mol merging threshold: the shallow basins (barriers 2.5-2.7 kJ/mol) are
    # kept in both; read as 2 kcal/mol (8.4 kJ/mol) everything would merge into one
    assert len(kj.basins) == len(kcal.basins) >= 3
    for a, b in zip(kj.basins.basins, kcal.basins.basins, strict=True):
        assert b.population == pytest.approx(a.population)
        assert b.free_energy * 4.184 == pytest.approx(a.free_energy, rel=1e-9, abs=1e-9)


def test_kde_with_a_numeric_bandwidth_and_fes_on_needs_two_dihedrals(ala2_short):
    traj, top = ala2_short
    result = compute_project([traj], top, n_blocks=0, fes_method="kde", bandwidth=0.2)
    np.testing.assert_allclose(result.surface.bandwidth, [0.2, 0.2])
    with pytest.raises(InputError, match="--fes-on dihedrals"):
        compute_project([traj], top, features="distances 'name C or name N'", fes_on="dihedrals")
    with pytest.raises(InputError, match="--fes-on"):
        compute_project([traj], top, fes_on="features")
