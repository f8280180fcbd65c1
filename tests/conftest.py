"""Shared fixtures: the bundled alanine dipeptide trajectory and small derived files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mdtraj as md
import numpy as np
import pytest

from trajlens.io import example_files


@pytest.fixture(scope="session")
def ala2_files() -> tuple[Path, Path]:
    """(xtc, pdb) of the bundled alanine dipeptide run (10,000 frames, 1 ps apart)."""
    return example_files("ala2")


@pytest.fixture(scope="session")
def ala2(ala2_files) -> md.Trajectory:
    traj, top = ala2_files
    return md.load(str(traj), top=str(top))


@pytest.fixture(scope="session")
def ala2_short(tmp_path_factory, ala2) -> tuple[Path, Path]:
    """First 600 frames of the example as its own XTC, with the PDB."""
    folder = tmp_path_factory.mktemp("ala2_short")
    xtc, pdb = folder / "short.xtc", folder / "top.pdb"
    ala2[:600].save_xtc(str(xtc))
    ala2[0].save_pdb(str(pdb))
    return xtc, pdb


@pytest.fixture(scope="session")
def ala2_boxed(ala2) -> md.Trajectory:
    """300 frames of the example in a small triclinic box, molecules wrapped atom by atom.

    Wrapping every atom into the box breaks bonds across the boundary, so features are only
    right if the minimum-image convention is applied.
    """
    t = ala2[::30][:300]
    box = np.array([[1.2, 0.0, 0.0], [0.35, 1.15, 0.0], [0.3, 0.25, 1.1]], dtype=np.float32)
    vectors = np.repeat(box[None], t.n_frames, axis=0)
    xyz = t.xyz + np.float32(0.4)
    inv = np.linalg.inv(box)
    frac = xyz @ inv
    frac -= np.floor(frac)
    wrapped = (frac @ box).astype(np.float32)
    out = md.Trajectory(wrapped, t.topology, time=t.time)
    out.unitcell_vectors = vectors
    return out


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run ``python -m trajlens ARGS`` as a user would; returns the completed process."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="120")
    return subprocess.run(
        [sys.executable, "-m", "trajlens", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
