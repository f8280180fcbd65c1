"""Write collective variables as PLUMED input (PLUMED 2.10 syntax, units nm, rad, ps, kJ/mol).

Written by hand because the PLUMED input language is the product's output: each feature is
the PLUMED action that computes it (atoms 1-based), transforms are CUSTOM functions, and a
linear projection is a COMBINE with the fitted means as PARAMETERS, so that
``pc = sum_i c_i (f_i - m_i)`` in PLUMED is exactly what trajlens computes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trajlens import __version__
from trajlens.exceptions import InputError
from trajlens.featurize.spec import KINDS, FeatureSpec

_FUNC = {"sin": "sin(x)", "cos": "cos(x)"}


def number(value: float) -> str:
    """A float written with 12 significant digits (round-trips float32 and PLUMED parses it)."""
    text = format(float(value), ".12g")
    return "0" if text == "-0" else text


def feature_actions(spec: FeatureSpec) -> tuple[list[str], list[str]]:
    """PLUMED lines that compute every column of ``spec``.

    Returns
    -------
    lines : list of str
        The action(s) of each quantity (TORSION, DISTANCE, ..., as its kind writes them, see
        :data:`trajlens.featurize.spec.KINDS`) then one CUSTOM per transformed
        column.
    labels : list of str
        PLUMED label of each column, in the order of ``spec``.
    """
    lines = []
    for kind, atoms, name, params in spec.quantities():
        lines.extend(KINDS[kind].plumed(name, atoms, params))
    labels = []
    for feature in spec:
        if feature.transform != "none":
            lines.append(
                f"{feature.label}: CUSTOM ARG={feature.name} FUNC={_FUNC[feature.transform]} "
                "PERIODIC=NO"
            )
        labels.append(feature.label)
    return lines, labels


def feature_files(spec: FeatureSpec) -> dict[str, str]:
    """Files the PLUMED lines of ``spec`` refer to, ``{file name: text}``.

    Reference PDBs of ``rmsd`` and ``aligned_position`` features (serial = 1-based atom,
    coordinates in Å, occupancy and beta 1: alignment and displacement weights); write them
    next to plumed.dat. Empty for specs without such features.
    """
    files: dict[str, str] = {}
    for kind, atoms, name, params in spec.quantities():
        writer = KINDS[kind].plumed_files
        if writer is not None:
            files.update(writer(name, atoms, params))
    return files


def combine_line(label: str, args: Sequence[str], coefficients, parameters) -> str:
    """``label: COMBINE`` computing sum_i c_i (x_i - p_i), non-periodic."""
    coefficients = np.asarray(coefficients, dtype=np.float64).reshape(-1)
    parameters = np.asarray(parameters, dtype=np.float64).reshape(-1)
    if not (len(args) == coefficients.size == parameters.size):
        raise ValueError("COMBINE: ARG, COEFFICIENTS and PARAMETERS must have the same length")
    return (
        f"{label}: COMBINE ARG={','.join(args)} "
        f"COEFFICIENTS={','.join(number(c) for c in coefficients)} "
        f"PARAMETERS={','.join(number(p) for p in parameters)} PERIODIC=NO"
    )


def linear_cv_input(
    spec: FeatureSpec,
    components: np.ndarray,
    mean: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    method: str = "PCA",
    stride: int = 1,
    colvar_file: str = "COLVAR",
) -> str:
    """A complete plumed.dat computing linear projections of the features and printing them.

    Parameters
    ----------
    spec : FeatureSpec
        The features the projection was fitted on, in column order.
    components : ndarray, shape (n_components, n_features)
        Coefficients of each projection.
    mean : ndarray, shape (n_features,)
        Fitted feature means, written as COMBINE's PARAMETERS.
    names : sequence of str, optional
        PLUMED labels of the projections (default ``pc1``, ``pc2``, ...).
    method : str
        Named in the header comment.
    stride, colvar_file :
        PRINT's STRIDE and FILE.
    """
    components = np.atleast_2d(np.asarray(components, dtype=np.float64))
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    if components.shape[1] != len(spec) or mean.size != len(spec):
        raise ValueError(
            f"projection has {components.shape[1]} coefficients and {mean.size} means for "
            f"{len(spec)} features"
        )
    periodic = [f.label for f in spec if f.periodic is not None]
    if periodic:
        raise InputError(
            f"cannot export a linear combination of periodic angles {periodic} exactly; "
            "use their sin/cos (the default)"
        )
    if names is None:
        names = [f"pc{k + 1}" for k in range(components.shape[0])]
    feature_lines, labels = feature_actions(spec)
    out = [
        f"# PLUMED input written by trajlens {__version__} (PLUMED 2.10 syntax).",
        f"# {method} of {len(spec)} features; each CV is sum_i c_i (f_i - m_i), with the",
        "# fitted means m_i as COMBINE's PARAMETERS.",
        "# Units: nm, rad, ps, kJ/mol. Atom numbers are 1-based, as in the input files.",
        "",
        "# features",
        *feature_lines,
        "",
        f"# {method} components",
        *(
            combine_line(name, labels, row, mean)
            for name, row in zip(names, components, strict=True)
        ),
        "",
        f"PRINT ARG={','.join(names)} STRIDE={int(stride)} FILE={colvar_file}",
        "",
    ]
    return "\n".join(out)


def basin_comments(
    table: dict, variables: Sequence[str], names: Sequence[str], *, units: str = "kJ/mol"
) -> str:
    """Comment lines for plumed.dat describing each basin in the exported CVs.

    Parameters
    ----------
    table : dict
        ``BasinSet.to_table()``.
    variables : sequence of str
        The surface's axis labels (table columns ``centre_<variable>``).
    names : sequence of str
        The PLUMED labels of the same CVs, in the same order.
    units : str
        Units of the table's energies.

    Returns
    -------
    str
        ``# basin k: ...`` lines (PLUMED ignores them), ending in a newline; empty if there
        are no basins.
    """
    lines = []
    for i, label in enumerate(table.get("basin", [])):
        centre = ", ".join(
            f"{n}={number(table[f'centre_{v}'][i])}" for v, n in zip(variables, names, strict=False)
        )
        pop, perr = table["population"][i], table["population_error"][i]
        dF, ferr = table["free_energy"][i], table["free_energy_error"][i]
        err_p = "" if not np.isfinite(perr) else f" +- {perr:.3f}"
        err_f = "" if not np.isfinite(ferr) else f" +- {ferr:.2f}"
        lines.append(
            f"# basin {int(label)}: population {pop:.3f}{err_p}, dF {dF:.2f}{err_f} {units}, "
            f"centre {centre}"
        )
    if not lines:
        return ""
    return "\n".join(["", "# free-energy basins in these CVs (trajlens basins.csv)", *lines, ""])
