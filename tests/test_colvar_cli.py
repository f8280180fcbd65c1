"""`trajlens project COLVAR --weights-from BIAS`: biased runs from PLUMED files, end to end."""

from __future__ import annotations

import csv
import json

import mdtraj as md
import numpy as np
import pytest

from tests.conftest import run_cli
from trajlens.datasets import double_well, langevin_double_well
from trajlens.io import read_colvar, write_colvar

HEIGHT, TILT, K = 5.0, 0.5, 8.0  # in kT


@pytest.fixture(scope="module")
def biased_colvar(tmp_path_factory):
    """A 1-D double well (barrier 5 kT, tilted) sampled under a static harmonic bias."""
    folder = tmp_path_factory.mktemp("colvar")
    traj = langevin_double_well(
        np.full(100, -1.0),
        1.0,
        height=HEIGHT,
        tilt=TILT,
        bias_k=K,
        dt=1e-3,
        n_steps=40000,
        stride=20,
        random_state=5,
    )[:, 200:]
    x = traj.reshape(-1)
    # energies in kJ/mol at 300 K: scale the kT = 1 units by R T
    kt = 8.314462618e-3 * 300.0
    write_colvar(
        folder / "COLVAR",
        {"time": np.arange(x.size) * 0.1, "x": x, "restraint.bias": 0.5 * K * x**2 * kt},
    )
    return folder / "COLVAR"


def test_colvar_with_weights_recovers_unbiased_basins(biased_colvar, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(
        "project", str(biased_colvar), "--weights-from", "restraint.bias", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert "COLVAR rows" in proc.stdout
    with open(out / "basins.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    # exact population of each well of the unbiased potential (split at the barrier top)
    fine = np.linspace(-2.5, 2.5, 200001)
    p = np.exp(-double_well(fine, HEIGHT, TILT))
    barrier = fine[np.argmax(np.where(np.abs(fine) < 0.5, double_well(fine, HEIGHT, TILT), -1))]
    left = p[fine < barrier].sum() / p.sum()
    pops = {float(r["centre_x"]) < 0: float(r["population"]) for r in rows}
    errs = {float(r["centre_x"]) < 0: float(r["population_error"]) for r in rows}
    # the tilt favours the left well (~73%); within 3 block-error bars (and 0.03 absolute)
    assert abs(pops[True] - left) < max(3 * errs[True], 0.03)
    assert abs(pops[False] - (1 - left)) < max(3 * errs[False], 0.03)
    colvar = read_colvar(out / "colvar.dat")
    assert colvar.fields == ["time", "x", "weight", "basin"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weights_from"] == "restraint.bias" and len(summary["basins"]) == 2
    # unweighted, the bias flattens the profile: the populations come out differently
    out2 = tmp_path / "plain"
    assert run_cli("project", str(biased_colvar), "--out", str(out2), "-q").returncode == 0
    with open(out2 / "basins.csv") as handle:
        plain = {float(r["centre_x"]) < 0: float(r["population"]) for r in csv.DictReader(handle)}
    assert abs(plain[True] - left) > 0.05  # ~0.08 off, against errors of ~0.01


def test_colvar_periodic_phi_psi(tmp_path, ala2):
    phi = md.compute_phi(ala2)[1][:, 0]
    psi = md.compute_psi(ala2)[1][:, 0]
    path = tmp_path / "COLVAR"
    write_colvar(
        path,
        {"time": ala2.time, "phi": phi, "psi": psi},
        periodic={"phi": ("-pi", "pi"), "psi": ("-pi", "pi")},
    )
    out = tmp_path / "out"
    proc = run_cli("project", str(path), "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert (out / "fes.png").is_file() and (out / "fes.npz").is_file()
    with np.load(out / "fes.npz") as data:
        assert data["periodic"].tolist() == [True, True]
    with open(out / "basins.csv") as handle:
        rows = list(csv.DictReader(handle))
    centres = np.degrees([[float(r["centre_phi"]), float(r["centre_psi"])] for r in rows])
    # C7eq (-80, 70) and C5 (-150, 155); the C5 basin straddles psi = 180
    for ref in ((-80, 70), (-150, 155)):
        d = np.abs((centres - ref + 180) % 360 - 180).max(axis=1)
        assert d.min() < 25


def test_colvar_errors(biased_colvar, tmp_path):
    proc = run_cli(
        "project", str(biased_colvar), "--weights-from", "metad.rbias", "--out", str(tmp_path / "o")
    )
    assert proc.returncode == 1 and "no column 'metad.rbias'" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_colvar_recipe_runs(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    recipe = root / "cli" / "colvar_reweight.sh"
    env = dict(os.environ, TRAJLENS=f"{sys.executable} -m trajlens", COLUMNS="120")
    # this checkout's package, whatever the working directory
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    proc = subprocess.run(
        ["bash", str(recipe), "out"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    rows = (tmp_path / "out" / "basins.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("basin,population,population_error")
