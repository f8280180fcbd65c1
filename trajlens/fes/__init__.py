"""Free-energy surfaces, reweighting, basins and representative frames."""

from trajlens.fes.basins import Basin, BasinSet, find_basins, medoids, steepest_descent_labels
from trajlens.fes.reweight import colvar_weights, weights_from_bias
from trajlens.fes.surface import (
    FreeEnergySurface,
    block_error,
    energy_unit,
    estimate,
    kT,
    select_bandwidth,
)

__all__ = [
    "Basin",
    "BasinSet",
    "FreeEnergySurface",
    "block_error",
    "colvar_weights",
    "energy_unit",
    "estimate",
    "find_basins",
    "kT",
    "medoids",
    "select_bandwidth",
    "steepest_descent_labels",
    "weights_from_bias",
]
