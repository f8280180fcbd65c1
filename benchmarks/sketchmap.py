"""Time trajlens's sketch-map fit, and the reference C++ sketch-map (dimred), on the same data.

Usage::

    python benchmarks/sketchmap.py [--landmarks 1000 5000] [--pool 50000]
                                   [--dimred PATH/TO/dimred] [--dimred-landmarks 1000]

Data: 30 periodic inputs (angles in radians, period 2 pi), smooth functions of a 2-D torus
latent with three well-populated states plus a uniform background and 0.05 rad noise
(``periodic_data`` in ``benchmarks/reduce.py``; synthetic and seeded). A pool of ``--pool``
frames is drawn; the landmarks are chosen from it by trajlens's default staged selection
(farthest-point candidates, Voronoi-weighted draw) and carry their Voronoi weights.

Sigmoids as the sketch-map papers' defaults in trajlens: high (sigma, 8, 2), low
(sigma, 2, 8), sigma = half the median landmark distance. The stress is the weighted
sketch-map stress sum w_i w_j (F(D_ij) - f(d_ij))^2 / sum w_i w_j, computed by
``trajlens.reduce.sketchmap_stress`` for both programs' maps (it reproduces the value dimred
prints as "Error in fitting LD points").

For each landmark count, printed: landmark selection time, map-fit time (classical MDS,
SMACOF, L-BFGS, pointwise global grid searches; what ``SketchMap.fit`` adds to the
selection), total ``SketchMap.fit`` time, the process CPU time of the fit (all threads), the
stress and the L-BFGS iterations. Numba compile time (first call) is printed separately.

The reference is dimred from https://github.com/lab-cosmo/sketchmap (Ceriotti et al.). It
builds with g++ and LAPACK (``apt-get install liblapack-dev``; ``make``) after commenting
out line 758 of ``libs/minsearch.hpp`` (``std::perr<<step;``, a debug print of a valarray
that g++ 12 rejects). With ``--dimred`` it is run on the same landmarks, weights, periods
and sigmoids as its ``utils/sketch-map.sh`` does: iterative metric MDS (``-preopt 100``),
then sketch-map with the pointwise global search (``-grid gw,21,201 -gopt 3``, gw 1.2x the
MDS map's radius). dimred is serial; its time is the children's user+sys CPU time (and wall).

On a shared, oversubscribed machine run it as ``OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive
python benchmarks/sketchmap.py``: spinning OpenBLAS and OpenMP (numba) worker threads otherwise
cost several times the work itself (seen: 113 s wall / 77 s CPU against 21 s / 14.5 s for the
same 1,000-landmark map fit at load 3.5 on 2 cores, identical stress).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reduce import periodic_data

from trajlens.reduce import SketchMap
from trajlens.reduce.landmarks import pairwise_distances, select_landmarks
from trajlens.reduce.sketchmap import sketchmap_stress

TWO_PI = 2 * np.pi


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_dimred(dimred: str, X, w, sigma: float, folder: Path):
    """Run dimred's two stages (as sketch-map.sh); returns (map, cpu s, wall s)."""
    data = folder / "landmarks.txt"
    np.savetxt(data, np.c_[X, w], fmt="%.10f")
    common = [dimred, "-D", str(X.shape[1]), "-d", "2", "-pi", repr(TWO_PI), "-w", "-center"]
    cpu0, wall0 = _children_cpu(), time.perf_counter()
    with open(data) as stdin:
        out = subprocess.run(
            [*common, "-preopt", "100"], stdin=stdin, capture_output=True, text=True, check=True
        ).stdout
    Y0 = np.loadtxt(out.splitlines(), comments="#", usecols=(0, 1))
    init = folder / "init.txt"
    np.savetxt(init, Y0)
    gw = 1.2 * np.sqrt((Y0**2).sum(axis=1)).max()
    fun = f"{sigma!r},8,2", f"{sigma!r},2,8"
    with open(data) as stdin:
        out = subprocess.run(
            [*common, "-preopt", "100", "-fun-hd", fun[0], "-fun-ld", fun[1], "-init", str(init),
             "-grid", f"{gw!r},21,201", "-gopt", "3"],
            stdin=stdin, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    Y = np.loadtxt(out.splitlines(), comments="#", usecols=(0, 1))
    return Y, _children_cpu() - cpu0, time.perf_counter() - wall0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landmarks", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--pool", type=int, default=50_000)
    parser.add_argument("--dimred", help="path to the reference dimred executable")
    parser.add_argument("--dimred-landmarks", type=int, default=1000)
    args = parser.parse_args()
    import numba

    print(f"cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, "
          f"load average: {os.getloadavg()[0]:.1f}")  # fmt: skip
    start = time.perf_counter()
    tiny = periodic_data(300)
    SketchMap(n_landmarks=80, period=TWO_PI, max_iter=5, random_state=0).fit(tiny)
    print(f"numba compile / first call: {time.perf_counter() - start:.1f} s")

    pool = periodic_data(args.pool, seed=1)
    print(f"\nsketch-map of {args.pool:,} frames x 30 periodic inputs, global search included")
    print(f"{'landmarks':>9} {'select s':>9} {'map s':>7} {'fit s':>7} {'fit CPU s':>9} "
          f"{'stress':>9} {'L-BFGS its':>10}")  # fmt: skip
    models = {}
    for n_land in args.landmarks:
        start = time.perf_counter()
        select_landmarks(pool, n_land, "staged", TWO_PI, None, 0)
        t_select = time.perf_counter() - start
        cpu = time.process_time()
        start = time.perf_counter()
        model = SketchMap(n_landmarks=n_land, period=TWO_PI, random_state=0).fit(pool)
        t_fit = time.perf_counter() - start
        cpu = time.process_time() - cpu
        models[n_land] = model
        print(f"{n_land:>9} {t_select:>9.1f} {t_fit - t_select:>7.1f} {t_fit:>7.1f} "
              f"{cpu:>9.1f} {model.stress_:>9.6f} {model.n_iter_:>10}")  # fmt: skip

    if args.dimred:
        n_land = args.dimred_landmarks
        if n_land in models:
            model = models[n_land]
        else:
            model = SketchMap(n_landmarks=n_land, period=TWO_PI, random_state=0).fit(pool)
        D = pairwise_distances(model.landmarks_, model.landmarks_, TWO_PI)
        w = model.landmark_weights_
        with tempfile.TemporaryDirectory() as tmp:
            Y, cpu, wall = run_dimred(args.dimred, model.landmarks_, w, model.sigma_, Path(tmp))
        stress = sketchmap_stress(Y, D, w, model.high_, model.low_)
        print(f"\nreference dimred (lab-cosmo/sketchmap), the same {n_land} landmarks:")
        print(f"  dimred: CPU {cpu:.1f} s (serial), wall {wall:.1f} s, stress {stress:.6f}")
        print(f"  trajlens: stress {model.stress_:.6f} "
              f"(ratio trajlens / dimred {model.stress_ / stress:.3f})")  # fmt: skip


if __name__ == "__main__":
    main()
