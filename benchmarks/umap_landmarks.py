"""Time landmark UMAP: fit on landmarks, then transform 1,000,000 frames, in one run.

(Not named umap.py: the script's folder comes first on sys.path and would shadow umap-learn.)

Usage::

    python benchmarks/umap_landmarks.py [--frames 1000000] [--landmarks 2000 5000] [--chunk 50000]
                              [--unseeded]

Data: the bundled alanine-dipeptide trajectory (10,000 frames) featurised as its backbone
dihedrals (radians, periodic) and the distances between all its heavy atoms (nm). The
1,000,000 frames are these 10,000 tiled 100 times with Gaussian noise (0.02 rad on the
angles, 0.002 nm on the distances), float32, so that no two frames are equal; synthetic in
that sense, say so when quoting.

For each landmark count, printed: the fit time (landmark selection + umap-learn on the
landmarks) and the transform time of all frames (``UMAP.transform``: umap-learn's transform
in chunks of ``--chunk`` frames), with ``random_state=0``, which makes the result
deterministic; umap-learn then runs its stochastic-gradient layout serially. With
``--unseeded`` the same is timed with ``random_state=None`` (umap-learn's parallel, not
reproducible, layout) to show what determinism costs. Quality: trustworthiness
(sklearn.manifold.trustworthiness, 10 neighbours) of the transformed positions of 5,000 of
the original frames. Numba compile time (first call) is printed separately.
"""

from __future__ import annotations

import argparse
import os
import time

import mdtraj as md
import numpy as np
from sklearn.manifold import trustworthiness

from trajlens.featurize import backbone_dihedrals, featurize, selection_pair_distances
from trajlens.featurize.spec import FeatureSpec
from trajlens.reduce import UMAP
from trajlens.reduce.umap import unwrap_periodic


def ala2_features():
    from trajlens.io.trajectory import example_files

    traj, top = example_files("ala2")
    t = md.load(str(traj), top=str(top))
    spec = FeatureSpec(
        list(backbone_dihedrals(t.topology))
        + list(selection_pair_distances(t.topology, "mass > 2"))
    )
    X = featurize(t, spec)[0]
    period = np.array([0.0 if f.periodic is None else 2 * np.pi for f in spec])
    return X, period


def tiled(X, period, copies: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    scale = np.where(period > 0, 0.02, 0.002).astype(np.float32)
    out = np.empty((copies * len(X), X.shape[1]), dtype=np.float32)
    for k in range(copies):
        block = X + scale * rng.standard_normal(X.shape, dtype=np.float32)
        out[k * len(X) : (k + 1) * len(X)] = block
    wrap = period > 0
    out[:, wrap] = (out[:, wrap] + np.pi) % (2 * np.pi) - np.pi
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--landmarks", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--unseeded", action="store_true")
    args = parser.parse_args()
    import numba

    print(f"cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, "
          f"load average: {os.getloadavg()[0]:.1f}")  # fmt: skip
    X0, period = ala2_features()
    frames = tiled(X0, period, -(-args.frames // len(X0)))[: args.frames]
    print(f"{len(frames):,} frames x {frames.shape[1]} features (ala2 tiled with noise)")
    start = time.perf_counter()
    UMAP(n_landmarks=200, n_epochs=10, period=period, random_state=0).fit(X0[:2000]).transform(
        X0[:300]
    )
    print(f"umap-learn import + numba compile / first call: {time.perf_counter() - start:.1f} s")

    check = np.random.default_rng(1).choice(len(X0), 5000, replace=False)
    Zc = unwrap_periodic(X0[check], period)
    seeds = [0, None] if args.unseeded else [0]
    print(f"\n{'landmarks':>9} {'seed':>5} {'fit s':>7} {'transform s':>11} {'total s':>8} "
          f"{'trustworthiness':>15}")  # fmt: skip
    for n_land in args.landmarks:
        for seed in seeds:
            start = time.perf_counter()
            model = UMAP(n_landmarks=n_land, period=period, random_state=seed).fit(frames)
            t_fit = time.perf_counter() - start
            start = time.perf_counter()
            Y = model.transform(frames, chunk=args.chunk)
            t_tr = time.perf_counter() - start
            tw = trustworthiness(Zc, Y[check], n_neighbors=10)
            print(f"{n_land:>9} {seed!s:>5} {t_fit:>7.1f} {t_tr:>11.1f} {t_fit + t_tr:>8.1f} "
                  f"{tw:>15.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
