"""Projections (scikit-learn estimators accepting one array or a list, one per trajectory)."""

from trajlens.reduce._moments import RunningMoments
from trajlens.reduce.landmarks import Landmarks, select_landmarks, voronoi_weights
from trajlens.reduce.mds import MDS, classical_mds, smacof
from trajlens.reduce.pca import PCA, pca_from_moments
from trajlens.reduce.sketchmap import SketchMap, sketchmap, sketchmap_stress
from trajlens.reduce.tica import TICA, implied_timescales, tica
from trajlens.reduce.umap import UMAP

__all__ = [
    "MDS",
    "PCA",
    "TICA",
    "UMAP",
    "Landmarks",
    "RunningMoments",
    "SketchMap",
    "classical_mds",
    "implied_timescales",
    "pca_from_moments",
    "select_landmarks",
    "sketchmap",
    "sketchmap_stress",
    "smacof",
    "tica",
    "voronoi_weights",
]
