"""Features: specs that keep their provenance, and numba kernels that compute them."""

from trajlens.featurize.builders import (
    atom_pair_distances,
    backbone_dihedrals,
    selection_pair_distances,
)
from trajlens.featurize.core import compute_frames, featurize
from trajlens.featurize.spec import KINDS, Feature, FeatureSpec

__all__ = [
    "KINDS",
    "Feature",
    "FeatureSpec",
    "atom_pair_distances",
    "backbone_dihedrals",
    "compute_frames",
    "featurize",
    "selection_pair_distances",
]
