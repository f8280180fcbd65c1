"""Time trajlens's sketch-map, out-of-sample projection and landmark UMAP, in one run.

Usage: python benchmarks/reduce.py [--landmarks 1000 5000] [--frames 1000000] [--umap-points 20000]

Prints:

1. sketch-map fit time and stress for each landmark count, on 30 periodic inputs (angles in
   radians, period 2 pi) generated from a 2-D latent space, global grid search included;
2. the time to project ``--frames`` frames out-of-sample with the 1,000-landmark map: the
   kernel-averaged form on all of them, and per-point stress minimisation (grid + local
   refinement) timed on 20,000 frames and extrapolated (said so in the output);
3. UMAP on ``--umap-points`` points of a curved 2-D sheet in 30-D: landmark fit + transform of
   all points against a full umap-learn fit, time and trustworthiness
   (sklearn.manifold.trustworthiness, 10 neighbours, on a 5,000-point subset: the full 20,000^2
   distance matrix would need 3 GB).

Numba compile time is measured on a first small call and printed separately.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from trajlens.reduce import SketchMap


def periodic_data(n: int, n_features: int = 30, seed: int = 0) -> np.ndarray:
    """Angles (n, n_features) in [-pi, pi): smooth periodic functions of a 2-D torus latent."""
    model = np.random.default_rng(12345)  # the same map latent -> angles for every seed
    k = model.integers(-1, 2, size=(n_features, 2))
    k[np.all(k == 0, axis=1)] = [1, 0]
    phase = model.uniform(-np.pi, np.pi, n_features)
    rng = np.random.default_rng(seed)
    latent = rng.uniform(-np.pi, np.pi, size=(n, 2))
    # three well-populated states on the latent torus, as in a peptide's phi/psi
    centres = np.array([[-1.5, 2.5], [-1.3, -0.6], [1.0, 0.5]])
    pick = rng.integers(0, 3, n)
    dense = centres[pick] + rng.normal(scale=0.4, size=(n, 2))
    latent = np.where(rng.uniform(size=(n, 1)) < 0.8, dense, latent)
    X = latent @ k.T + phase + rng.normal(scale=0.05, size=(n, n_features))
    return (X + np.pi) % (2 * np.pi) - np.pi


def curved_sheet(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, (n, 2))
    t = 1.5 * np.pi * (1 + u[:, 0])
    P = np.c_[t * np.cos(t), 3 * u[:, 1], t * np.sin(t), np.zeros((n, 27))]
    Q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    return P @ Q.T + 0.05 * rng.normal(size=(n, 30))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landmarks", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--umap-points", type=int, default=20_000)
    parser.add_argument("--umap-landmarks", type=int, default=2_000)
    args = parser.parse_args()
    import numba

    print(f"cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}")

    # numba compile (cached after the first run of the package)
    start = time.perf_counter()
    tiny = periodic_data(200)
    SketchMap(n_landmarks=60, period=2 * np.pi, max_iter=5, random_state=0).fit(tiny).transform(
        tiny[:5]
    )
    print(f"numba compile / first call: {time.perf_counter() - start:.1f} s")

    pool = periodic_data(50_000, seed=1)
    models = {}
    print("\n1. sketch-map, 30 periodic inputs (period 2 pi), global search included")
    print(f"{'landmarks':>10} {'fit s':>8} {'stress':>10} {'L-BFGS its':>10}")
    for n_land in args.landmarks:
        start = time.perf_counter()
        model = SketchMap(n_landmarks=n_land, period=2 * np.pi, random_state=0).fit(pool)
        elapsed = time.perf_counter() - start
        models[n_land] = model
        print(f"{n_land:>10} {elapsed:>8.1f} {model.stress_:>10.5f} {model.n_iter_:>10}")

    model = models[min(models, key=lambda n: abs(n - 1000))]
    n_land = len(model.landmarks_)
    print(f"\n2. out-of-sample projection, {n_land}-landmark map, {args.frames:,} frames")
    frames = periodic_data(args.frames, seed=2).astype(np.float32)
    start = time.perf_counter()
    Yk = model.transform_kernel(frames)
    t_kernel = time.perf_counter() - start
    print(f"kernel average, all {args.frames:,} frames: {t_kernel:.1f} s "
          f"({args.frames / t_kernel:,.0f} frames/s)")  # fmt: skip
    sub = frames[:20_000]
    start = time.perf_counter()
    Ym = model.transform(sub)
    t_min = time.perf_counter() - start
    print(f"stress minimisation (grid {model.project_grid_size}^2 + refinement), 20,000 frames: "
          f"{t_min:.1f} s -> {t_min * args.frames / len(sub):.0f} s extrapolated to "
          f"{args.frames:,}")  # fmt: skip
    gap = np.linalg.norm(Yk[: len(sub)] - Ym, axis=1)
    print(f"median |kernel - minimised| position: {np.median(gap):.3f} "
          f"(map extent {np.ptp(model.embedding_):.2f})")  # fmt: skip

    print(f"\n3. UMAP, {args.umap_points:,} points of a curved sheet in 30-D")
    import umap
    from sklearn.manifold import trustworthiness

    from trajlens.reduce import UMAP

    X = curved_sheet(args.umap_points, seed=3)
    rng = np.random.default_rng(4)
    check = rng.choice(len(X), size=min(5000, len(X)), replace=False)
    start = time.perf_counter()
    lm = UMAP(n_landmarks=args.umap_landmarks, random_state=0).fit(X)
    Y_lm = lm.transform(X)
    t_lm = time.perf_counter() - start
    start = time.perf_counter()
    Y_full = umap.UMAP(random_state=0).fit_transform(X)
    t_full = time.perf_counter() - start
    tw_lm = trustworthiness(X[check], Y_lm[check], n_neighbors=10)
    tw_full = trustworthiness(X[check], Y_full[check], n_neighbors=10)
    print(f"{'':>32} {'time s':>8} {'trustworthiness':>16}")
    print(f"{'landmarks ' + str(args.umap_landmarks) + ' + transform':>32} {t_lm:>8.1f} "
          f"{tw_lm:>16.4f}")  # fmt: skip
    print(f"{'full umap-learn fit':>32} {t_full:>8.1f} {tw_full:>16.4f}")
    print(f"time ratio landmark / full: {t_lm / t_full:.2f}")


if __name__ == "__main__":
    main()
