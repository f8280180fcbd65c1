"""Every protein-relevant kind on a real protein: adenylate kinase (214 residues, 3341 atoms;
the DIMS transition trajectory of MDAnalysisTests, in the `test` extra) against mdtraj.

Tolerance 1e-5 throughout: trajlens computes in float64 and stores float32, mdtraj computes
in float32; both round to ~1e-7 relative on values of order 1.
"""

import itertools

import mdtraj as md
import numpy as np
import pytest

from trajlens.featurize import _reference, featurize
from trajlens.featurize.builders import (
    angles,
    atom_dihedrals,
    atom_pair_distances,
    coordination,
    dihedral_angles,
    inverse_distances,
    radius_of_gyration,
    residue_min_distances,
)

TOL = 1e-5


def wrapped(a, b):
    return np.abs(np.angle(np.exp(1j * (np.asarray(a, float) - np.asarray(b, float)))))


def test_adk_is_a_real_protein_trajectory(adk):
    assert adk.n_residues == 214 and adk.n_atoms == 3341 and adk.n_frames == 20
    assert md.rmsd(adk, adk, 0)[-1] > 0.3  # nm: the frames span the transition


@pytest.mark.parametrize("angle", ["phi", "psi", "omega", "chi1", "chi2", "chi3", "chi4"])
def test_protein_dihedrals_match_mdtraj(adk, angle):
    spec = dihedral_angles(adk.topology, [angle], sincos=False)
    indices, theirs = getattr(md, f"compute_{angle}")(adk)
    assert len(spec) == len(indices) > 0
    assert sorted(f.atoms for f in spec) == sorted(tuple(q) for q in indices.tolist())
    order = {tuple(q): k for k, q in enumerate(indices.tolist())}
    ours = featurize(adk, spec)[0]
    cols = [order[f.atoms] for f in spec]
    assert wrapped(ours, theirs[:, cols]).max() < TOL


def test_angles_and_arbitrary_dihedrals_match_mdtraj(adk):
    rng = np.random.default_rng(3)
    ca = adk.topology.select("name CA")
    triplets = np.array([rng.choice(ca, 3, replace=False) for _ in range(200)])
    quartets = np.array([rng.choice(ca, 4, replace=False) for _ in range(200)])
    spec = angles(triplets) + atom_dihedrals(quartets)
    x = featurize(adk, spec)[0]
    theirs = md.compute_angles(adk, triplets)
    well = np.sin(theirs) > 0.2  # mdtraj's float32 arccos loses digits near 0 and pi
    assert np.abs(x[:, :200] - theirs)[well].max() < TOL
    assert wrapped(x[:, 200:], md.compute_dihedrals(adk, quartets)).max() < TOL


def test_all_ca_distances_and_inverse_match_mdtraj(adk):
    ca = adk.topology.select("name CA")
    pairs = np.array(list(itertools.combinations(ca, 2)))
    spec = atom_pair_distances(pairs) + inverse_distances(pairs[::50])
    x = featurize(adk, spec)[0]
    d = md.compute_distances(adk, pairs)
    assert len(pairs) == 214 * 213 // 2
    assert np.abs(x[:, : len(pairs)] - d).max() < TOL
    np.testing.assert_allclose(x[:, len(pairs) :], 1.0 / d[:, ::50].astype(float), rtol=TOL)


def test_residue_min_distances_match_mdtraj_closest_heavy(adk):
    pairs = [(i, j) for i in range(0, 214, 7) for j in range(i + 3, 214, 11)]
    spec = residue_min_distances(adk.topology, pairs)
    theirs, _ = md.compute_contacts(adk, pairs, scheme="closest-heavy", periodic=False)
    assert np.abs(featurize(adk, spec)[0] - theirs).max() < TOL


def test_radius_of_gyration_matches_mdtraj(adk):
    ca = adk.topology.select("name CA")
    spec = radius_of_gyration(range(adk.n_atoms), "rg") + radius_of_gyration(ca, "rg_ca")
    x = featurize(adk, spec)[0]
    assert np.abs(x[:, 0] - md.compute_rg(adk)).max() < TOL
    assert np.abs(x[:, 1] - md.compute_rg(adk.atom_slice(ca))).max() < TOL


@pytest.mark.parametrize(
    "params",
    [
        {"switch": "rational", "r0": 0.6},
        {"switch": "rational", "r0": 0.3, "d0": 0.4, "nn": 8, "mm": 14},
        {"switch": "exp", "r0": 0.2, "d0": 0.3},
        {"switch": "gaussian", "r0": 0.25},
    ],
)
def test_contacts_match_mdtraj_distances(adk, params):
    top = adk.topology
    a = top.select("resid 0 to 9 and not element H")
    b = top.select("resid 10 to 30 and not element H")
    spec = coordination(a, b, "c", **params)
    ours = featurize(adk, spec)[0][:, 0]
    d = md.compute_distances(adk, np.array(list(itertools.product(a, b))))
    kw = {k: v for k, v in params.items() if k != "switch"}
    ref = _reference.switch(d, params["switch"], **kw).sum(axis=1)
    np.testing.assert_allclose(ours, ref, rtol=TOL)
