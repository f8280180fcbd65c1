"""Time trajlens's density-peak kernels against the brute-force NumPy reference, same data.

Usage: python benchmarks/density_peaks.py [--n 4000]

Prints seconds for each and the ratio (reference / numba); numba compile time is measured
on a first call and printed separately. The data are three 2-D Gaussian blobs. (dadapy, the
authors' package, pins numpy < 2 and cannot be installed beside mdtraj, so it is not timed.)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from trajlens.cluster import _kernels, _reference


def best_of(func, repeats=3):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="number of points")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    X = centres[rng.integers(0, 3, args.n)] + rng.normal(0, 0.8, (args.n, 2))
    dc = 0.5
    start = time.perf_counter()
    rho = _kernels.gaussian_density(X[:10], dc)
    _kernels.nearest_higher(X[:10], rho)
    print(f"numba compile (or cache load): {time.perf_counter() - start:.2f} s")

    def ours():
        r = _kernels.gaussian_density(X, dc)
        _kernels.nearest_higher(X, r)

    def reference():
        r = _reference.gaussian_density(X, dc)
        _reference.nearest_higher(X, r)

    t_ours = best_of(ours)
    t_ref = best_of(reference, repeats=1)
    print(
        f"n = {args.n}: numba {t_ours:.3f} s, NumPy reference {t_ref:.3f} s, ratio {t_ref / t_ours:.1f}x"
    )


if __name__ == "__main__":
    main()
