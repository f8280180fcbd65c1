"""CV export: golden files written from the PLUMED 2.10 manual, and the expected values.

The golden files were written by hand from the syntax in PLUMED 2.10's sources and regtests
(docs/plumed-2.10-notes.md): COMBINE/CONSTANT/CUSTOM/SUM for linear CVs, numbered ATOMSk for
vector DISTANCE/TORSION, PATHMSD with a PDB whose serials are the 1-based atom numbers
(Å, occupancy and beta 1 = uniform weights), GPROPERTYMAP TYPE=EUCLIDEAN with a REMARK-only
reference file (``ARG=`` names, ``name=value`` pairs, frames ended by END), and ANN with
row-major WEIGHTSk (one row per output node) and no PERIODIC (ANN.cpp does not parse it).
"""

from pathlib import Path

import numpy as np
import pytest

from trajlens import InputError
from trajlens.cvs import (
    ann_cv,
    ann_from_layers,
    evaluate,
    export_plumed,
    feature_path_cv,
    kabsch_msd,
    linear_cv,
    parse_plumed,
    path_cv,
    plumed_text,
    property_map_cv,
)
from trajlens.featurize import atom_pair_distances, backbone_dihedrals, featurize
from trajlens.io import read_colvar
from trajlens.reduce import PCA, SketchMap

GOLDEN = Path(__file__).parent / "golden"
COMPONENTS = np.array([[0.5, -0.25, 0.125, 1.0, -2.0000000000000004]])
MEAN = np.array([0.1, -0.9, 0.2, 0.95, 0.61])


def test_golden_scalar_linear_with_templates(ala2):
    spec = backbone_dihedrals(ala2.topology) + atom_pair_distances([(1, 18)])
    cv = linear_cv(spec, COMPONENTS, MEAN, names=["lda1"], method="LDA", vector=False)
    text = plumed_text([cv], None, sigma={"lda1": 0.05}, barrier=20.0, temperature=300)
    golden = (GOLDEN / "lda_scalar_ala2.dat").read_text()
    # line 1 names the version; -2.0000000000000004 shows coefficients keep all 17 digits
    assert text.split("\n", 1)[1] == golden.split("\n", 1)[1]


def test_golden_vector_linear(ala2):
    spec = backbone_dihedrals(ala2.topology) + atom_pair_distances([(1, 18), (4, 16)])
    comps = np.array([[0.5, -0.25, 0.125, 1.0, -2.0, 3.0]])
    mean = np.array([0.1, -0.9, 0.2, 0.95, 0.61, 0.3])
    cv = linear_cv(spec, comps, mean, names=["lda1"], vector=True)
    golden = (GOLDEN / "lda_vector_ala2.dat").read_text()
    assert "\n".join(cv.feature_lines + cv.lines) + "\n" == golden
    assert not cv.uses_features  # no scalar TORSION/DISTANCE per feature


def test_vector_form_is_automatic_for_many_features(ala2):
    pairs = [(i, j) for i in range(22) for j in range(i + 1, 22)][:60]
    spec = atom_pair_distances(pairs)
    cv = linear_cv(spec, np.ones((1, 60)), np.zeros(60))
    assert cv.feature_lines[0].startswith("tl_dist: DISTANCE ATOMS1=1,2 ATOMS2=1,3")
    assert len(cv.feature_lines) == 1 and len(cv.lines) == 5


def test_golden_path(ala2):
    frames = np.zeros((2, ala2.n_atoms, 3))
    frames[:, [4, 6, 8]] = [[0.1, 0.2, 0.3], [0.25, 0.2, 0.3], [0.3, 0.35, 0.3]]
    frames[1, 8] = [0.325, 0.3, 0.4125]
    cv = path_cv(frames, [4, 6, 8], ala2.topology, lam=50.0, reorder=False)
    assert "\n".join(cv.lines) + "\n" == (GOLDEN / "path_ala2.dat").read_text()
    assert cv.files["path.pdb"] == (GOLDEN / "path_ala2.pdb").read_text()
    assert cv.outputs == ["path.sss", "path.zzz"]


def test_path_lambda_follows_the_manual(ala2):
    frames = ala2.xyz[[0, 3000, 6000, 9000]]
    atoms = [a.index for a in ala2.topology.atoms if a.element.symbol != "H"]
    cv = path_cv(frames, atoms, ala2.topology, reorder=False)
    lam = float(cv.lines[0].split("LAMBDA=")[1])
    # 2.3 / mean MSD between consecutive frames; MSD by mdtraj's QCP RMSD squared
    import mdtraj as md

    sub = ala2[[0, 3000, 6000, 9000]].atom_slice(atoms)
    msd = [md.rmsd(sub[i + 1], sub[i])[0] ** 2 for i in range(3)]
    assert lam == pytest.approx(2.3 / np.mean(msd), rel=1e-3)  # PDB rounding to 0.001 Å
    sel = ala2.xyz[:5][:, atoms].astype(np.float64)
    np.testing.assert_allclose(
        kabsch_msd(sel, sub.xyz[1]), md.rmsd(ala2[:5].atom_slice(atoms), sub, 1) ** 2, atol=1e-7
    )


def test_golden_feature_path(ala2):
    spec = backbone_dihedrals(ala2.topology)
    nodes = np.array([[0.5, -0.5, 1.0, 0.0], [-0.75, 0.25, 0.0, 1.0]])
    cv = feature_path_cv(spec, nodes, lam=4.0, reorder=False)
    assert "\n".join(cv.lines) + "\n" == (GOLDEN / "fpath_ala2.dat").read_text()
    assert cv.files["fpath.pdb"] == (GOLDEN / "fpath_ala2.pdb").read_text()
    assert cv.outputs == ["fpath_spath", "fpath_zpath"]  # the shortcut's own labels
    # default LAMBDA: 2.3 / squared distance between the nodes (1.25^2 + 0.75^2 + 1 + 1)
    lam = float(feature_path_cv(spec, nodes).lines[0].split("LAMBDA=")[1])
    assert lam == pytest.approx(2.3 / 4.125, rel=1e-15)
    # at a node, s is that node's index (up to the other node's weight e^-lambda D)
    s = cv.projector(nodes)[:, 0]
    w = np.exp(-4.0 * 4.125)
    np.testing.assert_allclose(s, [(1 + 2 * w) / (1 + w), (1 * w + 2) / (1 + w)], rtol=1e-12)


def test_golden_property_map(ala2):
    spec = backbone_dihedrals(ala2.topology)
    L = np.array([[1.0, 0.0, 0.5, -0.25], [0.0, 1.0, -0.5, 0.75], [-1.0, 0.0, 0.125, 1e-7]])
    Y = np.array([[0.5, -1.0], [1.5, 2.0], [-3.0, 0.1]])
    cv = property_map_cv(spec, L, Y, lam=2.5, label="map")
    assert "\n".join(cv.lines) + "\n" == (GOLDEN / "map_ala2.dat").read_text()
    assert cv.files["landmarks.pdb"] == (GOLDEN / "map_ala2_landmarks.pdb").read_text()
    assert cv.outputs == ["map_mapX1", "map_mapX2"]  # GPROPERTYMAP names results lab_P


def test_golden_ann(ala2):
    spec = backbone_dihedrals(ala2.topology)
    W0 = np.array([[0.1, 0.2, 0.3, 0.4], [-0.5, 0.6, -0.7, 0.8]])
    cv = ann_from_layers(
        spec, [W0, [[1.5, -2.5]]], [[0.01, -0.02], [0.25]], ["Tanh", "Linear"], label="ann"
    )
    assert "\n".join(cv.lines) + "\n" == (GOLDEN / "ann_ala2.dat").read_text()
    x = np.array([[0.3, -0.2, 0.9, 0.1]])
    by_hand = np.tanh(W0 @ x[0] + [0.01, -0.02]) @ [1.5, -2.5] + 0.25
    assert cv.projector(x)[0, 0] == pytest.approx(by_hand, abs=1e-15)


def test_periodic_angles_refused(ala2):
    spec = backbone_dihedrals(ala2.topology, sincos=False)
    with pytest.raises(InputError, match="periodic"):
        linear_cv(spec, np.ones((1, 2)), np.zeros(2))
    with pytest.raises(InputError, match="periodic"):
        property_map_cv(spec, np.zeros((3, 2)), np.zeros((3, 2)))


@pytest.fixture(scope="module")
def exported(ala2, tmp_path_factory):
    """Every export form on alanine dipeptide, written to one folder."""
    t = ala2[::10]
    sc = backbone_dihedrals(ala2.topology)
    spec = sc + atom_pair_distances([(1, 18), (4, 16), (6, 14), (8, 18)])
    X = featurize(t, spec)[0].astype(np.float64)
    pca = PCA(2).fit(X)
    Xs = X[:, :4]
    sm = SketchMap(n_landmarks=120, n_global=0, random_state=0).fit(Xs)
    Ys = sm.transform(Xs)
    heavy = [a.index for a in ala2.topology.atoms if a.element.symbol != "H"]
    cvs = [
        linear_cv(spec, pca.components_, pca.mean_, names=["pc1", "pc2"], vector=False),
        linear_cv(spec, pca.components_, pca.mean_, names=["vpc1", "vpc2"], vector=True),
        path_cv(t.xyz[[0, 300, 600, 900]], heavy, ala2.topology),
        feature_path_cv(sc, Xs[[0, 300, 600, 900]], label="fpath"),
        property_map_cv(sc, sm.landmarks_, sm.embedding_, label="smap", target=(Xs, Ys)),
        ann_cv(sc, Xs, Ys, hidden=(12, 12), label="ann", max_iter=500),
    ]
    labels = (pca.transform(X)[:, 0] > 0).astype(int)
    out = tmp_path_factory.mktemp("export") / "plumed"
    result = export_plumed(
        cvs, out, frames=ala2[:40], basin_frames=(t, labels), barrier=12.5, temperature=300
    )
    return cvs, result, out, Ys, Xs, sm


def test_export_folder_is_complete_and_parses(exported):
    _, result, out, _, _, _ = exported
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "plumed.dat",
            "path.pdb",
            "fpath.pdb",
            "landmarks.pdb",
            "expected_colvar.dat",
            "export.json",
        ]
    )
    parsed = parse_plumed((out / "plumed.dat").read_text(), out)
    for action in parsed.actions:
        for key in ("REFERENCE",):
            if key in action.keys:
                assert (out / action.keys[key]).is_file()
    text = (out / "plumed.dat").read_text()
    assert "--enable-modules=annfunc,mapping" in text
    assert "# opes: OPES_METAD ARG=pc1,pc2 SIGMA=" in text and "BARRIER=12.5" in text
    sig = result.sigma["pc1"]
    assert 0 < sig < np.inf and f"SIGMA={sig:.4g}" in text


def test_expected_colvar_agrees_with_projectors(exported, ala2):
    cvs, result, out, _, _, _ = exported
    colvar = read_colvar(out / "expected_colvar.dat")
    assert colvar.fields[0] == "time" and len(colvar.data) == 40
    frames = ala2[:40]
    for cv in cvs:
        X = None if cv.spec is None else featurize(frames, cv.spec)[0].astype(np.float64)
        own = cv.projector(X, frames.xyz)
        for j, name in enumerate(cv.outputs):
            # 1e-5: float32 features and coordinates, 10-decimal COLVAR; the ANN's formula is
            # exact too (its fitting error is to the sketch-map, checked below)
            np.testing.assert_allclose(colvar[name], own[:, j], atol=1e-5, err_msg=name)
            assert result.deviation[name] < 1e-5
    # scalar and vector forms of the same PCA agree
    np.testing.assert_allclose(colvar["pc1"], colvar["vpc1"], atol=1e-9)


def test_nonlinear_fitting_errors_reported(exported):
    cvs, result, out, Ys, Xs, _ = exported
    spread = Ys.std(axis=0).mean()
    # the property map smooths the sketch-map (kernel average), the network fits it: both
    # within a small fraction of the map's spread on these well-sampled frames
    assert result.fit_error["smap"] < 0.2 * spread
    assert result.fit_error["ann"] < 0.05 * spread
    ann = cvs[-1]
    rms = np.sqrt(np.mean((ann.projector(Xs) - Ys) ** 2))
    assert rms == pytest.approx(result.fit_error["ann"])
    summary = (out / "export.json").read_text()
    assert '"fit_error"' in summary


def test_exported_network_reproduces_the_map_to_its_fitting_error(exported, ala2):
    cvs, result, out, Ys, _, sm = exported
    colvar = read_colvar(out / "expected_colvar.dat")
    spec = cvs[-1].spec
    target = sm.transform(featurize(ala2[:40], spec)[0])
    ann = np.column_stack([colvar["ann1"], colvar["ann2"]])
    rms = np.sqrt(np.mean((ann - target) ** 2))
    # new frames (only 4 of these 40 were trained on): within 3x the training RMS error
    assert rms < 3 * result.fit_error["ann"] + 0.01 * Ys.std(axis=0).mean()


def test_expected_values_are_read_back_from_the_files(exported, ala2, tmp_path):
    _, _, out, _, _, _ = exported
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    text = (copy / "plumed.dat").read_text()
    before = evaluate(copy / "plumed.dat", ala2[:5])
    # change a written landmark property and the ANN's output biases: the evaluation follows
    import re

    pdb = re.sub(r"smapX1=[^ ]+", "smapX1=5.0", (copy / "landmarks.pdb").read_text())
    (copy / "landmarks.pdb").write_text(pdb)
    line = next(ln for ln in text.splitlines() if ln.startswith("BIASES2="))
    zeros = "BIASES2=" + ",".join("0" for _ in line.split(","))
    (copy / "plumed.dat").write_text(text.replace(line, zeros))
    after = evaluate(copy / "plumed.dat", ala2[:5])
    assert not np.allclose(before["smap_smapX1"], after["smap_smapX1"])
    np.testing.assert_allclose(after["smap_smapX1"], 5.0, atol=1e-12)  # every X_i is 5 now
    assert not np.allclose(before["ann.node-0"], after["ann.node-0"])
    np.testing.assert_array_equal(before["pc1"], after["pc1"])


def test_export_refuses_clashing_outputs(exported, tmp_path, ala2):
    cvs = exported[0]
    with pytest.raises(InputError, match="share the output names"):
        export_plumed([cvs[0], cvs[0]], tmp_path / "x", frames=ala2[:3])
    assert not (tmp_path / "x").exists()


def test_path_in_a_box_rebuilds_molecules_whole(ala2, ala2_boxed, tmp_path):
    # the boxed frames are ala2[::30] shifted and wrapped atom by atom (bonds broken)
    plain = ala2[::30][: ala2_boxed.n_frames]
    heavy = [a.index for a in ala2.topology.atoms if a.element.symbol != "H"]
    cv = path_cv(plain.xyz[[0, 100, 200]], heavy, ala2.topology, reorder=False)
    result = export_plumed([cv], tmp_path / "box", frames=ala2_boxed[:50])
    colvar = read_colvar(tmp_path / "box" / "expected_colvar.dat")
    want = cv.projector(None, plain.xyz[:50])
    # whole again, the MSD after alignment ignores the shift: same s and z as unwrapped
    np.testing.assert_allclose(colvar["path.sss"], want[:, 0], atol=1e-5)
    np.testing.assert_allclose(colvar["path.zzz"], want[:, 1], atol=1e-6)
    assert result.deviation["path.sss"] < 1e-5
    broken = cv.projector(None, ala2_boxed.xyz[:50])  # no box given: molecules stay broken
    assert np.abs(broken[:, 1] - want[:, 1]).max() > 1e-3


def test_two_independent_evaluators_agree(ala2):
    from tests.cvs import plumed_eval

    spec = backbone_dihedrals(ala2.topology) + atom_pair_distances([(1, 18), (4, 16)])
    comps = np.array([[0.5, -0.25, 0.125, 1.0, -2.0, 3.0], [1e-3, 0.0, -0.3, 0.7, 2.5e-7, 1.0]])
    cv = linear_cv(spec, comps, np.linspace(-1, 1, 6), names=["a1", "a2"], vector=False)
    text = plumed_text([cv], None)
    ours = evaluate(parse_plumed(text), ala2[:50])
    theirs = plumed_eval.evaluate(text, ala2[:50])  # the tests' own reader, keywords checked
    for name in ("a1", "a2"):
        np.testing.assert_allclose(ours[name], theirs[name], atol=1e-12)


def test_evaluator_rejects_keywords_plumed_does_not_know():
    with pytest.raises(InputError, match="ANN has no keyword PERIODIC"):
        parse_plumed("a: ANN ARG=x NUM_LAYERS=2 NUM_NODES=1,1 ACTIVATIONS=Linear PERIODIC=NO")
    parse_plumed("d: DISTANCE ATOMS1=1,2 ATOMS2=3,4")  # numbered keywords are fine
