"""trajlens.parallel on a real dask.distributed LocalCluster: 2 worker processes on loopback.

Every result is compared with the single-process code path on the same inputs: features
exactly, PCA/TICA to floating-point rounding, cluster and basin labels exactly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("zarr")

import trajlens
from trajlens import parallel
from trajlens.cluster import HDBSCAN
from trajlens.exceptions import InputError, OutputError
from trajlens.featurize import featurize, parse_spec
from trajlens.fes import estimate, find_basins
from trajlens.io import open_trajectories
from trajlens.pipeline import compute_project
from trajlens.reduce import MDS, PCA, TICA

SPEC = 'phi psi; distances "name CA C N"; rg "mass > 2"'

# Merged float64 moments add the same numbers in another order than a single pass; the
# difference is rounding, a few ulps of O(1) quantities, far below 1e-9.
ATOL = 1e-9


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    # the workers import the same trajlens as this process (a checkout, not an installed copy)
    root = str(Path(trajlens.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env={"PYTHONPATH": path},
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, ala2):
    """Three trajectories of unequal length: two XTC (seekable) and one HDF5 (streamed)."""
    folder = tmp_path_factory.mktemp("dask_inputs")
    paths = [folder / "a.xtc", folder / "b.xtc", folder / "c.h5"]
    ala2[:1301].save_xtc(str(paths[0]))
    ala2[3000:3757].save_xtc(str(paths[1]))
    ala2[6000:6403].save_hdf5(str(paths[2]))
    ala2[0].save_pdb(str(folder / "top.pdb"))
    return paths, folder / "top.pdb"


@pytest.fixture(scope="module")
def trajs(inputs):
    paths, top = inputs
    # stride 2 and a selection exercise the seek arithmetic and the atom mapping
    return open_trajectories(paths, top, stride=2, selection="mass > 2", chunk=100)


@pytest.fixture(scope="module")
def spec(trajs):
    return parse_spec(SPEC, trajs.topology)


@pytest.fixture(scope="module")
def reference(trajs, spec):
    times: list = []
    return featurize(trajs, spec, times=times), times


@pytest.fixture(scope="module")
def store(client, trajs, spec, tmp_path_factory):
    path = tmp_path_factory.mktemp("dask_store") / "features.zarr"
    return parallel.featurize_to_store(trajs, spec, path, client, chunk=128)


def test_features_equal_single_process_exactly(store, reference, trajs, spec):
    X, T = store.load()
    ref_X, ref_T = reference
    assert [x.shape[0] for x in X] == list(trajs.n_frames) == [651, 379, 202]
    for ours, ref in zip(X, ref_X, strict=True):
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours, ref)
    for ours, ref in zip(T, ref_T, strict=True):
        np.testing.assert_array_equal(ours, ref)
    # the store is self-describing: spec, sources and stride travel with it
    assert store.spec() == spec
    assert store.meta["stride"] == 2 and store.meta["complete"] is True
    assert [Path(s["path"]).name for s in store.meta["sources"]] == ["a.xtc", "b.xtc", "c.h5"]


def test_store_is_reused_and_protected(client, store, trajs, spec):
    def stamps():
        return {p: p.stat().st_mtime_ns for p in store.path.rglob("*") if p.is_file()}

    before = stamps()
    again = parallel.featurize_to_store(trajs, spec, store.path, client, chunk=128)
    assert stamps() == before  # nothing rewritten
    assert again.meta == store.meta
    other = parse_spec("phi psi", trajs.topology)
    with pytest.raises(OutputError, match="--overwrite"):
        parallel.featurize_to_store(trajs, other, store.path, client, chunk=128)


def test_failed_featurization_leaves_nothing(client, trajs, tmp_path):
    # an atom outside the selection fails on the workers, after the store was started
    bad = parse_spec('distances "name H1 CH3"', trajs.topology)
    target = tmp_path / "bad.zarr"
    with pytest.raises(InputError, match="outside the selection"):
        parallel.featurize_to_store(trajs, bad, target, client, chunk=128)
    assert list(tmp_path.iterdir()) == []


def test_incomplete_store_is_refused(store, tmp_path):
    import shutil

    import zarr

    copy = tmp_path / "copy.zarr"
    shutil.copytree(store.path, copy)
    group = zarr.open_group(str(copy), mode="r+")
    group.attrs["trajlens_store"] = dict(store.meta, complete=False)
    with pytest.raises(InputError, match="incomplete"):
        parallel.open_store(copy)
    with pytest.raises(InputError, match="not a feature store"):
        parallel.open_store(tmp_path / "missing.zarr")


def test_pca_equals_single_process(client, store, reference):
    ours = parallel.fit_pca(store, client, n_components=3)
    ref = PCA(n_components=3).fit(reference[0])
    np.testing.assert_allclose(ours.mean_, ref.mean_, atol=ATOL)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=ATOL)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-9)
    assert ours.n_samples_seen_ == ref.n_samples_seen_


@pytest.mark.parametrize("lag", [3, 300])  # a lag below and above the 128-frame chunk
def test_tica_equals_single_process(client, store, reference, lag):
    ours = parallel.fit_tica(store, client, TICA(lag=lag, n_components=3))
    ref = TICA(lag=lag, n_components=3).fit(reference[0])
    # no pair spans two trajectories: sum of (n_i - lag) over the trajectories long enough
    assert ours.n_pairs_ == ref.n_pairs_ == sum(max(len(x) - lag, 0) for x in reference[0])
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, atol=ATOL)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-7)
    np.testing.assert_allclose(ours.mean_, ref.mean_, atol=ATOL)


def test_projection_clusters_and_basins_equal(client, store, reference):
    X = reference[0]
    model = PCA(n_components=2).fit(X)
    projection, futures = parallel.project(store, client, model)
    for ours, ref in zip(projection, model.transform(X), strict=True):
        np.testing.assert_allclose(ours, ref, atol=1e-5)  # float32 output, as transform
    coords = np.concatenate(projection).astype(np.float64)
    # fewer fit samples than frames: the tree is built on a seeded subset and every frame is
    # labelled by approximate_predict, on the workers here and in-process in the reference
    est = HDBSCAN(max_fit_samples=400, random_state=3)
    ours = parallel.cluster_hdbscan(client, coords, futures, est)
    ref = HDBSCAN(max_fit_samples=400, random_state=3).fit(coords)
    assert ref.n_clusters_ >= 2
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.probabilities_, ref.probabilities_, atol=1e-12)
    basins = find_basins(estimate(coords, bins=30), coords)
    assert len(basins) >= 2
    np.testing.assert_array_equal(
        parallel.assign_basins(client, basins, futures), basins.frame_labels
    )


def test_landmarks_from_all_trajectories(client, store, reference):
    X = np.concatenate(reference[0])
    sample, step = parallel.gather_sample(store, client, max_samples=100)
    assert step == int(np.ceil(len(X) / 100))
    np.testing.assert_array_equal(np.concatenate(sample), X[::step])
    assert len(sample) == 3  # every trajectory contributes
    # with every frame gathered, the landmark fit and its out-of-sample map equal the
    # single-process ones
    kw = dict(n_components=2, n_landmarks=60, random_state=0)
    ours = parallel.fit_landmark_model(store, client, MDS(**kw), max_samples=10**6)
    ref = MDS(**kw).fit(reference[0])
    np.testing.assert_array_equal(ours.landmark_indices_, ref.landmark_indices_)
    np.testing.assert_allclose(ours.embedding_, ref.embedding_, atol=1e-9)
    projection, _ = parallel.project(store, client, ours)
    np.testing.assert_allclose(np.concatenate(projection), ref.transform(X), atol=1e-6)


def test_project_workflow_equals_single_process(client, ala2_short, tmp_path):
    xtc, pdb = ala2_short
    kw = dict(features="phi psi", chunk=128, method="tica", method_params={"lag": 5})
    ref = compute_project(xtc, pdb, **kw)
    path = tmp_path / "f.zarr"
    ours = compute_project(xtc, pdb, dask={"client": client, "store": path}, **kw)
    np.testing.assert_allclose(
        np.concatenate(ours.projection), np.concatenate(ref.projection), atol=1e-5
    )
    np.testing.assert_array_equal(ours.clusters, ref.clusters)
    np.testing.assert_array_equal(ours.basins.frame_labels, ref.basins.frame_labels)
    assert [b.representative for b in ours.basins.basins] == [
        b.representative for b in ref.basins.basins
    ]
    assert parallel.open_store(path).n_frames == (600,)  # kept for the next run


def _cli(*args):
    """``trajlens ARGS`` in this process (typer's runner): no interpreter start-up to pay."""
    from typer.testing import CliRunner

    from trajlens.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_featurize_store_and_project_on_a_scheduler(client, tmp_path, ala2_short):
    import zarr

    xtc, pdb = ala2_short
    store, address = tmp_path / "f.zarr", client.scheduler.address
    common = ("--top", pdb, "--chunk-size", 128, "--scheduler", address, "--store", store)
    proc = _cli("featurize", xtc, "-f", "phi psi", *common)
    assert proc.exit_code == 0, proc.output
    assert "600 frames x 4 features" in proc.output
    meta = zarr.open_group(str(store), mode="r").attrs["trajlens_store"]
    assert meta["complete"] is True and meta["chunk"] == 128
    trajs = open_trajectories(xtc, pdb)
    X = parallel.open_store(store).features(0)
    np.testing.assert_array_equal(X, featurize(trajs, parse_spec("phi psi", trajs.topology))[0])
    # project reuses the store and writes the usual outputs
    proc = _cli("project", xtc, "--features", "phi psi", *common, "--out", tmp_path / "o", "-q")
    assert proc.exit_code == 0, proc.output
    ref = compute_project(xtc, pdb, features="phi psi")
    ours = np.load(tmp_path / "o" / "projection.npz")
    np.testing.assert_allclose(ours["projection"], np.concatenate(ref.projection), atol=1e-5)
    np.testing.assert_array_equal(ours["basin"], ref.basins.frame_labels)


def test_cli_dask_options_need_a_store(tmp_path, ala2_short):
    xtc, pdb = ala2_short
    out = tmp_path / "f.npz"
    proc = _cli("featurize", xtc, "--top", pdb, "-f", "phi psi", "--workers", 2, "--out", out)
    assert proc.exit_code == 1
    assert "--store" in proc.output and "Traceback" not in proc.output
    assert not out.exists()
