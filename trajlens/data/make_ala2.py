"""Generate the bundled alanine-dipeptide (ACE-ALA-NME) example with OpenMM.

How the shipped files ``trajlens/data/ala2/ala2.pdb`` and ``ala2.xtc`` were made (from the
repository root, OpenMM 8.6.1, mdtraj 1.11)::

    python -m trajlens.data.make_ala2 --out-dir trajlens/data/ala2 --ns 10 --seed 2026

- Structure: built here, not downloaded. The ten heavy atoms come from standard peptide
  geometry (a z-matrix, extended backbone phi = psi = 180 deg, L-alanine at CA); hydrogens
  are added by ``openmm.app.Modeller.addHydrogens`` from the force field's templates, giving
  the 22 atoms with their AMBER names. ``addHydrogens`` starts hydrogens at positions drawn
  from Python's ``random`` module, so that module is seeded with ``--seed`` first.
- Force field: amber14 (``amber14-all.xml``), vacuum (``NoCutoff``), bonds to hydrogen
  constrained (``HBonds``).
- Dynamics: ``LangevinMiddleIntegrator``, 300 K, friction 1/ps, time step 2 fs. The seed
  (``--seed``, 2026) is used for ``integrator.setRandomNumberSeed``, for
  ``setVelocitiesToTemperature`` and for ``random.seed`` (hydrogen placement). Platform ``CPU`` with one thread (``--threads 1``): for
  22 atoms, extra threads spend their time synchronising. A 10 ns run takes about 9 minutes.
- Protocol: energy minimisation, 100 ps of equilibration (``--equil-ps``, discarded), then
  ``--ns`` ns of production (10 ns) saved every ``--save-ps`` ps (1 ps): 10,000 frames.
- Output: ``ala2.pdb`` is the minimised starting structure (all 22 atoms, with CONECT
  records) and serves as the topology. ``ala2.xtc`` is written with mdtraj's XTC writer
  (precision 1e-3 nm). Its time is in ps from the start of production (the first frame is
  at 1 ps). The file is about 1.7 MB.

The second example, ``trajlens/data/ala2_obc2/`` (2,000 frames, 0.35 MB), is the same
molecule in OBC2 generalized-Born implicit water (``implicit/obc2.xml`` added to amber14),
otherwise the same protocol, 2 ns::

    python -m trajlens.data.make_ala2 --out-dir trajlens/data/ala2_obc2 --ns 2 --solvent obc2 --seed 2026

In vacuum the right-handed helix region (alpha_R) has no free-energy minimum of its own
(about 1% of frames pass through it); in implicit water it is a basin holding about a third
of the frames (32.3% with phi < 0 and -120 < psi < 30 deg, 44 separate visits), beside
C7eq/C5 and the polyproline region. That run took 946 s on a loaded 2-core machine.

For a longer run, raise ``--ns`` and write it outside the package, because the shipped files
must stay small. For example, 1 microsecond saved every 10 ps (100,000 frames, about 15 hours
on one core)::

    python -m trajlens.data.make_ala2 --out-dir ala2_long --ns 1000 --save-ps 10

The same OpenMM version, platform, thread count and seed give the same trajectory. Other
versions or platforms give different frames with the same statistics. The script needs the
optional dependency OpenMM (``pip install "trajlens[sim]"``). This module can still be
imported without OpenMM, because OpenMM is imported inside :func:`main`.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

TIMESTEP_PS = 0.002
FRICTION_PER_PS = 1.0
FORCEFIELD = "amber14-all.xml"

# Heavy atoms of ACE-ALA-NME as a z-matrix: (residue, atom, element, bonded-to, bond nm,
# (angle-to, angle deg), (dihedral-to, dihedral deg)). Atom i is bonded to j, makes the
# angle i-j-k and the dihedral i-j-k-m. Backbone phi = psi = 180 (extended); the CB
# improper (-122.7 deg from C about N-CA) gives L-alanine.
_ZMATRIX: list[tuple[str, str, str, int | None, float | None, Any, Any]] = [
    ("ACE", "CH3", "C", None, None, None, None),
    ("ACE", "C", "C", 0, 0.1522, None, None),
    ("ACE", "O", "O", 1, 0.1229, (0, 120.5), None),
    ("ALA", "N", "N", 1, 0.1335, (0, 116.6), (2, 180.0)),
    ("ALA", "CA", "C", 3, 0.1449, (1, 121.9), (0, 180.0)),  # omega(ACE) = 180
    ("ALA", "C", "C", 4, 0.1522, (3, 110.4), (1, 180.0)),  # phi = C(ACE)-N-CA-C
    ("ALA", "O", "O", 5, 0.1229, (4, 120.5), (3, 0.0)),
    ("ALA", "CB", "C", 4, 0.1526, (3, 110.1), (5, -122.7)),  # L-alanine
    ("NME", "N", "N", 5, 0.1335, (4, 116.6), (3, 180.0)),  # psi = N-CA-C-N(NME)
    ("NME", "C", "C", 8, 0.1449, (5, 121.9), (4, 180.0)),  # omega(ALA) = 180
]
_BONDS = [(0, 1), (1, 2), (1, 3), (3, 4), (4, 5), (5, 6), (4, 7), (5, 8), (8, 9)]


def _place(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, bond: float, angle: float, dihedral: float
) -> np.ndarray:
    """Position of atom d with |cd| = bond (nm), angle b-c-d and dihedral a-b-c-d (degrees)."""
    angle, dihedral = math.radians(angle), math.radians(dihedral)
    bc = (c - b) / np.linalg.norm(c - b)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    return (
        c
        - bond * math.cos(angle) * bc
        + bond * math.sin(angle) * math.cos(dihedral) * m
        + bond * math.sin(angle) * math.sin(dihedral) * n
    )


def heavy_atom_coordinates() -> np.ndarray:
    """Coordinates (nm, shape (10, 3)) of the heavy atoms, in ``_ZMATRIX`` order."""
    xyz = np.zeros((len(_ZMATRIX), 3))
    xyz[1] = [_ZMATRIX[1][4], 0.0, 0.0]
    _, _, _, _, bond, (_, ang), _ = _ZMATRIX[2]
    theta = math.radians(ang)
    xyz[2] = xyz[1] + bond * np.array([-math.cos(theta), math.sin(theta), 0.0])
    for i, (_, _, _, j, bond, (k, ang), (m, dih)) in enumerate(_ZMATRIX[3:], start=3):
        xyz[i] = _place(xyz[m], xyz[k], xyz[j], bond, ang, dih)
    return xyz


def build_topology() -> tuple[Any, Any]:
    """OpenMM ``Topology`` and positions of the heavy atoms (hydrogens are added later)."""
    from openmm import unit
    from openmm.app import Element, Topology

    top = Topology()
    chain = top.addChain()
    residues: dict[str, Any] = {}
    atoms = []
    for resname, name, element, *_ in _ZMATRIX:
        if resname not in residues:
            residues[resname] = top.addResidue(resname, chain)
        atoms.append(top.addAtom(name, Element.getBySymbol(element), residues[resname]))
    for i, j in _BONDS:
        top.addBond(atoms[i], atoms[j])
    return top, heavy_atom_coordinates() * unit.nanometer


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m trajlens.data.make_ala2",
        description="Alanine dipeptide (ACE-ALA-NME) in vacuum with OpenMM: amber14, "
        "300 K Langevin, 2 fs steps. Writes ala2.pdb (minimised structure) and ala2.xtc.",
    )
    parser.add_argument("--out-dir", type=Path, default=Path("ala2_data"), help="output folder")
    parser.add_argument("--ns", type=float, default=10.0, help="production length in ns (10)")
    parser.add_argument("--save-ps", type=float, default=1.0, help="save interval in ps (1)")
    parser.add_argument("--equil-ps", type=float, default=100.0, help="discarded ps (100)")
    parser.add_argument("--seed", type=int, default=2026, help="integrator/velocity seed")
    parser.add_argument("--temperature", type=float, default=300.0, help="kelvin (300)")
    parser.add_argument("--threads", type=int, default=1, help="CPU platform threads (1)")
    parser.add_argument(
        "--solvent",
        choices=("vacuum", "obc2"),
        default="vacuum",
        help="vacuum (the shipped ala2 example) or OBC2 generalized-Born implicit water "
        "(amber14 implicit/obc2.xml; the shipped ala2_obc2 example)",
    )
    args = parser.parse_args(argv)
    steps = args.save_ps / TIMESTEP_PS
    if args.ns <= 0 or args.save_ps <= 0 or args.equil_ps < 0 or args.threads < 1:
        parser.error("--ns and --save-ps must be positive, --equil-ps >= 0, --threads >= 1")
    if abs(steps - round(steps)) > 1e-9:
        parser.error(f"--save-ps must be a multiple of the {TIMESTEP_PS} ps time step")
    return args


def simulate(
    top, positions, forcefield_files: Sequence[str], args: argparse.Namespace, pdb_path, xtc_path
) -> float:
    """Add hydrogens, minimise, equilibrate and run; write the minimised PDB and the XTC.

    ``args`` carries ``seed``, ``temperature`` (K), ``threads``, ``equil_ps``, ``save_ps`` and
    ``ns``. Shared by the example builders (``make_ala2``, ``make_peptide``). Returns the
    production run's wall time in seconds.
    """
    import mdtraj as md
    import openmm
    from openmm import app, unit

    forcefield = app.ForceField(*forcefield_files)
    modeller = app.Modeller(top, positions)
    random.seed(args.seed)  # addHydrogens starts hydrogens from Python-random positions
    modeller.addHydrogens(forcefield)
    system = forcefield.createSystem(
        modeller.topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds
    )
    temperature = args.temperature * unit.kelvin
    integrator = openmm.LangevinMiddleIntegrator(
        temperature, FRICTION_PER_PS / unit.picosecond, TIMESTEP_PS * unit.picoseconds
    )
    integrator.setRandomNumberSeed(args.seed)
    platform = openmm.Platform.getPlatformByName("CPU")
    simulation = app.Simulation(
        modeller.topology, system, integrator, platform, {"Threads": str(args.threads)}
    )
    simulation.context.setPositions(modeller.positions)
    simulation.minimizeEnergy()

    md_top = md.Topology.from_openmm(simulation.topology)
    minimized = simulation.context.getState(getPositions=True).getPositions(asNumpy=True)
    md.Trajectory(minimized.value_in_unit(unit.nanometer)[None], md_top).save_pdb(str(pdb_path))

    simulation.context.setVelocitiesToTemperature(temperature, args.seed)
    simulation.step(round(args.equil_ps / TIMESTEP_PS))  # equilibration, discarded

    save_every = round(args.save_ps / TIMESTEP_PS)
    n_frames = round(args.ns * 1000.0 / args.save_ps)
    start = time.perf_counter()
    with md.formats.XTCTrajectoryFile(str(xtc_path), "w") as xtc:
        for frame in range(1, n_frames + 1):
            simulation.step(save_every)
            state = simulation.context.getState(getPositions=True)
            xyz = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
            xtc.write(
                xyz[None].astype(np.float32),
                time=np.array([frame * args.save_ps], dtype=np.float32),
                step=np.array([frame * save_every], dtype=np.int32),
            )
            if frame % max(1, n_frames // 10) == 0:
                print(f"  {frame}/{n_frames} frames, {time.perf_counter() - start:.0f} s")
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    """Build, minimise, equilibrate and run alanine dipeptide; write PDB and XTC."""
    args = _parse_args(argv)

    import mdtraj as md
    import openmm

    files = [FORCEFIELD] + (["implicit/obc2.xml"] if args.solvent == "obc2" else [])
    top, positions = build_topology()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pdb_path, xtc_path = args.out_dir / "ala2.pdb", args.out_dir / "ala2.xtc"
    elapsed = simulate(top, positions, files, args, pdb_path, xtc_path)
    n_frames = round(args.ns * 1000.0 / args.save_ps)
    phi = md.compute_phi(md.load(str(xtc_path), top=str(pdb_path)))[1][:, 0]
    print(
        f"{n_frames} frames ({args.ns:g} ns, every {args.save_ps:g} ps) in {elapsed:.0f} s "
        f"with OpenMM {openmm.version.version}, seed {args.seed}; phi < 0 in "
        f"{np.mean(phi < 0):.1%} of frames (L-alanine); wrote {pdb_path} and {xtc_path}"
    )


if __name__ == "__main__":
    main()
