"""Bounded memory: featurize a long XTC (the bundled ala2 run repeated) and report peak RSS.

Usage: python benchmarks/featurize_memory.py [--frames 1000000] [--chunk 5000] [--keep PATH]

Writes an XTC of ``--frames`` frames by repeating the 10,000-frame alanine-dipeptide run
(writing is done in blocks, so the writer's memory is bounded too), then runs, in a fresh
process, ``featurize`` over it streamed in ``--chunk``-frame chunks (phi/psi as cos/sin and
the 45 heavy-atom distances) and prints the peak RSS of that process. The input array would
be frames x 22 atoms x 3 x 4 bytes; the output is frames x n_features x 4 bytes, which
featurize must hold (it returns it). To show that the rest is bounded, the same is run on a
file ten times shorter first: peak RSS minus the output array minus the memory after imports
is the streaming overhead, and it must not grow with the number of frames.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mdtraj as md

from trajlens.io import example_files

CHILD = """
import resource, sys, time
import numpy as np
from trajlens.featurize import backbone_dihedrals, featurize, selection_pair_distances
from trajlens.io import open_trajectories
path, top, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
trajs = open_trajectories([path], top, chunk=chunk)
spec = backbone_dihedrals(trajs.topology) + selection_pair_distances(
    trajs.topology, "not element H")
start = time.perf_counter()
X = featurize(trajs, spec)[0]
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"featurized {X.shape[0]} frames x {X.shape[1]} features in {took:.1f} s "
      f"({X.shape[0] / took:.0f} frames/s)")
print(f"output array: {X.nbytes / 2**20:.1f} MiB; input if loaded whole: "
      f"{X.shape[0] * trajs.topology.n_atoms * 12 / 2**20:.1f} MiB")
print(f"peak RSS: {peak / 1024:.1f} MiB (after imports: {base / 1024:.1f} MiB)")
print(f"streaming overhead (peak - after imports - output): "
      f"{(peak - base) / 1024 - X.nbytes / 2**20:.1f} MiB")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--keep", type=Path, default=None, help="write the XTC here and keep it")
    args = parser.parse_args()
    xtc, pdb = example_files("ala2")
    base = md.load(str(xtc), top=str(pdb))
    with tempfile.TemporaryDirectory() as tmp:
        for n_frames in (args.frames // 10, args.frames):
            path = args.keep if args.keep and n_frames == args.frames else Path(tmp) / "long.xtc"
            start = time.perf_counter()
            with md.formats.XTCTrajectoryFile(str(path), "w") as f:
                written = 0
                while written < n_frames:
                    n = min(base.n_frames, n_frames - written)
                    f.write(base.xyz[:n], time=base.time[:n] + written, box=None)
                    written += n
            size = path.stat().st_size / 2**20
            took = time.perf_counter() - start
            print(f"\nwrote {n_frames} frames ({size:.0f} MiB XTC) in {took:.1f} s")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"writer peak RSS: {rss:.1f} MiB")
            subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(pdb), str(args.chunk)], check=True
            )


if __name__ == "__main__":
    main()
