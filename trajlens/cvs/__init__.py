"""Collective variables: PLUMED export (ranking and builders follow)."""

from trajlens.cvs.plumed import combine_line, feature_actions, linear_cv_input

__all__ = ["combine_line", "feature_actions", "linear_cv_input"]
