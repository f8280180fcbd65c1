"""Scaling of trajlens.parallel: wall time and peak memory with 1 and 2 Dask workers.

Usage: python benchmarks/scale.py [--frames 1000000] [--files 100] [--workers 1,2]
                                  [--chunk 10000] [--no-single]

The input is the bundled alanine-dipeptide run (10,000 frames) repeated into ``--files`` XTC
files of ``--frames / --files`` frames each, written with mdtraj into a temporary folder.
The work is the distributed ``project`` path: featurize (φ/ψ as cos/sin and the 45 distances
between the 10 heavy atoms: 49 features) into a new Zarr store, PCA and TICA (lag 10) from
merged moments, the out-of-sample projection of every frame, HDBSCAN (tree on 20,000 frames,
every frame labelled on the workers) and basin assignment.

For each worker count a fresh LocalCluster (one thread per worker process, loopback) is
started and warmed up (imports, numba kernels loaded from cache) before the clock starts;
start-up is printed separately. Memory is the resident set size sampled every 50 ms with
psutil: the peak of each worker process and of this (client) process, summed, and the peak
of their simultaneous sum; "above idle" is the peak minus each process's RSS after warm-up,
the memory the work itself needed (set by ``--chunk``, not by the number of frames).
The single-process path (features in memory, then the same PCA, TICA, HDBSCAN and basins),
run in a spawned child process, is timed and measured the same way for comparison. Each
configuration first runs once on the first file (warm-up: imports, numba kernels). Scaling efficiency is
T(1 worker) / (n x T(n workers)).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

SPEC = 'phi psi; distances "mass > 2"'


class RSSSampler:
    """Peak RSS (bytes) of a set of processes, sampled in a background thread."""

    def __init__(self, pids, interval: float = 0.05):
        self.procs = {pid: psutil.Process(pid) for pid in pids}
        self.interval = interval
        self.peak = dict.fromkeys(self.procs, 0)
        self.peak_sum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> dict:
        out = {}
        for pid, proc in self.procs.items():
            try:
                out[pid] = proc.memory_info().rss
            except psutil.Error:
                out[pid] = 0
        return out

    def _run(self):
        while not self._stop.is_set():
            now = self.rss()
            for pid, value in now.items():
                self.peak[pid] = max(self.peak[pid], value)
            self.peak_sum = max(self.peak_sum, sum(now.values()))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def make_input(folder: Path, frames: int, files: int) -> tuple[list[Path], Path]:
    """``files`` XTC files repeating the example run, ``frames`` frames in all."""
    import mdtraj as md

    from trajlens.io import example_files

    xtc, pdb = example_files("ala2")
    base = md.load(str(xtc), top=str(pdb))
    per = frames // files
    reps = -(-per // base.n_frames)
    block = md.join([base] * reps)[:per] if reps > 1 else base[:per]
    block.time = np.arange(per, dtype=np.float32)
    paths = []
    for k in range(files):
        path = folder / f"rep{k:04d}.xtc"
        block.save_xtc(str(path))
        paths.append(path)
    top = folder / "top.pdb"
    base[0].save_pdb(str(top))
    return paths, top


def dask_pipeline(paths, top, client, chunk: int, store: Path) -> dict:
    """The distributed work; returns step timings and results."""
    from trajlens import parallel
    from trajlens.cluster import HDBSCAN
    from trajlens.featurize import parse_spec
    from trajlens.fes import estimate, find_basins
    from trajlens.io import open_trajectories
    from trajlens.reduce import TICA

    steps = {}
    start = time.perf_counter()
    trajs = open_trajectories(paths, top, chunk=chunk)
    spec = parse_spec(SPEC, trajs.topology)
    fstore = parallel.featurize_to_store(trajs, spec, store, client, chunk=chunk)
    steps["featurize"] = time.perf_counter() - start
    t = time.perf_counter()
    pca = parallel.fit_pca(fstore, client, n_components=2)
    tica = parallel.fit_tica(fstore, client, TICA(lag=10, n_components=2))
    steps["pca+tica fit"] = time.perf_counter() - t
    t = time.perf_counter()
    projection, futures = parallel.project(fstore, client, pca)
    steps["project"] = time.perf_counter() - t
    t = time.perf_counter()
    coords = np.concatenate(projection).astype(np.float64)
    labels = parallel.cluster_hdbscan(client, coords, futures, HDBSCAN(random_state=0)).labels_
    steps["hdbscan"] = time.perf_counter() - t
    t = time.perf_counter()
    basins = find_basins(estimate(coords, bins=60), coords)
    frame_basins = parallel.assign_basins(client, basins, futures)
    steps["basins"] = time.perf_counter() - t
    assert np.array_equal(frame_basins, basins.frame_labels)
    return {
        "steps": steps,
        "frames": int(sum(fstore.n_frames)),
        "features": fstore.n_features,
        "pca_components": pca.components_,
        "tica_eigenvalues": tica.eigenvalues_,
        "labels": labels,
        "basins": frame_basins,
    }


def run_dask(paths, top, n_workers: int, chunk: int, folder: Path) -> dict:
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        pids = list(client.run(os.getpid).values())
        # warm-up on the first file: imports and numba kernels on every worker and here
        dask_pipeline(paths[:1], top, client, chunk, folder / f"warm_{n_workers}.zarr")
        startup = time.perf_counter() - t0
        sampler = RSSSampler([*pids, os.getpid()])
        idle = sampler.rss()
        with sampler:
            start = time.perf_counter()
            r = dask_pipeline(paths, top, client, chunk, folder / f"features_{n_workers}.zarr")
            wall = time.perf_counter() - start
        me = os.getpid()
        return {
            **r,
            "workers": n_workers,
            "startup": startup,
            "wall": wall,
            "worker_peaks": [sampler.peak[p] for p in pids],
            "client_peak": sampler.peak[me],
            "sum_of_peaks": sum(sampler.peak.values()),
            "peak_of_sum": sampler.peak_sum,
            "above_idle": sum(sampler.peak[p] - idle[p] for p in sampler.peak),
            "worker_above_idle": [sampler.peak[p] - idle[p] for p in pids],
            "client_above_idle": sampler.peak[me] - idle[me],
        }
    finally:
        client.close()
        cluster.close()


def single_pipeline(paths, top, chunk):
    """The same work in one process: features in memory, then the in-process estimators."""
    from trajlens.cluster import HDBSCAN
    from trajlens.featurize import featurize, parse_spec
    from trajlens.fes import estimate, find_basins
    from trajlens.io import open_trajectories
    from trajlens.reduce import PCA, TICA

    trajs = open_trajectories(paths, top, chunk=chunk)
    X = featurize(trajs, parse_spec(SPEC, trajs.topology))
    pca = PCA(n_components=2).fit(X)
    TICA(lag=10, n_components=2).fit(X)
    coords = np.concatenate(pca.transform(X)).astype(np.float64)
    labels = HDBSCAN(random_state=0).fit(coords).labels_
    basins = find_basins(estimate(coords, bins=60), coords)
    return pca.components_, labels, basins.frame_labels


def _single(paths, top, chunk, go, results):
    single_pipeline(paths[:1], top, chunk)  # warm-up, as for the workers
    results.put("ready")
    go.get()
    start = time.perf_counter()
    out = single_pipeline(paths, top, chunk)
    results.put((time.perf_counter() - start, *out))


def run_single(paths, top, chunk) -> dict:
    """The single-process path in a spawned child, its RSS sampled from here."""
    ctx = mp.get_context("spawn")
    go, results = ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=_single, args=(paths, top, chunk, go, results))
    proc.start()
    results.get()
    sampler = RSSSampler([proc.pid])
    idle = sampler.rss()[proc.pid]
    with sampler:
        go.put("go")
        wall, comps, labels, basins = results.get()
    proc.join()
    peak = sampler.peak[proc.pid]
    return {
        "wall": wall,
        "peak": peak,
        "above_idle": peak - idle,
        "components": comps,
        "labels": labels,
        "basins": basins,
    }


def mib(x) -> str:
    return f"{x / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames in all")
    parser.add_argument("--files", type=int, default=100, help="XTC files")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--chunk", type=int, default=10_000, help="frames per task")
    parser.add_argument("--no-single", action="store_true", help="skip the single-process run")
    parser.add_argument("--tmp", default=None, help="folder for the inputs and stores")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trajlens-scale-", dir=args.tmp))
    try:
        t = time.perf_counter()
        paths, top = make_input(folder, args.frames, args.files)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"input: {args.files} XTC files x {args.frames // args.files:,} frames "
            f"(ala2 repeated, 22 atoms), {mib(size)}, written in {time.perf_counter() - t:.1f} s"
        )
        print(
            f"chunk: {args.chunk:,} frames per task; machine: {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at start"
        )
        results = []
        for n in [int(w) for w in args.workers.split(",")]:
            r = run_dask(paths, top, n, args.chunk, folder)
            results.append(r)
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items())
            print(
                f"\n{n} worker(s): {r['frames']:,} frames x {r['features']} features, "
                f"wall {r['wall']:.1f} s ({r['frames'] / r['wall']:,.0f} frames/s); "
                f"cluster start-up + warm-up {r['startup']:.1f} s (not in wall)\n"
                f"  steps: {steps}\n"
                f"  peak RSS: workers {', '.join(mib(p) for p in r['worker_peaks'])}; "
                f"client {mib(r['client_peak'])}; sum of peaks {mib(r['sum_of_peaks'])}; "
                f"peak of the sum {mib(r['peak_of_sum'])}; above idle {mib(r['above_idle'])} "
                f"(workers {', '.join(mib(p) for p in r['worker_above_idle'])}; "
                f"client {mib(r['client_above_idle'])})\n"
                f"  {r['labels'].max() + 1} clusters, {r['basins'].max() + 1} basins"
            )
            for name in (f"features_{n}.zarr", f"warm_{n}.zarr"):
                shutil.rmtree(folder / name, ignore_errors=True)
        base = results[0]
        for r in results[1:]:
            eff = base["wall"] * base["workers"] / (r["workers"] * r["wall"])
            same = (
                np.allclose(r["pca_components"], base["pca_components"], atol=1e-9)
                and np.array_equal(r["labels"], base["labels"])
                and np.array_equal(r["basins"], base["basins"])
            )
            print(
                f"\nscaling {base['workers']} -> {r['workers']} workers: speed-up "
                f"{base['wall'] / r['wall']:.2f}x, efficiency {eff:.0%} "
                f"(T{base['workers']} x {base['workers']} / (T{r['workers']} x {r['workers']})); "
                f"same PCA (1e-9), clusters and basins: {same}"
            )
        if not args.no_single:
            s = run_single(paths, top, args.chunk)
            same = (
                np.allclose(s["components"], base["pca_components"], atol=1e-9)
                and np.array_equal(s["labels"], base["labels"])
                and np.array_equal(s["basins"], base["basins"])
            )
            print(
                f"\nsingle process (features in memory; same PCA, TICA, HDBSCAN, basins): wall "
                f"{s['wall']:.1f} s, peak RSS {mib(s['peak'])} (above idle "
                f"{mib(s['above_idle'])}); same PCA (1e-9), clusters and basins as Dask: {same}"
            )
            print(
                f"ratio wall single process / 1 worker: {s['wall'] / base['wall']:.2f}; "
                f"/ {results[-1]['workers']} workers: {s['wall'] / results[-1]['wall']:.2f} "
                "(the Dask path also writes the Zarr store)"
            )
        print(f"load average at end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
