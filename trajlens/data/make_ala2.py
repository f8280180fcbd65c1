"""Generate the bundled alanine-dipeptide (ACE-ALA-NME) example with OpenMM.

How the shipped files ``trajlens/data/ala2/ala2.pdb`` and ``ala2.xtc`` were made::

    python -m trajlens.data.make_ala2 --out-dir trajlens/data/ala2 --ns 10 --seed 2026

- Structure: built here from standard internal geometry (extended backbone, L-alanine),
  hydrogens added by ``openmm.app.Modeller.addHydrogens`` with the force field's templates.
- Force field: amber14 (``amber14-all.xml``), vacuum (``NoCutoff``), bonds to hydrogen
  constrained (``HBonds``).
- Dynamics: ``LangevinMiddleIntegrator`` at 300 K, friction 1/ps, time step 2 fs, integrator
  seed and initial-velocity seed both ``--seed`` (2026), Reference platform (deterministic).
- Protocol: energy minimisation, 100 ps of equilibration (discarded), then ``--ns``
  nanoseconds of production (10 ns) saved every ``--save-ps`` ps (1 ps): 10,000 frames.
- Coordinates are written with mdtraj's XTC writer (precision 1e-3 nm); time in ps.

For a longer run, raise ``--ns`` (and keep it outside the package: the shipped files must
stay small). Runs on the same OpenMM version, platform and seed are reproducible; across
versions or platforms the trajectory differs frame by frame but not in its statistics.
Requires the optional dependency OpenMM (``pip install "trajlens[sim]"``).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

# Heavy atoms of ACE-ALA-NME (residue, atom, element, bonded-to, bond nm, angle deg,
# dihedral deg) in z-matrix form; phi = psi = 180 (extended) and L-chirality at CA.
_ZMATRIX = [
    ("ACE", "CH3", "C", None, None, None, None),
    ("ACE", "C", "C", 0, 0.1522, None, None),
    ("ACE", "O", "O", 1, 0.1229, (0, 120.5), None),
    ("ALA", "N", "N", 1, 0.1335, (0, 116.6), (2, 180.0)),
    ("ALA", "CA", "C", 3, 0.1449, (1, 121.9), (0, 180.0)),
    ("ALA", "C", "C", 4, 0.1522, (3, 110.4), (1, 180.0)),  # phi = C-N-CA-C
    ("ALA", "O", "O", 5, 0.1229, (4, 120.5), (3, 0.0)),
    ("ALA", "CB", "C", 4, 0.1526, (3, 110.1), (5, -122.7)),  # L-alanine
    ("NME", "N", "N", 5, 0.1335, (4, 116.6), (3, 180.0)),  # psi = N-CA-C-N
    ("NME", "C", "C", 8, 0.1449, (5, 121.9), (4, 180.0)),
]


def _place(a, b, c, bond, angle, dihedral):
    """Position of atom d with |cd| = bond, angle(b, c, d), dihedral(a, b, c, d)."""
    angle, dihedral = math.radians(angle), math.radians(dihedral)
    bc = c - b
    bc /= np.linalg.norm(bc)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    d2 = np.array(
        [
            -bond * math.cos(angle),
            bond * math.sin(angle) * math.cos(dihedral),
            bond * math.sin(angle) * math.sin(dihedral),
        ]
    )
    return c + d2[0] * bc + d2[1] * m + d2[2] * n


def heavy_atom_coordinates() -> np.ndarray:
    """Coordinates (nm) of the heavy atoms in ``_ZMATRIX`` order."""
    xyz = np.zeros((len(_ZMATRIX), 3))
    xyz[1] = [0.1522, 0.0, 0.0]
    _, _, _, _, bond, (_ref, ang), _ = _ZMATRIX[2]
    t = math.radians(ang)
    xyz[2] = xyz[1] + bond * np.array([-math.cos(t), math.sin(t), 0.0])
    for i, (_, _, _, j, bond, (k, ang), dih) in enumerate(_ZMATRIX[3:], start=3):
        if dih is None:
            raise ValueError("z-matrix rows after the third need a dihedral")
        m, tors = dih
        xyz[i] = _place(xyz[m], xyz[k], xyz[j], bond, ang, tors)
    return xyz


def build_topology():
    """OpenMM topology and positions of the heavy atoms (hydrogens are added later)."""
    from openmm import unit
    from openmm.app import Element, Topology

    top = Topology()
    chain = top.addChain()
    residues, atoms = {}, []
    for resname, name, element, *_ in _ZMATRIX:
        if resname not in residues:
            residues[resname] = top.addResidue(resname, chain)
        atoms.append(top.addAtom(name, Element.getBySymbol(element), residues[resname]))
    bonds = [(0, 1), (1, 2), (1, 3), (3, 4), (4, 5), (5, 6), (4, 7), (5, 8), (8, 9)]
    for i, j in bonds:
        top.addBond(atoms[i], atoms[j])
    return top, heavy_atom_coordinates() * unit.nanometer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Alanine dipeptide in vacuum with OpenMM.")
    parser.add_argument("--out-dir", type=Path, default=Path("ala2_data"))
    parser.add_argument("--ns", type=float, default=10.0, help="production length (ns)")
    parser.add_argument("--save-ps", type=float, default=1.0, help="save interval (ps)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--temperature", type=float, default=300.0, help="kelvin")
    args = parser.parse_args(argv)

    import mdtraj as md
    import openmm
    from openmm import app, unit

    forcefield = app.ForceField("amber14-all.xml")
    top, positions = build_topology()
    modeller = app.Modeller(top, positions)
    modeller.addHydrogens(forcefield)
    system = forcefield.createSystem(
        modeller.topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds
    )
    step_ps = 0.002
    integrator = openmm.LangevinMiddleIntegrator(
        args.temperature * unit.kelvin, 1.0 / unit.picosecond, step_ps * unit.picoseconds
    )
    integrator.setRandomNumberSeed(args.seed)
    # 22 atoms: the single-threaded Reference platform is fastest (here ~100,000 steps/s,
    # 50x the CPU platform, whose worker threads spend their time synchronising)
    platform = openmm.Platform.getPlatformByName("Reference")
    simulation = app.Simulation(modeller.topology, system, integrator, platform)
    simulation.context.setPositions(modeller.positions)
    simulation.minimizeEnergy()
    simulation.context.setVelocitiesToTemperature(args.temperature * unit.kelvin, args.seed)
    simulation.step(round(100.0 / step_ps))  # 100 ps equilibration, discarded

    args.out_dir.mkdir(parents=True, exist_ok=True)
    md_top = md.Topology.from_openmm(simulation.topology)
    save_every = round(args.save_ps / step_ps)
    n_frames = round(args.ns * 1000.0 / args.save_ps)
    xyz = np.empty((n_frames, md_top.n_atoms, 3), dtype=np.float32)
    start = time.perf_counter()
    for frame in range(n_frames):
        simulation.step(save_every)
        state = simulation.context.getState(getPositions=True)
        xyz[frame] = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    elapsed = time.perf_counter() - start
    times = (np.arange(n_frames) + 1) * args.save_ps
    traj = md.Trajectory(xyz, md_top, time=times)
    first = md.Trajectory(xyz[:1], md_top)
    first.save_pdb(str(args.out_dir / "ala2.pdb"))
    traj.save_xtc(str(args.out_dir / "ala2.xtc"))
    print(
        f"{n_frames} frames ({args.ns} ns) in {elapsed:.0f} s with OpenMM "
        f"{openmm.version.version}; wrote {args.out_dir}/ala2.pdb and ala2.xtc"
    )


if __name__ == "__main__":
    main()
