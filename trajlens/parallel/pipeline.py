"""The ``project`` workflow with featurization, projection and assignment on Dask.

:func:`compute_project_dask` returns the same :class:`~trajlens.pipeline.ProjectResult` as
:func:`trajlens.pipeline.compute_project` (which calls it when given ``dask=...``): features
go to a Zarr store (kept with ``store``, reused when it already holds the same features of
the same files), the projection is fitted from merged moments (PCA, TICA) or on a strided
sample (MDS, sketch-map, UMAP), and every frame is projected and clustered on the workers.
The free-energy surface and the basins are computed on the driver from the 2-D projection
(16 bytes per frame); the medoids and the outputs read the features back from the store.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from trajlens.exceptions import InputError
from trajlens.parallel import engine


def compute_project_dask(
    trajectories,
    top=None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    store: str | Path | None = None,
    overwrite_store: bool = False,
    client=None,
    max_samples: int = 100_000,
    stride: int = 1,
    selection: str | None = None,
    chunk: int = 5000,
    distances: str | None = None,
    features: str | Path | None = None,
    n_components: int = 2,
    temperature: float = 300.0,
    bins: int = 60,
    smooth: float = 1.0,
    min_barrier: float | None = None,
    min_population: float = 0.005,
    min_cluster_size: int | None = None,
    random_state: int = 0,
    reporter=None,
    n_blocks: int = 10,
    n_representatives: int = 10,
    method: str = "pca",
    method_params: dict | None = None,
):
    """:func:`trajlens.pipeline.compute_project` on a Dask cluster.

    Parameters
    ----------
    workers, scheduler, client
        The cluster (see :func:`trajlens.parallel.dask_client`): a local one with
        ``workers`` processes (default), a running one at ``scheduler``, or a client.
    store : path, optional
        Zarr feature store to keep (or reuse); a temporary one is used and removed otherwise.
    overwrite_store : bool
        Replace a ``store`` that holds other features or inputs.
    max_samples : int, default 100000
        Frames gathered (evenly strided over all trajectories) to fit MDS, sketch-map or UMAP.

    Other parameters are those of :func:`trajlens.pipeline.compute_project`.
    """
    from trajlens.cluster import HDBSCAN
    from trajlens.cvs import linear_cv_input
    from trajlens.cvs.plumed import basin_comments
    from trajlens.fes import estimate, find_basins, medoids
    from trajlens.io import open_trajectories
    from trajlens.pipeline import (
        COLUMN_PREFIX,
        METHOD_TITLES,
        MIN_FRAMES,
        ProjectResult,
        Reporter,
        default_spec,
        make_projection,
        resolve_spec,
    )

    reporter = reporter or Reporter()
    if n_components < 2:
        raise InputError(f"--n-components: expected at least 2, got {n_components}")
    if bins < 5:
        raise InputError(f"--bins: expected at least 5, got {bins}")
    with reporter.step("Checking inputs"):
        trajs = open_trajectories(
            trajectories, top, stride=stride, selection=selection, chunk=chunk
        )
    if trajs.total_frames < MIN_FRAMES:
        raise InputError(
            f"too few frames: {trajs.total_frames} after stride {stride}; expected at least "
            f"{MIN_FRAMES}"
        )
    if features is not None:
        from trajlens.featurize import selection_pair_distances

        spec = resolve_spec(features, trajs.topology)
        if distances:
            spec = spec + selection_pair_distances(trajs.topology, distances)
    else:
        spec = default_spec(trajs, distances)
    if n_components > len(spec):
        raise InputError(f"--n-components: {n_components} exceeds the {len(spec)} features")
    with tempfile.TemporaryDirectory(prefix="trajlens-store-") as scratch:
        path = Path(store) if store is not None else Path(scratch) / "features.zarr"
        with engine.dask_client(workers, scheduler, client) as c:
            with reporter.step(
                f"Featurizing ({len(spec)} features, Dask)", total=trajs.total_frames
            ) as advance:
                fstore = engine.featurize_to_store(
                    trajs, spec, path, c, chunk=chunk, overwrite=overwrite_store, progress=advance
                )
            with reporter.step(METHOD_TITLES.get(method, method) + " (Dask)"):
                model = make_projection(
                    method, n_components, spec, random_state, **(method_params or {})
                )
                model = engine.fit_model(fstore, c, model, max_samples=max_samples)
                projection, futures = engine.project(fstore, c, model)
            coords = np.concatenate(projection)[:, :2].astype(np.float64)
            with reporter.step("HDBSCAN clustering (Dask)"):
                clusters = engine.cluster_hdbscan(
                    c,
                    coords,
                    futures,
                    HDBSCAN(min_cluster_size=min_cluster_size, random_state=random_state),
                )
            with reporter.step("Free-energy surface and basins"):
                surface = estimate(
                    coords,
                    bins=bins,
                    temperature=temperature,
                    smooth=smooth,
                    labels=tuple(f"{COLUMN_PREFIX[method].upper()}{k}" for k in (1, 2)),
                )
                basins = find_basins(
                    surface,
                    coords,
                    min_barrier=min_barrier,
                    min_population=min_population,
                    n_blocks=n_blocks if 2 <= n_blocks <= coords.shape[0] else 0,
                    n_lowest=n_representatives,
                )
            feats, times = fstore.load()
        reps = medoids(np.concatenate(feats), basins.frame_labels, random_state=random_state)
        for basin, rep in zip(basins.basins, reps, strict=True):
            basin.representative = int(rep)
    if method in ("pca", "tica"):
        names = [f"{COLUMN_PREFIX[method]}{k + 1}" for k in range(n_components)]
        plumed = linear_cv_input(
            spec, model.components_, model.mean_, names=names, method=method.upper()
        )
        plumed += basin_comments(basins.to_table(), surface.labels, names[:2], units=surface.units)
    else:
        plumed = ""
    return ProjectResult(
        trajectories=trajs,
        spec=spec,
        features=feats,
        times=times,
        model=model,
        projection=projection,
        clusters=clusters.labels_,
        surface=surface,
        basins=basins,
        plumed=plumed,
        method=method,
    )
