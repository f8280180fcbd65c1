"""The ``trajlens`` command: a thin layer over :mod:`trajlens.pipeline`.

Bad input is reported as one line on stderr, ``trajlens: error: ...``, with exit status 1 and
no traceback; outputs are written all or nothing.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from trajlens import __version__
from trajlens.exceptions import TrajlensError

app = typer.Typer(
    name="trajlens",
    help="From molecular-dynamics trajectories to free-energy basins, representative "
    "structures and PLUMED-ready collective variables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


class Example(str, Enum):
    ala2 = "ala2"
    ala2_obc2 = "ala2_obc2"


class Method(str, Enum):
    pca = "pca"
    tica = "tica"
    mds = "mds"
    sketchmap = "sketchmap"
    umap = "umap"


class ClusterMethod(str, Enum):
    hdbscan = "hdbscan"
    density_peaks = "density-peaks"
    adp = "adp"
    hierarchical = "hierarchical"
    kmeans = "kmeans"


class Units(str, Enum):
    kjmol = "kJ/mol"
    kcalmol = "kcal/mol"
    kt = "kT"


class FesMethod(str, Enum):
    histogram = "histogram"
    kde = "kde"


class FesOn(str, Enum):
    projection = "projection"
    dihedrals = "dihedrals"


def _bandwidth(value: str) -> str | float:
    """``--bandwidth``: 'scott', 'silverman' or a positive number (variable units)."""
    from trajlens.exceptions import InputError

    if value in ("scott", "silverman"):
        return value
    try:
        h = float(value)
    except ValueError:
        raise InputError(
            f"--bandwidth: expected 'scott', 'silverman' or a positive number, got {value!r}"
        ) from None
    if not h > 0:
        raise InputError(f"--bandwidth: expected a positive number, got {value}")
    return h


class RichReporter:
    """Progress bars on stderr for each step; silent with --quiet."""

    def __init__(self, quiet: bool = False, verbose: bool = False):
        self.quiet = quiet
        self.verbose = verbose
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def step(self, description: str, total: int | None = None):
        start = time.perf_counter()
        if self.quiet:
            yield lambda n=1: None
        else:
            columns = [SpinnerColumn(), TextColumn("{task.description}")]
            if total:
                columns += [BarColumn(), TextColumn("{task.completed}/{task.total} frames")]
            columns.append(TimeElapsedColumn())
            with Progress(*columns, console=err, transient=False) as progress:
                task = progress.add_task(description, total=total)
                yield lambda n=1: progress.advance(task, n)
                progress.update(task, completed=total or 1, total=total or 1)
        self.timings.append((description, time.perf_counter() - start))

    def info(self, message: str) -> None:
        if self.verbose:
            err.print(message)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"trajlens: error: {message}", soft_wrap=True, markup=False)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"trajlens {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """trajlens: trajectories in, basins, structures and PLUMED CVs out."""


@app.command()
def project(
    trajectories: list[Path] = typer.Argument(
        None,
        help="Trajectory files (xtc, dcd, trr, nc, h5, pdb, gro, ...), one or many.",
        show_default=False,
    ),
    top: Path = typer.Option(
        None,
        "--top",
        "-t",
        help="Topology (PDB, GRO, ...); needed for xtc/dcd/trr/nc.",
        show_default=False,
    ),
    out_dir: Path = typer.Option(
        None,
        "--out",
        "-o",
        help="Output folder, written all or nothing [default: <example>_out or trajlens_out].",
        show_default=False,
    ),
    example: Example = typer.Option(
        None,
        "--example",
        help="Run on a bundled example instead of your files.",
        show_default=False,
    ),
    stride: int = typer.Option(1, "--stride", help="Read every N-th frame.", min=1),
    select: str = typer.Option(
        None,
        "--select",
        help="mdtraj selection of the atoms to read, e.g. 'protein'.",
        show_default=False,
    ),
    distances: str = typer.Option(
        None,
        "--distances",
        help="Add distances between all pairs of these atoms (mdtraj selection, e.g. 'name CA').",
        show_default=False,
    ),
    features: str = typer.Option(
        None,
        "--features",
        help="Feature spec replacing the default phi/psi: a file (JSON or text) or text such "
        "as 'phi psi chi1; distances \"name CA\"' (see trajlens featurize --help).",
        show_default=False,
    ),
    chunk_size: int = typer.Option(5000, "--chunk-size", help="Frames per chunk in memory.", min=1),
    n_components: int = typer.Option(2, "--n-components", help="PCA components kept.", min=2),
    temperature: float = typer.Option(300.0, "--temperature", help="Temperature in K (kT = R T)."),
    bins: int = typer.Option(60, "--bins", help="Bins per axis of the free-energy surface."),
    smooth: float = typer.Option(
        1.0, "--smooth", help="Gaussian smoothing of the histogram, in bins (0: none)."
    ),
    min_barrier: float = typer.Option(
        None,
        "--min-barrier",
        help="Merge basins separated by less than this barrier, kJ/mol [default: 1 kT].",
        show_default=False,
    ),
    min_population: float = typer.Option(
        0.005, "--min-population", help="Smallest fraction of frames a basin may hold."
    ),
    min_cluster_size: int = typer.Option(
        None,
        "--min-cluster-size",
        help="HDBSCAN's min_cluster_size [default: 1% of frames, >= 20].",
        show_default=False,
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (subsampling, medoids)."),
    method: Method = typer.Option(
        Method.pca, "--method", help="Projection: pca, tica, mds, sketchmap or umap."
    ),
    lag: int = typer.Option(10, "--lag", help="TICA lag time in frames.", min=1),
    n_landmarks: int = typer.Option(
        None,
        "--n-landmarks",
        help="Landmarks for mds/sketchmap/umap [default: mds 1000, sketchmap 500, umap 2000].",
        show_default=False,
        min=3,
    ),
    sigma: float = typer.Option(
        None,
        "--sigma",
        help="Sketch-map sigmoid sigma, feature units [default: half the median distance].",
        show_default=False,
    ),
    n_neighbors: int = typer.Option(15, "--n-neighbors", help="UMAP neighbours.", min=2),
    min_dist: float = typer.Option(0.1, "--min-dist", help="UMAP min_dist."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty --out folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="More detail; tracebacks on errors."
    ),
    weights_from: str = typer.Option(
        None,
        "--weights-from",
        help="COLVAR input: bias column giving frame weights exp(V/kT), e.g. metad.rbias, "
        "opes.bias.",
        show_default=False,
    ),
    bias_offset: str = typer.Option(
        None,
        "--bias-offset",
        help="COLVAR input: column with c(t) subtracted from the bias (e.g. metad.rct).",
        show_default=False,
    ),
    columns: str = typer.Option(
        None,
        "--columns",
        help="COLVAR input: comma-separated variables [default: the first two besides time "
        "and bias columns].",
        show_default=False,
    ),
    n_blocks: int = typer.Option(
        10, "--blocks", help="Blocks for the error bars of basin populations (0: none).", min=0
    ),
    cluster: ClusterMethod = typer.Option(
        ClusterMethod.hdbscan,
        "--cluster",
        help="Clustering of the projection: hdbscan, density-peaks, adp (advanced density "
        "peaks), hierarchical (on landmarks) or kmeans (microstates).",
    ),
    n_clusters: int = typer.Option(
        None,
        "--n-clusters",
        help="Clusters for density-peaks (else automatic), hierarchical [2] and kmeans [100].",
        show_default=False,
        min=1,
    ),
    dc: float = typer.Option(
        None,
        "--dc",
        help="density-peaks cutoff distance [default: the 2% quantile of the distances].",
        show_default=False,
    ),
    adp_k: int = typer.Option(
        None,
        "--adp-k",
        help="adp: largest neighbourhood of the adaptive-k density [default: 30].",
        show_default=False,
        min=4,
    ),
    adp_z: float = typer.Option(
        None,
        "--adp-z",
        help="adp: significance Z of a peak above its saddle [default: 1.65].",
        show_default=False,
        min=0.0,
    ),
    halo: bool = typer.Option(
        False, "--halo", help="density-peaks/adp: label halo points -1 (noise)."
    ),
    linkage: str = typer.Option(
        "ward", "--linkage", help="hierarchical: ward, average, complete or single."
    ),
    units: Units = typer.Option(
        Units.kjmol, "--units", help="Energy units of the surface and basins: kJ/mol, kcal/mol, kT."
    ),
    fes_method: FesMethod = typer.Option(
        FesMethod.histogram,
        "--fes-method",
        help="Free-energy estimator: histogram (smoothed by --smooth) or kde.",
    ),
    bandwidth: str = typer.Option(
        "scott",
        "--bandwidth",
        help="KDE bandwidth: scott, silverman or a number in the variables' units.",
    ),
    fes_on: FesOn = typer.Option(
        FesOn.projection,
        "--fes-on",
        help="Axes of the surface and basins: the first two projections, or the first two "
        "dihedrals (phi/psi, a periodic torus).",
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        help="Run on a local Dask cluster with N worker processes (pip install 'trajlens[dask]').",
        min=1,
        show_default=False,
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Run on the Dask cluster at this address (tcp://host:8786); its workers must see "
        "the input files and --store under the same paths.",
        show_default=False,
    ),
    store: Path = typer.Option(
        None,
        "--store",
        help="Zarr feature store (features.zarr) to write, or to reuse when it already holds "
        "these features of these files; implies Dask.",
        show_default=False,
    ),
) -> None:
    """Project trajectories onto their principal components and find free-energy basins.

    Writes into --out: colvar.dat (PLUMED COLVAR format), projection.npz, features.npz,
    basins.csv, basin_<k>.pdb and basin_<k>_medoid.xtc (medoid structure of each basin),
    basin_<k>.xtc and basin_<k>_lowest.pdb (its lowest-free-energy frames), plumed.dat (the
    CVs for PLUMED 2.10), fes.png, projection.png and summary.json.
    """
    from trajlens.io import example_files
    from trajlens.pipeline import is_colvar, run_colvar, run_project

    start = time.perf_counter()
    reporter = RichReporter(quiet=quiet, verbose=verbose)
    try:
        if example is not None:
            if trajectories:
                _fail("give trajectory files or --example, not both")
            traj, top_file = example_files(example.value)
            trajectories, top = [traj], top_file
            out_dir = out_dir or Path(f"{example.value}_out")
        elif not trajectories:
            _fail("no trajectory given: expected one or more trajectory files, or --example ala2")
        out_dir = out_dir or Path("trajlens_out")
        if len(trajectories) == 1 and is_colvar(trajectories[0]):
            result = run_colvar(
                trajectories[0],
                out_dir,
                overwrite=overwrite,
                reporter=reporter,
                weights_from=weights_from,
                bias_offset=bias_offset,
                columns=[c.strip() for c in columns.split(",")] if columns else None,
                temperature=temperature,
                bins=bins,
                smooth=smooth,
                min_barrier=min_barrier,
                min_population=min_population,
                n_blocks=n_blocks,
                units=units.value,
                fes_method=fes_method.value,
                bandwidth=_bandwidth(bandwidth),
            )
        elif weights_from or bias_offset or columns:
            _fail("--weights-from, --bias-offset and --columns apply to a PLUMED COLVAR input")
        else:
            result = run_project(
                trajectories,
                top,
                out_dir,
                overwrite=overwrite,
                reporter=reporter,
                stride=stride,
                selection=select,
                chunk=chunk_size,
                distances=distances,
                features=features,
                n_components=n_components,
                temperature=temperature,
                bins=bins,
                smooth=smooth,
                min_barrier=min_barrier,
                min_population=min_population,
                min_cluster_size=min_cluster_size,
                random_state=seed,
                n_blocks=n_blocks,
                method=method.value,
                method_params={
                    "pca": {},
                    "tica": {"lag": lag},
                    "mds": {"n_landmarks": n_landmarks},
                    "sketchmap": {"n_landmarks": n_landmarks, "sigma": sigma},
                    "umap": {
                        "n_landmarks": n_landmarks,
                        "n_neighbors": n_neighbors,
                        "min_dist": min_dist,
                    },
                }[method.value],
                cluster=cluster.value,
                cluster_params={
                    "hdbscan": {},
                    "density-peaks": {"n_clusters": n_clusters, "dc": dc, "halo": halo},
                    "adp": {"k": adp_k, "Z": adp_z, "halo": halo},
                    "hierarchical": {"n_clusters": n_clusters, "linkage": linkage},
                    "kmeans": {"n_clusters": n_clusters},
                }[cluster.value],
                units=units.value,
                fes_method=fes_method.value,
                bandwidth=_bandwidth(bandwidth),
                fes_on=fes_on.value,
                dask=_dask_options(workers, scheduler, store, overwrite),
            )
    except TrajlensError as exc:
        if verbose:
            err.print_exception()
        _fail(str(exc))
    except KeyboardInterrupt:
        err.print("trajlens: interrupted; nothing was written")
        raise typer.Exit(130) from None
    if quiet:
        return
    if hasattr(result, "variables"):
        title = (
            f"trajlens project: {result.X.shape[0]} COLVAR rows, variables "
            f"{', '.join(result.variables)}, {time.perf_counter() - start:.1f} s"
        )
    else:
        title = (
            f"trajlens project: {result.trajectories.total_frames} frames, "
            f"{len(result.spec)} features, {time.perf_counter() - start:.1f} s"
        )
    table = Table(title=title)
    table.add_column("basin", justify="right")
    table.add_column("population", justify="right")
    table.add_column(f"ΔF ({result.surface.units})", justify="right")
    table.add_column(f"barrier ({result.surface.units})", justify="right")
    table.add_column("structure")
    for b in result.basins.basins:
        err_p = "" if b.population_error != b.population_error else f" ± {b.population_error:.3f}"
        err_f = (
            "" if b.free_energy_error != b.free_energy_error else f" ± {b.free_energy_error:.2f}"
        )
        table.add_row(
            str(b.label),
            f"{b.population:.3f}{err_p}",
            f"{b.free_energy:.2f}{err_f}",
            "—" if b.barrier == float("inf") else f"{b.barrier:.2f}",
            f"basin_{b.label}.pdb" if hasattr(result, "spec") else f"frame {b.representative}",
        )
    out.print(table)
    files = Table(title=f"outputs in {out_dir}")
    files.add_column("file")
    files.add_column("contents")
    for name, text in result.descriptions.items():
        files.add_row(name, text)
    out.print(files)


@app.command("featurize")
def featurize_command(
    trajectories: list[Path] = typer.Argument(..., help="Trajectory files, one or many."),
    top: Path = typer.Option(
        None, "--top", "-t", help="Topology (PDB, GRO, ...).", show_default=False
    ),
    features: str = typer.Option(
        ...,
        "--features",
        "-f",
        help="Feature spec: a file (JSON or text) or the text itself. Statements, separated "
        "by ';': phi psi omega chi1..chi4 [raw]; distances SEL; inverse_distances SEL; "
        "angles SEL; contacts SEL_A [SEL_B] [switch=rational|exp|gaussian r0= d0= nn= mm= "
        "name=]; rg SEL [name=]; mindist SEL_A SEL_B. SEL is a quoted mdtraj selection.",
    ),
    out_file: Path = typer.Option(
        Path("features.npz"),
        "--out",
        "-o",
        help="Output .npz (features, traj, frame, time, labels, spec as JSON).",
    ),
    stride: int = typer.Option(1, "--stride", help="Read every N-th frame.", min=1),
    select: str = typer.Option(
        None, "--select", help="mdtraj selection of the atoms to read.", show_default=False
    ),
    chunk_size: int = typer.Option(5000, "--chunk-size", help="Frames per chunk in memory.", min=1),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
    workers: int = typer.Option(
        None,
        "--workers",
        help="Run on a local Dask cluster with N worker processes (pip install 'trajlens[dask]').",
        min=1,
        show_default=False,
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Run on the Dask cluster at this address (tcp://host:8786); its workers must see "
        "the input files and --store under the same paths.",
        show_default=False,
    ),
    store: Path = typer.Option(
        None,
        "--store",
        help="Zarr feature store (features.zarr) to write, or to reuse when it already holds "
        "these features of these files; written instead of --out, on Dask.",
        show_default=False,
    ),
) -> None:
    """Compute a feature matrix (float32) from trajectories and save it as .npz."""
    import json

    import numpy as np

    from trajlens.exceptions import InputError
    from trajlens.featurize import featurize
    from trajlens.io import open_trajectories
    from trajlens.pipeline import resolve_spec

    try:
        if store is None and out_file.exists() and not overwrite:
            raise InputError(f"--out: {out_file} exists; give --overwrite to replace it")
        if not out_file.parent.is_dir():
            raise InputError(f"--out: folder {out_file.parent} does not exist")
        trajs = open_trajectories(
            trajectories, top, stride=stride, selection=select, chunk=chunk_size
        )
        spec = resolve_spec(features, trajs.topology)
        if store is not None:
            _featurize_store(trajs, spec, store, workers, scheduler, overwrite, chunk_size)
            return
        if workers is not None or scheduler is not None:
            raise InputError("--workers/--scheduler: give --store, the Zarr store to write")
        times: list = []
        X = featurize(trajs, spec, times=times)
        tmp = out_file.with_name(f".{out_file.name}.tmp")
        try:
            with open(tmp, "wb") as handle:
                np.savez_compressed(
                    handle,
                    features=np.concatenate(X),
                    traj=np.concatenate([np.full(len(x), i) for i, x in enumerate(X)]),
                    frame=np.concatenate([np.arange(len(x)) for x in X]),
                    time=np.concatenate(times),
                    labels=np.array(spec.labels),
                    spec=np.array(json.dumps(spec.to_dict())),
                )
            os.replace(tmp, out_file)
        finally:
            tmp.unlink(missing_ok=True)
    except TrajlensError as exc:
        _fail(str(exc))
    out.print(
        f"trajlens featurize: {sum(len(x) for x in X)} frames x {len(spec)} features -> {out_file}"
    )


def _dask_options(workers, scheduler, store, overwrite) -> dict | None:
    """The ``dask`` argument of ``run_project``: None unless a Dask option was given."""
    if workers is None and scheduler is None and store is None:
        return None
    return {
        "workers": workers,
        "scheduler": scheduler,
        "store": store,
        "overwrite_store": overwrite,
    }


def _featurize_store(trajs, spec, store, workers, scheduler, overwrite, chunk) -> None:
    """``trajlens featurize --store``: featurize on Dask into a Zarr store."""
    from trajlens.parallel import dask_client, featurize_to_store

    start = time.perf_counter()
    with dask_client(workers, scheduler) as client:
        result = featurize_to_store(trajs, spec, store, client, chunk=chunk, overwrite=overwrite)
    out.print(
        f"trajlens featurize: {sum(result.n_frames)} frames x {result.n_features} features -> "
        f"{store} ({time.perf_counter() - start:.1f} s)"
    )


@app.command("cv")
def cv_command(
    trajectories: list[Path] = typer.Argument(..., help="Trajectory files, one or many."),
    top: Path = typer.Option(
        None, "--top", "-t", help="Topology (PDB, GRO, ...).", show_default=False
    ),
    out_dir: Path = typer.Option(
        Path("trajlens_cv"), "--out", "-o", help="Output folder, written all or nothing."
    ),
    cvs: str = typer.Option(
        "hlda,path",
        "--cv",
        help="CVs to build, comma separated: pca, tica, lda, hlda, path (PATHMSD through the "
        "basins' representatives), fpath (PATH in feature space), map (property map of "
        "a sketch-map/UMAP/MDS projection), ann (network reproducing the projection).",
    ),
    method: str = typer.Option(
        "pca",
        "--method",
        help="Projection whose basins are separated: pca, tica, mds, sketchmap or umap.",
    ),
    rank_by: str = typer.Option(
        "hlda", "--rank-by", help="Score the ranking is sorted by: fisher, hlda, mutual_info, tica."
    ),
    features: str = typer.Option(
        None, "--features", "-f", help="Feature spec (file or text).", show_default=False
    ),
    distances: str = typer.Option(
        None, "--distances", help="Add pair distances of this selection.", show_default=False
    ),
    select: str = typer.Option(
        None, "--select", help="mdtraj selection of the atoms to read.", show_default=False
    ),
    stride: int = typer.Option(1, "--stride", help="Read every N-th frame.", min=1),
    temperature: float = typer.Option(300.0, "--temperature", help="Temperature in K."),
    lag: int = typer.Option(1, "--lag", help="TICA lag in frames (ranking, tica CV).", min=1),
    n_expected: int = typer.Option(
        100, "--n-expected", help="Frames in expected_colvar.dat.", min=1
    ),
    vector: bool = typer.Option(
        None,
        "--vector/--no-vector",
        help="PLUMED 2.10 vector actions for linear CVs (default: when > 50 features).",
        show_default=False,
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty --out."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Rank features for separating the basins, build CVs and export them for PLUMED 2.10."""
    from trajlens.pipeline_cv import run_cv

    try:
        result = run_cv(
            trajectories,
            top,
            out_dir,
            overwrite=overwrite,
            reporter=RichReporter(quiet=quiet),
            cvs=cvs,
            rank_by=rank_by,
            n_expected=n_expected,
            lag=lag,
            vector=vector,
            method=method,
            features=features,
            distances=distances,
            selection=select,
            stride=stride,
            temperature=temperature,
        )
    except TrajlensError as exc:
        _fail(str(exc))
    _print_export(result.export, out_dir / "plumed", ranking=result.ranking)


def _print_export(export, folder: Path, ranking=None) -> None:
    if ranking is not None:
        table = Table(title=f"top features (by {ranking.by})")
        table.add_column("rank", justify="right")
        table.add_column("feature")
        for name in ranking.scores:
            table.add_column(name, justify="right")
        rows = ranking.to_table()
        for i in range(min(10, len(ranking.order))):
            table.add_row(
                str(rows["rank"][i]),
                str(rows["feature"][i]),
                *[f"{rows[n][i]:.3g}" for n in ranking.scores],
            )
        out.print(table)
    table = Table(title=f"PLUMED export in {folder}")
    table.add_column("CV output")
    table.add_column("max |evaluated - trajlens|", justify="right")
    table.add_column("sigma in basins", justify="right")
    for name, dev in export.deviation.items():
        table.add_row(name, f"{dev:.2e}", f"{export.sigma.get(name, float('nan')):.4g}")
    out.print(table)
    for label, error in export.fit_error.items():
        out.print(f"{label}: RMS fitting error to the projection {error:.4g}")


@app.command("export-plumed")
def export_plumed_command(
    project_dir: Path = typer.Argument(..., help="Output folder of 'trajlens project'."),
    out_dir: Path = typer.Option(
        Path("plumed_export"), "--out", "-o", help="Folder for plumed.dat and its files."
    ),
    cvs: str = typer.Option(
        None,
        "--cv",
        help="CVs (pca, tica, lda, hlda, path, fpath, map, ann) (default: the project's projection: "
        "itself if linear, map and ann otherwise).",
        show_default=False,
    ),
    n_expected: int = typer.Option(
        100, "--n-expected", help="Frames in expected_colvar.dat.", min=1
    ),
    vector: bool = typer.Option(
        None,
        "--vector/--no-vector",
        help="PLUMED 2.10 vector actions for linear CVs (default: when > 50 features).",
        show_default=False,
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty --out."),
) -> None:
    """Export the CVs of a 'trajlens project' folder as a self-contained PLUMED folder."""
    from trajlens.pipeline_cv import run_export_plumed

    try:
        export = run_export_plumed(
            project_dir, out_dir, cvs=cvs, n_expected=n_expected, vector=vector, overwrite=overwrite
        )
    except TrajlensError as exc:
        _fail(str(exc))
    _print_export(export, out_dir)


def main() -> None:
    """Entry point of the ``trajlens`` console script."""
    if os.environ.get("TRAJLENS_DEBUG"):
        app()
        return
    try:
        app()
    except TrajlensError as exc:  # raised outside a command (should not happen)
        err.print(f"trajlens: error: {exc}", markup=False)
        sys.exit(1)
