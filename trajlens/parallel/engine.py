"""Featurization, projection, clustering and basin assignment on a Dask cluster.

Every step is one task per (trajectory, frame range) of ``chunk`` frames, so a worker holds
one chunk at a time and peak memory is set by the chunk size, not by the trajectory length:

- :func:`featurize_to_store` reads each range straight from its file (seeking where the
  format allows) and writes its features into the Zarr store;
- :func:`fit_pca` and :func:`fit_tica` merge float64 moments computed per range, in a fixed
  tree order (the result does not depend on which worker finishes first). TICA ranges read
  ``lag`` frames past their end, inside their own trajectory only, so every time-lagged pair
  is counted once and none spans two trajectories;
- :func:`fit_landmark_model` fits MDS, sketch-map or UMAP on a strided sample gathered from
  all trajectories (every frame when there are at most ``max_samples``);
- :func:`project`, :func:`cluster_hdbscan` and :func:`assign_basins` map the fitted models
  over the ranges.

Results equal the single-process ones: features exactly, PCA/TICA to floating-point
rounding, labels exactly.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from trajlens.exceptions import InputError, OutputError
from trajlens.parallel import _tasks
from trajlens.parallel.store import (
    FeatureStore,
    create_store,
    describe_inputs,
    finish_store,
    open_store,
)
from trajlens.reduce import PCA, TICA
from trajlens.reduce._moments import RunningMoments


@contextmanager
def dask_client(
    workers: int | None = None, scheduler: str | None = None, client=None
) -> Iterator[object]:
    """A ``distributed.Client``: the one given, one connected to ``scheduler``, or a local one.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local cluster (one thread each); default: the CPU count.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); its workers must see the same
        files (trajectories and the feature store) under the same paths.
    client : distributed.Client, optional
        Used as it is (and not closed).
    """
    if client is not None:
        yield client
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InputError(
            "--workers/--scheduler need dask.distributed: pip install 'trajlens[dask]'"
        ) from exc
    if scheduler is not None:
        if workers is not None:
            raise InputError("give --workers or --scheduler, not both")
        try:
            c = Client(scheduler, timeout=20)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler: cannot connect to {scheduler}: {exc}") from exc
        try:
            yield c
        finally:
            c.close()
        return
    n = (os.cpu_count() or 1) if workers is None else int(workers)
    if n < 1:
        raise InputError(f"--workers: expected a positive integer, got {workers}")
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def ranges(n_frames, chunk: int) -> list[tuple[int, int, int]]:
    """``(trajectory, start, stop)`` of every range of at most ``chunk`` frames."""
    return [
        (i, a, min(a + chunk, int(n)))
        for i, n in enumerate(n_frames)
        for a in range(0, int(n), chunk)
    ]


def _tree_merge(client, futures):
    """Merge moments pairwise in a fixed order (deterministic rounding), on the cluster."""
    while len(futures) > 1:
        merged = [
            client.submit(_tasks.merge, futures[k], futures[k + 1], pure=False)
            for k in range(0, len(futures) - 1, 2)
        ]
        if len(futures) % 2:
            merged.append(futures[-1])
        futures = merged
    return futures[0].result()


def featurize_to_store(
    trajectories,
    spec,
    store: str | Path,
    client,
    *,
    chunk: int | None = None,
    overwrite: bool = False,
    progress=None,
) -> FeatureStore:
    """Featurize ``trajectories`` into a Zarr store, one task per range of ``chunk`` frames.

    A complete store at ``store`` holding the same spec over the same (unchanged) files is
    reused as it is. Otherwise the store is written under a temporary name beside ``store``
    and renamed into place once every range is written (an existing store is replaced only
    with ``overwrite``).

    Parameters
    ----------
    trajectories : TrajectorySet
    spec : FeatureSpec
    store : path
        The store folder (``features.zarr``); it must be visible to every worker.
    client : distributed.Client
    chunk : int, optional
        Frames per task and per Zarr chunk; default the trajectories' chunk.
    overwrite : bool
        Replace a store that holds something else.
    progress : callable, optional
        Called with the number of frames of each finished task.

    Returns
    -------
    FeatureStore
    """
    from distributed import as_completed

    if len(spec) == 0:
        raise InputError("feature spec is empty: expected at least one feature")
    store = Path(store).resolve()
    chunk = int(chunk or trajectories.chunk)
    if store.exists():
        try:
            existing = open_store(store)
        except InputError:
            existing = None
        if existing is not None and existing.matches(trajectories, spec):
            if progress is not None:
                progress(trajectories.total_frames)
            return existing
        if not overwrite:
            raise OutputError(
                f"--store: {store} exists and holds other features or inputs; give "
                "--overwrite to replace it"
            )
    if not store.parent.is_dir():
        raise OutputError(f"--store: folder {store.parent} does not exist")
    meta = describe_inputs(trajectories, spec, chunk)
    tmp = store.with_name(f".{store.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        create_store(tmp, meta, chunk)
        # absolute paths: the workers of a remote cluster do not share our working folder
        absolute = dataclasses.replace(
            trajectories, paths=tuple(Path(p).resolve() for p in trajectories.paths)
        )
        trajs_f = client.scatter(absolute, broadcast=True)
        spec_f = client.scatter(spec, broadcast=True)
        piece = min(chunk, 5000)
        futures = [
            client.submit(
                _tasks.featurize_range, trajs_f, spec_f, str(tmp), i, a, b, piece, pure=False
            )
            for i, a, b in ranges(trajectories.n_frames, chunk)
        ]
        for future in as_completed(futures):
            n = future.result()
            if progress is not None:
                progress(n)
        return finish_store(tmp, store, meta, overwrite=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ranges(store: FeatureStore, chunk: int | None):
    return ranges(store.n_frames, int(chunk or store.chunk))


def fit_pca(store: FeatureStore, client, n_components: int = 2, chunk=None) -> PCA:
    """:class:`~trajlens.reduce.PCA` fitted from moments computed per range and merged."""
    model = PCA(n_components=n_components)
    model._check_params()
    futures = [
        client.submit(_tasks.moments, str(store.path), i, a, b, pure=False)
        for i, a, b in _ranges(store, chunk)
    ]
    if not futures:
        raise InputError("the feature store holds no frames")
    mom: RunningMoments = _tree_merge(client, futures)
    model._moments = mom
    model.n_features_in_ = store.n_features
    model.n_samples_seen_ = int(sum(store.n_frames))
    return model._finish()


def fit_tica(store: FeatureStore, client, model: TICA | None = None, chunk=None) -> TICA:
    """:class:`~trajlens.reduce.TICA` fitted from time-lagged sums computed per range.

    Each range ``start:stop`` contributes the pairs (x_t, x_t+lag) with t in ``start:stop``,
    reading ``lag`` frames past ``stop`` inside its own trajectory.
    """
    model = TICA() if model is None else model
    model._check_params()
    shift = store.features(0, 0, min(store.chunk, store.n_frames[0])).mean(axis=0)
    shift = np.asarray(shift, dtype=np.float64)
    futures = [
        client.submit(
            _tasks.lagged_moments,
            str(store.path),
            i,
            a,
            b,
            store.n_frames[i],
            int(model.lag),
            shift,
            pure=False,
        )
        for i, a, b in _ranges(store, chunk)
    ]
    mom = _tree_merge(client, futures)
    if mom.n_pairs < 2:
        raise ValueError(
            f"TICA needs at least 2 time-lagged pairs at lag={model.lag}; got "
            f"n_samples={sum(store.n_frames)} in {store.n_trajectories} trajectories"
        )
    model.n_features_in_ = store.n_features
    return model._fit_moments(mom)


def gather_sample(
    store: FeatureStore, client, max_samples: int = 100_000, chunk=None
) -> tuple[list[np.ndarray], int]:
    """Every ``step``-th frame of all trajectories (one array per trajectory), and ``step``.

    ``step = ceil(n_frames / max_samples)``, counted over the trajectories one after another,
    so the sample spreads evenly over all the data; ``step`` is 1 (every frame) for at most
    ``max_samples`` frames.
    """
    total = int(sum(store.n_frames))
    step = max(1, math.ceil(total / max(1, int(max_samples))))
    offsets = np.concatenate([[0], np.cumsum(store.n_frames)])
    jobs = _ranges(store, chunk)
    futures = [
        client.submit(
            _tasks.strided_rows, str(store.path), i, a, b, int(offsets[i]), step, pure=False
        )
        for i, a, b in jobs
    ]
    parts: list[list[np.ndarray]] = [[] for _ in store.n_frames]
    for (i, _, _), block in zip(jobs, client.gather(futures), strict=True):
        if block is not None:
            parts[i].append(block)
    sample = [
        np.concatenate(p) if p else np.empty((0, store.n_features), np.float32) for p in parts
    ]
    return [s for s in sample if s.shape[0]], step


def fit_landmark_model(store: FeatureStore, client, model, max_samples: int = 100_000, chunk=None):
    """Fit a landmark estimator (MDS, sketch-map, UMAP) on a strided sample of all frames.

    The estimator then picks its landmarks among the sampled frames of every trajectory
    (farthest-point, random or staged, as configured); with at most ``max_samples`` frames
    the sample is all the data and the fit equals the single-process one.
    """
    sample, _ = gather_sample(store, client, max_samples, chunk)
    return model.fit(sample)


def fit_model(store: FeatureStore, client, model, max_samples: int = 100_000, chunk=None):
    """Fit any projection of ``trajlens project --method`` on the store, distributed."""
    if isinstance(model, PCA):
        fitted = fit_pca(store, client, model.n_components, chunk)
        return fitted
    if isinstance(model, TICA):
        return fit_tica(store, client, model, chunk)
    return fit_landmark_model(store, client, model, max_samples, chunk)


def project(store: FeatureStore, client, model, chunk=None):
    """Out-of-sample projection of every range with a fitted model.

    Returns
    -------
    projection : list of ndarray, one per trajectory, shape (n_frames_i, n_components)
    futures : list of (trajectory, start, stop, Future)
        The projected ranges, kept on the workers for :func:`cluster_hdbscan` and
        :func:`assign_basins`.
    """
    model_f = client.scatter(model, broadcast=True)
    jobs = _ranges(store, chunk)
    futures = [
        client.submit(_tasks.transform, str(store.path), i, a, b, model_f, pure=False)
        for i, a, b in jobs
    ]
    blocks = client.gather(futures)
    out = [[] for _ in store.n_frames]
    for (i, _, _), block in zip(jobs, blocks, strict=True):
        out[i].append(block)
    projection = [np.concatenate(b) for b in out]
    return projection, [(i, a, b, f) for (i, a, b), f in zip(jobs, futures, strict=True)]


def cluster_hdbscan(client, coords: np.ndarray, futures, estimator, n_dims: int = 2):
    """Fit an :class:`~trajlens.cluster.HDBSCAN` as its ``fit`` does, labelling on the workers.

    The tree is built on the driver, on the same seeded subset of ``max_fit_samples`` frames
    that ``HDBSCAN.fit`` draws; ``hdbscan.approximate_predict`` then labels each projected
    range on the worker that holds it. With no more frames than ``max_fit_samples`` the fit
    labels every frame itself (as ``HDBSCAN.fit``) and nothing is distributed.

    Parameters
    ----------
    coords : ndarray, shape (n_frames, n_dims)
        The projection (all trajectories concatenated) on which to cluster.
    futures : list of (trajectory, start, stop, Future)
        From :func:`project`, in the same frame order as ``coords``.
    estimator : HDBSCAN
        Unfitted; its parameters are used.

    Returns
    -------
    HDBSCAN
        Fitted, with ``labels_`` and ``probabilities_`` of every frame.
    """
    from sklearn.base import clone

    n = coords.shape[0]
    if n <= estimator.max_fit_samples:
        return estimator.fit(coords)
    rng = check_random_state(estimator.random_state)
    subset = np.sort(rng.choice(n, estimator.max_fit_samples, replace=False))
    fitted = clone(estimator).fit(coords[subset])
    model_f = client.scatter(fitted.model_, broadcast=True)
    parts = client.gather(
        [
            client.submit(_tasks.predict_clusters, f, model_f, n_dims, pure=False)
            for *_, f in futures
        ]
    )
    fitted.labels_ = np.concatenate([p[0] for p in parts])
    fitted.probabilities_ = np.concatenate([p[1] for p in parts])
    fitted.fit_on_subset_ = True
    fitted.n_clusters_ = int(fitted.labels_.max() + 1) if fitted.labels_.size else 0
    return fitted


def assign_basins(client, basins, futures) -> np.ndarray:
    """Basin of every frame of the projected ranges (the basin of its grid cell), on the workers.

    Parameters
    ----------
    basins : BasinSet
        From :func:`trajlens.fes.find_basins`.
    futures : list of (trajectory, start, stop, Future)
        Projected ranges from :func:`project` (their first ``surface.ndim`` columns are used).

    Returns
    -------
    ndarray of int, shape (n_frames,)
        Basin label of each frame (all ranges concatenated in order), -1 for none.
    """
    surface_f = client.scatter(basins.surface, broadcast=True)
    cells_f = client.scatter(np.asarray(basins.cell_labels), broadcast=True)
    parts = client.gather(
        [
            client.submit(_tasks.assign_basins, f, surface_f, cells_f, pure=False)
            for *_, f in futures
        ]
    )
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
