"""The ``cv`` and ``export-plumed`` workflows: rank features, build CVs, export for PLUMED.

``run_cv`` runs the ``project`` workflow (features, projection, basins), ranks the features
for separating the basins, builds the requested CVs and writes them with
:func:`trajlens.cvs.export_plumed`. ``run_export_plumed`` does the export from a folder that
``trajlens project`` wrote.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mdtraj as md
import numpy as np

from trajlens.cvs import (
    HLDA,
    LDA,
    ExportResult,
    FeatureRanking,
    PlumedCV,
    ann_cv,
    export_plumed,
    feature_path_cv,
    linear_cv,
    path_cv,
    property_map_cv,
    rank_features,
)
from trajlens.exceptions import InputError
from trajlens.featurize import FeatureSpec
from trajlens.io import TrajectorySet, atomic_output_dir, open_trajectories

#: CVs ``trajlens cv --cv`` can build.
CV_KINDS = ("pca", "tica", "lda", "hlda", "path", "fpath", "map", "ann")


@dataclass
class CVResult:
    """What ``trajlens cv`` computed."""

    project: object
    ranking: FeatureRanking
    cvs: list[PlumedCV]
    frames: md.Trajectory
    basin_frames: tuple[md.Trajectory, np.ndarray]
    barrier: float | None
    temperature: float
    timestep: float
    export: ExportResult | None = None
    outputs: dict[str, Path] = field(default_factory=dict)


def parse_kinds(text: str | Sequence[str]) -> list[str]:
    """``"hlda,path"`` -> ``["hlda", "path"]``, checked against :data:`CV_KINDS`."""
    kinds = [k.strip().lower() for k in (text.split(",") if isinstance(text, str) else text)]
    kinds = [k for k in kinds if k]
    bad = [k for k in kinds if k not in CV_KINDS]
    if bad or not kinds:
        raise InputError(f"--cv: expected a comma-separated list of {', '.join(CV_KINDS)}")
    return list(dict.fromkeys(kinds))


def full_system(trajs: TrajectorySet) -> TrajectorySet:
    """The same files read with every atom (PLUMED numbers atoms in the full system)."""
    return dataclasses.replace(trajs, atom_indices=None)


def sample_frames(trajs: TrajectorySet, rows: np.ndarray) -> md.Trajectory:
    """Frames (full system) at ``rows`` of the concatenated trajectories."""
    offsets = np.concatenate([[0], np.cumsum(trajs.n_frames)])
    pieces = []
    for i in range(len(trajs.paths)):
        local = rows[(rows >= offsets[i]) & (rows < offsets[i + 1])] - offsets[i]
        if local.size:
            pieces.append(trajs.read_frames(i, local))
    return md.join(pieces, check_topology=False)


def expected_frames(trajs: TrajectorySet, n: int) -> md.Trajectory:
    """The first ``n`` frames of the first file, every atom, no stride (as plumed driver reads)."""
    whole = dataclasses.replace(trajs, atom_indices=None, stride=1)
    return whole.read_frames(0, np.arange(min(n, trajs.n_frames[0])))


def heavy_atoms(topology: md.Topology, atoms: np.ndarray) -> np.ndarray:
    """The non-hydrogen atoms among ``atoms`` (all of them if that leaves fewer than 3)."""
    heavy = np.array(
        [a for a in atoms if topology.atom(int(a)).element.symbol != "H"], dtype=np.int64
    )
    return heavy if heavy.size >= 3 else np.asarray(atoms, dtype=np.int64)


def build_cvs(
    kinds: Sequence[str],
    spec: FeatureSpec,
    X: np.ndarray,
    labels: np.ndarray,
    *,
    model=None,
    method: str = "pca",
    projection: np.ndarray | None = None,
    representatives: md.Trajectory | None = None,
    path_atoms: np.ndarray | None = None,
    representative_rows: np.ndarray | None = None,
    lag: int = 1,
    vector: bool | None = None,
    random_state: int = 0,
    max_train: int = 5000,
) -> list[PlumedCV]:
    """Build the CVs named in ``kinds`` from features ``X`` (n_frames, n_features).

    Parameters
    ----------
    kinds : sequence of str
        Some of :data:`CV_KINDS`.
    spec : FeatureSpec
    X : ndarray, shape (n_frames, n_features)
        All frames' features (trajectories concatenated).
    labels : ndarray of int, shape (n_frames,)
        Basin of each frame (-1: none).
    model : fitted projection, optional
        The ``project`` model: reused for ``pca``/``tica`` when ``method`` matches, and its
        landmarks and embedding for ``map`` (sketch-map, UMAP, MDS).
    projection : ndarray (n_frames, n_components), optional
        The model's projection of ``X`` (the target of ``map`` and ``ann``).
    representatives : mdtraj.Trajectory, optional
        One frame per basin (full system), for ``path``.
    path_atoms : ndarray of int, optional
        Atoms of the path's MSD.
    representative_rows : ndarray of int, optional
        Rows of ``X`` of the basins' representatives: the nodes of ``fpath`` (PATH in
        feature space).
    """
    from trajlens.reduce import PCA, TICA

    X = np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(random_state)
    train = np.arange(len(X))
    if len(train) > max_train:
        train = np.sort(rng.choice(len(X), max_train, replace=False))
    n_basins = int(np.unique(labels[labels >= 0]).size)
    out: list[PlumedCV] = []
    for kind in kinds:
        if kind in ("pca", "tica"):
            if model is not None and method == kind:
                fitted = model
            else:
                fitted = (PCA(2) if kind == "pca" else TICA(lag=lag, n_components=2)).fit(X)
            out.append(
                linear_cv(
                    spec, fitted.components_, fitted.mean_, method=kind.upper(), vector=vector
                )
            )
        elif kind in ("lda", "hlda"):
            if n_basins < 2:
                raise InputError(f"--cv {kind}: needs at least 2 basins, found {n_basins}")
            est = (HLDA if kind == "hlda" else LDA)(n_components=min(2, n_basins - 1))
            est.fit(X, labels)
            out.append(
                linear_cv(spec, est.components_, est.mean_, method=kind.upper(), vector=vector)
            )
        elif kind == "path":
            if representatives is None or representatives.n_frames < 2:
                raise InputError("--cv path: needs at least 2 basins (their representatives)")
            atoms = (
                path_atoms
                if path_atoms is not None
                else heavy_atoms(representatives.topology, np.arange(representatives.n_atoms))
            )
            out.append(
                path_cv(
                    representatives.xyz,
                    atoms,
                    representatives.topology,
                    boxes=representatives.unitcell_vectors,
                )
            )
        elif kind == "fpath":
            if representative_rows is None or len(representative_rows) < 2:
                raise InputError("--cv fpath: needs at least 2 basins (their representatives)")
            out.append(feature_path_cv(spec, X[np.asarray(representative_rows)]))
        elif kind == "map":
            if model is None or not hasattr(model, "embedding_"):
                raise InputError(
                    "--cv map: needs a landmark projection; use --method sketchmap, umap or mds"
                )
            target = None if projection is None else (X[train], projection[train, :2])
            out.append(
                property_map_cv(
                    spec, model.landmarks_, model.embedding_[:, :2], label="map", target=target
                )
            )
        elif kind == "ann":
            if projection is None:
                raise InputError("--cv ann: needs a projection to reproduce")
            out.append(
                ann_cv(
                    spec, X[train], projection[train, :2], label="ann", random_state=random_state
                )
            )
        else:
            raise InputError(f"--cv: unknown CV {kind!r}; expected one of {CV_KINDS}")
    return out


def compute_cv(
    trajectories,
    top=None,
    *,
    cvs: Sequence[str] | str = ("hlda", "path"),
    rank_by: str = "hlda",
    n_expected: int = 100,
    lag: int = 1,
    vector: bool | None = None,
    n_sigma_frames: int = 2000,
    reporter=None,
    **project_params,
) -> CVResult:
    """Features, projection and basins (``compute_project``), then ranking and CVs.

    ``project_params`` go to :func:`trajlens.pipeline.compute_project` (``method``,
    ``features``, ``distances``, ``stride``, ``temperature``, ...).
    """
    from trajlens.pipeline import Reporter, compute_project

    reporter = reporter or Reporter()
    kinds = parse_kinds(cvs)
    if n_expected < 1:
        raise InputError(f"--n-expected: expected a positive number, got {n_expected}")
    project = compute_project(trajectories, top, reporter=reporter, **project_params)
    spec = project.spec
    X = np.concatenate(project.features).astype(np.float64)
    labels = project.basins.frame_labels
    random_state = int(project_params.get("random_state", 0))
    with reporter.step("Ranking features"):
        ranking = rank_features(
            project.features, labels, spec, by=rank_by, lag=lag, random_state=random_state
        )
    trajs = full_system(project.trajectories)
    reps = None
    rep_rows = np.array([b.representative for b in project.basins.basins if b.representative >= 0])
    if "path" in kinds and rep_rows.size >= 2:
        reps = sample_frames(trajs, np.sort(rep_rows))
    with reporter.step(f"Building CVs ({', '.join(kinds)})"):
        built = build_cvs(
            kinds,
            spec,
            X,
            labels,
            model=project.model,
            method=project.method,
            projection=np.concatenate(project.projection),
            representatives=reps,
            path_atoms=None
            if reps is None
            else heavy_atoms(trajs.topology, project.trajectories.selected_atoms),
            representative_rows=rep_rows,
            lag=lag,
            vector=vector,
            random_state=random_state,
        )
    rng = np.random.default_rng(random_state)
    rows = np.arange(len(X))
    if rows.size > n_sigma_frames:
        rows = np.sort(rng.choice(rows.size, n_sigma_frames, replace=False))
    times = project.times[0]
    timestep = float(times[1] - times[0]) / trajs.stride if len(times) > 1 else 1.0
    barriers = [b.barrier for b in project.basins.basins if np.isfinite(b.barrier)]
    return CVResult(
        project=project,
        ranking=ranking,
        cvs=built,
        frames=expected_frames(trajs, n_expected),
        basin_frames=(sample_frames(trajs, rows), labels[rows]),
        barrier=max(barriers) if barriers else None,
        temperature=float(project_params.get("temperature", 300.0)),
        timestep=timestep,
    )


def write_cv_outputs(result: CVResult, folder: Path, final: Path | None = None) -> dict:
    """ranking.csv, ranking.png and the PLUMED folder ``plumed/`` into ``folder``."""
    from trajlens.plot import feature_ranking, save_figure

    final = final or folder
    written = {}
    result.ranking.to_csv(folder / "ranking.csv")
    written["ranking.csv"] = f"features ranked by {result.ranking.by}, with every score"
    artists = feature_ranking(result.ranking, n=min(15, len(result.ranking.labels)))
    save_figure(artists[0].patches[0].figure, folder / "ranking.png")
    written["ranking.png"] = "top features and their scores"
    result.export = export_plumed(
        result.cvs,
        folder / "plumed",
        frames=result.frames,
        basin_frames=result.basin_frames,
        barrier=result.barrier,
        temperature=result.temperature,
        timestep=result.timestep,
    )
    written["plumed/"] = "plumed.dat, its reference files, expected_colvar.dat, export.json"
    result.outputs = {name: final / name for name in written}
    return written


def run_cv(trajectories, top=None, out="trajlens_cv", *, overwrite=False, reporter=None, **params):
    """:func:`compute_cv` then :func:`write_cv_outputs` into ``out``, all or nothing."""
    from trajlens.pipeline import Reporter

    reporter = reporter or Reporter()
    with atomic_output_dir(out, overwrite=overwrite) as tmp:
        result = compute_cv(trajectories, top, reporter=reporter, **params)
        with reporter.step("Writing outputs"):
            write_cv_outputs(result, tmp, final=Path(out))
    return result


def _read_basins_csv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def run_export_plumed(
    project_dir: str | Path,
    out: str | Path,
    *,
    cvs: Sequence[str] | str | None = None,
    n_expected: int = 100,
    vector: bool | None = None,
    overwrite: bool = False,
    random_state: int = 0,
) -> ExportResult:
    """Export the CVs of a ``trajlens project`` output folder as a PLUMED folder.

    Reads ``features.json``, ``features.npz``, ``projection.npz``, ``basins.csv`` and
    ``summary.json`` (the trajectories named there must still exist). By default a linear
    projection (PCA, TICA) is exported as itself, a landmark projection (sketch-map, UMAP,
    MDS) as a property map and a neural network; ``path`` adds a PATHMSD through the basins'
    representatives.
    """
    project_dir = Path(project_dir)
    need = ["features.json", "features.npz", "projection.npz", "summary.json", "basins.csv"]
    missing = [n for n in need if not (project_dir / n).is_file()]
    if missing:
        raise InputError(
            f"{project_dir}: not a 'trajlens project' output folder (missing {', '.join(missing)})"
        )
    summary = json.loads((project_dir / "summary.json").read_text())
    spec = FeatureSpec.load(project_dir / "features.json")
    with np.load(project_dir / "projection.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    with np.load(project_dir / "features.npz", allow_pickle=False) as data:
        X = data["features"].astype(np.float64)
    method = str(arrays["method"])
    if cvs is None:
        kinds = ["pca" if method == "pca" else "tica"] if method in ("pca", "tica") else []
        kinds = kinds or ["map", "ann"]
    else:
        kinds = parse_kinds(cvs)
    trajs = open_trajectories(
        summary["inputs"], summary.get("topology"), stride=int(summary.get("stride", 1))
    )
    labels = arrays["basin"].astype(np.int64)
    model = _Model(arrays) if "components" in arrays or "embedding" in arrays else None
    reps = None
    rep_rows = np.array([int(r["representative_row"]) for r in _rep_rows(project_dir, trajs)])
    if "path" in kinds and len(rep_rows) >= 2:
        reps = sample_frames(trajs, np.sort(rep_rows))
    built = build_cvs(
        kinds,
        spec,
        X,
        labels,
        model=model,
        method=method,
        projection=arrays["projection"].astype(np.float64),
        representatives=reps,
        representative_rows=rep_rows,
        vector=vector,
        random_state=random_state,
    )
    rng = np.random.default_rng(random_state)
    rows = np.arange(len(X))
    if rows.size > 2000:
        rows = np.sort(rng.choice(rows.size, 2000, replace=False))
    times = arrays.get("time")
    timestep = (
        float(times[1] - times[0]) / trajs.stride if times is not None and len(times) > 1 else 1.0
    )
    basins = _read_basins_csv(project_dir / "basins.csv")
    barriers = [float(b["barrier_kJmol"]) for b in basins]
    barriers = [b for b in barriers if np.isfinite(b)]
    return export_plumed(
        built,
        out,
        frames=expected_frames(trajs, n_expected),
        basin_frames=(sample_frames(trajs, rows), labels[rows]),
        barrier=max(barriers) if barriers else None,
        temperature=float(summary.get("temperature_K", 300.0)),
        timestep=timestep,
        overwrite=overwrite,
    )


def _rep_rows(project_dir: Path, trajs: TrajectorySet) -> list[dict]:
    offsets = np.concatenate([[0], np.cumsum(trajs.n_frames)])
    rows = []
    for b in _read_basins_csv(project_dir / "basins.csv"):
        row = int(offsets[int(b["rep_traj"])] + int(b["rep_frame"]))
        rows.append({"basin": int(b["basin"]), "representative_row": row})
    return rows


class _Model:
    """A fitted projection rebuilt from projection.npz arrays (mean, components, landmarks)."""

    def __init__(self, arrays: dict):
        for name in ("mean", "components", "landmarks", "embedding"):
            if name in arrays:
                setattr(self, name + "_", np.asarray(arrays[name], dtype=np.float64))


__all__ = [
    "CV_KINDS",
    "CVResult",
    "build_cvs",
    "compute_cv",
    "run_cv",
    "run_export_plumed",
    "write_cv_outputs",
]
