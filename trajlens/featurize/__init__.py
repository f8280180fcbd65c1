"""Features: specs that keep their provenance, and numba kernels that compute them."""

from trajlens.featurize.builders import (
    angles,
    atom_dihedrals,
    atom_pair_distances,
    backbone_dihedrals,
    coordination,
    dihedral_angles,
    inverse_distances,
    radius_of_gyration,
    residue_min_distances,
    selection_pair_distances,
)
from trajlens.featurize.core import compute_frames, featurize
from trajlens.featurize.spec import KINDS, Feature, FeatureSpec
from trajlens.featurize.text import parse_spec

__all__ = [
    "KINDS",
    "Feature",
    "FeatureSpec",
    "angles",
    "atom_dihedrals",
    "atom_pair_distances",
    "backbone_dihedrals",
    "compute_frames",
    "coordination",
    "dihedral_angles",
    "featurize",
    "inverse_distances",
    "parse_spec",
    "radius_of_gyration",
    "residue_min_distances",
    "selection_pair_distances",
]
