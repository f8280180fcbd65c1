"""tqdm progress from the Python API, and the free-energy parameters recorded in summary.json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trajlens.datasets import write_biased_double_well
from trajlens.fes import estimate
from trajlens.io import read_colvar
from trajlens.pipeline import TqdmReporter, compute_project, run_colvar, run_project

R = 8.314462618e-3  # kJ/(mol K)


def test_run_project_progress_bars_and_fes_parameters(ala2_short, tmp_path, capsys):
    xtc, pdb = ala2_short
    out = tmp_path / "out"
    result = run_project(
        xtc, pdb, out, progress=True, bins=40, smooth=0.5, temperature=310.0, n_blocks=5
    )
    err = capsys.readouterr().err
    # one tqdm bar per step, on stderr outside Jupyter; featurizing counts frames
    for step in ("Checking inputs", "Featurizing", "PCA", "HDBSCAN", "Free-energy", "Writing"):
        assert step in err, step
    assert "600/600" in err
    fes = json.loads((out / "summary.json").read_text())["fes"]
    assert fes["bins"] == [40, 40] and fes["smooth"] == 0.5 and fes["n_blocks"] == 5
    assert fes["temperature"] == 310.0
    # --min-barrier defaults to 1 kT at the run's temperature, in the surface's units
    assert fes["min_barrier"] == pytest.approx(R * 310.0)
    assert fes["kT"] == pytest.approx(R * 310.0)
    assert fes["units"]["free_energy"] == "kJ/mol" == fes["units"]["min_barrier"]
    assert fes["variables"] == ["PC1", "PC2"] and fes["periodic"] == [False, False]
    assert result.fes_parameters == fes
    # and the report's parameter table shows them one per row, with units
    page = (out / "report.html").read_text()
    assert "fes min_barrier (kJ/mol)" in page and "fes smooth (bins" in page


def test_progress_off_by_default_and_reporter_wins(ala2_short, capsys):
    xtc, pdb = ala2_short
    compute_project(xtc, pdb, n_blocks=0)
    assert "Featurizing" not in capsys.readouterr().err

    class Recorder(TqdmReporter):
        def __init__(self):
            super().__init__(leave=False)
            self.steps = []

        def step(self, description, total=None):
            self.steps.append(description)
            return super().step(description, total)

    recorder = Recorder()
    compute_project(xtc, pdb, n_blocks=0, reporter=recorder, progress=False)
    assert recorder.steps[0] == "Checking inputs"
    assert recorder.steps[-2:] == ["Free-energy surface and basins", "Ranking the features"]


def test_colvar_summary_parameters_reproduce_the_surface(tmp_path):
    colvar = tmp_path / "COLVAR"
    write_biased_double_well(colvar, n_walkers=20, n_steps=20000)
    out = tmp_path / "out"
    run_colvar(colvar, out, weights_from="restraint.bias", bins=50, smooth=1.5, min_barrier=3.0)
    fes = json.loads((out / "summary.json").read_text())["fes"]
    assert fes["min_barrier"] == 3.0 and fes["bins"] == [50] and fes["smooth"] == 1.5
    # the recorded parameters, fed back to estimate, give the surface that was written
    data = read_colvar(colvar)
    from trajlens.fes import weights_from_bias

    w = weights_from_bias(data["restraint.bias"], fes["temperature"])
    surface = estimate(
        data["x"],
        weights=w,
        bins=fes["bins"][0],
        range=[tuple(r) for r in fes["range"]],
        smooth=fes["smooth"],
        temperature=fes["temperature"],
    )
    saved = np.load(out / "fes.npz")
    np.testing.assert_allclose(surface.free_energy, saved["free_energy"])


def test_rich_html_of_colvar_and_tica_results(ala2_short, tmp_path):
    colvar = tmp_path / "COLVAR"
    write_biased_double_well(colvar, n_walkers=10, n_steps=10000)
    result = run_colvar(colvar, tmp_path / "out", weights_from="restraint.bias")
    page = result._repr_html_()
    w = result.weights
    assert page.startswith("<div><b>ColvarResult</b>") and "data:image/png;base64," in page
    assert f"{w.sum() ** 2 / np.sum(w * w):.0f}" in page  # Kish effective sample size
    assert page.count("<tr><td>") >= len(result.basins)
    # a TICA model has timescales, not explained variance: its repr shows those
    xtc, pdb = ala2_short
    tica = compute_project(xtc, pdb, method="tica", method_params={"lag": 5}, n_blocks=0)
    page = tica._repr_html_()
    assert "implied timescales" in page and "explained variance" not in page
