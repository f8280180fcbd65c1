"""`trajlens project --method ...` end to end on a strided alanine-dipeptide example."""

import numpy as np
import pytest

from tests.conftest import run_cli
from trajlens.io import read_colvar


@pytest.mark.parametrize(
    ("method", "prefix", "plumed"),
    [("tica", "tic", True), ("mds", "mds", False), ("sketchmap", "sm", False)],
)
def test_project_method(tmp_path, method, prefix, plumed):
    out = tmp_path / method
    args = ["project", "--example", "ala2", "--stride", "10", "--out", str(out), "-q"]
    extra = {"tica": ["--lag", "5"], "mds": [], "sketchmap": ["--n-landmarks", "150"]}
    proc = run_cli(*args, "--method", method, *extra[method])
    assert proc.returncode == 0, proc.stderr
    colvar = read_colvar(out / "colvar.dat")
    coords = np.c_[colvar[f"{prefix}1"], colvar[f"{prefix}2"]]
    assert coords.shape == (1000, 2) and np.all(np.isfinite(coords)) and coords.std() > 0
    assert (out / "plumed.dat").exists() == plumed
    # basins.csv names the map's minima by the method's columns (tic1_min, sm1_min, ...)
    header = (out / "basins.csv").read_text().splitlines()[0].split(",")
    assert f"{prefix}1_min" in header and f"{prefix}2_min" in header
    assert not any(h.startswith("pc") for h in header)
    model = np.load(out / "projection.npz")
    assert str(model["method"]) == method
    if method == "tica":
        text = (out / "plumed.dat").read_text()
        assert "tic1" in text and "TICA" in text
        assert "timescales" in model.files
    else:
        assert model["embedding"].shape[1] == 2


def test_unknown_method_is_a_usage_error():
    proc = run_cli("project", "--example", "ala2", "--method", "tsne")
    assert proc.returncode != 0 and "tsne" in proc.stderr
