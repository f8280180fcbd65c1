"""Numba kernels against mdtraj and against their plain NumPy twins."""

import itertools

import mdtraj as md
import numpy as np
import pytest

from trajlens.featurize import _kernels, _reference

NO_BOX = np.zeros((1, 3, 3))


def wrapped_difference(a, b):
    """Angle difference mapped into (-pi, pi]: angles near ±pi are equal across the cut."""
    return np.angle(np.exp(1j * (np.asarray(a, float) - np.asarray(b, float))))


def heavy_pairs(top):
    heavy = [a.index for a in top.atoms if a.element.symbol != "H"]
    return np.array(list(itertools.combinations(heavy, 2)), dtype=np.int64)


def test_dihedrals_match_mdtraj_phi_psi(ala2):
    phi_idx, phi = md.compute_phi(ala2)
    psi_idx, psi = md.compute_psi(ala2)
    quartets = np.concatenate([phi_idx, psi_idx]).astype(np.int64)
    ours = _kernels.dihedrals(ala2.xyz, quartets, NO_BOX, False, False)
    # 1e-5 rad: mdtraj computes in float32, we in float64, and both store float32
    assert np.abs(wrapped_difference(ours, np.hstack([phi, psi]))).max() < 1e-5


def test_distances_match_mdtraj(ala2):
    pairs = heavy_pairs(ala2.topology)
    ours = _kernels.distances(ala2.xyz, pairs, NO_BOX, False, False)
    theirs = md.compute_distances(ala2, pairs, periodic=False)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-5  # nm


def test_triclinic_minimum_image_matches_mdtraj(ala2_boxed, ala2):
    t = ala2_boxed
    boxes = t.unitcell_vectors.astype(np.float64)
    pairs = heavy_pairs(t.topology)
    d = _kernels.distances(t.xyz, pairs, boxes, True, True)
    assert np.abs(d - md.compute_distances(t, pairs, periodic=True)).max() < 1e-5
    # wrapping broke bonds; minimum image must restore the unwrapped molecule's geometry
    intact = ala2[::30][:300]
    near = md.compute_distances(intact, pairs, periodic=False) < 0.5
    assert np.abs(d - md.compute_distances(intact, pairs, periodic=False))[near].max() < 1e-5
    phi_idx, phi = md.compute_phi(intact)
    a = _kernels.dihedrals(t.xyz, phi_idx.astype(np.int64), boxes, True, True)
    assert np.abs(wrapped_difference(a, phi)).max() < 1e-5
    # without the minimum image the broken molecule gives wrong angles: the test can fail
    wrong = _kernels.dihedrals(t.xyz, phi_idx.astype(np.int64), NO_BOX, False, False)
    assert np.abs(wrapped_difference(wrong, phi)).max() > 0.1


@pytest.mark.parametrize("mode", ["none", "orthorhombic", "triclinic"])
def test_kernels_match_numpy_reference(mode):
    rng = np.random.default_rng(7)
    xyz = (rng.random((40, 25, 3)) * 2.0).astype(np.float32)
    if mode == "none":
        boxes, ref_boxes, pbc, tri = NO_BOX, None, False, False
    elif mode == "orthorhombic":
        boxes = np.repeat(np.diag([1.5, 1.7, 1.9])[None], 40, axis=0)
        ref_boxes, pbc, tri = boxes, True, False
    else:
        box = np.array([[1.6, 0, 0], [0.5, 1.5, 0], [-0.4, 0.3, 1.4]])
        boxes = np.repeat(box[None], 40, axis=0) * rng.uniform(0.95, 1.05, (40, 1, 1))
        ref_boxes, pbc, tri = boxes, True, True
    pairs = np.array(list(itertools.combinations(range(25), 2)), dtype=np.int64)
    quartets = np.array([rng.permutation(25)[:4] for _ in range(60)], dtype=np.int64)
    d = _kernels.distances(xyz, pairs, boxes, pbc, tri)
    # float32 output of float64 arithmetic: 1e-6 relative is the float32 rounding
    np.testing.assert_allclose(d, _reference.distances(xyz, pairs, ref_boxes), rtol=1e-6, atol=1e-7)
    a = _kernels.dihedrals(xyz, quartets, boxes, pbc, tri)
    ref = _reference.dihedrals(xyz, quartets, ref_boxes)
    assert np.abs(wrapped_difference(a, ref)).max() < 1e-6
