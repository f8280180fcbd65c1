"""The command line as a user runs it: outputs of the example, and one-line errors."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import mdtraj as md
import numpy as np
import pytest

from tests.conftest import run_cli
from trajlens.io import read_colvar


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "ala2_out"
    proc = run_cli("project", "--example", "ala2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_example_writes_every_output(example_run):
    out, proc = example_run
    for name in (
        "colvar.dat",
        "projection.npz",
        "features.npz",
        "features.json",
        "basins.csv",
        "basin_0.pdb",
        "basin_1.pdb",
        "plumed.dat",
        "fes.png",
        "projection.png",
        "summary.json",
        "report.html",
    ):
        assert (out / name).is_file(), name
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp folders
    assert "basin" in proc.stdout and "plumed.dat" in proc.stdout  # the summary tables
    colvar = read_colvar(out / "colvar.dat")
    assert colvar.fields == ["time", "pc1", "pc2", "traj", "frame", "cluster", "basin"]
    assert colvar.data.shape[0] == 10000
    np.testing.assert_allclose(np.diff(colvar["time"]), 1.0)  # ps between saved frames
    with np.load(out / "projection.npz") as data:
        np.testing.assert_allclose(data["projection"][:, 0], colvar["pc1"], atol=1e-8)


def _basins(out):
    with open(out / "basins.csv") as handle:
        return list(csv.DictReader(handle))


def angular_distance(a, b):
    return abs((a - b + 180.0) % 360.0 - 180.0)


def test_example_finds_c7eq_and_c5(example_run):
    out, _ = example_run
    rows = _basins(out)
    centres = [(float(r["phi_ALA2_deg"]), float(r["psi_ALA2_deg"])) for r in rows]
    # Known vacuum minima of alanine dipeptide: C7eq (-80, 70) and C5/beta (-150, 155);
    # 25 degrees allows for the broad, anharmonic C5 basin at 300 K
    for name, (phi, psi) in {"C7eq": (-80, 70), "C5": (-150, 155)}.items():
        dist = [max(angular_distance(p, phi), angular_distance(q, psi)) for p, q in centres]
        assert min(dist) < 25, f"{name} not found among {centres}"
    assert "pc1_min" in rows[0] and "pc2_min" in rows[0]  # PCA's columns are pc1, pc2
    pops = [float(r["population"]) for r in rows]
    assert pops == sorted(pops, reverse=True) and 0.9 < sum(pops) <= 1.0 + 1e-9


def test_representative_structures_are_basin_members(example_run, ala2_files):
    out, _ = example_run
    rows = _basins(out)
    colvar = read_colvar(out / "colvar.dat")
    for row in rows:
        pdb = md.load(str(out / row["pdb"]))
        assert pdb.n_atoms == 22
        frame = int(row["rep_frame"])
        assert colvar["basin"][frame] == int(row["basin"])
        traj, top = ala2_files
        original = md.load_frame(str(traj), frame, top=str(top))
        # the PDB holds that frame (PDB keeps 1e-3 nm... to 3 decimals in Angstrom)
        np.testing.assert_allclose(pdb.xyz, original.xyz, atol=2e-4)


def test_help_lists_every_option():
    proc = run_cli("project", "--help")
    assert proc.returncode == 0
    for option in (
        "--top",
        "--out",
        "--example",
        "--stride",
        "--select",
        "--temperature",
        "--bins",
        "--min-barrier",
        "--seed",
        "--overwrite",
        "--quiet",
    ):
        assert option in proc.stdout


def test_console_script_is_installed():
    beside = Path(sys.executable).parent / "trajlens"
    exe = str(beside) if beside.is_file() else shutil.which("trajlens")
    if exe is None:
        pytest.skip("trajlens console script not on PATH (package not installed)")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("trajlens ")


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, ala2):
    folder = tmp_path_factory.mktemp("bad")
    good_xtc, good_pdb = folder / "good.xtc", folder / "good.pdb"
    ala2[:300].save_xtc(str(good_xtc))
    ala2[0].save_pdb(str(good_pdb))
    heavy = ala2[0].atom_slice(ala2.topology.select("not element H"))
    heavy.save_pdb(str(folder / "heavy.pdb"))
    data = good_xtc.read_bytes()
    (folder / "truncated.xtc").write_bytes(data[: len(data) // 2])
    (folder / "garbage.xtc").write_bytes(np.random.default_rng(0).bytes(4000))
    ala2[:10].save_xtc(str(folder / "ten.xtc"))
    (folder / "a_file").write_text("not a folder")
    return folder


CASES = {
    "missing file": (["nope.xtc", "--top", "good.pdb"], "nope.xtc does not exist"),
    "missing topology": (["good.xtc", "--top", "nope.pdb"], "nope.pdb does not exist"),
    "atom count": (["good.xtc", "--top", "heavy.pdb"], "has 22 atoms but the topology has 10"),
    "truncated": (["truncated.xtc", "--top", "good.pdb"], "truncated.xtc"),
    "corrupt": (["garbage.xtc", "--top", "good.pdb"], "garbage.xtc"),
    "empty selection": (
        ["good.xtc", "--top", "good.pdb", "--select", "resname XYZ"],
        "matches no atoms",
    ),
    "too few frames": (["ten.xtc", "--top", "good.pdb"], "too few frames: 10"),
    "no topology": (["good.xtc"], "give one with --top"),
    "unwritable out": (["good.xtc", "--top", "good.pdb", "--out", "a_file/out"], "cannot create"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_line_and_writes_nothing(case, bad_inputs):
    args, expected = CASES[case]
    before = sorted(p.name for p in bad_inputs.iterdir())
    if "--out" not in args:
        args = [*args, "--out", "result"]
    proc = run_cli("project", *args, "--quiet", cwd=bad_inputs)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("trajlens: error: ") and expected in lines[0], lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert sorted(p.name for p in bad_inputs.iterdir()) == before  # nothing half-written


def test_existing_output_needs_overwrite(tmp_path, bad_inputs):
    (tmp_path / "result").mkdir()
    (tmp_path / "result" / "keep.txt").write_text("mine")
    proc = run_cli(
        "project",
        str(bad_inputs / "good.xtc"),
        "--top",
        str(bad_inputs / "good.pdb"),
        "--out",
        str(tmp_path / "result"),
        "--quiet",
    )
    assert proc.returncode == 1 and "--overwrite" in proc.stderr
    assert (tmp_path / "result" / "keep.txt").read_text() == "mine"


def test_unknown_option_is_a_usage_error():
    proc = run_cli("project", "--no-such-option")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
