"""Planned featurization (core._Plan and the *_columns kernels) against the NumPy twins.

The plan writes every kind's values straight into their columns, fuses sin/cos into the
dihedral kernel, groups pairs into vectorized runs and computes distances without a box in
float32; these tests compare whole feature matrices, built in awkward column orders, with
the float64 NumPy references and mdtraj.
"""

import itertools

import mdtraj as md
import numpy as np
import pytest

from trajlens.featurize import (
    Feature,
    FeatureSpec,
    _reference,
    atom_dihedrals,
    atom_pair_distances,
    coordination,
    featurize,
    inverse_distances,
    selection_pair_distances,
)
from trajlens.featurize.core import _Plan, _plan
from trajlens.io import open_trajectories


def wrapped(a):
    return np.angle(np.exp(1j * np.asarray(a, dtype=np.float64)))


def random_frames(mode, n_frames=30, n_atoms=24, seed=11):
    """Random frames with no box, an orthorhombic box or a triclinic box (per frame)."""
    rng = np.random.default_rng(seed)
    xyz = (rng.random((n_frames, n_atoms, 3)) * 2.0).astype(np.float32)
    top = md.Topology()
    residue = top.add_residue("UNK", top.add_chain())
    for k in range(n_atoms):
        top.add_atom(f"C{k}", md.element.carbon, residue)
    traj = md.Trajectory(xyz, top)
    if mode == "none":
        return traj, None
    if mode == "orthorhombic":
        box = np.diag([1.5, 1.7, 1.9])
    else:
        box = np.array([[1.6, 0, 0], [0.5, 1.5, 0], [-0.4, 0.3, 1.4]])
    boxes = np.repeat(box[None], n_frames, axis=0) * rng.uniform(0.95, 1.05, (n_frames, 1, 1))
    traj.unitcell_vectors = boxes.astype(np.float32)
    return traj, traj.unitcell_vectors.astype(np.float64)


def mixed_spec(rng, n_atoms):
    """Every planned kind plus generic ones, interleaved, in a shuffled column order."""
    pairs = list(itertools.combinations(range(n_atoms), 2))
    quartets = [tuple(rng.permutation(n_atoms)[:4]) for _ in range(12)]
    features = list(atom_pair_distances(pairs[:150]))
    features += list(atom_pair_distances([(9, 3), (17, 2), (20, 5)]))  # arbitrary order
    features += list(inverse_distances(pairs[40:90]))
    features += list(atom_dihedrals(quartets[:6], sincos=True))
    features += [Feature("dihedral", q, f"t{k}") for k, q in enumerate(quartets[6:])]
    features += [Feature("dihedral", quartets[7], "t1", transform="sin")]  # angle and sin
    # contact map entries (one pair each) with two switching functions, and sums
    for k, (i, j) in enumerate(pairs[:60]):
        params = {"r0": 0.5} if k % 20 < 10 else {"switch": "exp", "r0": 0.3, "d0": 0.05}
        features += list(coordination([i], [j], f"cm{k}", **params))
    features += list(coordination(range(0, 8), range(8, 20), "c_ab", r0=0.6))
    features += list(coordination(range(0, 10), range(0, 10), "c_aa", r0=0.4, nn=8, mm=16))
    features += list(coordination([1, 2, 3], [4, 5, 6, 7], "c_r", r0=0.45, nn=5, mm=9))
    features += list(coordination([0, 1], [5, 9], "c_g", switch="gaussian", r0=0.3, d0=0.1))
    features += [Feature("distance", (2, 11), "d_sin", transform="sin")]  # generic path
    features += [Feature("angle", (0, 1, 2), "ang")]  # a kind without a planned kernel
    order = rng.permutation(len(features))
    return FeatureSpec(tuple(features[k] for k in order))


def reference_column(feature, xyz, boxes):
    """One column from the float64 NumPy twins."""
    atoms = np.array(feature.atoms)
    params = dict(feature.params)
    if feature.kind == "distance":
        value = _reference.distances(xyz, atoms[None], boxes)[:, 0]
    elif feature.kind == "inverse_distance":
        value = _reference.inverse_distances(xyz, atoms[None], boxes)[:, 0]
    elif feature.kind == "dihedral":
        value = _reference.dihedrals(xyz, atoms[None], boxes)[:, 0]
    elif feature.kind == "angle":
        value = _reference.angles(xyz, atoms[None], boxes)[:, 0]
    else:
        n_a = params.pop("n_a")
        kind = params.pop("switch")
        value = _reference.coordination(xyz, atoms[:n_a], atoms[n_a:], boxes, kind=kind, **params)
    return {"none": value, "sin": np.sin(value), "cos": np.cos(value)}[feature.transform]


@pytest.mark.parametrize("mode", ["none", "orthorhombic", "triclinic"])
def test_planned_matrix_matches_numpy_twins(mode):
    traj, boxes = random_frames(mode)
    spec = mixed_spec(np.random.default_rng(5), traj.n_atoms)
    ours = featurize(traj, spec)[0]
    assert ours.shape == (traj.n_frames, len(spec)) and ours.dtype == np.float32
    for column, feature in enumerate(spec.features):
        ref = reference_column(feature, traj.xyz, boxes)
        if feature.kind == "dihedral" and feature.transform == "none":
            # angles near ±pi are equal across the cut; float32 output of float64 math
            assert np.abs(wrapped(ours[:, column] - ref)).max() < 1e-6, feature.label
        else:
            # float32 values: without a box distances are computed in float32 (the
            # coordinates' precision), about 2e-7 relative; 1e-6 leaves room for rounding
            np.testing.assert_allclose(
                ours[:, column], ref, rtol=1e-6, atol=1e-6, err_msg=feature.label
            )


def test_all_pairs_of_a_selection_form_one_run_per_atom(ala2):
    spec = selection_pair_distances(ala2.topology, "not element H")
    plan = _Plan(spec, ala2.n_atoms, None)
    runs = plan.steps[0].runs  # (i, j0, n, c0) rows
    n_heavy = ala2.topology.select("not element H").size
    assert runs.shape == (n_heavy - 1, 4) and runs[:, 2].sum() == len(spec)
    ours = featurize(ala2[:500], spec)[0]
    theirs = md.compute_distances(ala2[:500], [f.atoms for f in spec], periodic=False)
    assert np.abs(ours - theirs).max() < 1e-6  # nm; both in float32


def test_plans_are_cached_per_spec_object(ala2):
    spec = atom_pair_distances([(0, 4), (4, 8)])
    assert _plan(spec, 22, None) is _plan(spec, 22, None)
    assert _plan(spec, 22, None) is not _plan(spec, 23, None)
    same = atom_pair_distances([(0, 4), (4, 8)])
    np.testing.assert_array_equal(featurize(ala2[:50], spec)[0], featurize(ala2[:50], same)[0])


def test_protein_features_match_mdtraj():
    """AdK (214 residues, 98 frames of a real transition): φ/ψ sin/cos, Cα contacts."""
    datafiles = pytest.importorskip("MDAnalysisTests.datafiles")
    traj = md.load(datafiles.DCD, top=datafiles.PSF)[::4]
    top = traj.topology
    phi_idx, phi = md.compute_phi(traj)
    spec = atom_dihedrals(phi_idx, sincos=True)
    ours = featurize(traj, spec)[0]
    # mdtraj works in float32: 1e-5 covers its rounding of the angle before sin/cos
    np.testing.assert_allclose(ours[:, 0::2], np.cos(phi), atol=1e-5)
    np.testing.assert_allclose(ours[:, 1::2], np.sin(phi), atol=1e-5)
    ca = top.select("name CA")[:120]
    pairs = np.array(list(itertools.combinations(ca, 2)))
    d = md.compute_distances(traj, pairs, periodic=False)
    contacts = FeatureSpec(
        tuple(f for i, j in pairs for f in coordination([i], [j], f"c_{i}_{j}", r0=0.8))
    )
    x = d.astype(np.float64) / 0.8
    np.testing.assert_allclose(featurize(traj, contacts)[0], 1 / (1 + x**6), atol=1e-6)
    d_ours = featurize(traj, selection_pair_distances(top, "name CA and resid 0 to 119"))[0]
    assert np.abs(d_ours - d).max() < 1e-6  # nm


def test_streaming_overlap_gives_the_in_memory_result(ala2_short):
    xtc, pdb = ala2_short
    spec = atom_dihedrals([(4, 6, 8, 14), (6, 8, 14, 16)], sincos=True) + coordination(
        [4, 6, 8], [14, 16, 18], "c", r0=0.3
    )
    seen = []
    streamed = featurize(open_trajectories(xtc, pdb, chunk=41), spec, progress=seen.append)[0]
    np.testing.assert_array_equal(streamed, featurize(md.load(str(xtc), top=str(pdb)), spec)[0])
    assert sum(seen) == streamed.shape[0] and max(seen) == 41
