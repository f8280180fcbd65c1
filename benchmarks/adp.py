"""Time trajlens's Advanced Density Peaks against dadapy's on the same data, in one run.

Usage::

    python benchmarks/adp.py --n 5000 --dadapy-python /tmp/dadapy_venv/bin/python

dadapy pins numpy < 2, so it lives in its own environment (see
tests/cluster/make_dadapy_reference.py for how to make one); this script writes the data
to a temporary .npy file and times dadapy there, in a subprocess (its import time is not
counted). Prints seconds for each (best of 3), the ratio dadapy / trajlens, and whether the
labels agree (adjusted Rand index) with dadapy's compiled ADP (the one timed) and with its
plain-Python ADP, which trajlens follows step by step (the two dadapy versions can differ). numba compile time (or cache load) is printed
separately. The data: four 2-D Gaussians, as in the reference test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from trajlens.cluster import AdvancedDensityPeaks

DADAPY_SCRIPT = """
import json, sys, time
import numpy as np
from dadapy import Data
X = np.load(sys.argv[1])
best = np.inf
for _ in range(3):
    start = time.perf_counter()
    d = Data(X, maxk=int(sys.argv[2]) + 1, verbose=False)
    d.compute_id_2NN()
    d.compute_density_PAk()
    d.compute_clustering_ADP(Z=1.65)
    best = min(best, time.perf_counter() - start)
np.save(sys.argv[3], np.asarray(d.cluster_assignment))
d.compute_clustering_ADP_pure_python(Z=1.65)
np.save(sys.argv[3].replace(".npy", "_pure.npy"), np.asarray(d.cluster_assignment))
print(json.dumps({"seconds": best}))
"""


def data(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [2.4, 1.2]])
    scale = np.array([1.0, 0.8, 0.7, 0.4])
    comp = rng.choice(4, size=n, p=[0.43, 0.29, 0.21, 0.07])
    return centres[comp] + rng.normal(size=(n, 2)) * scale[comp, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="number of points")
    parser.add_argument("--k", type=int, default=99, help="largest neighbourhood")
    parser.add_argument("--dadapy-python", help="python of an environment with dadapy")
    args = parser.parse_args()
    X = data(args.n)
    start = time.perf_counter()
    AdvancedDensityPeaks(k=10).fit(X[:50])
    print(f"numba compile (or cache load): {time.perf_counter() - start:.2f} s")
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        ours = AdvancedDensityPeaks(k=args.k).fit(X)
        best = min(best, time.perf_counter() - start)
    print(f"n = {args.n}: trajlens {best:.3f} s, {ours.n_clusters_} clusters")
    if not args.dadapy_python:
        print("dadapy not timed (give --dadapy-python)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path, labels = Path(tmp) / "X.npy", Path(tmp) / "labels.npy"
        np.save(path, X)
        out = subprocess.run(
            [args.dadapy_python, "-c", DADAPY_SCRIPT, str(path), str(args.k), str(labels)],
            capture_output=True,
            text=True,
            check=True,
        )
        theirs = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        ari = adjusted_rand_score(np.load(labels), ours.labels_)
        pure = adjusted_rand_score(np.load(Path(tmp) / "labels_pure.npy"), ours.labels_)
    print(f"dadapy {theirs:.3f} s, ratio dadapy / trajlens {theirs / best:.1f}x")
    print(f"labels: ARI {ari:.4f} vs dadapy's compiled ADP, {pure:.4f} vs its plain-Python ADP")


if __name__ == "__main__":
    main()
