"""Collective variables: rank features, build CVs, export them as PLUMED input."""

from trajlens.cvs.builders import (
    PlumedCV,
    ann_cv,
    ann_from_layers,
    exact,
    feature_path_cv,
    kabsch_msd,
    linear_cv,
    path_cv,
    property_map_cv,
    vector_feature_actions,
)
from trajlens.cvs.evaluate import evaluate, parse_plumed
from trajlens.cvs.export import ExportResult, export_plumed, plumed_text
from trajlens.cvs.plumed import combine_line, feature_actions, linear_cv_input
from trajlens.cvs.ranking import (
    HLDA,
    LDA,
    FeatureRanking,
    fisher_scores,
    hlda_scores,
    mutual_info_scores,
    rank_features,
    tica_scores,
)

__all__ = [
    "HLDA",
    "LDA",
    "ExportResult",
    "FeatureRanking",
    "PlumedCV",
    "ann_cv",
    "ann_from_layers",
    "combine_line",
    "evaluate",
    "exact",
    "export_plumed",
    "feature_actions",
    "feature_path_cv",
    "fisher_scores",
    "hlda_scores",
    "kabsch_msd",
    "linear_cv",
    "linear_cv_input",
    "mutual_info_scores",
    "parse_plumed",
    "path_cv",
    "plumed_text",
    "property_map_cv",
    "rank_features",
    "tica_scores",
    "vector_feature_actions",
]
