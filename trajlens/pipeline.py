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
from trajlens.cvs import FeatureRanking, linear_cv_input, rank_features
from trajlens.cvs.plumed import basin_comments
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


class TqdmReporter(Reporter):
    """Progress bars from ``tqdm.auto``: widgets in Jupyter, text bars on a terminal.

    The notebook twin of the command line's rich bars; the pipeline functions use it when
    called with ``progress=True``.

    Parameters
    ----------
    leave : bool, default True
        Keep each finished bar on screen.
    """

    def __init__(self, leave: bool = True):
        self.leave = leave

    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[callable]:
        from tqdm.auto import tqdm

        unit = " frames" if total else " step"
        with tqdm(total=total or 1, desc=description, unit=unit, leave=self.leave) as bar:
            yield lambda n=1: bar.update(n)
            bar.update(bar.total - bar.n)

    def info(self, message: str) -> None:
        from tqdm.auto import tqdm

        tqdm.write(message)


def _reporter(reporter: Reporter | None, progress: bool) -> Reporter:
    """The reporter to use: the one given, tqdm bars for ``progress=True``, else silence."""
    if reporter is not None:
        return reporter
    return TqdmReporter() if progress else Reporter()


def fes_parameters(
    surface: FreeEnergySurface,
    *,
    smooth: float,
    min_barrier: float | None,
    min_population: float,
    n_blocks: int,
    method: str = "histogram",
) -> dict:
    """The free-energy and basin parameters actually used, with units (for summary.json)."""
    bandwidth = surface.bandwidth
    return {
        "variables": list(surface.labels),
        "method": method,
        "bins": [int(e.size - 1) for e in surface.edges],
        "range": [[float(e[0]), float(e[-1])] for e in surface.edges],
        "periodic": list(surface.is_periodic),
        "smooth": float(smooth) if method == "histogram" else None,
        "bandwidth": None if bandwidth is None else np.asarray(bandwidth).tolist(),
        "temperature": surface.temperature,
        "kT": surface.kT,
        # min_barrier is given in kJ/mol and recorded in the surface's units
        "min_barrier": surface.kT
        if min_barrier is None
        else float(min_barrier) / surface_unit(surface),
        "min_population": float(min_population),
        "n_blocks": int(n_blocks),
        "units": {
            "free_energy": surface.units,
            "kT": surface.units,
            "min_barrier": surface.units,
            "temperature": "K",
            "smooth": "bins (standard deviation of the Gaussian filter)",
            "bandwidth": "units of the variables",
            "range": "units of the variables",
            "min_population": "fraction of frames (weighted)",
        },
    }


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
    #: Coordinates of every frame on the surface's axes (the first two projections, or
    #: φ/ψ in radians with ``fes_on="dihedrals"``).
    fes_coords: np.ndarray | None = None
    fes_parameters: dict = field(default_factory=dict)
    #: The features ranked for separating the basins (None with fewer than two basins).
    ranking: FeatureRanking | None = None
    #: SciPy linkage of the landmarks when the clustering is hierarchical (the dendrogram).
    linkage_matrix: np.ndarray | None = None

    @property
    def frame_index(self) -> tuple[np.ndarray, np.ndarray]:
        """(trajectory index, frame index) of every row of the concatenated arrays."""
        traj = np.concatenate([np.full(len(f), i) for i, f in enumerate(self.features)])
        frame = np.concatenate([np.arange(len(f)) for f in self.features])
        return traj, frame

    def _repr_html_(self) -> str:
        from trajlens.report import project_repr_html

        return project_repr_html(self)


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


def resolve_spec(features: str | Path, topology) -> FeatureSpec:
    """A ``--features`` value: a spec file (JSON or text) if it exists, else spec text."""
    from trajlens.featurize.text import parse_spec

    path = Path(features)
    text = str(features)
    if "\n" not in text and ";" not in text and path.is_file():
        return FeatureSpec.load(path, topology)
    if path.suffix in (".json", ".txt", ".spec") and " " not in text:
        raise InputError(f"--features: file {path} does not exist")
    try:
        return parse_spec(text, topology)
    except InputError as exc:
        raise InputError(f"--features: {exc}") from None


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
    features: str | Path | None = None,
    n_components: int = 2,
    temperature: float = 300.0,
    bins: int = 60,
    smooth: float = 1.0,
    min_barrier: float | None = None,
    min_population: float = 0.005,
    min_cluster_size: int | None = None,
    random_state: int = 0,
    reporter: Reporter | None = None,
    n_blocks: int = 10,
    n_representatives: int = 10,
    method: str = "pca",
    method_params: dict | None = None,
    cluster: str = "hdbscan",
    cluster_params: dict | None = None,
    units: str = "kJ/mol",
    fes_method: str = "histogram",
    bandwidth: str | float = "scott",
    fes_on: str = "projection",
    dask: dict | None = None,
    progress: bool = False,
) -> ProjectResult:
    """Trajectory → features → PCA → HDBSCAN → free-energy surface, basins → PLUMED input.

    Parameters are those of ``trajlens project``; nothing is written. ``n_blocks`` sets
    the block analysis (jackknife) behind the basins' error bars (0: none), and
    ``n_representatives`` how many lowest-free-energy frames each basin keeps.
    ``cluster`` (with ``cluster_params``) picks the clustering of the projection (see
    :func:`make_clusterer`); ``units``, ``fes_method`` and ``bandwidth`` go to
    :func:`trajlens.fes.estimate` (``min_barrier`` stays in kJ/mol); ``fes_on="dihedrals"``
    puts the surface and basins on the first two dihedrals (φ/ψ, radians, a periodic torus)
    instead of the first two projections. ``dask``
    (for example ``{"workers": 2, "store": "features.zarr"}``) runs the work on a Dask
    cluster instead (:func:`trajlens.parallel.pipeline.compute_project_dask`).
    ``progress=True`` shows a tqdm progress bar per step (in Jupyter, widgets), unless a
    ``reporter`` is given.
    """
    reporter = _reporter(reporter, progress)
    if dask is not None:
        from trajlens.parallel.pipeline import compute_project_dask

        serial_only = {
            "--cluster": (cluster, "hdbscan"),
            "--units": (units, "kJ/mol"),
            "--fes-method": (fes_method, "histogram"),
            "--fes-on": (fes_on, "projection"),
        }
        for option, (value, supported) in serial_only.items():
            if value != supported:
                raise InputError(
                    f"{option} {value}: on Dask (--workers/--scheduler/--store) only "
                    f"{option} {supported} is supported so far"
                )

        return compute_project_dask(
            trajectories,
            top,
            **dask,
            stride=stride,
            selection=selection,
            chunk=chunk,
            distances=distances,
            features=features,
            n_components=n_components,
            temperature=temperature,
            bins=bins,
            smooth=smooth,
            min_barrier=min_barrier,
            min_population=min_population,
            min_cluster_size=min_cluster_size,
            random_state=random_state,
            reporter=reporter,
            n_blocks=n_blocks,
            n_representatives=n_representatives,
            method=method,
            method_params=method_params,
        )
    if n_components < 2:
        raise InputError(f"--n-components: expected at least 2, got {n_components}")
    if bins < 5:
        raise InputError(f"--bins: expected at least 5, got {bins}")
    if fes_on not in ("projection", "dihedrals"):
        raise InputError(f"--fes-on: expected 'projection' or 'dihedrals', got {fes_on!r}")
    if cluster not in CLUSTER_TITLES:
        raise InputError(f"--cluster: expected one of {', '.join(CLUSTER_TITLES)}, got {cluster!r}")
    with reporter.step("Checking inputs"):
        trajs = open_trajectories(
            trajectories, top, stride=stride, selection=selection, chunk=chunk
        )
    if trajs.total_frames < MIN_FRAMES:
        raise InputError(
            f"too few frames: {trajs.total_frames} after stride {stride}; expected at least "
            f"{MIN_FRAMES}"
        )
    if features is not None:
        spec = resolve_spec(features, trajs.topology)
        if distances:
            spec = spec + selection_pair_distances(trajs.topology, distances)
    else:
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
    with reporter.step(f"{CLUSTER_TITLES.get(cluster, cluster)} clustering"):
        params = dict(cluster_params or {})
        if cluster == "hdbscan":
            params.setdefault("min_cluster_size", min_cluster_size)
        clusters = make_clusterer(cluster, random_state, **params).fit(coords)
    labels = tuple(f"{COLUMN_PREFIX[method].upper()}{k}" for k in (1, 2))
    fes_coords, periodic, ranges = coords, None, None
    if fes_on == "dihedrals":
        labels, fes_coords = dihedral_angles(spec, np.concatenate(features))
        periodic, ranges = True, [(-np.pi, np.pi)] * 2
    with reporter.step("Free-energy surface and basins"):
        surface = estimate(
            fes_coords,
            bins=bins,
            range=ranges,
            periodic=periodic,
            temperature=temperature,
            smooth=smooth,
            labels=labels,
            units=units,
            method=fes_method,
            bandwidth=bandwidth,
        )
        basins = find_basins(
            surface,
            fes_coords,
            min_barrier=None if min_barrier is None else min_barrier / surface_unit(surface),
            min_population=min_population,
            n_blocks=n_blocks if 2 <= n_blocks <= coords.shape[0] else 0,
            n_lowest=n_representatives,
        )
        reps = medoids(np.concatenate(features), basins.frame_labels, random_state=random_state)
        for basin, rep in zip(basins.basins, reps, strict=True):
            basin.representative = int(rep)
    ranking = None
    if sum(b.n_frames >= 2 for b in basins.basins) >= 2:
        with reporter.step("Ranking the features"):
            lengths = np.cumsum([len(f) for f in features])[:-1]
            ranking = rank_features(
                features,
                np.split(basins.frame_labels, lengths),
                spec,
                by="hlda",
                random_state=random_state,
            )
    used_blocks = n_blocks if 2 <= n_blocks <= coords.shape[0] else 0
    fes_params = fes_parameters(
        surface,
        smooth=smooth,
        min_barrier=min_barrier,
        min_population=min_population,
        n_blocks=used_blocks,
        method=fes_method,
    )
    if method in ("pca", "tica"):
        names = [f"{COLUMN_PREFIX[method]}{k + 1}" for k in range(n_components)]
        plumed = linear_cv_input(
            spec, model.components_, model.mean_, names=names, method=method.upper()
        )
        if fes_on == "projection":
            plumed += basin_comments(
                basins.to_table(), surface.labels, names[:2], units=surface.units
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
        fes_coords=fes_coords,
        fes_parameters=fes_params,
        ranking=ranking,
        linkage_matrix=getattr(clusters, "linkage_matrix_", None),
    )


def surface_unit(surface: FreeEnergySurface) -> float:
    """kJ/mol in one unit of the surface's energies."""
    from trajlens.fes import energy_unit

    return energy_unit(surface.units, surface.temperature)


def dihedral_angles(spec: FeatureSpec, X: np.ndarray) -> tuple[tuple[str, str], np.ndarray]:
    """The first two dihedrals of ``spec`` (φ/ψ for a dipeptide) as angles in radians.

    Dihedrals given as sin/cos pairs are turned back into angles with atan2; raw dihedrals
    are taken as they are. Returns their names and an array of shape (n_frames, 2).
    """
    columns = {f.label: k for k, f in enumerate(spec)}
    names, angles = [], []
    for f in spec:
        if f.kind != "dihedral" or f.name in names:
            continue
        if f.transform == "cos" and f"sin_{f.name}" in columns:
            sin = X[:, columns[f"sin_{f.name}"]].astype(np.float64)
            angles.append(np.arctan2(sin, X[:, columns[f.label]].astype(np.float64)))
        elif f.transform == "none":
            angles.append(np.angle(np.exp(1j * X[:, columns[f.label]].astype(np.float64))))
        else:
            continue
        names.append(f.name)
        if len(names) == 2:
            return (names[0], names[1]), np.column_stack(angles)
    raise InputError(
        "--fes-on dihedrals: expected at least two dihedrals among the features (as sin/cos "
        f"pairs or raw), found {len(names)}"
    )


#: Names of ``trajlens project --cluster`` and their progress titles.
CLUSTER_TITLES = {
    "hdbscan": "HDBSCAN",
    "density-peaks": "Density-peak",
    "adp": "Advanced density-peak",
    "hierarchical": "Hierarchical",
    "kmeans": "k-means",
}


def make_clusterer(name: str, random_state: int = 0, **params):
    """The unfitted estimator of ``trajlens project --cluster``.

    ``hdbscan`` (``min_cluster_size``), ``density-peaks`` (``n_clusters``, ``dc``,
    ``halo``), ``adp`` (``k``, ``Z``, ``halo``), ``hierarchical`` (``n_clusters``,
    ``distance_threshold``, ``linkage``, ``n_landmarks``), ``kmeans`` (``n_clusters``);
    ``None`` values are dropped so the estimator's defaults apply.
    """
    from trajlens.cluster import (
        AdvancedDensityPeaks,
        DensityPeaks,
        KMeansMicrostates,
        LandmarkHierarchical,
    )

    params = {k: v for k, v in params.items() if v is not None}
    factories = {
        "hdbscan": lambda: HDBSCAN(random_state=random_state, **params),
        "density-peaks": lambda: DensityPeaks(**params),
        "adp": lambda: AdvancedDensityPeaks(**params),
        "hierarchical": lambda: LandmarkHierarchical(random_state=random_state, **params),
        "kmeans": lambda: KMeansMicrostates(random_state=random_state, **params),
    }
    if name not in factories:
        raise InputError(f"--cluster: expected one of {', '.join(factories)}, got {name!r}")
    try:
        return factories[name]()
    except TypeError as exc:
        raise InputError(f"--cluster {name}: {exc}") from None


def run_project(
    trajectories: Sequence[str | Path] | str | Path,
    top: str | Path | None = None,
    out: str | Path = "trajlens_out",
    *,
    overwrite: bool = False,
    reporter: Reporter | None = None,
    progress: bool = False,
    **params,
) -> ProjectResult:
    """:func:`compute_project`, then :func:`write_outputs` into ``out``, all or nothing.

    The output folder is checked before any computation, and a failure at any point leaves
    ``out`` as it was. ``progress=True`` shows tqdm progress bars.
    """
    reporter = _reporter(reporter, progress)
    with atomic_output_dir(out, overwrite=overwrite) as tmp:
        result = compute_project(trajectories, top, reporter=reporter, **params)
        with reporter.step("Writing outputs"):
            write_outputs(result, tmp, final=Path(out))
    return result


def write_outputs(
    result: ProjectResult, folder: Path, final: Path | None = None
) -> dict[str, Path]:
    """Write every output of ``project`` into ``folder``; returns name → final path."""
    from trajlens import report

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
    fes_coords = coords[:, :2] if result.fes_coords is None else result.fes_coords
    angles = basin_angles(result.spec, X, result.basins, fes_coords)
    unit = result.surface.units.replace("/", "")  # kJmol (default), kcalmol or kT
    on_angles = any(result.surface.is_periodic)  # --fes-on dihedrals: minima in radians
    prefix = COLUMN_PREFIX[result.method]  # pc, tic, mds, sm, umap: as in colvar.dat
    header = [
        "basin",
        "population",
        f"free_energy_{unit}",
        f"barrier_{unit}",
        "n_frames",
        *(
            [f"{n}_min_rad" for n in result.surface.labels]
            if on_angles
            else [f"{prefix}1_min", f"{prefix}2_min"]
        ),
        f"F_min_{unit}",
        "rep_traj",
        "rep_frame",
        "rep_time_ps",
        *[f"{name}_deg" for name in angles],
        "pdb",
        "population_error",
        f"free_energy_error_{unit}",
        "lowest_frames",
        "xtc",
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
                    f"{b.population_error:.6f}",
                    f"{b.free_energy_error:.4f}",
                    " ".join(str(int(i)) for i in b.lowest),
                    f"basin_{b.label}.xtc" if b.lowest.size else "",
                ]
            )
    written["basins.csv"] = f"{len(result.basins)} basins: population, free energy, barrier"

    trajs = result.trajectories
    wanted = [b.representative for b in result.basins.basins]
    wanted += [int(i) for b in result.basins.basins for i in b.lowest]
    frames = read_rows(trajs, wanted, traj_idx, frame_idx)
    for b in result.basins.basins:
        frames[b.representative].save_pdb(str(folder / f"basin_{b.label}.pdb"))
        frames[b.representative].save_xtc(str(folder / f"basin_{b.label}_medoid.xtc"))
    if result.basins.basins:
        written["basin_<k>.pdb"] = "medoid structure of each basin"
        written["basin_<k>_medoid.xtc"] = "medoid structure of each basin (XTC)"
    if write_basin_frames(result.basins, frames, folder):
        written["basin_<k>.xtc"] = "lowest-free-energy frames of each basin (lowest first)"
        written["basin_<k>_lowest.pdb"] = "the same frames as a multi-model PDB"

    if result.plumed:
        (folder / "plumed.dat").write_text(result.plumed)
        from trajlens.cvs.plumed import feature_files

        for file_name, text in feature_files(result.spec).items():  # reference PDBs (RMSD)
            (folder / file_name).write_text(text)
            written[file_name] = "reference structure read by plumed.dat"
        written["plumed.dat"] = f"PLUMED 2.10 input of the {result.method.upper()} CVs"

    figures = report.project_figures(result, folder, coords, time)
    written.update({f"{f.name}.png": f.caption for f in figures})
    written.update({f"{f.name}.svg": f.caption + " (SVG)" for f in figures})

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
        "fes": result.fes_parameters,
        "n_clusters": int(result.clusters.max() + 1),
        "basins": [
            {
                "basin": b.label,
                "population": b.population,
                f"free_energy_{unit}": b.free_energy,
                "population_error": b.population_error,
                f"free_energy_error_{unit}": b.free_energy_error,
                "minimum": b.minimum.tolist(),
                "representative": b.representative,
                "lowest_frames": b.lowest.tolist(),
            }
            for b in result.basins.basins
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    written["summary.json"] = "inputs, parameters and headline results"
    written.update(report.write_project_report(result, folder, summary, figures))
    result.outputs = {name: final / name for name in written}
    result.descriptions = written
    return result.outputs


def read_rows(
    trajectories: TrajectorySet,
    rows: Sequence[int],
    traj_idx: np.ndarray,
    frame_idx: np.ndarray,
) -> dict:
    """Frames of the given rows (of the concatenated arrays), one pass per trajectory.

    Returns a dict row → single-frame ``mdtraj.Trajectory``.
    """
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    out = {}
    for t in np.unique(traj_idx[rows]) if rows.size else []:
        mine = rows[traj_idx[rows] == t]
        frames = trajectories.read_frames(int(t), frame_idx[mine])
        for k, row in enumerate(mine):
            out[int(row)] = frames[k]
    return out


def write_basin_frames(basins: BasinSet, frames: dict, folder: Path) -> bool:
    """Write ``basin_<k>.xtc``: each basin's lowest-free-energy frames, lowest first, and
    the same frames as ``basin_<k>_lowest.pdb`` (one MODEL per frame).

    ``frames`` maps rows of the concatenated arrays to frames (see :func:`read_rows`).
    Returns whether any file was written.
    """
    import mdtraj as md

    wrote = False
    for b in basins.basins:
        if b.lowest.size == 0:
            continue
        pieces = [frames[int(i)] for i in b.lowest]
        joined = md.join(pieces, check_topology=False)
        joined.save_xtc(str(folder / f"basin_{b.label}.xtc"))
        joined.save_pdb(str(folder / f"basin_{b.label}_lowest.pdb"))
        wrote = True
    return wrote


# ------------------------------------------------------------------ COLVAR input


def is_colvar(path: str | Path) -> bool:
    """Whether ``path`` is a PLUMED COLVAR file (its first line starts with ``#! FIELDS``)."""
    try:
        with open(path, errors="replace") as handle:
            return handle.readline().startswith("#! FIELDS")
    except OSError:
        return False


#: Columns never taken as variables of a COLVAR file: PLUMED's bias bookkeeping.
BIAS_SUFFIXES = (".bias", ".rbias", ".rct", ".acc", ".work", ".nker", ".neff", ".zed")


def _plumed_number(text: str) -> float:
    text = text.strip().lower()
    sign = -1.0 if text.startswith("-") else 1.0
    core = text.lstrip("+-")
    if core == "pi":
        return sign * np.pi
    if core.endswith("*pi"):
        return sign * float(core[:-3]) * np.pi
    return float(text)


@dataclass
class ColvarResult:
    """The free-energy analysis of a COLVAR file (``trajlens project colvar.dat``)."""

    path: Path
    variables: list[str]
    X: np.ndarray
    time: np.ndarray
    weights: np.ndarray | None
    weights_from: str | None
    surface: FreeEnergySurface
    basins: BasinSet
    outputs: dict[str, Path] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    fes_parameters: dict = field(default_factory=dict)

    def _repr_html_(self) -> str:
        from trajlens.report import colvar_repr_html

        return colvar_repr_html(self)


def compute_colvar(
    path: str | Path,
    *,
    weights_from: str | None = None,
    bias_offset: str | None = None,
    columns: Sequence[str] | None = None,
    temperature: float = 300.0,
    bins: int = 60,
    smooth: float = 1.0,
    min_barrier: float | None = None,
    min_population: float = 0.005,
    n_blocks: int = 10,
    n_representatives: int = 10,
    reporter: Reporter | None = None,
    units: str = "kJ/mol",
    fes_method: str = "histogram",
    bandwidth: str | float = "scott",
    progress: bool = False,
) -> ColvarResult:
    """Free-energy surface and basins of the variables in a PLUMED COLVAR file.

    Parameters
    ----------
    path : path
        COLVAR file (restarts with repeated headers are fine).
    weights_from : str, optional
        Bias column (kJ/mol) giving frame weights w ∝ exp(V / kT): ``metad.rbias``,
        ``opes.bias``, or any static bias.
    bias_offset : str, optional
        Column with c(t) to subtract from the bias (e.g. ``metad.rct`` with ``metad.bias``).
    columns : sequence of str, optional
        The variables; by default the first two columns other than ``time``, the weight
        columns and PLUMED's bias bookkeeping (``*.bias``, ``*.rbias``, ``*.rct``, ...).
        Periodic variables are recognised from ``#! SET min_<name>/max_<name>`` lines.
    progress : bool, default False
        Show tqdm progress bars (unless a ``reporter`` is given).
    """
    from trajlens.fes.reweight import colvar_weights
    from trajlens.io import read_colvar

    reporter = _reporter(reporter, progress)
    path = Path(path)
    with reporter.step("Reading COLVAR"):
        colvar = read_colvar(path)
    if columns:
        missing = [c for c in columns if c not in colvar.fields]
        if missing:
            raise InputError(
                f"--columns: {path} has no column {missing[0]!r}; it has {', '.join(colvar.fields)}"
            )
        names = list(columns)
    else:
        skip = {"time", weights_from, bias_offset}
        names = [f for f in colvar.fields if f not in skip and not f.endswith(BIAS_SUFFIXES)][:2]
    if not names:
        raise InputError(f"{path}: no variable columns besides time and the bias")
    n = colvar.data.shape[0]
    if n < MIN_FRAMES:
        raise InputError(f"too few frames: {n} rows in {path}; expected at least {MIN_FRAMES}")
    weights = None
    if weights_from is not None:
        weights = colvar_weights(colvar, weights_from, temperature, offset_column=bias_offset)
    X = np.column_stack([colvar[c] for c in names])
    periodic, ranges = [], []
    for c in names:
        lo, hi = colvar.constants.get(f"min_{c}"), colvar.constants.get(f"max_{c}")
        try:
            per = lo is not None and hi is not None
            ranges.append((_plumed_number(lo), _plumed_number(hi)) if per else None)
        except ValueError:
            raise InputError(f"{path}: cannot read the period of {c}: {lo!r}, {hi!r}") from None
        periodic.append(per)
    with reporter.step("Free-energy surface and basins"):
        surface = estimate(
            X,
            weights=weights,
            bins=bins,
            range=ranges,
            periodic=periodic,
            temperature=temperature,
            smooth=smooth,
            labels=tuple(names),
            units=units,
            method=fes_method,
            bandwidth=bandwidth,
        )
        basins = find_basins(
            surface,
            X,
            weights=weights,
            min_barrier=None if min_barrier is None else min_barrier / surface_unit(surface),
            min_population=min_population,
            n_blocks=n_blocks if 2 <= n_blocks <= n else 0,
            n_lowest=n_representatives,
        )
        reps = medoids(X, basins.frame_labels)
        for basin, rep in zip(basins.basins, reps, strict=True):
            basin.representative = int(rep)
    time = colvar["time"] if "time" in colvar.fields else np.arange(n, dtype=float)
    result = ColvarResult(path, names, X, time, weights, weights_from, surface, basins)
    result.fes_parameters = fes_parameters(
        surface,
        smooth=smooth,
        min_barrier=min_barrier,
        min_population=min_population,
        n_blocks=n_blocks if 2 <= n_blocks <= n else 0,
        method=fes_method,
    )
    return result


def write_colvar_outputs(result: ColvarResult, folder: Path, final: Path | None = None) -> dict:
    """basins.csv, fes.npz, colvar.dat (with basin labels), fes.png (2-D) and summary.json."""
    from trajlens import report

    final = final or folder
    written: dict[str, str] = {}
    result.basins.to_csv(folder / "basins.csv")
    written["basins.csv"] = f"{len(result.basins)} basins: population, ΔF, errors, barriers"
    s = result.surface
    np.savez_compressed(
        folder / "fes.npz",
        free_energy=s.free_energy,
        probability=s.probability,
        **{f"edges_{k}": e for k, e in enumerate(s.edges)},
        labels=np.array(s.labels),
        periodic=np.array(s.is_periodic),
        temperature=s.temperature,
        units=s.units,
    )
    written["fes.npz"] = "free-energy surface (kJ/mol) on its grid"
    columns = {"time": result.time, **{c: result.X[:, k] for k, c in enumerate(result.variables)}}
    if result.weights is not None:
        columns["weight"] = result.weights
    columns["basin"] = result.basins.frame_labels
    write_colvar(folder / "colvar.dat", columns, formats={"basin": "%d", "weight": "%.8e"})
    written["colvar.dat"] = "variables, weight and basin of every frame"
    if s.ndim in (1, 2):
        written["fes.png"] = "free-energy surface with basins"
    table = result.basins.to_table()
    summary = {
        "trajlens": __version__,
        "input": str(result.path),
        "variables": result.variables,
        "weights_from": result.weights_from,
        "temperature_K": s.temperature,
        "fes": result.fes_parameters,
        "basins": [
            {k: _json_value(v[i]) for k, v in table.items()} for i in range(len(result.basins))
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    written["summary.json"] = "inputs, parameters and the basins table"
    written.update(report.write_colvar_report(result, folder, summary))
    result.outputs = {name: final / name for name in written}
    result.descriptions = written
    return result.outputs


def _json_value(value):
    """A table cell as strict JSON: numbers as Python numbers, inf/nan as null."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def run_colvar(
    path: str | Path,
    out: str | Path = "trajlens_out",
    *,
    overwrite: bool = False,
    reporter: Reporter | None = None,
    progress: bool = False,
    **params,
) -> ColvarResult:
    """:func:`compute_colvar`, then :func:`write_colvar_outputs` into ``out``, all or nothing.

    ``progress=True`` shows tqdm progress bars.
    """
    reporter = _reporter(reporter, progress)
    with atomic_output_dir(out, overwrite=overwrite) as tmp:
        result = compute_colvar(path, reporter=reporter, **params)
        with reporter.step("Writing outputs"):
            write_colvar_outputs(result, tmp, final=Path(out))
    return result


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
