"""Generate the small periodic Lennard-Jones argon trajectories used by the tests.

How ``tests/data/argon/liquid.{xtc,pdb}`` and ``fcc.{xtc,pdb}`` were made (from the
repository root, OpenMM 8.x, mdtraj 1.11)::

    python -m trajlens.data.make_argon --out-dir tests/data/argon

- System: 216 argon atoms (mass 39.948 amu), Lennard-Jones sigma = 0.3405 nm, epsilon =
  0.996 kJ/mol (Rowley et al.), cut at 0.9 nm without switching or dispersion correction
  (``NonbondedForce``, ``CutoffPeriodic``, no charges). Number density 21 nm^-3.
- ``liquid``: cubic box (2.175 nm), started from a 6 x 6 x 6 simple cubic grid, 120 K.
- ``fcc``: triclinic (rhombohedral, 60 degree) cell whose 6 x 6 x 6 fractional grid is a
  face-centred cubic crystal, 40 K (stays crystalline): exercises the triclinic minimum
  image.
- Dynamics: ``LangevinMiddleIntegrator``, friction 1/ps, 5 fs steps, Reference platform,
  seed 2026; 2,000 steps of equilibration, then 100 frames every 20 steps (0.1 ps).
- Output: XTC (precision 1e-3 nm, with the box) and a PDB (CRYST1) topology; about 100 kB
  each.

OpenMM is imported inside :func:`main`, so this module imports without it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

N_SIDE = 6
DENSITY = 21.0  # atoms per nm^3


def boxes() -> dict[str, np.ndarray]:
    """Box vectors (rows, nm) of the two systems at the target density."""
    n = N_SIDE**3
    volume = n / DENSITY
    side = volume ** (1 / 3)
    a = (volume * np.sqrt(2.0)) ** (1 / 3)  # rhombohedral 60 degree cell: V = a^3 / sqrt(2)
    rhombo = a * np.array(
        [[1.0, 0.0, 0.0], [0.5, np.sqrt(3) / 2, 0.0], [0.5, 0.5 / np.sqrt(3), np.sqrt(2 / 3)]]
    )
    return {"liquid": np.diag([side] * 3), "fcc": rhombo}


def main(argv: list[str] | None = None) -> None:
    import mdtraj as md
    import openmm
    from openmm import unit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    temperatures = {"liquid": 120.0, "fcc": 40.0}
    top = md.Topology()
    chain = top.add_chain()
    for k in range(N_SIDE**3):
        res = top.add_residue("AR", chain, resSeq=k + 1)
        top.add_atom("Ar", md.element.argon, res)
    grid = np.stack(np.meshgrid(*[np.arange(N_SIDE)] * 3, indexing="ij"), -1).reshape(-1, 3)
    for name, box in boxes().items():
        system = openmm.System()
        force = openmm.NonbondedForce()
        force.setNonbondedMethod(openmm.NonbondedForce.CutoffPeriodic)
        force.setCutoffDistance(0.9)
        force.setUseDispersionCorrection(False)
        for _ in range(top.n_atoms):
            system.addParticle(39.948)
            force.addParticle(0.0, 0.3405, 0.996)
        system.addForce(force)
        system.setDefaultPeriodicBoxVectors(*[openmm.Vec3(*row) for row in box])
        integrator = openmm.LangevinMiddleIntegrator(
            temperatures[name] * unit.kelvin, 1.0 / unit.picosecond, 0.005 * unit.picosecond
        )
        integrator.setRandomNumberSeed(args.seed)
        platform = openmm.Platform.getPlatformByName("Reference")
        context = openmm.Context(system, integrator, platform)
        context.setPositions(((grid + 0.5) / N_SIDE) @ box)
        openmm.LocalEnergyMinimizer.minimize(context)
        context.setVelocitiesToTemperature(temperatures[name] * unit.kelvin, args.seed)
        integrator.step(2000)
        xyz = []
        for _ in range(args.frames):
            integrator.step(20)
            state = context.getState(getPositions=True)
            xyz.append(state.getPositions(asNumpy=True).value_in_unit(unit.nanometer))
        traj = md.Trajectory(
            np.array(xyz, dtype=np.float32), top, time=0.1 * np.arange(1, args.frames + 1)
        )
        traj.unitcell_vectors = np.repeat(box[None].astype(np.float32), args.frames, axis=0)
        traj.save_xtc(str(args.out_dir / f"{name}.xtc"))
        traj[0].save_pdb(str(args.out_dir / f"{name}.pdb"))
        print(f"{name}: {args.frames} frames -> {args.out_dir / name}.xtc")


if __name__ == "__main__":
    main()
