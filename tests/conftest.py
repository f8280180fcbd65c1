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


ARGON = Path(__file__).parent / "data" / "argon"


@pytest.fixture(scope="session")
def argon_liquid() -> md.Trajectory:
    """216 Lennard-Jones argon atoms, liquid at 120 K, cubic box (2.17 nm), 100 frames
    (OpenMM; made by ``python -m trajlens.data.make_argon``)."""
    return md.load(str(ARGON / "liquid.xtc"), top=str(ARGON / "liquid.pdb"))


@pytest.fixture(scope="session")
def argon_fcc() -> md.Trajectory:
    """216 argon atoms as an fcc crystal at 40 K in a triclinic (rhombohedral 60 degree)
    cell, 100 frames."""
    return md.load(str(ARGON / "fcc.xtc"), top=str(ARGON / "fcc.pdb"))


def _mdanalysis_tests_data() -> Path:
    """Data folder of the MDAnalysisTests package (the `test` extra), found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("MDAnalysisTests")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("MDAnalysisTests is not installed (pip install '.[test]')")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@pytest.fixture(scope="session")
def adk() -> md.Trajectory:
    """Adenylate kinase (214 residues, 3341 atoms, vacuum): every 5th of the 98 frames of the
    DIMS closed-to-open transition shipped with MDAnalysisTests (the `test` extra)."""
    data = _mdanalysis_tests_data()
    return md.load(str(data / "adk_dims.dcd"), top=str(data / "adk_open.pdb"))[::5]
