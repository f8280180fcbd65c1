"""Plots of trajlens results; the only subpackage that imports matplotlib.

Every function takes ``ax=None`` (a new figure through pyplot) or an existing Axes, and
returns the artists it drew. Colour maps are colour-blind safe (viridis for energies, the
Okabe–Ito palette for labels); energies carry their units.
"""

from trajlens.plot.basins import dendrogram, fes_profile
from trajlens.plot.core import OKABE_ITO, fes, projection, projection_values, save_figure
from trajlens.plot.ranking import feature_ranking

__all__ = [
    "OKABE_ITO",
    "dendrogram",
    "feature_ranking",
    "fes",
    "fes_profile",
    "projection",
    "projection_values",
    "save_figure",
]
