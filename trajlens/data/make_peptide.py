"""Generate the bundled deca-alanine example (ACE-(ALA)10-NME) with OpenMM.

How the shipped files ``trajlens/data/ala10/ala10.pdb`` and ``ala10.xtc`` were made (from
the repository root)::

    python -m trajlens.data.make_peptide --out-dir trajlens/data/ala10

(the defaults: 10 alanines, vacuum, 450 K, 2 ns saved every 2 ps, seed 2026; OpenMM 8.6.1,
mdtraj 1.11; about 4 minutes on one busy core; 1000 frames, 112 atoms, 0.5 MB).

What it is, honestly: not a protein but a small peptide with a protein-like
conformational transition. Deca-alanine is the standard model of the helix-coil
transition. In vacuum at 300 K the chain folds into a helix within tens of picoseconds and
stays there, so the example runs at 450 K, where helical turns form and melt on the
100 ps time scale (helical fraction 0.35-0.56 in blocks of 200 ps; TICA's slowest implied
timescales at a 20 ps lag are about 450 and 220 ps). Two nanoseconds that start from the
fully extended chain are not an equilibrium ensemble. They are enough to show PCA, TICA
and sketch-map on many backbone dihedrals in a notebook.

- Structure: built here, not downloaded: heavy atoms from standard peptide geometry (the
  z-matrix of :mod:`trajlens.data.make_ala2`, repeated; phi = psi = 180 deg, L-alanine),
  hydrogens from ``openmm.app.Modeller.addHydrogens`` (Python's ``random`` seeded first).
- Force field: amber14 (``amber14-all.xml``), vacuum (``--solvent gbn2`` adds GBn2 implicit
  solvent, about 20 times slower), no cutoff, bonds to hydrogen constrained.
- Dynamics: ``LangevinMiddleIntegrator``, ``--temperature`` (450 K), friction 1/ps, 2 fs
  steps, CPU platform, one thread; minimisation, 10 ps discarded, then ``--ns`` ns saved
  every ``--save-ps`` ps.
- Output: ``ala10.pdb`` (minimised structure, the topology) and ``ala10.xtc`` (mdtraj's
  XTC writer, precision 1e-3 nm).

OpenMM is an optional dependency (``pip install "trajlens[sim]"``), imported in :func:`main`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trajlens.data.make_ala2 import _place, simulate

# Standard geometry (nm, degrees), as in make_ala2's z-matrix.
_CN, _NCA, _CAC, _CO, _CACB, _CCH3 = 0.1335, 0.1449, 0.1522, 0.1229, 0.1526, 0.1522
_CA_C_N, _C_N_CA, _N_CA_C, _CA_C_O, _N_CA_CB = 116.6, 121.9, 110.4, 120.5, 110.1
_CB_IMPROPER = -122.7


def zmatrix(n_residues: int, phi: float = 180.0, psi: float = 180.0) -> list[tuple]:
    """Heavy atoms of ACE-(ALA)n-NME as (residue index, residue, atom, element, j, bond,
    (k, angle), (m, dihedral)): atom i bonded to j, angle i-j-k, dihedral i-j-k-m."""
    z: list[tuple] = [
        (0, "ACE", "CH3", "C", None, None, None, None),
        (0, "ACE", "C", "C", 0, _CCH3, None, None),
        (0, "ACE", "O", "O", 1, _CO, (0, _CA_C_O), None),
    ]
    prev_c, prev_ca, prev_n = 1, 0, 2  # atoms defining the next N (CH3 and O stand in)
    for r in range(1, n_residues + 1):
        n = len(z)
        psi_prev = 180.0 if r == 1 else psi
        z.append((r, "ALA", "N", "N", prev_c, _CN, (prev_ca, _CA_C_N), (prev_n, psi_prev)))
        z.append((r, "ALA", "CA", "C", n, _NCA, (prev_c, _C_N_CA), (prev_ca, 180.0)))
        z.append((r, "ALA", "C", "C", n + 1, _CAC, (n, _N_CA_C), (prev_c, phi)))
        z.append((r, "ALA", "O", "O", n + 2, _CO, (n + 1, _CA_C_O), (n, psi + 180.0)))
        z.append((r, "ALA", "CB", "C", n + 1, _CACB, (n, _N_CA_CB), (n + 2, _CB_IMPROPER)))
        prev_c, prev_ca, prev_n = n + 2, n + 1, n
    n = len(z)
    z.append((n_residues + 1, "NME", "N", "N", prev_c, _CN, (prev_ca, _CA_C_N), (prev_n, psi)))
    z.append((n_residues + 1, "NME", "C", "C", n, _NCA, (prev_c, _C_N_CA), (prev_ca, 180.0)))
    return z


def heavy_atom_coordinates(z: list[tuple]) -> np.ndarray:
    """Coordinates (nm, shape (n_atoms, 3)) of the z-matrix's atoms."""
    xyz = np.zeros((len(z), 3))
    xyz[1] = [z[1][5], 0.0, 0.0]
    theta = np.radians(z[2][6][1])
    xyz[2] = xyz[1] + z[2][5] * np.array([-np.cos(theta), np.sin(theta), 0.0])
    for i, (*_, j, bond, (k, ang), (m, dih)) in enumerate(z[3:], start=3):
        xyz[i] = _place(xyz[m], xyz[k], xyz[j], bond, ang, dih)
    return xyz


def build_topology(n_residues: int) -> tuple[Any, Any]:
    """OpenMM ``Topology`` and positions of the heavy atoms (hydrogens are added later)."""
    from openmm import unit
    from openmm.app import Element, Topology

    z = zmatrix(n_residues)
    top = Topology()
    chain = top.addChain()
    residues: dict[int, Any] = {}
    atoms = []
    for r, resname, name, element, j, *_ in z:
        if r not in residues:
            residues[r] = top.addResidue(resname, chain)
        atoms.append(top.addAtom(name, Element.getBySymbol(element), residues[r]))
        if j is not None:
            top.addBond(atoms[j], atoms[-1])
    return top, heavy_atom_coordinates(z) * unit.nanometer


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m trajlens.data.make_peptide",
        description="ACE-(ALA)n-NME with OpenMM: amber14 in vacuum (or GBn2), 450 K "
        "Langevin, 2 fs steps, from the extended chain. Writes ala<n>.pdb and ala<n>.xtc.",
    )
    parser.add_argument("--out-dir", type=Path, default=Path("ala10_data"), help="output folder")
    parser.add_argument("--residues", type=int, default=10, help="alanines (10)")
    parser.add_argument("--ns", type=float, default=2.0, help="production length in ns (2)")
    parser.add_argument("--save-ps", type=float, default=2.0, help="save interval in ps (2)")
    parser.add_argument("--equil-ps", type=float, default=10.0, help="discarded ps (10)")
    parser.add_argument("--seed", type=int, default=2026, help="integrator/velocity seed")
    parser.add_argument("--temperature", type=float, default=450.0, help="kelvin (450)")
    parser.add_argument("--threads", type=int, default=1, help="CPU platform threads (1)")
    parser.add_argument(
        "--solvent", choices=("vacuum", "gbn2"), default="vacuum", help="vacuum or GBn2"
    )
    args = parser.parse_args(argv)
    if args.residues < 1 or args.ns <= 0 or args.save_ps <= 0 or args.equil_ps < 0:
        parser.error("--residues, --ns and --save-ps must be positive, --equil-ps >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Build, minimise, equilibrate and run ACE-(ALA)n-NME; write PDB and XTC."""
    args = _parse_args(argv)

    import mdtraj as md
    import openmm

    files = ["amber14-all.xml"] + (["implicit/gbn2.xml"] if args.solvent == "gbn2" else [])
    top, positions = build_topology(args.residues)
    name = f"ala{args.residues}"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pdb_path, xtc_path = args.out_dir / f"{name}.pdb", args.out_dir / f"{name}.xtc"
    elapsed = simulate(top, positions, files, args, pdb_path, xtc_path)
    n_frames = round(args.ns * 1000.0 / args.save_ps)
    t = md.load(str(xtc_path), top=str(pdb_path))
    helix = np.mean(md.compute_dssp(t, simplified=True) == "H", axis=1)
    print(
        f"{n_frames} frames in {elapsed:.0f} s with OpenMM "
        f"{openmm.version.version}, seed {args.seed}; helical fraction first/last 10%: "
        f"{helix[: n_frames // 10].mean():.2f}/{helix[-n_frames // 10 :].mean():.2f}; "
        f"wrote {pdb_path} and {xtc_path}"
    )


if __name__ == "__main__":
    main()
