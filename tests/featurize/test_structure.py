"""RMSD and aligned Cartesian coordinates against mdtraj (rmsd, superpose), the NumPy twins
(Kabsch's SVD, not the kernels' quaternions) and the PLUMED input they write."""

import mdtraj as md
import numpy as np
import pytest

from trajlens import InputError
from trajlens.cvs.plumed import feature_actions, feature_files
from trajlens.featurize import _reference_structure as rstruct
from trajlens.featurize import featurize
from trajlens.featurize.builders import aligned_positions, rmsd
from trajlens.featurize.spec import FeatureSpec
from trajlens.featurize.text import parse_spec


def heavy(top):
    return [a.index for a in top.atoms if a.element.symbol != "H"]


def test_rmsd_matches_mdtraj_and_twin(ala2, ala2_boxed):
    t = ala2[:2000]
    ref = ala2[5000]
    h = heavy(t.topology)
    spec = rmsd(ref, range(22), "rmsd_all") + rmsd(ref, h, "rmsd_heavy")
    ours = featurize(t, spec)[0]
    # mdtraj's QCP in float32 coordinates: 1e-5 nm
    np.testing.assert_allclose(ours[:, 0], md.rmsd(t, ref, 0), atol=1e-5)
    np.testing.assert_allclose(ours[:, 1], md.rmsd(t, ref, 0, atom_indices=h), atol=1e-5)
    twin = rstruct.rmsd(t.xyz[:300], h, ref.xyz[0][h])
    np.testing.assert_allclose(ours[:300, 1], twin, atol=1e-6)
    assert ours[:, 0].max() > 0.1  # the run leaves the reference: the test can fail
    # wrapped atom by atom in a triclinic box: made whole first, same as the intact molecule
    intact = ala2[::30][:300]
    boxed = featurize(ala2_boxed, spec)[0]
    np.testing.assert_allclose(boxed[:, 0], md.rmsd(intact, ref, 0), atol=1e-5)
    np.testing.assert_allclose(
        boxed[:, 0],
        rstruct.rmsd(ala2_boxed.xyz, range(22), ref.xyz[0], ala2_boxed.unitcell_vectors),
        atol=1e-6,
    )
    assert np.abs(md.rmsd(ala2_boxed, ref, 0) - boxed[:, 0]).max() > 0.05  # wrapping matters


def test_aligned_positions_match_mdtraj_superpose(ala2, ala2_boxed):
    t = ala2[:2000]
    ref = ala2[5000]
    h = heavy(t.topology)
    spec = aligned_positions(ref, [0, 8, 21], h)
    assert spec.labels[:4] == ["pos_1_x", "pos_1_y", "pos_1_z", "pos_9_x"]
    ours = featurize(t, spec)[0].reshape(t.n_frames, 3, 3)
    moved = md.Trajectory(t.xyz.copy(), t.topology).superpose(ref, 0, atom_indices=h)
    # mdtraj rotates in float32 (QCP): on a few frames (0.15 %) its rotation is off by up to
    # 1e-4 nm, where the float64 Kabsch twin agrees with us to 3e-8 nm
    diff = np.abs(ours - moved.xyz[:, [0, 8, 21]])
    assert (diff < 1e-5).mean() > 0.995 and diff.max() < 2e-4
    twin = rstruct.aligned_positions(t.xyz, h, ref.xyz[0][h], [0, 8, 21])
    np.testing.assert_allclose(ours, twin, atol=1e-6)
    assert np.abs(ours - t.xyz[:, [0, 8, 21]]).max() > 0.1  # aligning moved the atoms
    # in a box: the fitted atoms are made whole for the fit; the result equals the intact
    # molecule's up to a lattice vector for atoms that were wrapped
    boxed = featurize(ala2_boxed, aligned_positions(ref, h, h))[0].reshape(-1, len(h), 3)
    intact = md.Trajectory(ala2[::30][:300].xyz.copy(), t.topology).superpose(
        ref, 0, atom_indices=h
    )
    twin = rstruct.aligned_positions(
        ala2_boxed.xyz, h, ref.xyz[0][h], h, ala2_boxed.unitcell_vectors
    )
    np.testing.assert_allclose(boxed, twin, atol=2e-6)
    whole = rstruct.whole(ala2_boxed.xyz, h, ala2_boxed.unitcell_vectors)
    shift = ala2_boxed.xyz[:, h] - whole  # lattice vectors relative to the first atom
    # the fit sees the whole molecule, so atoms stored on the first atom's side of the box
    # land where the intact molecule's do (mdtraj float32 rotation: 2e-4 nm, see above)
    same = np.all(np.abs(shift - shift[:, :1]) < 1e-4, axis=-1)
    assert same.mean() > 0.3
    assert np.abs(boxed - intact.xyz[:, h])[same].max() < 2e-4
    assert np.abs(shift).max() > 0.5  # some atoms were wrapped


def test_protein_rmsd_and_alignment_match_mdtraj(adk):
    ca = adk.topology.select("name CA")
    ref = adk[-1]
    spec = rmsd(ref, ca, "rmsd_ca") + aligned_positions(ref, ca[:20], ca)
    ours = featurize(adk, spec)[0]
    np.testing.assert_allclose(ours[:, 0], md.rmsd(adk, ref, 0, atom_indices=ca), atol=1e-5)
    assert ours[0, 0] > 0.3  # the closed-to-open transition: several Angstrom
    moved = md.Trajectory(adk.xyz.copy(), adk.topology).superpose(ref, 0, atom_indices=ca)
    np.testing.assert_allclose(
        ours[:, 1:].reshape(adk.n_frames, 20, 3), moved.xyz[:, ca[:20]], atol=1e-5
    )


def test_plumed_input_and_reference_files(ala2):
    ref = ala2[0]
    spec = rmsd(ref, [4, 6, 8, 14], "r") + aligned_positions(ref, [16], [4, 6, 8])
    lines, _ = feature_actions(spec)
    files = feature_files(spec)
    fit = next(name for name in files if name.startswith("fit_"))
    assert lines == [
        "r: RMSD REFERENCE=r_ref.pdb TYPE=OPTIMAL",
        f"FIT_TO_TEMPLATE REFERENCE={fit} TYPE=OPTIMAL",
        "pos_17_x_p: POSITION ATOM=17 NOPBC",
        "pos_17_x: COMBINE ARG=pos_17_x_p.x PERIODIC=NO",
        f"FIT_TO_TEMPLATE REFERENCE={fit} TYPE=OPTIMAL",
        "pos_17_y_p: POSITION ATOM=17 NOPBC",
        "pos_17_y: COMBINE ARG=pos_17_y_p.y PERIODIC=NO",
        f"FIT_TO_TEMPLATE REFERENCE={fit} TYPE=OPTIMAL",
        "pos_17_z_p: POSITION ATOM=17 NOPBC",
        "pos_17_z: COMBINE ARG=pos_17_z_p.z PERIODIC=NO",
    ]
    assert sorted(files) == sorted(["r_ref.pdb", fit])
    pdb = files["r_ref.pdb"].splitlines()
    assert pdb[-1] == "END" and len(pdb) == 5
    for line, atom in zip(pdb, [4, 6, 8, 14], strict=False):
        # PDB columns: serial 7-11, x y z 31-54 (Angstrom), occupancy 55-60, beta 61-66
        assert line.startswith("ATOM  ") and int(line[6:11]) == atom + 1
        xyz = np.array([float(line[30 + 8 * c : 38 + 8 * c]) for c in range(3)]) / 10
        np.testing.assert_allclose(xyz, ref.xyz[0, atom], atol=5e-5)  # 0.001 A resolution
        assert float(line[54:60]) == 1.0 and float(line[60:66]) == 1.0


def test_reference_json_round_trip_and_text(tmp_path, ala2):
    ref = ala2[100]
    spec = aligned_positions(ref, range(22), heavy(ala2.topology)) + rmsd(ref, range(22))
    spec.save(tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text()
    assert text.count('"@ref0"') == 66 and '"references"' in text  # the reference once
    assert FeatureSpec.load(tmp_path / "s.json") == spec
    ref.save_pdb(str(tmp_path / "ref.pdb"))
    parsed = parse_spec(
        f'rmsd "not element H" ref={tmp_path / "ref.pdb"}; '
        f'aligned "name CA" ref={tmp_path / "ref.pdb"} fit="not element H"',
        ala2.topology,
    )
    assert parsed.labels == ["rmsd", "pos_9_x", "pos_9_y", "pos_9_z"]
    x = featurize(ala2[:50], parsed)[0]
    h = heavy(ala2.topology)
    np.testing.assert_allclose(x[:, 0], md.rmsd(ala2[:50], ref, 0, atom_indices=h), atol=1e-4)
    with pytest.raises(InputError, match="needs ref=FILE"):
        parse_spec('rmsd "all"', ala2.topology)
    with pytest.raises(InputError, match="at least 3 atoms"):
        rmsd(ref, [0, 1])
    with pytest.raises(InputError, match="3 x 3 finite coordinates"):
        from trajlens.featurize.spec import Feature

        Feature("rmsd", (0, 1, 2), "r", params={"reference": (0.0,) * 8})


def test_plumed_lines_evaluate_to_the_features(ala2):
    """PLUMED's view (tests/cvs/plumed_eval.py: the reference PDBs as written, mdtraj's rmsd
    and superpose) of RMSD and aligned positions; FIT_TO_TEMPLATE moves every atom for the
    actions after it, so a distance written after it is unchanged."""
    from tests.cvs.plumed_eval import evaluate
    from trajlens.featurize.builders import atom_pair_distances

    t = ala2[:200]
    ref = ala2[4000]
    h = heavy(t.topology)
    spec = (
        rmsd(ref, h, "r_heavy")
        + aligned_positions(ref, [0, 21], h)
        + atom_pair_distances([(4, 16)])
        + aligned_positions(ref, [8], [4, 6, 8, 14, 16], prefix="bb")
    )
    lines, labels = feature_actions(spec)
    plumed = evaluate("\n".join(lines), t, feature_files(spec))
    ours = featurize(t, spec)[0]
    for k, label in enumerate(labels):
        # the reference PDB holds 0.001 A (1e-4 nm) coordinates and mdtraj fits in float32
        np.testing.assert_allclose(ours[:, k], plumed[label], atol=2e-4, err_msg=label)
