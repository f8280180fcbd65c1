"""``trajlens featurize`` and ``trajlens project --features``."""

import json

import numpy as np

from tests.conftest import run_cli
from trajlens.featurize import FeatureSpec, featurize, parse_spec
from trajlens.io import open_trajectories

SPEC = (
    'phi psi; rg "not element H"; contacts "resid 0" "resid 2" r0=0.5; mindist "resid 0" "resid 2"'
)


def test_featurize_command_writes_features(tmp_path, ala2_short):
    xtc, pdb = ala2_short
    out = tmp_path / "f.npz"
    proc = run_cli("featurize", str(xtc), "--top", str(pdb), "--features", SPEC, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = np.load(out, allow_pickle=False)
    trajs = open_trajectories(xtc, pdb)
    spec = parse_spec(SPEC, trajs.topology)
    assert list(data["labels"]) == spec.labels
    assert FeatureSpec.from_dict(json.loads(str(data["spec"]))) == spec
    np.testing.assert_array_equal(data["features"], featurize(trajs, spec)[0])
    assert data["features"].dtype == np.float32 and data["features"].shape == (600, 7)
    np.testing.assert_array_equal(data["frame"], np.arange(600))
    # a spec file (text) gives the same matrix
    (tmp_path / "spec.txt").write_text(SPEC.replace(";", "\n"))
    again = tmp_path / "g.npz"
    proc = run_cli(
        "featurize", str(xtc), "--top", str(pdb), "--features", str(tmp_path / "spec.txt"),
        "--out", str(again),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(again)["features"], data["features"])


def test_featurize_command_reports_the_bad_token(tmp_path, ala2_short):
    xtc, pdb = ala2_short
    out = tmp_path / "f.npz"
    proc = run_cli(
        "featurize", str(xtc), "--top", str(pdb), "--features", "phi; wobble 3", "--out", str(out)
    )
    assert proc.returncode == 1
    assert "'wobble'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_project_with_features(tmp_path, ala2_short):
    xtc, pdb = ala2_short
    out = tmp_path / "run"
    proc = run_cli(
        "project", str(xtc), "--top", str(pdb), "--out", str(out), "--quiet",
        "--features", 'phi psi; rg "not element H" name=rg_heavy',
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    spec = FeatureSpec.load(out / "features.json")
    assert spec.labels[-1] == "rg_heavy" and len(spec) == 5
    plumed = (out / "plumed.dat").read_text()
    assert "rg_heavy: GYRATION ATOMS=" in plumed
    assert np.load(out / "features.npz")["features"].shape == (600, 5)
