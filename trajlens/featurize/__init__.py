"""Features: specs that keep their provenance, and numba kernels that compute them."""

from trajlens.featurize.builders import (
    aligned_positions,
    angles,
    atom_dihedrals,
    atom_pair_distances,
    backbone_dihedrals,
    coordination,
    coordination_numbers,
    dihedral_angles,
    inverse_distances,
    radius_of_gyration,
    residue_min_distances,
    rmsd,
    selection_pair_distances,
    steinhardt,
    symmetry_functions_g2,
    symmetry_functions_g4,
)
from trajlens.featurize.core import compute_frames, featurize
from trajlens.featurize.spec import KINDS, Feature, FeatureSpec
from trajlens.featurize.text import parse_spec

__all__ = [
    "KINDS",
    "Feature",
    "FeatureSpec",
    "aligned_positions",
    "angles",
    "atom_dihedrals",
    "atom_pair_distances",
    "backbone_dihedrals",
    "compute_frames",
    "coordination",
    "coordination_numbers",
    "dihedral_angles",
    "featurize",
    "inverse_distances",
    "parse_spec",
    "radius_of_gyration",
    "residue_min_distances",
    "rmsd",
    "selection_pair_distances",
    "steinhardt",
    "symmetry_functions_g2",
    "symmetry_functions_g4",
]
