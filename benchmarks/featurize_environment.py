"""Time the structure and environment kinds against their peers on the same frames.

Usage: python benchmarks/featurize_environment.py [--repeat 3]

- RMSD of the 214 CA atoms of adenylate kinase (MDAnalysisTests' DIMS trajectory, its 98
  frames tiled to 2,000) to its last frame: trajlens against ``mdtraj.rmsd``.
- Aligned CA coordinates (642 columns) on the same frames: trajlens against
  ``Trajectory.superpose`` followed by slicing ``xyz``.
- Per-atom Q6 of the 216 argon atoms (liquid, 100 frames): trajlens (all pairs, gaussian
  switch) against freud's Steinhardt (its own cell-list neighbour query, r_max = 0.5 nm).
  Not the same neighbour weighting, so only the time is compared.
- G2 and G4 (one each) of every argon atom: trajlens against dscribe's ACSF (periodic).

Numba compile time is printed separately (first call on a 2-frame slice); then the best of
``--repeat`` runs. Ratios above 1 mean trajlens is faster.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import mdtraj as md
import numpy as np

from trajlens.featurize import featurize
from trajlens.featurize.builders import (
    aligned_positions,
    rmsd,
    steinhardt,
    symmetry_functions_g2,
    symmetry_functions_g4,
)

ARGON = Path(__file__).resolve().parents[1] / "tests" / "data" / "argon"


def best(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name, n_frames, ours, theirs, peer):
    print(
        f"{name:<28} trajlens {n_frames / ours:12.0f} frames/s   {peer} "
        f"{n_frames / theirs:12.0f} frames/s   ratio {theirs / ours:6.2f}"
    )


def compile_time(spec, traj):
    start = time.perf_counter()
    featurize(traj[:2], spec)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec_mda = importlib.util.find_spec("MDAnalysisTests")
    if spec_mda is not None:
        data = Path(next(iter(spec_mda.submodule_search_locations))) / "data"
        adk = md.load(str(data / "adk_dims.dcd"), top=str(data / "adk_open.pdb"))
        adk = md.join([adk] * 21)[:2000]
        ca = adk.topology.select("name CA")
        ref = adk[-1]
        spec = rmsd(ref, ca)
        print(f"first call (numba compile or cache load), rmsd: {compile_time(spec, adk):.2f} s")
        ours = best(lambda: featurize(adk, spec), args.repeat)
        theirs = best(lambda: md.rmsd(adk, ref, 0, atom_indices=ca), args.repeat)
        report("RMSD, 214 CA (adk)", adk.n_frames, ours, theirs, "mdtraj")
        spec = aligned_positions(ref, ca)
        print(
            f"first call (numba compile or cache load), aligned positions: {compile_time(spec, adk):.2f} s"
        )
        ours = best(lambda: featurize(adk, spec), args.repeat)

        def peer():
            moved = md.Trajectory(adk.xyz.copy(), adk.topology).superpose(ref, 0, ca)
            return moved.xyz[:, ca].reshape(adk.n_frames, -1)

        theirs = best(peer, args.repeat)
        report("aligned CA xyz (adk)", adk.n_frames, ours, theirs, "mdtraj")
    else:
        print("MDAnalysisTests is not installed: RMSD and alignment skipped")

    liquid = md.load(str(ARGON / "liquid.xtc"), top=str(ARGON / "liquid.pdb"))
    atoms = list(range(liquid.n_atoms))
    spec = steinhardt(atoms, atoms, 6, switch="gaussian", r0=0.05, d0=0.35)
    print(f"first call (numba compile or cache load), q6: {compile_time(spec, liquid):.2f} s")
    ours = best(lambda: featurize(liquid, spec), args.repeat)
    if importlib.util.find_spec("freud") is not None:
        import freud

        def peer():
            q = freud.order.Steinhardt(6)
            for f in range(liquid.n_frames):
                box = freud.box.Box.from_matrix(liquid.unitcell_vectors[f].T.astype(np.float64))
                pts = box.wrap(liquid.xyz[f].astype(np.float64))
                q.compute((box, pts), neighbors={"r_max": 0.5, "exclude_ii": True})

        theirs = best(peer, args.repeat)
        report("per-atom Q6, 216 Ar", liquid.n_frames, ours, theirs, "freud ")
    eta, zeta, rc = 4.0, 2.0, 0.8
    spec = symmetry_functions_g2(atoms, atoms, eta=eta, rs=0.35, rc=rc) + (
        symmetry_functions_g4(atoms, atoms, eta=eta, zeta=zeta, lam=1.0, rc=rc)
    )
    print(f"first call (numba compile or cache load), g2+g4: {compile_time(spec, liquid):.2f} s")
    ours = best(lambda: featurize(liquid, spec), args.repeat)
    if importlib.util.find_spec("dscribe") is not None:
        from ase import Atoms
        from dscribe.descriptors import ACSF

        acsf = ACSF(
            species=["Ar"],
            r_cut=rc * 10,
            g2_params=[[eta / 100, 3.5]],
            g4_params=[[eta / 100, zeta, 1.0]],
            periodic=True,
        )
        systems = [
            Atoms(
                f"Ar{liquid.n_atoms}",
                positions=liquid.xyz[f] * 10,
                cell=liquid.unitcell_vectors[f] * 10,
                pbc=True,
            )
            for f in range(liquid.n_frames)
        ]
        theirs = best(lambda: [acsf.create(s) for s in systems], args.repeat)
        report("G2 + G4, 216 Ar", liquid.n_frames, ours, theirs, "dscribe")


if __name__ == "__main__":
    main()
