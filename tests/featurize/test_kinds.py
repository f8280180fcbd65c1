"""Feature kinds beyond φ/ψ and distances: against mdtraj, the NumPy twins and PLUMED syntax."""

import itertools

import mdtraj as md
import numpy as np
import pytest

from trajlens import InputError
from trajlens.cvs.plumed import feature_actions
from trajlens.featurize import _kernels, _reference, featurize
from trajlens.featurize.builders import (
    angles,
    atom_dihedrals,
    coordination,
    dihedral_angles,
    inverse_distances,
    radius_of_gyration,
    residue_min_distances,
)
from trajlens.featurize.spec import Feature, FeatureSpec

NO_BOX = np.zeros((1, 3, 3))


def heavy(top):
    return [a.index for a in top.atoms if a.element.symbol != "H"]


def boxes_of(t):
    return t.unitcell_vectors.astype(np.float64)


def peptide(n_frames=20, seed=3):
    """LYS-ARG-MET with random coordinates: has omega and chi1-chi4 (ala2 has neither)."""
    residues = {
        "LYS": ["N", "CA", "C", "O", "CB", "CG", "CD", "CE", "NZ"],
        "ARG": ["N", "CA", "C", "O", "CB", "CG", "CD", "NE", "CZ", "NH1", "NH2"],
        "MET": ["N", "CA", "C", "O", "CB", "CG", "SD", "CE"],
    }
    top = md.Topology()
    chain = top.add_chain()
    previous_c = None
    for number, (res, names) in enumerate(residues.items(), start=1):
        r = top.add_residue(res, chain, resSeq=number)
        atoms = {n: top.add_atom(n, md.element.get_by_symbol(n[0]), r) for n in names}
        for a, b in [("N", "CA"), ("CA", "C"), ("C", "O"), ("CA", "CB")]:
            top.add_bond(atoms[a], atoms[b])
        if previous_c is not None:
            top.add_bond(previous_c, atoms["N"])
        previous_c = atoms["C"]
    xyz = np.random.default_rng(seed).random((n_frames, top.n_atoms, 3)).astype(np.float32)
    return md.Trajectory(xyz, top)


def test_angles_match_mdtraj(ala2, ala2_boxed):
    triplets = np.array(
        [t for t in itertools.permutations(heavy(ala2.topology), 3) if t[0] < t[2]][:200]
    )
    spec = angles(triplets)
    ours = featurize(ala2[:2000], spec)[0]
    # 1e-5 rad: mdtraj works in float32 arccos, we in float64 atan2; arccos loses digits
    # near 0 and pi (its slope diverges), so there the float64 twin is the reference
    theirs = md.compute_angles(ala2[:2000], triplets, periodic=False)
    well = np.sin(theirs) > 0.2
    assert well.mean() > 0.9
    assert np.abs(ours - theirs)[well].max() < 1e-5
    np.testing.assert_allclose(ours, _reference.angles(ala2.xyz[:2000], triplets), atol=1e-6)
    boxed = featurize(ala2_boxed, spec)[0]
    theirs = md.compute_angles(ala2_boxed, triplets, periodic=True)
    well = np.sin(theirs) > 0.2
    assert np.abs(boxed - theirs)[well].max() < 1e-5
    ref = _reference.angles(ala2_boxed.xyz, triplets, boxes_of(ala2_boxed))
    np.testing.assert_allclose(boxed, ref, atol=1e-6)
    # without the minimum image the wrapped molecule gives wrong angles (the test can fail)
    wrong = _kernels.angles(ala2_boxed.xyz, triplets, NO_BOX, False, False)
    assert np.abs(wrong - boxed).max() > 0.1
    assert spec[0].plumed_lines == [f"{spec[0].name}: ANGLE ATOMS={spec[0].plumed_atoms}"]


def test_omega_and_chi_match_mdtraj():
    t = peptide()
    spec = dihedral_angles(t.topology, ["omega", "chi1", "chi2", "chi3", "chi4"], sincos=False)
    names = [f.name for f in spec]
    assert names == [
        "omega_LYS1", "chi1_LYS1", "chi2_LYS1", "chi3_LYS1", "chi4_LYS1",
        "omega_ARG2", "chi1_ARG2", "chi2_ARG2", "chi3_ARG2", "chi4_ARG2",
        "chi1_MET3", "chi2_MET3", "chi3_MET3",
    ]  # fmt: skip
    ours = featurize(t, spec)[0]
    for k, f in enumerate(spec):
        angle = f.name.split("_")[0]
        idx, ref = getattr(md, f"compute_{angle}")(t)
        row = [i for i, q in enumerate(idx) if tuple(q) == f.atoms]
        assert len(row) == 1
        diff = np.angle(np.exp(1j * (ours[:, k] - ref[:, row[0]])))
        assert np.abs(diff).max() < 1e-5
    assert spec[0].plumed_lines[0].startswith("omega_LYS1: TORSION ATOMS=2,3,10,11")


def test_inverse_distances_match_mdtraj(ala2, ala2_boxed):
    pairs = np.array(list(itertools.combinations(heavy(ala2.topology), 2)))
    spec = inverse_distances(pairs)
    ours = featurize(ala2[:2000], spec)[0]
    ref = 1.0 / md.compute_distances(ala2[:2000], pairs, periodic=False).astype(np.float64)
    np.testing.assert_allclose(ours, ref, rtol=1e-5)  # nm^-1; float32 rounding of r
    boxed = featurize(ala2_boxed, spec)[0]
    ref = 1.0 / md.compute_distances(ala2_boxed, pairs, periodic=True).astype(np.float64)
    np.testing.assert_allclose(boxed, ref, rtol=1e-5)
    assert spec[0].plumed_lines == [
        "invd_1_5_r: DISTANCE ATOMS=1,5",
        "invd_1_5: CUSTOM ARG=invd_1_5_r FUNC=1/x PERIODIC=NO",
    ]


def test_switching_functions_follow_the_plumed_manual():
    r = np.array([0.1, 0.2, 0.5, 0.6, 0.7, 1.3])
    # rational, d0=0.2, r0=0.4: x = (r - 0.2)/0.4; s = 1 for r <= d0; x = 1 gives nn/mm
    s = _reference.switch(r, "rational", r0=0.4, d0=0.2, nn=6, mm=12)
    x = (r - 0.2) / 0.4
    assert s[0] == 1 and s[1] == 1 and s[3] == 0.5
    np.testing.assert_allclose(s[[2, 4, 5]], 1 / (1 + x[[2, 4, 5]] ** 6))  # (1-x^6)/(1-x^12)
    np.testing.assert_allclose(_reference.switch(r, "exp", r0=0.3, d0=0.0), np.exp(-r / 0.3))
    np.testing.assert_allclose(
        _reference.switch(r, "gaussian", r0=0.3, d0=0.1),
        np.where(r <= 0.1, 1.0, np.exp(-((r - 0.1) ** 2) / (2 * 0.09))),
    )


@pytest.mark.parametrize(
    ("switch", "extra"),
    [("rational", {}), ("rational", {"d0": 0.1, "nn": 8, "mm": 16}), ("exp", {}), ("gaussian", {})],
)
def test_coordination_matches_reference(ala2, ala2_boxed, switch, extra):
    top = ala2.topology
    a = top.select("element C")
    b = top.select("element O or element N")
    kwargs = {"switch": switch, "r0": 0.3, **extra}
    spec = coordination(a, b, "c_ab", **kwargs) + coordination(a, a, "c_aa", **kwargs)
    for t, boxes in [(ala2[:1000], None), (ala2_boxed, boxes_of(ala2_boxed))]:
        ours = featurize(t, spec)[0]
        sw = {k: v for k, v in kwargs.items() if k != "switch"}
        ref_ab = _reference.coordination(t.xyz, a, b, boxes, kind=switch, **sw)
        ref_aa = _reference.coordination(t.xyz, a, a, boxes, kind=switch, **sw)
        # float32 output of float64 sums: 1e-5 relative
        np.testing.assert_allclose(ours[:, 0], ref_ab, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours[:, 1], ref_aa, rtol=1e-5, atol=1e-6)
    # mdtraj distances give the same sum (independent of our displacement code)
    pairs = np.array([(i, j) for i in a for j in b])
    d = md.compute_distances(ala2_boxed, pairs, periodic=True)
    by_mdtraj = _reference.switch(d, switch, **sw)
    np.testing.assert_allclose(featurize(ala2_boxed, spec)[0][:, 0], by_mdtraj.sum(1), rtol=1e-5)


def test_rational_switch_at_r0_is_nn_over_mm():
    xyz = np.array([[[0, 0, 0], [0.5, 0, 0], [0, 0.5000001, 0]]], dtype=np.float32)
    spec = coordination([0], [1, 2], "c", r0=0.5, nn=6, mm=12)
    value = featurize(md.Trajectory(xyz, _three_atom_topology()), spec)[0][0, 0]
    assert abs(value - 1.0) < 1e-5  # two pairs at x = 1: 2 * 6/12


def _three_atom_topology():
    top = md.Topology()
    res = top.add_residue("X", top.add_chain())
    for k in range(3):
        top.add_atom(f"C{k}", md.element.carbon, res)
    return top


def test_coordination_plumed_lines():
    spec = coordination([0, 1], [4, 5], "c1") + coordination(
        [0, 1], [0, 1], "c2", switch="exp", r0=0.5, d0=0.1
    )
    lines, labels = feature_actions(spec)
    assert labels == ["c1", "c2"]
    assert lines == [
        "c1: COORDINATION GROUPA=1,2 GROUPB=5,6 SWITCH={RATIONAL R_0=0.6 D_0=0 NN=6 MM=12}",
        "c2: COORDINATION GROUPA=1,2 SWITCH={EXP R_0=0.5 D_0=0.1}",
    ]
    gauss = coordination([0], [3], "c3", switch="gaussian", r0=0.25)
    assert gauss[0].plumed_lines == [
        "c3: COORDINATION GROUPA=1 GROUPB=4 SWITCH={GAUSSIAN R_0=0.25 D_0=0}"
    ]
    with pytest.raises(InputError, match="overlap partially"):
        coordination([0, 1], [1, 2])
    with pytest.raises(InputError, match="unknown switch"):
        coordination([0], [1], switch="cubic")


def test_rg_matches_mdtraj(ala2, ala2_boxed):
    top = ala2.topology
    spec = radius_of_gyration(range(top.n_atoms), "rg_all") + radius_of_gyration(
        heavy(top), "rg_heavy"
    )
    t = ala2[:2000]
    ours = featurize(t, spec)[0]
    np.testing.assert_allclose(ours[:, 0], md.compute_rg(t), atol=1e-5)
    np.testing.assert_allclose(ours[:, 1], md.compute_rg(t.atom_slice(heavy(top))), atol=1e-5)
    # wrapped in a triclinic box: made whole again, equal to the intact molecule's Rg
    intact = ala2[::30][:300]
    boxed = featurize(ala2_boxed, spec)[0]
    np.testing.assert_allclose(boxed[:, 0], md.compute_rg(intact), atol=1e-5)
    ref = _reference.gyration_radius(ala2_boxed.xyz, np.arange(22), boxes_of(ala2_boxed))
    np.testing.assert_allclose(boxed[:, 0], ref, rtol=1e-5)
    assert np.abs(md.compute_rg(ala2_boxed) - boxed[:, 0]).max() > 0.05  # wrapping matters
    assert spec[0].plumed_lines == [
        "rg_all: GYRATION ATOMS=" + ",".join(str(k + 1) for k in range(22)) + " TYPE=RADIUS"
    ]


def test_residue_min_distance_matches_mdtraj(ala2, ala2_boxed):
    spec = residue_min_distances(ala2.topology, [(0, 2), (0, 1)])
    assert spec.labels == ["mind_ACE1_NME3", "mind_ACE1_ALA2"]
    for t, periodic in [(ala2[:2000], False), (ala2_boxed, True)]:
        ref = md.compute_contacts(t, [[0, 2], [0, 1]], scheme="closest-heavy", periodic=periodic)
        np.testing.assert_allclose(featurize(t, spec)[0], ref[0], atol=1e-5)
    a, b = (heavy_of(ala2.topology, r) for r in (0, 2))
    assert spec[0].plumed_lines == [
        f"mind_ACE1_NME3_all: DISTANCES GROUPA={a} GROUPB={b} LOWEST",
        "mind_ACE1_NME3: COMBINE ARG=mind_ACE1_NME3_all_lowest PERIODIC=NO",
    ]


def heavy_of(top, r):
    return ",".join(str(a.index + 1) for a in top.residue(r).atoms if a.element.symbol != "H")


@pytest.mark.parametrize("mode", ["none", "triclinic"])
def test_new_kernels_match_numpy_twins(mode):
    rng = np.random.default_rng(11)
    xyz = (rng.random((30, 20, 3)) * 2.0).astype(np.float32)
    if mode == "none":
        boxes, ref_boxes, pbc, tri = NO_BOX, None, False, False
    else:
        box = np.array([[1.6, 0, 0], [0.5, 1.5, 0], [-0.4, 0.3, 1.4]])
        boxes = np.repeat(box[None], 30, axis=0) * rng.uniform(0.95, 1.05, (30, 1, 1))
        ref_boxes, pbc, tri = boxes, True, True
    triplets = np.array([rng.permutation(20)[:3] for _ in range(50)], dtype=np.int64)
    a = _kernels.angles(xyz, triplets, boxes, pbc, tri)
    np.testing.assert_allclose(a, _reference.angles(xyz, triplets, ref_boxes), atol=2e-6)
    pairs = np.array(list(itertools.combinations(range(20), 2)), dtype=np.int64)
    inv = _kernels.inverse_distances(xyz, pairs, boxes, pbc, tri)
    np.testing.assert_allclose(inv, _reference.inverse_distances(xyz, pairs, ref_boxes), rtol=1e-6)
    atoms = np.arange(20, dtype=np.int64)
    rg = _kernels.gyration_radii(xyz, atoms, np.array([0, 20]), boxes, pbc, tri)
    np.testing.assert_allclose(
        rg[:, 0], _reference.gyration_radius(xyz, atoms, ref_boxes), rtol=1e-6
    )
    a, b = np.arange(8), np.arange(8, 20)
    cross = np.array([(i, j) for i in a for j in b], dtype=np.int64)
    owner = np.zeros(len(cross), dtype=np.int64)
    m = _kernels.min_distances(xyz, cross, owner, 1, boxes, pbc, tri)
    np.testing.assert_allclose(m[:, 0], _reference.min_distance(xyz, a, b, ref_boxes), rtol=1e-6)
    codes = np.array([0, 1, 2])
    r0, d0 = np.array([0.5, 0.4, 0.3]), np.array([0.0, 0.1, 0.2])
    nn, mm = np.array([6.0, 6.0, 6.0]), np.array([12.0, 12.0, 12.0])
    owner = np.repeat(np.arange(3), len(cross))
    c = _kernels.coordination(
        xyz, np.concatenate([cross] * 3), owner, 3, codes, r0, d0, nn, mm, boxes, pbc, tri
    )
    for k, kind in enumerate(["rational", "exp", "gaussian"]):
        ref = _reference.coordination(xyz, a, b, ref_boxes, kind=kind, r0=r0[k], d0=d0[k])
        np.testing.assert_allclose(c[:, k], ref, rtol=1e-6)


def test_params_round_trip_and_validation(tmp_path):
    spec = coordination([0, 1], [2, 3], "c", switch="gaussian", r0=0.4) + radius_of_gyration(
        [0, 1, 2], "g"
    )
    spec.save(tmp_path / "s.json")
    loaded = FeatureSpec.load(tmp_path / "s.json")
    assert loaded == spec and hash(loaded[0]) == hash(spec[0])
    assert dict(loaded[0].params)["r0"] == 0.4
    with pytest.raises(InputError, match="needs params n_a"):
        Feature("coordination", (0, 1, 2), "c")
    with pytest.raises(InputError, match="takes no params"):
        Feature("distance", (0, 1), "d", params={"r0": 1})
    with pytest.raises(InputError, match="at least 1 atoms"):
        Feature("rg", (), "g")


def test_plumed_lines_of_every_kind_evaluate_to_the_features(ala2):
    """PLUMED's view (tests/cvs/plumed_eval.py: mdtraj + the written numbers) of each kind."""
    from tests.cvs.plumed_eval import evaluate

    top = ala2.topology
    spec = (
        dihedral_angles(top, ["phi"], sincos=True)
        + angles([(4, 6, 8), (6, 8, 10)])
        + inverse_distances([(4, 16)])
        + coordination(top.select("element C"), top.select("element O or element N"), "c_r")
        + coordination(top.select("element C"), top.select("element C"), "c_e", switch="exp",
                       r0=0.2, d0=0.1)
        + coordination([0, 4], [16, 18], "c_g", switch="gaussian", r0=0.3)
        + radius_of_gyration(heavy(top), "rg")
        + residue_min_distances(top, [(0, 2)])
    )  # fmt: skip
    lines, labels = feature_actions(spec)
    t = ala2[:300]
    plumed = evaluate("\n".join(lines), t)
    ours = featurize(t, spec)[0]
    for k, label in enumerate(labels):
        # float32 features against mdtraj's float32 geometry in float64 sums
        np.testing.assert_allclose(ours[:, k], plumed[label], rtol=1e-5, atol=1e-5, err_msg=label)


def test_arbitrary_dihedrals_match_mdtraj(ala2_boxed):
    quartets = np.array([(0, 4, 6, 8), (5, 4, 6, 7), (12, 8, 10, 16), (1, 0, 4, 5)])
    spec = atom_dihedrals(quartets)
    assert spec.labels[0] == "dih_1_5_7_9" and spec[0].periodic is not None
    ours = featurize(ala2_boxed, spec)[0]
    ref = md.compute_dihedrals(ala2_boxed, quartets, periodic=True)
    assert np.abs(np.angle(np.exp(1j * (ours - ref)))).max() < 1e-5  # rad, float32 rounding
    assert atom_dihedrals(quartets[:1], sincos=True).labels == [
        "cos_dih_1_5_7_9",
        "sin_dih_1_5_7_9",
    ]
    with pytest.raises(InputError, match="four different atoms"):
        atom_dihedrals([(0, 1, 1, 2)])
