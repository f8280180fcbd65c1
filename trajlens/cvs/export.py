"""Write CVs as one self-contained PLUMED folder, with trajlens's expected values.

The folder holds ``plumed.dat``, every file it references, ``expected_colvar.dat`` and
``export.json``. The expected values are computed by :func:`trajlens.cvs.evaluate.evaluate`
from the files as written (read back from disk), and compared with each CV's own projector;
the largest difference is reported per CV in ``export.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mdtraj as md
import numpy as np

from trajlens import __version__
from trajlens.cvs.builders import PlumedCV
from trajlens.cvs.evaluate import evaluate, parse_plumed
from trajlens.cvs.plumed import feature_actions
from trajlens.exceptions import InputError
from trajlens.featurize.spec import FeatureSpec
from trajlens.io.colvar import write_colvar
from trajlens.io.output import atomic_output_dir

KB = 0.0083144626  # kJ/mol/K


@dataclass
class ExportResult:
    """What :func:`export_plumed` wrote and checked.

    Attributes
    ----------
    folder : Path
    files : list of str
        Names written into the folder.
    deviation : dict of str -> float
        Per CV output, max ``|independent evaluation of the written input - trajlens projector|``
        over the checked frames.
    fit_error : dict of str -> float
        Per approximate CV (property map, network), RMS difference to the projection it
        reproduces.
    sigma : dict of str -> float
        Per CV output, its standard deviation inside basins (smallest over basins).
    barrier : float or None
        Highest finite basin barrier (kJ/mol), used for OPES_METAD's BARRIER.
    """

    folder: Path
    files: list[str]
    deviation: dict[str, float] = field(default_factory=dict)
    fit_error: dict[str, float] = field(default_factory=dict)
    sigma: dict[str, float] = field(default_factory=dict)
    barrier: float | None = None


def plumed_text(
    cvs: Sequence[PlumedCV],
    spec: FeatureSpec | None,
    *,
    sigma: dict[str, float] | None = None,
    barrier: float | None = None,
    temperature: float = 300.0,
    timestep: float = 1.0,
    colvar_file: str = "COLVAR",
) -> str:
    """The plumed.dat of ``cvs``: features, CVs, PRINT, and commented bias templates."""
    if not cvs:
        raise InputError("export: no CVs to write")
    labels = [o for cv in cvs for o in cv.outputs]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise InputError(f"export: two CVs share the output names {sorted(dup)}")
    modules = sorted({m for cv in cvs for m in cv.modules})
    out = [
        f"# PLUMED input written by trajlens {__version__} (PLUMED 2.10 syntax).",
        "# Units: nm, rad, ps, kJ/mol. Atom numbers are 1-based, as in the input files.",
    ]
    if modules:
        out.append(
            "# Needs PLUMED configured with --enable-modules="
            + ",".join(modules)
            + " (not built by default)."
        )
    out += [
        f"# Check: plumed driver --plumed plumed.dat --mf_xtc TRAJ.xtc --timestep {timestep:g}",
        "# and compare COLVAR with expected_colvar.dat (trajlens's values, same columns).",
        "",
    ]
    feature_lines: list[str] = []
    if spec is None:
        spec = merged_spec(cvs)
    if len(spec):
        feature_lines += feature_actions(spec)[0]
    for cv in cvs:
        feature_lines += [line for line in cv.feature_lines if line not in feature_lines]
    if feature_lines:
        out += ["# features", *feature_lines, ""]
    for cv in cvs:
        out += [f"# {cv.kind} CV: {cv.description}", *cv.lines, ""]
    out += [f"PRINT ARG={','.join(labels)} STRIDE=1 FILE={colvar_file} FMT=%.10f", ""]
    out += bias_templates(cvs[0].outputs[:2], sigma or {}, barrier, temperature)
    return "\n".join(out)


def merged_spec(cvs: Sequence[PlumedCV]) -> FeatureSpec:
    """The features the scalar-feature CVs read, each once, in order of first use."""
    features, seen = [], set()
    for cv in cvs:
        if cv.uses_features and cv.spec is not None:
            for f in cv.spec:
                if f.label not in seen:
                    seen.add(f.label)
                    features.append(f)
    return FeatureSpec(tuple(features))


def _own_values(cv: PlumedCV, traj: md.Trajectory) -> np.ndarray:
    """trajlens's values of ``cv`` on ``traj``: its features (trajlens kernels), its projector."""
    from trajlens.featurize import featurize

    X = None if cv.spec is None else featurize(traj, cv.spec)[0].astype(np.float64)
    return np.atleast_2d(cv.projector(X, traj.xyz, traj.unitcell_vectors))


def bias_templates(
    args: Sequence[str], sigma: dict[str, float], barrier: float | None, temperature: float
) -> list[str]:
    """Commented METAD and OPES_METAD inputs for ``args`` (uncomment one to bias)."""
    kT = KB * temperature
    sig = ",".join(
        f"{sigma[a]:.4g}" if np.isfinite(sigma.get(a, np.nan)) else "SET_ME" for a in args
    )
    bar = barrier if barrier is not None and np.isfinite(barrier) else 10 * kT
    return [
        "# --- biasing templates: uncomment ONE block ---",
        "# SIGMA: the CVs' standard deviation inside a basin (smallest over basins);",
        f"# BARRIER: the highest barrier between the basins found ({bar:.1f} kJ/mol).",
        f"# metad: METAD ARG={','.join(args)} SIGMA={sig} HEIGHT={kT:.3f} PACE=500 "
        f"BIASFACTOR={max(2.0, round(bar / kT, 1)):g} TEMP={temperature:g} FILE=HILLS",
        "# PRINT ARG=metad.bias STRIDE=500 FILE=BIAS",
        "# (OPES_METAD needs --enable-modules=opes)",
        f"# opes: OPES_METAD ARG={','.join(args)} SIGMA={sig} PACE=500 "
        f"BARRIER={max(bar, kT):.1f} TEMP={temperature:g}",
        "# PRINT ARG=opes.bias STRIDE=500 FILE=BIAS",
        "",
    ]


def basin_sigma(values: np.ndarray, labels: np.ndarray, min_frames: int = 10) -> np.ndarray:
    """Smallest standard deviation of each column over basins with >= min_frames frames."""
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray(labels)
    stds = [
        values[labels == b].std(axis=0)
        for b in np.unique(labels[labels >= 0])
        if np.count_nonzero(labels == b) >= min_frames
    ]
    if not stds:
        return np.full(values.shape[1], np.nan)
    return np.min(stds, axis=0)


def export_plumed(
    cvs: Sequence[PlumedCV],
    out: str | Path,
    *,
    frames: md.Trajectory,
    basin_frames: tuple[md.Trajectory, np.ndarray] | None = None,
    barrier: float | None = None,
    temperature: float = 300.0,
    timestep: float = 1.0,
    overwrite: bool = False,
) -> ExportResult:
    """Write ``cvs`` into the folder ``out`` (all or nothing).

    Parameters
    ----------
    cvs : sequence of PlumedCV
    out : path
        Output folder (created; must be new or empty unless ``overwrite``).
    frames : mdtraj.Trajectory
        The first frames of the input (full system): ``expected_colvar.dat`` holds the CVs on
        them, computed by the independent evaluator from the written files; each CV's
        projector (on trajlens's features of the same frames) is compared with it.
    basin_frames : (mdtraj.Trajectory, labels), optional
        Frames (full system) and their basin labels (-1: none), for SIGMA (the CV's standard
        deviation inside basins, smallest over basins).
    barrier : float, optional
        kJ/mol, for OPES_METAD's BARRIER.
    temperature : float
        K, for the templates.
    timestep : float
        ps between the frames, the time column of expected_colvar.dat (and ``plumed driver
        --timestep``).
    """
    sigma: dict[str, float] = {}
    if basin_frames is not None:
        traj_b, lab = basin_frames
        for cv in cvs:
            s = basin_sigma(_own_values(cv, traj_b), lab)
            sigma.update(zip(cv.outputs, s.tolist(), strict=True))
    text = plumed_text(
        cvs, None, sigma=sigma, barrier=barrier, temperature=temperature, timestep=timestep
    )
    result = ExportResult(Path(out), [], sigma=sigma, barrier=barrier)
    with atomic_output_dir(out, overwrite=overwrite) as tmp:
        (tmp / "plumed.dat").write_text(text)
        files = ["plumed.dat"]
        for cv in cvs:
            for name, content in cv.files.items():
                if name in files:
                    raise InputError(f"export: two CVs write the file {name}")
                (tmp / name).write_text(content)
                files.append(name)
        # read back what was written and evaluate it independently
        parsed = parse_plumed((tmp / "plumed.dat").read_text(), tmp)
        values = evaluate(parsed, frames)
        printed = parsed.printed
        columns = {"time": np.arange(frames.n_frames) * float(timestep)}
        columns.update({name: values[name] for name in printed})
        write_colvar(
            tmp / "expected_colvar.dat", columns, formats={"time": "%.6f"}, default_format="%.10f"
        )
        files.append("expected_colvar.dat")
        for cv in cvs:
            own = _own_values(cv, frames)
            for j, name in enumerate(cv.outputs):
                result.deviation[name] = float(np.max(np.abs(values[name] - own[:, j])))
            if cv.fit_error is not None:
                result.fit_error[cv.label] = cv.fit_error
        summary = {
            "trajlens": __version__,
            "plumed": "2.10",
            "cvs": [
                {
                    "kind": cv.kind,
                    "label": cv.label,
                    "outputs": cv.outputs,
                    "description": cv.description,
                    "modules": cv.modules,
                    "fit_error": cv.fit_error,
                    "files": list(cv.files),
                }
                for cv in cvs
            ],
            "expected_frames": int(frames.n_frames),
            "timestep_ps": float(timestep),
            "max_deviation_from_projector": result.deviation,
            "sigma_in_basins": sigma,
            "barrier_kJmol": barrier,
        }
        (tmp / "export.json").write_text(json.dumps(summary, indent=1) + "\n")
        files.append("export.json")
        result.files = files
    return result
