"""Feature specs: provenance, builders, streaming featurization."""

import mdtraj as md
import numpy as np
import pytest

from trajlens import InputError
from trajlens.featurize import (
    Feature,
    FeatureSpec,
    atom_pair_distances,
    backbone_dihedrals,
    featurize,
    selection_pair_distances,
)
from trajlens.io import open_trajectories


def test_backbone_dihedrals_of_alanine_dipeptide(ala2):
    spec = backbone_dihedrals(ala2.topology)
    assert spec.labels == ["cos_phi_ALA2", "sin_phi_ALA2", "cos_psi_ALA2", "sin_psi_ALA2"]
    phi_idx = md.compute_phi(ala2)[0][0]
    psi_idx = md.compute_psi(ala2)[0][0]
    assert spec[0].atoms == tuple(phi_idx) and spec[2].atoms == tuple(psi_idx)
    assert spec[0].kind == "dihedral" and spec[0].transform == "cos"
    # PLUMED numbering of phi: C(ACE) N CA C = atoms 5,7,9,15 of the AMBER-ordered PDB
    names = [ala2.topology.atom(a).name for a in spec[0].atoms]
    assert names == ["C", "N", "CA", "C"]
    assert spec[0].plumed_atoms == ",".join(str(a + 1) for a in phi_idx)


def test_featurize_values_and_streaming(ala2_short, ala2):
    xtc, pdb = ala2_short
    spec = backbone_dihedrals(ala2.topology) + atom_pair_distances([(4, 16), (1, 18)])
    trajs = open_trajectories(xtc, pdb, chunk=97)
    times = []
    streamed = featurize(trajs, spec, times=times)[0]
    assert streamed.shape == (600, 6) and streamed.dtype == np.float32
    in_memory = featurize(ala2[:600], spec)[0]
    # XTC stores coordinates to 1e-3 nm, so compare the streamed file with its own reload
    reloaded = md.load(str(xtc), top=str(pdb))
    np.testing.assert_array_equal(streamed, featurize(reloaded, spec)[0])
    assert np.abs(streamed - in_memory).max() < 5e-3
    np.testing.assert_allclose(times[0], reloaded.time)
    phi = md.compute_phi(reloaded)[1][:, 0]
    np.testing.assert_allclose(streamed[:, 0], np.cos(phi), atol=1e-5)
    np.testing.assert_allclose(streamed[:, 1], np.sin(phi), atol=1e-5)
    np.testing.assert_allclose(
        streamed[:, 4], md.compute_distances(reloaded, [[4, 16]])[:, 0], atol=1e-5
    )


def test_featurize_with_selection_keeps_full_system_numbering(ala2_short):
    xtc, pdb = ala2_short
    full = open_trajectories(xtc, pdb)
    heavy = open_trajectories(xtc, pdb, selection="not element H")
    spec = backbone_dihedrals(full.topology, atom_indices=heavy.selected_atoms)
    assert len(spec) == 4
    np.testing.assert_array_equal(featurize(heavy, spec)[0], featurize(full, spec)[0])
    bad = atom_pair_distances([(1, 4)])  # atom 1 (H1 of ACE) is outside the selection
    with pytest.raises(InputError, match="outside the selection"):
        featurize(heavy, bad)


def test_spec_round_trip(tmp_path, ala2):
    spec = backbone_dihedrals(ala2.topology, sincos=False) + selection_pair_distances(
        ala2.topology, "name CA or name CH3"
    )
    spec.save(tmp_path / "spec.json")
    assert FeatureSpec.load(tmp_path / "spec.json") == spec
    assert spec[0].periodic is not None and spec[-1].periodic is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "angle3", "atoms": (0, 1, 2), "name": "a"}, "unknown kind"),
        ({"kind": "distance", "atoms": (0, 1, 2), "name": "d"}, "needs 2 atoms"),
        ({"kind": "distance", "atoms": (0, 1), "name": "bad-name"}, "PLUMED label"),
        ({"kind": "distance", "atoms": (0, 1), "name": "d", "transform": "tan"}, "transform"),
    ],
)
def test_bad_features_are_rejected(kwargs, message):
    with pytest.raises(InputError, match=message):
        Feature(**kwargs)


def test_out_of_range_atoms(ala2):
    with pytest.raises(InputError, match="out of range"):
        featurize(ala2[:3], atom_pair_distances([(0, 99)]))
