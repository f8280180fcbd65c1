"""Time trajlens's featurizers against mdtraj on the same frames, in the same run.

Usage: python benchmarks/featurize.py [--repeat N]

Prints frames/s for each and the ratio (trajlens / mdtraj). Numba compile time is measured
on a first call and printed separately. The frames are the bundled alanine-dipeptide run,
tiled N times (default 20: 200,000 frames).
"""

from __future__ import annotations

import argparse
import itertools
import time

import mdtraj as md
import numpy as np

from trajlens.featurize import _kernels
from trajlens.io import example_files


def best_of(func, repeats=3):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="tile the example N times")
    args = parser.parse_args()
    xtc, pdb = example_files("ala2")
    base = md.load(str(xtc), top=str(pdb))
    traj = md.join([base] * args.repeat)
    n = traj.n_frames
    no_box = np.zeros((1, 3, 3))
    phi_idx, _ = md.compute_phi(traj[:1])
    psi_idx, _ = md.compute_psi(traj[:1])
    quartets = np.concatenate([phi_idx, psi_idx]).astype(np.int64)
    heavy = traj.topology.select("not element H")
    pairs = np.array(list(itertools.combinations(heavy, 2)), dtype=np.int64)

    triplets = np.array(
        [t for t in itertools.permutations(heavy, 3) if t[0] < t[2]][:100], dtype=np.int64
    )
    all_atoms = np.arange(traj.n_atoms, dtype=np.int64)
    offsets = np.array([0, traj.n_atoms], dtype=np.int64)
    res_heavy = [
        [a.index for a in r.atoms if a.element.symbol != "H"] for r in traj.topology.residues
    ]
    cross = np.array([(i, j) for i in res_heavy[0] for j in res_heavy[2]], dtype=np.int64)
    owner = np.zeros(len(cross), dtype=np.int64)

    start = time.perf_counter()
    _kernels.dihedrals(traj.xyz[:2], quartets, no_box, False, False)
    _kernels.distances(traj.xyz[:2], pairs, no_box, False, False)
    _kernels.angles(traj.xyz[:2], triplets, no_box, False, False)
    _kernels.gyration_radii(traj.xyz[:2], all_atoms, offsets, no_box, False, False)
    _kernels.min_distances(traj.xyz[:2], cross, owner, 1, no_box, False, False)
    print(f"numba first call (compile or cache load): {time.perf_counter() - start:.2f} s")
    print(f"{n} frames, {traj.n_atoms} atoms")
    rows = [
        (
            "phi/psi dihedrals",
            lambda: _kernels.dihedrals(traj.xyz, quartets, no_box, False, False),
            lambda: md.compute_dihedrals(traj, quartets, periodic=False),
        ),
        (
            f"{len(pairs)} heavy-atom distances",
            lambda: _kernels.distances(traj.xyz, pairs, no_box, False, False),
            lambda: md.compute_distances(traj, pairs, periodic=False),
        ),
        (
            f"{len(triplets)} angles",
            lambda: _kernels.angles(traj.xyz, triplets, no_box, False, False),
            lambda: md.compute_angles(traj, triplets, periodic=False),
        ),
        (
            "radius of gyration",
            lambda: _kernels.gyration_radii(traj.xyz, all_atoms, offsets, no_box, False, False),
            lambda: md.compute_rg(traj),
        ),
        (
            "residue min distance",
            lambda: _kernels.min_distances(traj.xyz, cross, owner, 1, no_box, False, False),
            lambda: md.compute_contacts(traj, [[0, 2]], scheme="closest-heavy", periodic=False),
        ),
    ]
    print(f"{'feature':28s} {'trajlens fr/s':>14s} {'mdtraj fr/s':>12s} {'ratio':>7s}")
    for name, ours, theirs in rows:
        t_ours, t_theirs = best_of(ours), best_of(theirs)
        print(f"{name:28s} {n / t_ours:14.0f} {n / t_theirs:12.0f} {t_theirs / t_ours:7.2f}")


if __name__ == "__main__":
    main()
