"""Clustering of projections (scikit-learn style: ``labels_``, -1 for noise)."""

from trajlens.cluster.hdbscan import HDBSCAN

__all__ = ["HDBSCAN"]
