"""Clustering of projections (scikit-learn style: ``labels_``, -1 for noise)."""

from trajlens.cluster.density_peaks import (
    AdvancedDensityPeaks,
    DensityPeaks,
    pak_density,
    twonn_dimension,
)
from trajlens.cluster.hdbscan import HDBSCAN
from trajlens.cluster.hierarchical import KMeansMicrostates, LandmarkHierarchical

__all__ = [
    "HDBSCAN",
    "AdvancedDensityPeaks",
    "DensityPeaks",
    "KMeansMicrostates",
    "LandmarkHierarchical",
    "pak_density",
    "twonn_dimension",
]
