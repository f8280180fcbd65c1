"""Free-energy surfaces, basins and representative frames."""

from trajlens.fes.basins import Basin, BasinSet, find_basins, medoids, steepest_descent_labels
from trajlens.fes.surface import FreeEnergySurface, estimate, kT

__all__ = [
    "Basin",
    "BasinSet",
    "FreeEnergySurface",
    "estimate",
    "find_basins",
    "kT",
    "medoids",
    "steepest_descent_labels",
]
