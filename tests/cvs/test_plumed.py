"""PLUMED export: golden files from the PLUMED 2.10 manual, and independent evaluation."""

from pathlib import Path

import numpy as np
import pytest

from tests.cvs.plumed_eval import evaluate, parse
from trajlens import InputError
from trajlens.cvs import linear_cv_input
from trajlens.featurize import atom_pair_distances, backbone_dihedrals, featurize
from trajlens.reduce import PCA

GOLDEN = Path(__file__).parent / "golden"


def test_golden_pca_of_phi_psi_and_a_distance(ala2):
    spec = backbone_dihedrals(ala2.topology) + atom_pair_distances([(1, 18)])
    components = np.array([[0.5, -0.25, 0.125, 1.0, -2.0], [1e-3, 0.0, -0.3, 0.7, 2.5e-7]])
    mean = np.array([0.1, -0.9, 0.2, 0.95, 0.61])
    text = linear_cv_input(spec, components, mean)
    golden = (GOLDEN / "pca_ala2.dat").read_text()
    assert text.split("\n", 1)[1] == golden.split("\n", 1)[1]  # line 1 names the version
    parse(text)  # every action and keyword is one the manual lists


def test_exported_pca_reproduces_projection(ala2):
    spec = backbone_dihedrals(ala2.topology) + atom_pair_distances([(1, 18), (4, 16)])
    X = featurize(ala2, spec)[0]
    model = PCA(n_components=3).fit(X)
    text = linear_cv_input(spec, model.components_, model.mean_)
    frames = ala2[::50]
    plumed_values = evaluate(text, frames)  # mdtraj + the written numbers only
    projected = model.transform(featurize(frames, spec)[0].astype(np.float64))
    for k in range(3):
        # 1e-5: float32 features, coefficients written with 12 significant digits
        np.testing.assert_allclose(plumed_values[f"pc{k + 1}"], projected[:, k], atol=1e-5)
    assert any(a[1] == "PRINT" and a[2]["ARG"] == "pc1,pc2,pc3" for a in parse(text))


def test_raw_periodic_angles_are_refused(ala2):
    spec = backbone_dihedrals(ala2.topology, sincos=False)
    with pytest.raises(InputError, match="periodic"):
        linear_cv_input(spec, np.ones((1, 2)), np.zeros(2))
