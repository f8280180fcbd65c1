"""Time trajlens's featurizers against mdtraj on the same frames, in the same run.

Usage: python benchmarks/featurize.py [--tiles N] [--ala2-tiles M] [--repeats R] [--chunk C]

Prints frames/s of trajlens (``featurize``, the public path: spec -> plan -> kernels ->
one float32 matrix) and of mdtraj doing the same computation, and the ratio
(trajlens / mdtraj throughput; above 1 means trajlens is faster). Every timing is the best
of R runs on the same in-memory ``mdtraj.Trajectory``; each side allocates its own output.
Numba's first call (compile, or load from the on-disk cache) is made on two frames before
any timing and printed separately, as is the time to build each spec's plan (index
arrays and output columns, built once per spec and cached, like the compiled code).

Data
----
* Protein: adenylate kinase (AdK, 214 residues, 3341 atoms) -- the real 98-frame
  closed-to-open transition trajectory ``adk_dims.dcd`` with ``adk.psf`` from the
  MDAnalysisTests package, *tiled* N times (default 20: 1960 frames). Rows: phi/psi
  dihedrals of all residues (as angles, and as the sin/cos pairs trajlens uses by
  default), all 22,791 C-alpha pair distances, a contact map (rational switching function
  of every C-alpha pair distance, r0 = 0.8 nm) and the LID-NMP coordination number (sum of
  the switching function over the 64,024 heavy-atom pairs between residues 122-159 and
  30-59, r0 = 0.45 nm). mdtraj's peer for the contact rows is ``compute_distances`` plus
  the same switching function in NumPy (``1 / (1 + x^6)``, equal to PLUMED's
  ``(1 - x^6) / (1 - x^12)``); for the coordination number it works in chunks of 250
  frames so that its distance matrix fits in memory.
* Alanine dipeptide (the bundled 10,000-frame run, 22 atoms) tiled M times (default 10):
  phi/psi as sin/cos, where per-call and per-frame overheads dominate; and, for the kinds
  without a planned kernel, 100 angles, the radius of gyration and the ACE-NME closest
  heavy-atom distance.
* I/O floor: the tiled AdK frames are written to a temporary XTC file; trajlens featurizes
  straight from it (``open_trajectories`` + ``featurize``, chunks of 250 frames, 10 MB of
  coordinates each) and the time is compared with mdtraj's bare read of the same file in
  the same chunks (``for chunk in md.iterload(path, top=top, chunk=250): pass``).
  ``open_trajectories`` (topology, file checks, frame count) is timed separately.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import mdtraj as md
import numba
import numpy as np

from trajlens.featurize import (
    angles,
    backbone_dihedrals,
    coordination,
    featurize,
    radius_of_gyration,
    residue_min_distances,
    selection_pair_distances,
)
from trajlens.featurize.core import _Plan
from trajlens.featurize.spec import FeatureSpec
from trajlens.io import example_files, open_trajectories
from trajlens.io.trajectory import _c_output_silenced


def best_of(func, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def protein():
    try:
        from MDAnalysisTests.datafiles import DCD, PSF
    except ImportError:
        raise SystemExit(
            "this benchmark needs the AdK trajectory of MDAnalysisTests: "
            "pip install MDAnalysisTests"
        ) from None
    with _c_output_silenced():  # the DCD plugin notes that the header's frame count is off
        return md.load(DCD, top=PSF), PSF


def rational(d, r0):
    """PLUMED's default RATIONAL switch (nn=6, mm=12, d0=0) in NumPy: 1 / (1 + (d/r0)^6)."""
    x = d / np.float32(r0)
    x2 = x * x
    return 1.0 / (1.0 + x2 * x2 * x2)


def mdtraj_coordination(traj, pairs, r0, chunk=250):
    out = np.empty(traj.n_frames)
    for start in range(0, traj.n_frames, chunk):
        piece = traj[start : start + chunk]
        d = md.compute_distances(piece, pairs, periodic=False)
        out[start : start + chunk] = rational(d, r0).sum(axis=1)
    return out


def contact_map_spec(atoms, r0):
    features = []
    for i, j in itertools.combinations(atoms, 2):
        spec = coordination([i], [j], f"c_{i + 1}_{j + 1}", r0=r0)
        features.extend(spec.features)
    return FeatureSpec(tuple(features))


def mdtraj_phi_psi(traj, quartets, sincos):
    angles = md.compute_dihedrals(traj, quartets, periodic=False)
    if not sincos:
        return angles
    out = np.empty((traj.n_frames, 2 * angles.shape[1]), dtype=np.float32)
    out[:, 0::2] = np.cos(angles)
    out[:, 1::2] = np.sin(angles)
    return out


def phi_psi_quartets(spec):
    seen = {}
    for f in spec.features:
        seen.setdefault(f.name, f.atoms)
    return np.array(list(seen.values()), dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=20, help="tile the AdK run N times")
    parser.add_argument("--ala2-tiles", type=int, default=10, help="tile alanine dipeptide")
    parser.add_argument("--repeats", type=int, default=3, help="best of R timings")
    parser.add_argument("--chunk", type=int, default=250, help="frames per chunk from XTC")
    args = parser.parse_args()

    base, psf = protein()
    traj = md.join([base] * args.tiles)
    top = traj.topology
    ca = top.select("name CA")
    nmp = top.select("residue 30 to 59 and not element H")
    lid = top.select("residue 122 to 159 and not element H")
    xtc_ala2, pdb_ala2 = example_files("ala2")
    ala2 = md.load(str(xtc_ala2), top=str(pdb_ala2))
    ala2 = md.join([ala2] * args.ala2_tiles)

    phipsi = backbone_dihedrals(top, ["phi", "psi"])
    phipsi_angles = backbone_dihedrals(top, ["phi", "psi"], sincos=False)
    quartets = phi_psi_quartets(phipsi_angles)
    distances = selection_pair_distances(top, "name CA")
    ca_pairs = np.array(list(itertools.combinations(ca, 2)), dtype=np.int64)
    contacts = contact_map_spec(ca.tolist(), 0.8)
    coord = coordination(lid, nmp, "lid_nmp", r0=0.45)
    lid_nmp = np.array([(i, j) for i in lid for j in nmp], dtype=np.int64)
    ala2_spec = backbone_dihedrals(ala2.topology, ["phi", "psi"])
    ala2_quartets = phi_psi_quartets(ala2_spec)
    heavy = ala2.topology.select("not element H")
    triplets = np.array(
        [t for t in itertools.permutations(heavy, 3) if t[0] < t[2]][:100], dtype=np.int64
    )

    rows = [
        (
            f"AdK phi/psi angles ({len(quartets)})",
            traj,
            phipsi_angles,
            lambda: mdtraj_phi_psi(traj, quartets, False),
        ),
        (
            f"AdK phi/psi sin/cos ({len(phipsi)})",
            traj,
            phipsi,
            lambda: mdtraj_phi_psi(traj, quartets, True),
        ),
        (
            f"AdK CA distances ({len(ca_pairs)})",
            traj,
            distances,
            lambda: md.compute_distances(traj, ca_pairs, periodic=False),
        ),
        (
            f"AdK CA contact map ({len(contacts)})",
            traj,
            contacts,
            lambda: rational(md.compute_distances(traj, ca_pairs, periodic=False), 0.8),
        ),
        (
            f"AdK LID-NMP coordination ({len(lid_nmp)} pairs)",
            traj,
            coord,
            lambda: mdtraj_coordination(traj, lid_nmp, 0.45),
        ),
        (
            "ala2 phi/psi sin/cos (4)",
            ala2,
            ala2_spec,
            lambda: mdtraj_phi_psi(ala2, ala2_quartets, True),
        ),
        (
            f"ala2 angles ({len(triplets)})",
            ala2,
            angles(triplets),
            lambda: md.compute_angles(ala2, triplets, periodic=False),
        ),
        (
            "ala2 radius of gyration",
            ala2,
            radius_of_gyration(range(ala2.n_atoms)),
            lambda: md.compute_rg(ala2),
        ),
        (
            "ala2 residue min distance (ACE-NME)",
            ala2,
            residue_min_distances(ala2.topology, [(0, 2)]),
            lambda: md.compute_contacts(ala2, [[0, 2]], scheme="closest-heavy", periodic=False),
        ),
    ]

    print(
        f"numba {numba.__version__}, threading layer {numba.config.THREADING_LAYER!r}, "
        f"{numba.get_num_threads()} threads"
    )
    start = time.perf_counter()
    for _, frames, spec, _ in rows:
        featurize(frames[:2], spec)
    print(f"numba first calls (compile or cache load): {time.perf_counter() - start:.2f} s")
    for name, frames, spec, _ in rows:
        start = time.perf_counter()
        _Plan(spec, frames.n_atoms, None)
        print(f"  plan of {name} (once per spec, then cached): {time.perf_counter() - start:.3f} s")
    print(
        f"AdK: {traj.n_frames} frames ({args.tiles} x {base.n_frames}), {traj.n_atoms} atoms; "
        f"ala2: {ala2.n_frames} frames"
    )

    # exactness on the timed frames: trajlens vs the mdtraj peer
    check = traj[:200]
    ours = featurize(check, distances)[0]
    theirs = md.compute_distances(check, ca_pairs, periodic=False)
    err_d = np.abs(ours - theirs).max()
    ours = featurize(check, contacts)[0]
    err_c = np.abs(ours - rational(theirs.astype(np.float64), 0.8)).max()
    ours = featurize(check, phipsi)[0]
    err_s = np.abs(ours - mdtraj_phi_psi(check, quartets, True)).max()
    print(
        f"max |trajlens - mdtraj| on 200 frames: distances {err_d:.1e} nm, "
        f"contact map {err_c:.1e}, sin/cos {err_s:.1e}"
    )

    print(f"{'feature':44s} {'trajlens fr/s':>14s} {'mdtraj fr/s':>12s} {'ratio':>7s}")
    for name, frames, spec, theirs in rows:
        t_ours = best_of(lambda spec=spec, frames=frames: featurize(frames, spec), args.repeats)
        t_theirs = best_of(theirs, args.repeats)
        n = frames.n_frames
        print(f"{name:44s} {n / t_ours:14.0f} {n / t_theirs:12.0f} {t_theirs / t_ours:7.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "adk.xtc"
        traj.save_xtc(str(path))
        print(
            f"\nI/O floor: {path.name}, {traj.n_frames} frames, {path.stat().st_size / 1e6:.1f} MB"
        )
        start = time.perf_counter()
        source = open_trajectories(path, psf, chunk=args.chunk)
        t_open = time.perf_counter() - start

        def bare():
            for _ in md.iterload(str(path), top=top, chunk=args.chunk):
                pass

        t_bare = best_of(bare, args.repeats)
        print(f"{'mdtraj bare read':44s} {traj.n_frames / t_bare:14.0f} fr/s")
        print(f"{'trajlens open_trajectories (checks, count)':44s} {t_open:14.2f} s")
        for name, spec in [("phi/psi sin/cos", phipsi), ("CA distances", distances)]:
            t = best_of(lambda spec=spec: featurize(source, spec), args.repeats)
            print(
                f"{'trajlens featurize from XTC: ' + name:44s} {traj.n_frames / t:14.0f} fr/s  "
                f"time / bare read {t / t_bare:5.2f}"
            )


if __name__ == "__main__":
    main()
