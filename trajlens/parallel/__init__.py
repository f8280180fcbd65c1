"""Featurization and projection on a Dask cluster, with features kept in a Zarr store.

Needs the ``dask`` extra (``pip install 'trajlens[dask]'``: dask.distributed and zarr).
``trajlens project --workers N`` (a local cluster) or ``--scheduler ADDRESS`` (a running
one), and ``--store features.zarr`` to keep the features for later runs, use it from the
command line.
"""

from trajlens.parallel.engine import (
    assign_basins,
    cluster_hdbscan,
    dask_client,
    featurize_to_store,
    fit_landmark_model,
    fit_model,
    fit_pca,
    fit_tica,
    gather_sample,
    project,
    ranges,
)
from trajlens.parallel.store import FeatureStore, open_store

__all__ = [
    "FeatureStore",
    "assign_basins",
    "cluster_hdbscan",
    "dask_client",
    "featurize_to_store",
    "fit_landmark_model",
    "fit_model",
    "fit_pca",
    "fit_tica",
    "gather_sample",
    "open_store",
    "project",
    "ranges",
]
