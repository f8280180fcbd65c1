"""`trajlens cv` and `trajlens export-plumed` as a user runs them."""

import json

import numpy as np
import pytest

from tests.conftest import run_cli
from trajlens import InputError
from trajlens.cvs import evaluate
from trajlens.io import read_colvar
from trajlens.pipeline_cv import parse_kinds, run_export_plumed


def test_cv_command_ranks_builds_and_exports(ala2_short, tmp_path, ala2):
    xtc, pdb = ala2_short
    out = tmp_path / "cv"
    proc = run_cli("cv", str(xtc), "--top", str(pdb), "--cv", "hlda,path", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "ranking.csv").is_file() and (out / "ranking.png").is_file()
    first = (out / "ranking.csv").read_text().splitlines()[1].split(",")[1]
    assert first.endswith(("phi_ALA2", "psi_ALA2"))  # the default features are phi/psi sin/cos
    folder = out / "plumed"
    assert {p.name for p in folder.iterdir()} == {
        "plumed.dat",
        "path.pdb",
        "expected_colvar.dat",
        "export.json",
    }
    colvar = read_colvar(folder / "expected_colvar.dat")
    assert colvar.fields[:2] == ["time", "hlda1"] and "path.sss" in colvar.fields
    assert len(colvar.data) == 100
    # the file's numbers are those of the written input on the first frames of the XTC
    again = evaluate(folder / "plumed.dat", ala2[:100])
    np.testing.assert_allclose(colvar["path.sss"], again["path.sss"], atol=1e-9)
    summary = json.loads((folder / "export.json").read_text())
    assert max(summary["max_deviation_from_projector"].values()) < 1e-5


def test_cv_command_errors_in_one_line(ala2_short, tmp_path):
    xtc, pdb = ala2_short
    out = tmp_path / "bad"
    proc = run_cli("cv", str(xtc), "--top", str(pdb), "--cv", "hlda,bogus", "--out", str(out))
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "--cv" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
    # the same errors from Python (no second interpreter start: the suite stays fast)
    with pytest.raises(InputError, match="not a 'trajlens project' output folder"):
        run_export_plumed(tmp_path, tmp_path / "x")
    with pytest.raises(InputError, match="--cv"):
        parse_kinds("hlda,x")
    assert not (tmp_path / "x").exists()


def test_export_plumed_from_a_project_folder(ala2_short, tmp_path):
    xtc, pdb = ala2_short
    project = tmp_path / "proj"
    proc = run_cli("project", str(xtc), "--top", str(pdb), "--out", str(project), "--quiet")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "export"
    proc = run_cli("export-plumed", str(project), "--out", str(out), "--n-expected", "20")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "export.json").read_text())
    assert [cv["kind"] for cv in summary["cvs"]] == ["linear"]
    colvar = read_colvar(out / "expected_colvar.dat")
    assert colvar.fields == ["time", "pca1", "pca2"] and len(colvar.data) == 20
    # same numbers as the projection the project wrote for those frames
    proj = np.load(project / "projection.npz")["projection"][:20]
    np.testing.assert_allclose(colvar["pca1"], proj[:, 0], atol=1e-5)
    np.testing.assert_allclose(colvar["pca2"], proj[:, 1], atol=1e-5)
