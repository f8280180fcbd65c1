"""Projections (scikit-learn estimators accepting one array or a list, one per trajectory)."""

from trajlens.reduce._moments import RunningMoments
from trajlens.reduce.pca import PCA, pca_from_moments

__all__ = ["PCA", "RunningMoments", "pca_from_moments"]
