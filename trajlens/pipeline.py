"""The ``project`` workflow as plain functions over io, featurize, reduce, cluster, fes and cvs.

``run_project`` goes from trajectory files to an output folder; each step is also a function
of its own so that notebooks can run, inspect or replace any of them.
"""

from __future__ import annotations

import csv
import json
import platform
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trajlens import __version__
from trajlens.cluster import HDBSCAN
from trajlens.cvs import linear_cv_input
from trajlens.exceptions import InputError
from trajlens.featurize import (
    FeatureSpec,
    backbone_dihedrals,
    featurize,
    selection_pair_distances,
)
from trajlens.fes import BasinSet, FreeEnergySurface, estimate, find_basins, medoids
from trajlens.io import TrajectorySet, atomic_output_dir, open_trajectories, write_colvar
from trajlens.reduce import PCA

#: Fewest frames the workflow accepts: below this a 2-D free-energy surface is meaningless.
MIN_FRAMES = 50


class Reporter:
    """Hooks for progress reporting; the default reports nothing (the CLI draws rich bars)."""

    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[callable]:
        yield lambda n=1: None

    def info(self, message: str) -> None:
        pass


@dataclass
class ProjectResult:
    """Everything the ``project`` workflow computed (and, if written, where it went)."""

    trajectories: TrajectorySet
    spec: FeatureSpec
    features: list[np.ndarray]
    times: list[np.ndarray]
    model: PCA
    projection: list[np.ndarray]
    clusters: np.ndarray
    surface: FreeEnergySurface
    basins: BasinSet
    plumed: str
    outputs: dict[str, Path] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    method: str = "pca"

    @property
    def frame_index(self) -> tuple[np.ndarray, np.ndarray]:
        """(trajectory index, frame index) of every row of the concatenated arrays."""
        traj = np.concatenate([np.full(len(f), i) for i, f in enumerate(self.features)])
        frame = np.concatenate([np.arange(len(f)) for f in self.features])
        return traj, frame


def default_spec(trajectories: TrajectorySet, distances: str | None = None) -> FeatureSpec:
    """Backbone φ/ψ as sin/cos pairs, plus all pair distances in the ``distances`` selection."""
    selected = trajectories.selected_atoms
    spec = backbone_dihedrals(trajectories.topology, atom_indices=selected)
    if distances:
        extra = selection_pair_distances(trajectories.topology, distances)
        missing = [f.label for f in extra if not set(f.atoms) <= set(selected.tolist())]
        if missing:
            raise InputError(f"--distances: atoms of {missing[0]} are outside --select")
        spec = spec + extra
    if len(spec) == 0:
        raise InputError(
            "no features: the selected atoms have no backbone phi/psi dihedrals; "
            "give atom pairs with --distances (an mdtraj selection such as 'name CA')"
        )
    return spec


def circular_mean(angles: np.ndarray) -> float:
    """Mean direction (radians) of angles in radians."""
    return float(np.arctan2(np.mean(np.sin(angles)), np.mean(np.cos(angles))))


def basin_angles(spec: FeatureSpec, X: np.ndarray, basins: BasinSet, coords: np.ndarray) -> dict:
    """Circular-mean angle (degrees) of each sin/cos dihedral over each basin's core.

    The core is the frames in cells within 1 kT of the basin's minimum; it locates the basin
    centre in angle space (for example φ/ψ of a Ramachandran basin).
    """
    columns = {f.label: k for k, f in enumerate(spec)}
    angles = {}
    for f in spec:
        if f.kind == "dihedral" and f.transform == "cos" and f"sin_{f.name}" in columns:
            angles[f.name] = np.arctan2(X[:, columns[f"sin_{f.name}"]], X[:, columns[f.label]])
        elif f.kind == "dihedral" and f.transform == "none":
            angles[f.name] = X[:, columns[f.label]]
    F = basins.surface.free_energy
    cell_f = F[basins.surface.cell_of(coords)]
    out: dict[str, list[float]] = {name: [] for name in angles}
    for basin in basins.basins:
        members = basins.frame_labels == basin.label
        core = members & (cell_f <= basin.minimum_free_energy + basins.surface.kT)
        chosen = core if core.any() else members
        for name, values in angles.items():
            out[name].append(np.degrees(circular_mean(values[chosen])))
    return out


def compute_project(
    trajectories: Sequence[str | Path] | str | Path,
    top: str | Path | None = None,
    *,
    stride: int = 1,
    selection: str | None = None,
    chunk: int = 5000,
    distances: str | None = None,
    n_components: int = 2,
    temperature: float = 300.0,
    bins: int = 60,
    smooth: float = 1.0,
    min_barrier: float | None = None,
    min_population: float = 0.005,
    min_cluster_size: int | None = None,
    random_state: int = 0,
    reporter: Reporter | None = None,
    method: str = "pca",
    method_params: dict | None = None,
) -> ProjectResult:
    """Trajectory → features → PCA → HDBSCAN → free-energy surface, basins → PLUMED input.

    Parameters are those of ``trajlens project``; nothing is written.
    """
    reporter = reporter or Reporter()
    if n_components < 2:
        raise InputError(f"--n-components: expected at least 2, got {n_components}")
    if bins < 5:
        raise InputError(f"--bins: expected at least 5, got {bins}")
    with reporter.step("Checking inputs"):
        trajs = open_trajectories(
            trajectories, top, stride=stride, selection=selection, chunk=chunk
        )
    if trajs.total_frames < MIN_FRAMES:
        raise InputError(
            f"too few frames: {trajs.total_frames} after stride {stride}; expected at least "
            f"{MIN_FRAMES}"
        )
    spec = default_spec(trajs, distances)
    if n_components > len(spec):
        raise InputError(f"--n-components: {n_components} exceeds the {len(spec)} features")
    times: list[np.ndarray] = []
    with reporter.step(f"Featurizing ({len(spec)} features)", total=trajs.total_frames) as advance:
        features = featurize(trajs, spec, progress=advance, times=times)
    with reporter.step(METHOD_TITLES.get(method, method)):
        model = make_projection(method, n_components, spec, random_state, **(method_params or {}))
        model.fit(features)
        projection = model.transform(features)
    coords = np.concatenate(projection)[:, :2].astype(np.float64)
    with reporter.step("HDBSCAN clustering"):
        clusters = HDBSCAN(min_cluster_size=min_cluster_size, random_state=random_state).fit(coords)
    with reporter.step("Free-energy surface and basins"):
        surface = estimate(
            coords,
            bins=bins,
            temperature=temperature,
            smooth=smooth,
            labels=tuple(f"{COLUMN_PREFIX[method].upper()}{k}" for k in (1, 2)),
        )
        basins = find_basins(
            surface, coords, min_barrier=min_barrier, min_population=min_population
        )
        reps = medoids(np.concatenate(features), basins.frame_labels, random_state=random_state)
        for basin, rep in zip(basins.basins, reps, strict=True):
            basin.representative = int(rep)
    if method in ("pca", "tica"):
        names = [f"{COLUMN_PREFIX[method]}{k + 1}" for k in range(n_components)]
        plumed = linear_cv_input(
            spec, model.components_, model.mean_, names=names, method=method.upper()
        )
    else:
        plumed = ""  # nonlinear maps have no linear PLUMED form; plumed.dat is not written
    return ProjectResult(
        trajectories=trajs,
        spec=spec,
        features=features,
        times=times,
        model=model,
        projection=projection,
        clusters=clusters.labels_,
        surface=surface,
        basins=basins,
        plumed=plumed,
        method=method,
    )


def run_project(
    trajectories: Sequence[str | Path] | str | Path,
    top: str | Path | None = None,
    out: str | Path = "trajlens_out",
    *,
    overwrite: bool = False,
    reporter: Reporter | None = None,
    **params,
) -> ProjectResult:
    """:func:`compute_project`, then :func:`write_outputs` into ``out``, all or nothing.

    The output folder is checked before any computation, and a failure at any point leaves
    ``out`` as it was.
    """
    reporter = reporter or Reporter()
    with atomic_output_dir(out, overwrite=overwrite) as tmp:
        result = compute_project(trajectories, top, reporter=reporter, **params)
        with reporter.step("Writing outputs"):
            write_outputs(result, tmp, final=Path(out))
    return result


def write_outputs(
    result: ProjectResult, folder: Path, final: Path | None = None
) -> dict[str, Path]:
    """Write every output of ``project`` into ``folder``; returns name → final path."""
    from matplotlib.figure import Figure

    from trajlens import plot

    final = final or folder
    written: dict[str, str] = {}
    traj_idx, frame_idx = result.frame_index
    coords = np.concatenate(result.projection)
    time = np.concatenate(result.times)
    names = [f"{COLUMN_PREFIX[result.method]}{k + 1}" for k in range(coords.shape[1])]

    columns = {"time": time, **{n: coords[:, k] for k, n in enumerate(names)}}
    columns.update(
        traj=traj_idx, frame=frame_idx, cluster=result.clusters, basin=result.basins.frame_labels
    )
    ints = {k: "%d" for k in ("traj", "frame", "cluster", "basin")}
    write_colvar(folder / "colvar.dat", columns, formats={"time": "%.3f", **ints})
    written["colvar.dat"] = "time, projections, trajectory/frame, cluster and basin per frame"

    np.savez_compressed(
        folder / "projection.npz",
        projection=coords,
        time=time,
        traj=traj_idx,
        frame=frame_idx,
        cluster=result.clusters,
        basin=result.basins.frame_labels,
        feature_labels=np.array(result.spec.labels),
        method=np.array(result.method),
        **model_arrays(result.model),
    )
    written["projection.npz"] = f"projection and {result.method.upper()} model (arrays)"
    np.savez_compressed(
        folder / "features.npz",
        features=np.concatenate(result.features),
        traj=traj_idx,
        frame=frame_idx,
        labels=np.array(result.spec.labels),
    )
    written["features.npz"] = "feature matrix (float32)"
    result.spec.save(folder / "features.json")
    written["features.json"] = "feature spec: kinds, 0-based atoms, labels"

    X = np.concatenate(result.features)
    angles = basin_angles(result.spec, X, result.basins, coords[:, :2])
    header = [
        "basin",
        "population",
        "free_energy_kJmol",
        "barrier_kJmol",
        "n_frames",
        "pc1_min",
        "pc2_min",
        "F_min_kJmol",
        "rep_traj",
        "rep_frame",
        "rep_time_ps",
        *[f"{name}_deg" for name in angles],
        "pdb",
    ]
    with open(folder / "basins.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for b in result.basins.basins:
            rep = b.representative
            pdb = f"basin_{b.label}.pdb"
            writer.writerow(
                [
                    b.label,
                    f"{b.population:.6f}",
                    f"{b.free_energy:.4f}",
                    f"{b.barrier:.4f}",
                    b.n_frames,
                    f"{b.minimum[0]:.6f}",
                    f"{b.minimum[1]:.6f}",
                    f"{b.minimum_free_energy:.4f}",
                    int(traj_idx[rep]),
                    int(frame_idx[rep]),
                    f"{time[rep]:.3f}",
                    *[f"{angles[n][b.label]:.2f}" for n in angles],
                    pdb,
                ]
            )
    written["basins.csv"] = f"{len(result.basins)} basins: population, free energy, barrier"

    trajs = result.trajectories
    for b in result.basins.basins:
        rep = b.representative
        frame = trajs.read_frames(int(traj_idx[rep]), [int(frame_idx[rep])])
        frame.save_pdb(str(folder / f"basin_{b.label}.pdb"))
    if result.basins.basins:
        written["basin_<k>.pdb"] = "medoid structure of each basin"

    if result.plumed:
        (folder / "plumed.dat").write_text(result.plumed)
        written["plumed.dat"] = f"PLUMED 2.10 input of the {result.method.upper()} CVs"

    fig = Figure(figsize=(5.4, 4.4), layout="constrained")
    plot.fes(result.surface, result.basins, ax=fig.add_subplot())
    fig.savefig(folder / "fes.png", dpi=150)
    fig = Figure(figsize=(5.4, 4.4), layout="constrained")
    plot.projection(coords, result.clusters, ax=fig.add_subplot())
    fig.savefig(folder / "projection.png", dpi=150)
    written["fes.png"] = "free-energy surface with basins"
    written["projection.png"] = "projection coloured by cluster"

    summary = {
        "trajlens": __version__,
        "python": platform.python_version(),
        "inputs": [str(p) for p in trajs.paths],
        "topology": None if trajs.top_path is None else str(trajs.top_path),
        "stride": trajs.stride,
        "frames": list(trajs.n_frames),
        "features": len(result.spec),
        "method": result.method,
        **{
            k: np.asarray(v).tolist()
            for k, v in model_arrays(result.model).items()
            if k in ("explained_variance_ratio", "timescales", "stress")
        },
        "temperature_K": result.surface.temperature,
        "n_clusters": int(result.clusters.max() + 1),
        "basins": [
            {
                "basin": b.label,
                "population": b.population,
                "free_energy_kJmol": b.free_energy,
                "minimum": b.minimum.tolist(),
            }
            for b in result.basins.basins
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    written["summary.json"] = "inputs, parameters and headline results"
    result.outputs = {name: final / name for name in written}
    result.descriptions = written
    return result.outputs


#: Column-name prefix of each projection method (colvar.dat, plumed.dat labels).
COLUMN_PREFIX = {"pca": "pc", "tica": "tic", "mds": "mds", "sketchmap": "sm", "umap": "umap"}
METHOD_TITLES = {
    "pca": "PCA",
    "tica": "TICA",
    "mds": "MDS",
    "sketchmap": "Sketch-map",
    "umap": "UMAP",
}


def feature_periods(spec: FeatureSpec) -> np.ndarray | None:
    """Period (2 pi) of every raw-angle column of ``spec``, 0 elsewhere; None if none."""
    period = np.array([0.0 if f.periodic is None else 2 * np.pi for f in spec])
    return period if period.any() else None


def make_projection(
    method: str, n_components: int, spec: FeatureSpec, random_state: int = 0, **params
):
    """The unfitted estimator of ``trajlens project --method``, with its defaults.

    ``params`` go to the estimator (for example ``lag`` for TICA, ``n_landmarks``, ``sigma``
    for sketch-map, ``n_neighbors`` for UMAP); ``None`` values are dropped.
    """
    from trajlens.reduce import MDS, TICA, UMAP, SketchMap

    params = {k: v for k, v in params.items() if v is not None}
    period = feature_periods(spec)
    if method == "pca":
        return PCA(n_components=n_components, **params)
    if method == "tica":
        return TICA(n_components=n_components, **params)
    kw = dict(n_components=n_components, random_state=random_state, **params)
    if method == "mds":
        return MDS(period=period, **kw)
    if method == "sketchmap":
        kw.setdefault("n_landmarks", 500)  # about 15 s for fit + 10,000 frames on 2 cores
        return SketchMap(period=period, **kw)
    if method == "umap":
        kw.setdefault("n_landmarks", 2000)
        return UMAP(period=period, **kw)
    raise InputError(f"--method: expected one of {', '.join(COLUMN_PREFIX)}, got {method!r}")


def model_arrays(model) -> dict[str, np.ndarray]:
    """The fitted arrays of a projection model worth saving (npz; no pickles)."""
    names = (
        "mean_",
        "components_",
        "explained_variance_",
        "explained_variance_ratio_",
        "eigenvalues_",
        "timescales_",
        "landmarks_",
        "landmark_indices_",
        "landmark_weights_",
        "embedding_",
        "stress_",
        "sigma_",
        "kernel_lambda_",
    )
    return {n[:-1]: np.asarray(getattr(model, n)) for n in names if hasattr(model, n)}
