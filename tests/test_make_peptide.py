"""The deca-alanine builder (standard geometry) and the bundled ala10 example."""

from __future__ import annotations

import mdtraj as md
import numpy as np

from trajlens.data.make_peptide import heavy_atom_coordinates, zmatrix
from trajlens.io import example_files


def test_zmatrix_geometry_is_the_extended_chain():
    z = zmatrix(3)
    xyz = heavy_atom_coordinates(z)
    # every bond has its z-matrix length
    for i, (*_, j, bond, _angle, _dih) in enumerate(z):
        if j is not None:
            assert np.isclose(np.linalg.norm(xyz[i] - xyz[j]), bond, atol=1e-9)
    index = {(r, name): k for k, (r, _, name, *_rest) in enumerate(z)}
    phi = [
        [index[(r - 1, "C")], index[(r, "N")], index[(r, "CA")], index[(r, "C")]] for r in (1, 2, 3)
    ]
    psi = [
        [index[(r, "N")], index[(r, "CA")], index[(r, "C")], index[(r + 1, "N")]] for r in (1, 2, 3)
    ]
    # mdtraj (an independent dihedral code) measures the angles the builder was given
    traj = md.Trajectory(xyz[None], _topology(len(z)))
    angles = md.compute_dihedrals(traj, phi + psi)
    np.testing.assert_allclose(np.abs(np.degrees(angles)), 180.0, atol=1e-4)  # float32
    # L-alanine: the improper C-N-CA-CB is -122.7 deg
    cb = [[index[(r, "C")], index[(r, "N")], index[(r, "CA")], index[(r, "CB")]] for r in (1, 2, 3)]
    chir = md.compute_dihedrals(traj, cb)
    np.testing.assert_allclose(np.degrees(chir), -122.7, atol=1e-4)  # float32


def _topology(n_atoms: int) -> md.Topology:
    top = md.Topology()
    residue = top.add_residue("UNK", top.add_chain())
    for k in range(n_atoms):
        top.add_atom(f"X{k}", md.element.carbon, residue)
    return top


def test_bundled_ala10_example():
    traj_path, top_path = example_files("ala10")
    traj = md.load(str(traj_path), top=str(top_path))
    assert traj.n_frames == 1000 and traj.n_atoms == 112
    assert [r.name for r in traj.topology.residues] == ["ACE"] + ["ALA"] * 10 + ["NME"]
    np.testing.assert_allclose(np.diff(traj.time), 2.0)  # ps between frames
    # L-alanine throughout: phi < 0 in most frames
    assert np.mean(md.compute_phi(traj)[1] < 0) > 0.8
