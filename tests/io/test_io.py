"""Reading trajectories (validation, streaming), COLVAR files and all-or-nothing outputs."""

import mdtraj as md
import numpy as np
import pytest

from trajlens import InputError, OutputError
from trajlens.io import atomic_output_dir, open_trajectories, read_colvar, write_colvar


@pytest.mark.parametrize("fmt", ["xtc", "dcd", "trr", "nc", "h5"])
def test_formats_stream_the_same_frames(tmp_path, ala2, fmt):
    t = ala2[:120]
    path = tmp_path / f"t.{fmt}"
    t.save(str(path))
    pdb = tmp_path / "top.pdb"
    t[0].save_pdb(str(pdb))
    trajs = open_trajectories(path, None if fmt == "h5" else pdb, stride=3, chunk=7)
    assert trajs.n_frames == (40,)
    xyz = np.concatenate([c.xyz for c in trajs.iterchunks(0)])
    # xtc keeps 1e-3 nm, the others float32
    np.testing.assert_allclose(xyz, t.xyz[::3], atol=2e-3 if fmt == "xtc" else 1e-6)


def test_many_files_selection_and_read_frames(ala2_short):
    xtc, pdb = ala2_short
    trajs = open_trajectories([xtc, xtc], pdb, selection="backbone", stride=2)
    assert trajs.n_frames == (300, 300) and trajs.total_frames == 600
    assert trajs.selected_topology.n_atoms == trajs.atom_indices.size < trajs.topology.n_atoms
    frames = trajs.read_frames(1, [250, 5, 250])
    full = md.load(str(xtc), top=str(pdb), atom_indices=trajs.atom_indices)
    np.testing.assert_array_equal(frames.xyz, full.xyz[[500, 10, 500]])


def test_errors_name_the_file(tmp_path, ala2_short):
    xtc, pdb = ala2_short
    with pytest.raises(InputError, match="missing.xtc does not exist"):
        open_trajectories(tmp_path / "missing.xtc", pdb)
    with pytest.raises(InputError, match="carries no topology; give one with --top"):
        open_trajectories(xtc)
    with pytest.raises(InputError, match="matches no atoms"):
        open_trajectories(xtc, pdb, selection="name XYZ")
    with pytest.raises(InputError, match="invalid selection"):
        open_trajectories(xtc, pdb, selection="resid <> 3")
    with pytest.raises(InputError, match="--stride"):
        open_trajectories(xtc, pdb, stride=0)


def test_colvar_round_trip_and_restart(tmp_path):
    path = tmp_path / "COLVAR"
    write_colvar(
        path,
        {"time": np.arange(3.0), "phi": np.array([0.1, -3.0, 2.0])},
        periodic={"phi": ("-pi", "pi")},
    )
    text = path.read_text().splitlines()
    assert text[0] == "#! FIELDS time phi"
    assert text[1:3] == ["#! SET min_phi -pi", "#! SET max_phi pi"]
    # a restarted run appends a new header and more rows
    with open(path, "a") as handle:
        handle.write("#! FIELDS time phi\n 3.0 1.5\n")
    colvar = read_colvar(path)
    assert colvar.fields == ["time", "phi"] and colvar.constants["min_phi"] == "-pi"
    np.testing.assert_allclose(colvar["phi"], [0.1, -3.0, 2.0, 1.5])
    with open(path, "a") as handle:
        handle.write(" 4.0\n")
    with pytest.raises(InputError, match="1 values but 2 fields"):
        read_colvar(path)


def test_atomic_output_dir(tmp_path):
    out = tmp_path / "nested" / "result"
    with pytest.raises(RuntimeError), atomic_output_dir(out) as tmp:
        (tmp / "half.txt").write_text("x")
        raise RuntimeError("boom")
    assert not (tmp_path / "nested").exists()  # nothing left, not even the parent
    with atomic_output_dir(out) as tmp:
        (tmp / "a.txt").write_text("1")
    assert (out / "a.txt").read_text() == "1"
    with pytest.raises(OutputError, match="not empty"), atomic_output_dir(out):
        pass
    with atomic_output_dir(out, overwrite=True) as tmp:
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in (tmp_path / "nested").iterdir()) == ["result"]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot create"), atomic_output_dir(blocker / "sub"):
        pass
