"""Condensed-phase kinds on periodic argon (cubic liquid, triclinic fcc crystal): coordination
numbers, Steinhardt Q4/Q6 (PLUMED's definition), Behler-Parrinello G2/G4.

Each is checked against its NumPy twin (``_reference_environment``: scipy's spherical
harmonics, the 27-image minimum image) and against an independent code: mdtraj's periodic
distances, freud's Steinhardt, dscribe's ACSF.
"""

import numpy as np
import pytest

from trajlens import InputError
from trajlens.cvs.plumed import feature_actions
from trajlens.featurize import _reference, featurize
from trajlens.featurize import _reference_environment as renv
from trajlens.featurize.builders import (
    coordination_numbers,
    steinhardt,
    symmetry_functions_g2,
    symmetry_functions_g4,
)
from trajlens.featurize.spec import FeatureSpec
from trajlens.featurize.text import parse_spec

N = 216
ALL = list(range(N))
CENTERS = [0, 7, 100, 215]


@pytest.fixture(params=["liquid", "fcc"])
def argon(request, argon_liquid, argon_fcc):
    """20 frames of each system; the fcc cell is triclinic."""
    t = argon_liquid if request.param == "liquid" else argon_fcc
    return t[::5]


def boxes_of(t):
    return t.unitcell_vectors.astype(np.float64)


def test_the_boxes_matter(argon_fcc, argon_liquid):
    """The fcc cell is strongly skewed and the liquid's atoms leave the box (OpenMM does not
    wrap them), so only the minimum image gives the right neighbours."""
    box = argon_fcc.unitcell_vectors[0]
    assert np.abs(box[np.tril_indices(3, -1)]).max() > 0.5  # nm
    for t in (argon_fcc[:5], argon_liquid[:5]):
        spec = coordination_numbers([0], ALL, r0=0.4)
        with_box = featurize(t, spec)[0]
        no_box = t[:]
        no_box.unitcell_vectors = None
        assert np.abs(featurize(no_box, spec)[0] - with_box).max() > 1.0


@pytest.mark.parametrize(
    "switch",
    [
        {"switch": "rational", "r0": 0.35, "d0": 0.05, "nn": 6, "mm": 12},
        {"switch": "exp", "r0": 0.1, "d0": 0.3},
        {"switch": "gaussian", "r0": 0.08, "d0": 0.35},
    ],
)
def test_coordination_numbers_match_twin_and_mdtraj(argon, switch):
    spec = coordination_numbers(CENTERS, ALL, **switch) + coordination_numbers(
        CENTERS, ALL, per_atom=False, prefix="cnm", **switch
    )
    assert spec.labels[:4] == ["cn_1", "cn_8", "cn_101", "cn_216"] and spec.labels[4] == "cnm_mean"
    ours = featurize(argon, spec)[0]
    sw = {k: v for k, v in switch.items() if k != "switch"}
    for k, c in enumerate(CENTERS):
        ref = renv.coordination_number(
            argon.xyz, c, ALL, boxes_of(argon), kind=switch["switch"], **sw
        )
        np.testing.assert_allclose(ours[:, k], ref, rtol=1e-6)  # float32 out of float64 sums
        # independent geometry: mdtraj's periodic distances (minimum image incl. triclinic)
        import mdtraj as md

        pairs = np.array([(c, j) for j in ALL if j != c])
        d = md.compute_distances(argon, pairs, periodic=True)
        by_mdtraj = _reference.switch(d, switch["switch"], **sw).sum(axis=1)
        np.testing.assert_allclose(ours[:, k], by_mdtraj, rtol=1e-5)
    np.testing.assert_allclose(ours[:, 4], ours[:, :4].mean(axis=1), rtol=1e-6)
    assert ours[:, 0].min() > 2  # dense: several neighbours within each switch's range


@pytest.mark.parametrize("ell", [4, 6])
def test_steinhardt_matches_scipy_twin(argon, ell):
    spec = steinhardt(CENTERS, ALL, ell, r0=0.35, d0=0.05) + steinhardt(
        CENTERS, ALL, ell, per_atom=False, r0=0.35, d0=0.05
    )
    ours = featurize(argon, spec)[0]
    for k, c in enumerate(CENTERS):
        ref = renv.steinhardt(argon.xyz, c, ALL, ell, boxes_of(argon), r0=0.35, d0=0.05)
        np.testing.assert_allclose(ours[:, k], ref, rtol=1e-5)
    np.testing.assert_allclose(ours[:, -1], ours[:, :-1].mean(axis=1), rtol=1e-6)


def test_q6_orders_crystal_above_liquid(argon_liquid, argon_fcc):
    """Q6 tells the fcc crystal from the liquid (a check that cannot pass by construction)."""
    spec = steinhardt(ALL, ALL, 6, per_atom=False, switch="gaussian", r0=0.05, d0=0.35)
    q_liquid = featurize(argon_liquid[:5], spec)[0]
    q_fcc = featurize(argon_fcc[:5], spec)[0]
    # PLUMED's Q6 is sqrt(13 / 4 pi) ~ 1.02 times Steinhardt's q6; per atom (no neighbour
    # averaging) a thermal fcc crystal gives ~0.52 here, the liquid ~0.43 (few neighbours)
    assert q_fcc.min() > q_liquid.max() + 0.05


@pytest.mark.parametrize("ell", [4, 6])
def test_steinhardt_matches_freud(argon, ell):
    """freud's weighted Steinhardt (weights = PLUMED's switching function on an explicit
    neighbour list) times sqrt((2l + 1) / 4 pi) is PLUMED's Q_l.

    The gaussian switch (r0 = 0.08, d0 = 0.33 nm) is below 1e-8 beyond 0.95 nm, so only pairs
    closer than that are given to freud, whose box wrap is the minimum image only within half
    the triclinic cell's face spacing (1.0 nm here).
    """
    freud = pytest.importorskip("freud")
    switch = {"switch": "gaussian", "r0": 0.08, "d0": 0.33}
    spec = steinhardt(ALL, ALL, ell, **switch)
    t = argon[:3]
    ours = featurize(t, spec)[0]
    qi = np.repeat(np.arange(N), N - 1)
    pj = np.array([j for i in range(N) for j in range(N) if j != i])
    for f in range(t.n_frames):
        box = freud.box.Box.from_matrix(boxes_of(t)[f].T)
        d = _reference.displacement(t.xyz[f : f + 1], qi, pj, boxes_of(t)[f : f + 1])[0]
        r = np.linalg.norm(d, axis=1)
        near = r < 0.95
        w = _reference.switch(r[near], "gaussian", r0=0.08, d0=0.33)
        nlist = freud.locality.NeighborList.from_arrays(N, N, qi[near], pj[near], d[near], w)
        q = freud.order.Steinhardt(ell, weighted=True)
        q.compute((box, box.wrap(t.xyz[f].astype(np.float64))), neighbors=nlist)
        theirs = q.particle_order * np.sqrt((2 * ell + 1) / (4 * np.pi))
        # freud computes in float32: 1e-5 relative
        np.testing.assert_allclose(ours[f], theirs, rtol=1e-5, atol=1e-6)


def test_symmetry_functions_match_twin_and_dscribe(argon):
    eta, rs, rc, zeta = 4.0, 0.35, 0.8, 2.0  # nm^-2, nm, nm
    spec = (
        symmetry_functions_g2(CENTERS, ALL, eta=eta, rs=rs, rc=rc)
        + symmetry_functions_g4(CENTERS, ALL, eta=eta, zeta=zeta, lam=1.0, rc=rc)
        + symmetry_functions_g4(CENTERS, ALL, eta=eta, zeta=zeta, lam=-1.0, rc=rc, prefix="g4m")
    )
    t = argon[:4]
    ours = featurize(t, spec)[0]
    b = boxes_of(t)
    for k, c in enumerate(CENTERS):
        np.testing.assert_allclose(
            ours[:, k], renv.symmetry_g2(t.xyz, c, ALL, eta, rs, rc, b), rtol=1e-6
        )
        for col, lam in ((4 + k, 1.0), (8 + k, -1.0)):
            ref = renv.symmetry_g4(t.xyz, c, ALL, eta, zeta, lam, rc, b)
            np.testing.assert_allclose(ours[:, col], ref, rtol=1e-6)
    dscribe = pytest.importorskip("dscribe.descriptors")
    from ase import Atoms

    for lam, first in ((1.0, 4), (-1.0, 8)):
        # dscribe works in Angstrom: eta / 100 (A^-2), rs and rc x 10
        acsf = dscribe.ACSF(
            species=["Ar"],
            r_cut=rc * 10,
            g2_params=[[eta / 100, rs * 10]],
            g4_params=[[eta / 100, zeta, lam]],
            periodic=True,
        )
        for f in range(t.n_frames):
            atoms = Atoms(
                f"Ar{N}", positions=t.xyz[f] * 10, cell=t.unitcell_vectors[f] * 10, pbc=True
            )
            theirs = acsf.create(atoms, centers=CENTERS)
            # float32 positions and output: 1e-5 relative
            np.testing.assert_allclose(ours[f, :4], theirs[:, 1], rtol=1e-5)
            np.testing.assert_allclose(ours[f, first : first + 4], theirs[:, 2], rtol=1e-5)


def test_plumed_lines_of_the_environment_kinds():
    cn = coordination_numbers([3], range(10), r0=0.4)
    assert cn[0].plumed_lines == [
        "cn_4_v: COORDINATIONNUMBER SPECIESA=4 SPECIESB=1-10 SWITCH={RATIONAL R_0=0.4 D_0=0 "
        "NN=6 MM=12} MEAN",
        "cn_4: COMBINE ARG=cn_4_v_mean PERIODIC=NO",
    ]
    q = steinhardt(range(5), [0, 1, 2, 4, 8, 9], 4, per_atom=False, switch="gaussian", r0=0.1)
    assert q[0].plumed_lines[0] == (
        "q4_mean_v: Q4 SPECIESA=1-5 SPECIESB=1-3,5,9,10 SWITCH={GAUSSIAN R_0=0.1 D_0=0} MEAN"
    )
    g2 = symmetry_functions_g2([0], range(4), eta=4.0, rs=0.3, rc=0.8)
    assert g2[0].plumed_lines[0] == (
        "g2_1_v: COORDINATIONNUMBER SPECIESA=1 SPECIESB=1-4 SWITCH={CUSTOM "
        f"FUNC=exp(-4*(x-0.3)^2)*0.5*(cos({np.pi / 0.8!r}*x)+1) R_0=1 D_MAX=0.8 NOSTRETCH}} MEAN"
    )
    g4 = symmetry_functions_g4([0], range(4), eta=4.0, zeta=1, lam=1, rc=0.8)
    with pytest.raises(InputError, match="no documented action"):
        feature_actions(g4)


def test_environment_params_text_and_json(tmp_path, argon_liquid):
    top = argon_liquid.topology
    spec = parse_spec(
        'coordnum "index 0 to 3" "all" r0=0.4; q6 "index 0 to 3" "all" mean; '
        'q4 "index 5" "all"; g2 "index 0" "all" eta=4 rc=0.8; '
        'g4 "index 1" "all" eta=4 zeta=2 lambda=-1 rc=0.8',
        top,
    )
    assert spec.labels == [
        "cn_1", "cn_2", "cn_3", "cn_4", "q6_mean", "q4_6", "g2_1", "g4_2",
    ]  # fmt: skip
    spec.save(tmp_path / "s.json")
    assert FeatureSpec.load(tmp_path / "s.json") == spec
    x = featurize(argon_liquid[:3], spec)[0]
    assert x.shape == (3, 8) and np.isfinite(x).all()
    with pytest.raises(InputError, match="g4 needs zeta="):
        parse_spec('g4 "index 1" "all" eta=4 lambda=1 rc=0.8', top)
    with pytest.raises(InputError, match="l must be one of"):
        steinhardt([0], [1, 2], 5)
    with pytest.raises(InputError, match="lambda must be 1 or -1"):
        symmetry_functions_g4([0], [1, 2], eta=1, zeta=1, lam=0.5, rc=1)


def test_plumed_lines_evaluate_to_the_features(argon_fcc):
    """PLUMED's view (tests/cvs/plumed_eval.py: mdtraj distances, scipy harmonics, the
    written numbers and switching functions) of coordination numbers, Q4/Q6 and G2."""
    from tests.cvs.plumed_eval import evaluate

    t = argon_fcc[:3]
    spec = (
        coordination_numbers([0], ALL, switch="exp", r0=0.1, d0=0.3)
        + coordination_numbers([1, 2, 3], ALL, per_atom=False, r0=0.4)
        + steinhardt([5, 6], ALL, 6, per_atom=False, r0=0.35, d0=0.05)
        + steinhardt([7], ALL, 4, switch="gaussian", r0=0.08, d0=0.33)
        + symmetry_functions_g2([9, 10], ALL, eta=4.0, rs=0.3, rc=0.8, per_atom=False)
    )
    lines, labels = feature_actions(spec)
    plumed = evaluate("\n".join(lines), t)
    ours = featurize(t, spec)[0]
    for k, label in enumerate(labels):
        np.testing.assert_allclose(ours[:, k], plumed[label], rtol=1e-5, err_msg=label)


@pytest.mark.parametrize("system", ["ala2", "adk"])
def test_environment_kinds_on_molecules_match_twins(system, request):
    """The same kinds on the non-periodic molecules (alanine dipeptide's heavy atoms, the
    AdK protein's Cα atoms): no box, so plain distances, against the NumPy twins."""
    t = request.getfixturevalue("ala2_short" if system == "ala2" else "adk")
    if system == "ala2":
        import mdtraj as md

        xtc, pdb = t
        t = md.load(str(xtc), top=str(pdb))[::50]
        atoms = [int(a) for a in t.topology.select("not element H")]
        r0, eta, rs, rc = 0.2, 20.0, 0.25, 0.45  # nm: bonded and 1-3 neighbours
    else:
        t = t[::4]
        atoms = [int(a) for a in t.topology.select("name CA")]
        r0, eta, rs, rc = 0.5, 4.0, 0.55, 0.9  # nm: Cα neighbours along and across chains
    t.unitcell_vectors = None
    centers = atoms[:: max(1, len(atoms) // 6)]
    spec = (
        coordination_numbers(centers, atoms, r0=r0)
        + steinhardt(centers, atoms, 6, r0=r0)
        + symmetry_functions_g2(centers, atoms, eta=eta, rs=rs, rc=rc)
        + symmetry_functions_g4(centers, atoms, eta=eta, zeta=2.0, lam=1.0, rc=rc)
    )
    ours = featurize(t, spec)[0]
    n = len(centers)
    for k, c in enumerate(centers):
        cols = ours[:, [k, n + k, 2 * n + k, 3 * n + k]]
        refs = [
            renv.coordination_number(t.xyz, c, atoms, r0=r0),
            renv.steinhardt(t.xyz, c, atoms, 6, r0=r0),
            renv.symmetry_g2(t.xyz, c, atoms, eta, rs, rc),
            renv.symmetry_g4(t.xyz, c, atoms, eta, 2.0, 1.0, rc),
        ]
        for j, ref in enumerate(refs):
            np.testing.assert_allclose(cols[:, j], ref, rtol=1e-5, atol=1e-7)
    assert np.all(ours[:, :n] > 0.5)  # every centre has neighbours within the switch
